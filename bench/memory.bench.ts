/**
 * Memory and idle cost: the server's resident memory with 1,000 open MCP sessions (1,000
 * agents, each a real SDK client with its GET stream open), and the server's CPU use while
 * all 1,000 have a `teammate_wait_for_messages` call parked. No targets are set for these;
 * idle waiting should cost next to nothing.
 */
import { type BenchRow, connectMany, fmt, type McpAgent, report, sleep, startServerProcess } from './lib.js';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 1000);
/** Long enough to cover a full cycle of progress notifications (20 s) and SSE keep-alives (30 s). */
const IDLE_SECONDS = 35;

const server = await startServerProcess();
const rows: BenchRow[] = [];
try {
  await sleep(500);
  const baseline = server.rssMb();
  const agents: McpAgent[] = await connectMany(server.url, 'm', SESSIONS, 50);
  await sleep(1000);
  const withSessions = server.rssMb();

  const idle0 = server.cpuMs();
  await sleep(IDLE_SECONDS * 1000);
  const sessionsIdleCores = (server.cpuMs() - idle0) / (IDLE_SECONDS * 1000);

  let stop = false;
  const waits = agents.map(async (a) => {
    while (!stop) {
      await a.client
        .callTool({ name: 'teammate_wait_for_messages', arguments: { timeout: 120 } }, undefined, {
          onprogress: () => {},
          timeout: 600_000,
        })
        .catch(() => {});
    }
  });
  await sleep(2000);
  const cpu0 = server.cpuMs();
  await sleep(IDLE_SECONDS * 1000);
  const idleCores = (server.cpuMs() - cpu0) / (IDLE_SECONDS * 1000);
  const withWaits = server.rssMb();

  rows.push({
    bench: 'memory',
    name: `server RSS with ${SESSIONS} open MCP sessions`,
    values: {
      rssMb: withSessions,
      baselineMb: baseline,
      perSessionKb: ((withSessions - baseline) * 1024) / SESSIONS,
      withParkedWaitsMb: withWaits,
    },
    unit: 'MB',
    figure: `${fmt(withSessions)} MB (${fmt(baseline)} MB with none; ${fmt(((withSessions - baseline) * 1024) / SESSIONS)} KB per session; ${fmt(withWaits)} MB with a wait parked on each)`,
    note: 'RSS after start-up and migration, then after the sessions connect, then with a wait parked on each',
  });
  rows.push({
    bench: 'memory',
    name: `server CPU, idle, with ${SESSIONS} sessions open / with a wait parked on each`,
    values: { sessionsOnly: sessionsIdleCores, withWaits: idleCores },
    unit: 'cores',
    figure: `${fmt(sessionsIdleCores * 100)}% / ${fmt(idleCores * 100)}% of one core`,
    note: `each measured over ${IDLE_SECONDS} s; includes SSE keep-alives and the progress notifications sent to each waiting call`,
  });
  stop = true;
  // Wake every waiter so the loops end, then close.
  await Promise.race([Promise.all(waits), sleep(1000)]);
  await Promise.all(agents.map((a) => a.close().catch(() => {})));
} finally {
  await server.stop();
}
report(rows);
process.exit(0);
