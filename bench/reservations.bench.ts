/**
 * File reservations: 50 agents hold 10 exclusive reservations each (500 live in the team).
 * Measures the edit guard's question (`GET /api/v1/reservations/check`, what `switchboard hook
 * claude` asks before every edit) and a `POST /reservations` that is checked against all 500;
 * then 50 agents race for one exclusive glob at once, 20 rounds, overlapping globs each round.
 * Targets: check p99 < 20 ms; exactly one winner per round.
 */
import { apiClient, type BenchRow, fmt, now, report, startServerProcess, summarize } from './lib.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 50);
const EACH = 10;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 1000);
const ROUNDS = 20;

const server = await startServerProcess();
const rows: BenchRow[] = [];
try {
  const setup = apiClient(server.url, null);
  for (let i = 0; i < AGENTS; i++) await setup.call('POST', '/join', { name: `dev-${i}` });
  setup.close();
  const clients = Array.from({ length: AGENTS }, (_, i) => apiClient(server.url, `dev-${i}`, 4));
  await Promise.all(
    clients.map(async (c, i) => {
      const paths = Array.from({ length: EACH }, (_, j) => `pkg${i}/mod${j}/**/*.{ts,tsx}`);
      const r = await c.call('POST', '/reservations', { paths, reason: `work of dev-${i}` });
      if (r.status !== 201) throw new Error(`reserve: HTTP ${r.status} ${JSON.stringify(r.json)}`);
    }),
  );

  // The guard's check, one at a time (as a hook runs), half on reserved files, half on free ones.
  const checker = clients[0] as (typeof clients)[number];
  const checks: number[] = [];
  let denied = 0;
  for (let k = 0; k < SAMPLES; k++) {
    const i = 1 + (k % (AGENTS - 1));
    const path = k % 2 ? `pkg${i}/mod${k % EACH}/src/file${k}.ts` : `free/dir${k}/file.ts`;
    const t0 = now();
    const r = await checker.call('GET', `/reservations/check?path=${encodeURIComponent(path)}`);
    checks.push(now() - t0);
    if (r.json.allowed === false) denied += 1;
  }
  const c = summarize(checks.sort((a, b) => a - b));
  rows.push({
    bench: 'reservations',
    name: `edit check (GET /reservations/check) with ${AGENTS * EACH} live reservations`,
    values: { ...c, denied },
    unit: 'ms',
    figure: `p50 ${fmt(c.p50)} ms, p99 ${fmt(c.p99)} ms, max ${fmt(c.max)} ms (${c.n} checks, ${denied} denied)`,
    target: 'p99 < 20 ms',
    ok: c.p99 < 20 && denied === SAMPLES / 2,
  });

  // A create checked against every live reservation of the others, renewed each time.
  const creates: number[] = [];
  for (let k = 0; k < 200; k++) {
    const t0 = now();
    const r = await checker.call('POST', '/reservations', { paths: [`solo/part${k % 20}/**`, 'solo/**/*.md'] });
    creates.push(now() - t0);
    if (r.status !== 201) throw new Error(`create: HTTP ${r.status} ${JSON.stringify(r.json)}`);
  }
  const cr = summarize(creates.sort((a, b) => a - b));
  rows.push({
    bench: 'reservations',
    name: `reserve 2 globs against ${AGENTS * EACH} live reservations (POST /reservations)`,
    values: cr,
    unit: 'ms',
    figure: `p50 ${fmt(cr.p50)} ms, p99 ${fmt(cr.p99)} ms, max ${fmt(cr.max)} ms (${cr.n} calls)`,
  });

  // Everyone at once for overlapping globs: one winner per round.
  let badRounds = 0;
  const t0 = now();
  for (let round = 0; round < ROUNDS; round++) {
    const results = await Promise.all(
      clients.map((cl, i) =>
        cl.call('POST', '/reservations', { paths: [i % 2 ? `race${round}/**/*.ts` : `race${round}/api/**`] }),
      ),
    );
    const won = results.filter((r) => r.status === 201).length;
    const lost = results.filter((r) => r.status === 409).length;
    if (won !== 1 || lost !== AGENTS - 1) badRounds += 1;
  }
  const seconds = (now() - t0) / 1000;
  rows.push({
    bench: 'reservations',
    name: `${AGENTS} agents racing for overlapping exclusive globs, ${ROUNDS} rounds`,
    values: { badRounds, rounds: ROUNDS, callsPerSecond: (AGENTS * ROUNDS) / seconds },
    unit: 'rounds',
    figure: `${ROUNDS - badRounds}/${ROUNDS} rounds with exactly one winner (${fmt((AGENTS * ROUNDS) / seconds)} calls/s)`,
    target: 'one winner every round',
    ok: badRounds === 0,
  });
  for (const cl of clients) cl.close();
} finally {
  await server.stop();
}
report(rows);
process.exit(0);
