/**
 * A client that never reads: one agent opens its MCP GET stream (raw HTTP) and stops reading
 * it, as a stuck or suspended client would; 20,000 messages of 2 KB are then sent to it over
 * the JSON API. The row gives the server's RSS before and after (and its peak, sampled), what
 * the roster says of the agent, how much of the growth came in the second half of the sends (a bounded
 * backlog stops growing; an unbounded one keeps on), whether `/healthz` and another agent's call still answer, and
 * how much of the mail is in the stuck agent's inbox. A second row sends the same mail to an
 * agent with no session on a fresh server: the growth any 20,000 sends cause (heap, caches).
 * Target: under 64 MB of RSS growth (a stream not read gets a bounded backlog, then no pushes).
 */
import { openStuckStream, type StuckStream } from '../test/helpers/stuck-stream.js';
import { apiClient, type BenchRow, fmt, now, report, sleep, startServerProcess } from './lib.js';

const MESSAGES = Number(process.env.BENCH_STUCK_MESSAGES ?? 20_000);
const BODY = 'x'.repeat(2048);
const LOOPS = 8;
const TARGET_MB = 64;

async function run(withStream: boolean): Promise<BenchRow> {
  const server = await startServerProcess();
  try {
    const anonymous = apiClient(server.url, null, 1);
    for (const name of ['sender', 'other', 'stuck']) await anonymous.call('POST', '/join', { name });
    anonymous.close();
    const sender = apiClient(server.url, 'sender', LOOPS);
    const other = apiClient(server.url, 'other', 1);
    let stuck: StuckStream | undefined;
    if (withStream) stuck = await openStuckStream(server.url, 'stuck');
    await sleep(1000);
    const before = server.rssMb();

    const t0 = now();
    let next = 0;
    let failed = 0;
    let peak = before;
    let mid = before;
    await Promise.all(
      Array.from({ length: LOOPS }, async () => {
        while (next < MESSAGES) {
          next += 1;
          const r = await sender.call('POST', '/messages', { to: 'stuck', message: BODY });
          if (r.status !== 201 && failed++ === 0) console.error('send failed:', r.status, JSON.stringify(r.json));
          if (next % 500 === 0) peak = Math.max(peak, server.rssMb());
          if (next === MESSAGES / 2) mid = server.rssMb();
        }
      }),
    );
    const sendSeconds = (now() - t0) / 1000;
    await sleep(2000);
    const after = server.rssMb();
    peak = Math.max(peak, after);

    // The server keeps answering: /healthz and another agent's call, timed once each.
    const h0 = now();
    const health = await fetch(`${server.url}/healthz`);
    const healthMs = now() - h0;
    const o0 = now();
    const roster = await other.call('GET', '/teammates');
    const otherMs = now() - o0;
    const row = (roster.json?.teammates ?? []).find((t: { name: string }) => t.name === 'stuck');
    const reader = apiClient(server.url, 'stuck', 1);
    const inbox = await reader.call('GET', '/inbox?limit=1');
    const unread = Number(inbox.json?.unread);
    reader.close();
    await stuck?.close();
    sender.close();
    other.close();

    const growth = peak - before;
    const said = row?.pushPaused ? 'push paused: stream not read' : `reach by ${row?.reachable ?? '?'}`;
    return {
      bench: 'stuck-stream',
      name: withStream
        ? `server RSS, ${fmt(MESSAGES)} messages of 2 KB to one agent whose GET stream is never read`
        : `server RSS, the same ${fmt(MESSAGES)} messages to an agent with no session (for comparison)`,
      values: {
        beforeMb: before,
        midMb: mid,
        afterMb: after,
        peakMb: peak,
        growthMb: growth,
        secondHalfMb: after - mid,
        sendSeconds,
        failed,
        unread,
      },
      unit: 'MB',
      figure: `${fmt(before)} → ${fmt(after)} MB (peak ${fmt(peak)}, **growth ${fmt(growth)} MB**, ${fmt(after - mid)} MB of it over the second half); sent in ${fmt(sendSeconds)} s, ${failed} failed, ${fmt(unread)} unread in its inbox; roster: "${said}"; then /healthz ${health.status} in ${fmt(healthMs)} ms, another agent's roster call ${roster.status} in ${fmt(otherMs)} ms`,
      ...(withStream && {
        target: `growth < ${TARGET_MB} MB`,
        ok: growth < TARGET_MB && failed === 0 && health.ok && row?.pushPaused === true,
      }),
      note: 'RSS from /proc; peak sampled every 500 sends; 8 concurrent API senders',
    };
  } finally {
    await server.stop();
  }
}

report([await run(true), await run(false)]);
process.exit(0);
