/**
 * Delivery latency: from the moment a sender calls `teammate_send_message` to the moment the
 * recipient's MCP client has the message, via push (the `notifications/claude/channel`
 * notification on its GET stream) and via a parked `teammate_wait_for_messages` call.
 * 2, 10 and 100 connected agents; sends one at a time between random pairs, so each sample
 * is a latency, not a queue. A message not seen within 5 s counts as lost.
 * Target: p99 under 10 ms at 100 agents.
 */
import {
  type BenchRow,
  connectMany,
  fmt,
  type McpAgent,
  now,
  report,
  sleep,
  startServerProcess,
  summarize,
} from './lib.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 500);
const WARMUP = 50;
const TARGET_P99_MS = 10;
const SEEN_TIMEOUT_MS = 5_000;

interface Pending {
  resolve: (t: number) => void;
}

/** Sends `bench#seq` from random senders to random recipients; `seen` is resolved by the recipient side. */
async function measure(
  agents: McpAgent[],
  pending: Map<number, Pending>,
  nextSeq: () => number,
  count: number,
  ready: (a: McpAgent) => boolean,
): Promise<{ samples: number[]; lost: number }> {
  const samples: number[] = [];
  let lost = 0;
  for (let i = 0; i < count; i++) {
    const from = agents[Math.floor(Math.random() * agents.length)] as McpAgent;
    let to: McpAgent;
    do to = agents[Math.floor(Math.random() * agents.length)] as McpAgent;
    while (to === from || !ready(to));
    const seq = nextSeq();
    const seen = new Promise<number>((resolve) => pending.set(seq, { resolve }));
    const t0 = now();
    const sent = from.call('teammate_send_message', { to: to.name, message: `bench#${seq}` });
    const t1 = await Promise.race([seen, sleep(SEEN_TIMEOUT_MS).then(() => -1)]);
    await sent;
    pending.delete(seq);
    if (t1 < 0) lost += 1;
    else samples.push(t1 - t0);
    await sleep(2);
  }
  return { samples, lost };
}

async function run(n: number): Promise<BenchRow[]> {
  const server = await startServerProcess();
  const rows: BenchRow[] = [];
  try {
    const agents = await connectMany(server.url, 'agent-', n);
    const pending = new Map<number, Pending>();
    let seq = 0;
    const nextSeq = () => ++seq;
    const seenSeq = (text: string) => {
      for (const m of text.matchAll(/bench#(\d+)/g)) pending.get(Number(m[1]))?.resolve(now());
    };

    // Push: the channel notification arriving on the recipient's GET stream.
    let mode: 'push' | 'wait' = 'push';
    for (const a of agents) {
      a.onNotification((note) => {
        if (mode === 'push' && note.method === 'notifications/claude/channel') seenSeq(String(note.params?.content));
      });
    }
    await measure(agents, pending, nextSeq, WARMUP, () => true);
    const push = await measure(agents, pending, nextSeq, SAMPLES, () => true);

    // Wait: every agent keeps a teammate_wait_for_messages call parked; it returns with the mail.
    mode = 'wait';
    const parkedSince = new Map<McpAgent, number>();
    let stopping = false;
    const park = (a: McpAgent) => {
      parkedSince.set(a, now());
      a.call('teammate_wait_for_messages', { timeout: 300 })
        .then((r) => {
          parkedSince.delete(a);
          for (const m of r.data.messages ?? []) seenSeq(m.body);
          if (!stopping) park(a);
        })
        .catch(() => parkedSince.delete(a));
    };
    for (const a of agents) park(a);
    await sleep(200);
    // Only send to an agent whose call has had time to reach the server and park.
    const parked = (a: McpAgent) => now() - (parkedSince.get(a) ?? now()) > 20;
    await measure(agents, pending, nextSeq, WARMUP, parked);
    const wait = await measure(agents, pending, nextSeq, SAMPLES, parked);
    stopping = true;

    for (const [how, r] of [
      ['push', push],
      ['wait', wait],
    ] as const) {
      const s = summarize(r.samples);
      const gated = n === 100;
      rows.push({
        bench: 'delivery',
        name: `send → seen via ${how === 'push' ? 'push (channel notification)' : 'teammate_wait_for_messages'}, ${n} agents`,
        values: { p50: s.p50, p99: s.p99, max: s.max, samples: s.n, lost: r.lost },
        unit: 'ms',
        figure: `p50 ${fmt(s.p50)} ms, p99 ${fmt(s.p99)} ms, max ${fmt(s.max)} ms (${s.n} sends, ${r.lost} lost)`,
        ...(gated && { target: `p99 < ${TARGET_P99_MS} ms, none lost`, ok: s.p99 < TARGET_P99_MS && r.lost === 0 }),
        ...(!gated && { target: 'none lost', ok: r.lost === 0 }),
      });
    }
    await Promise.all(agents.map((a) => a.close()));
  } finally {
    await server.stop();
  }
  return rows;
}

const rows: BenchRow[] = [];
for (const n of [2, 10, 100]) rows.push(...(await run(n)));
report(rows);
process.exit(0);
