/**
 * Claim contention: 100 agents (real MCP clients) race for 1,000 open tasks, each calling
 * `task_claim` with no task ("claim the next ready one") until none is left. Reports claims
 * per second and counts double claims two ways: a task won by more than one agent in the
 * clients' results, and a task whose event log holds more than one `claimed` event.
 * Target: zero double claims, every task claimed exactly once.
 */
import { resultData } from '../mcp/results.js';
import { apiClient, type BenchRow, connectMany, fmt, now, report, startServerProcess } from './lib.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 100);
const TASKS = Number(process.env.BENCH_TASKS ?? 1000);

const server = await startServerProcess();
const rows: BenchRow[] = [];
try {
  const setup = apiClient(server.url, null);
  await setup.call('POST', '/join', { name: 'lead' });
  setup.close();
  const lead = apiClient(server.url, 'lead', 16);
  // Create the tasks 16 at a time over the API.
  for (let i = 0; i < TASKS; i += 16) {
    await Promise.all(
      Array.from({ length: Math.min(16, TASKS - i) }, async (_, j) => {
        const r = await lead.call('POST', '/tasks', { title: `Task ${i + j}` });
        if (r.status !== 201) throw new Error(`create task: HTTP ${r.status} ${JSON.stringify(r.json)}`);
      }),
    );
  }
  const agents = await connectMany(server.url, 'claimer-', AGENTS);
  const wonBy = new Map<string, string[]>();
  let errors = 0;
  const t0 = now();
  await Promise.all(
    agents.map(async (a) => {
      for (;;) {
        const r = await a.client.callTool({ name: 'task_claim', arguments: {} });
        const s = resultData(r);
        if (r.isError) {
          if (s?.error?.code === 'not_found') return;
          errors += 1;
          continue;
        }
        const id = s.id as string;
        wonBy.set(id, [...(wonBy.get(id) ?? []), a.name]);
      }
    }),
  );
  const elapsed = (now() - t0) / 1000;
  const claimed = wonBy.size;
  const doubleInResults = [...wonBy.values()].filter((w) => w.length > 1).length;

  // The server's own record: every task in progress, one `claimed` event each.
  let doubleInLog = 0;
  let inProgress = 0;
  let cursor: string | null = null;
  do {
    const page: { json: any } = await lead.call(
      'GET',
      `/tasks?status=in_progress&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    inProgress += page.json.tasks.length;
    cursor = page.json.nextCursor;
  } while (cursor);
  for (const id of [...wonBy.keys()].slice(0, TASKS)) {
    const d = await lead.call('GET', `/tasks/${id}`);
    const claims = (d.json.events as { type: string }[]).filter((e) => e.type === 'claimed').length;
    if (claims > 1) doubleInLog += 1;
  }
  lead.close();
  await Promise.all(agents.map((a) => a.close()));

  const double = doubleInResults + doubleInLog;
  rows.push({
    bench: 'claims',
    name: `${AGENTS} agents racing for ${TASKS} tasks (task_claim over MCP)`,
    values: {
      claimsPerSecond: claimed / elapsed,
      claimed,
      inProgress,
      doubleClaims: double,
      errors,
      seconds: elapsed,
    },
    unit: 'claims/s',
    figure: `${fmt(claimed / elapsed)} claims/s; ${claimed} claimed, ${double} double claims, ${errors} errors`,
    target: `0 double claims, ${TASKS} claimed`,
    ok: double === 0 && claimed === TASKS && inProgress === TASKS && errors === 0,
  });
} finally {
  await server.stop();
}
report(rows);
process.exit(0);
