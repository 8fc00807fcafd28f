/**
 * A client that never reads: one agent opens its MCP GET stream (raw HTTP) and stops reading
 * it, as a stuck or suspended client would; 20,000 messages of 2 KB are then sent to it over
 * the JSON API. The row gives the server's RSS before and after, whether `/healthz` and
 * another agent's calls still answer, and whether every message is in the stuck agent's inbox.
 * Target: under 64 MB of RSS growth (a stream not read gets a bounded backlog, then no pushes).
 */
import { openStuckStream } from '../test/helpers/stuck-stream.js';
import { apiClient, type BenchRow, fmt, now, report, sleep, startServerProcess } from './lib.js';

const MESSAGES = Number(process.env.BENCH_STUCK_MESSAGES ?? 20_000);
const BODY = 'x'.repeat(2048);
const LOOPS = 8;
const TARGET_MB = 64;

const server = await startServerProcess();
const rows: BenchRow[] = [];
try {
  const sender = apiClient(server.url, 'sender', LOOPS);
  const other = apiClient(server.url, 'other', 1);
  const anonymous = apiClient(server.url, null, 1);
  for (const name of ['sender', 'other']) await anonymous.call('POST', '/join', { name });
  anonymous.close();
  const stuck = await openStuckStream(server.url, 'stuck');
  await sleep(1000);
  const before = server.rssMb();

  const t0 = now();
  let next = 0;
  let failed = 0;
  let peak = before;
  await Promise.all(
    Array.from({ length: LOOPS }, async () => {
      while (next < MESSAGES) {
        next += 1;
        const r = await sender.call('POST', '/messages', { to: 'stuck', message: BODY });
        if (r.status !== 201 && failed++ === 0) console.error('send failed:', r.status, JSON.stringify(r.json));
        if (next % 500 === 0) peak = Math.max(peak, server.rssMb());
      }
    }),
  );
  const sendSeconds = (now() - t0) / 1000;
  await sleep(2000);
  const after = server.rssMb();
  peak = Math.max(peak, after);

  // The server keeps answering: another agent's call and /healthz, timed once each.
  const h0 = now();
  const health = await fetch(`${server.url}/healthz`);
  const healthMs = now() - h0;
  const o0 = now();
  const roster = await other.call('GET', '/teammates');
  const otherMs = now() - o0;
  const stuckRow = (roster.json?.teammates ?? []).find((t: { name: string }) => t.name === 'stuck');
  const inbox = await apiClient(server.url, 'stuck', 1).call('GET', '/inbox?limit=1');
  const unread = inbox.json ? inbox.json.messages.length + inbox.json.unread : Number.NaN;

  const growth = peak - before;
  rows.push({
    bench: 'stuck-stream',
    name: `server RSS, ${fmt(MESSAGES)} messages of 2 KB to one agent whose GET stream is never read`,
    values: { beforeMb: before, afterMb: after, peakMb: peak, growthMb: growth, sendSeconds, failed, unread },
    unit: 'MB',
    figure: `${fmt(before)} → ${fmt(after)} MB (peak ${fmt(peak)}, growth ${fmt(growth)} MB); sent in ${fmt(sendSeconds)} s, ${failed} failed; /healthz ${health.status} in ${fmt(healthMs)} ms, another agent's roster call in ${fmt(otherMs)} ms; roster says "${stuckRow?.push ?? stuckRow?.reachable ?? '?'}"; ${fmt(unread)} unread in the inbox`,
    target: `growth < ${TARGET_MB} MB`,
    ok: growth < TARGET_MB && failed === 0 && health.ok,
    note: 'RSS from /proc; peak sampled every 500 sends',
  });
  await stuck.close();
  sender.close();
  other.close();
} finally {
  await server.stop();
}
report(rows);
process.exit(0);
