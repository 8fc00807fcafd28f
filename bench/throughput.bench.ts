/**
 * Send throughput: `teammate_send_message` calls per second over MCP (real SDK clients), and
 * `POST /api/v1/messages` per second over the JSON API (keep-alive HTTP), with 1 and 16
 * concurrent clients, each sending back to back for a fixed time to a connected teammate
 * (so every send is also pushed to a live session).
 * Targets: 2,000/s over MCP, 10,000/s over the API.
 */
import { apiClient, type BenchRow, connectMany, fmt, now, report, sleep, startServerProcess } from './lib.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = 1;
const MCP_TARGET = 2_000;
const API_TARGET = 10_000;

/** Runs `loops` concurrent send loops for `seconds`; returns completed sends and errors. */
async function drive(loops: number, seconds: number, send: (loop: number) => Promise<void>) {
  let done = 0;
  let errors = 0;
  const until = now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: loops }, async (_, i) => {
      while (now() < until) {
        try {
          await send(i);
          done += 1;
        } catch {
          errors += 1;
        }
      }
    }),
  );
  return { done, errors };
}

async function mcp(clients: number): Promise<BenchRow> {
  const server = await startServerProcess();
  try {
    const senders = await connectMany(server.url, 'sender-', clients);
    const [sink] = await connectMany(server.url, 'sink-', 1);
    const send = (i: number) =>
      (senders[i] as (typeof senders)[number])
        .call('teammate_send_message', { to: 'sink-0', message: `throughput test message from loop ${i}` })
        .then(() => {});
    await drive(clients, WARMUP_SECONDS, send);
    const cpu0 = server.cpuMs();
    const t0 = now();
    const r = await drive(clients, SECONDS, send);
    const elapsed = (now() - t0) / 1000;
    const serverCpu = (server.cpuMs() - cpu0) / 1000 / elapsed;
    await Promise.all([...senders, sink].map((a) => a?.close()));
    const rate = r.done / elapsed;
    return {
      bench: 'throughput',
      name: `teammate_send_message over MCP, ${clients} client${clients > 1 ? 's' : ''}`,
      values: { perSecond: rate, errors: r.errors, serverCores: serverCpu },
      unit: 'calls/s',
      figure: `${fmt(rate)} calls/s (server ${fmt(serverCpu)} cores busy, ${r.errors} errors)`,
      target: `≥ ${MCP_TARGET}/s`,
      ok: rate >= MCP_TARGET && r.errors === 0,
    };
  } finally {
    await server.stop();
  }
}

async function api(clients: number): Promise<BenchRow> {
  const server = await startServerProcess();
  try {
    const names = Array.from({ length: clients }, (_, i) => `api-sender-${i}`);
    const setup = apiClient(server.url, null);
    for (const name of names) await setup.call('POST', '/join', { name });
    setup.close();
    // The recipient is a live MCP session, as in the MCP run.
    const [sink] = await connectMany(server.url, 'api-sink', 1);
    const http = names.map((n) => apiClient(server.url, n, 4));
    const send = async (i: number) => {
      const r = await (http[i] as ReturnType<typeof apiClient>).call('POST', '/messages', {
        to: 'api-sink0',
        message: `throughput test message from loop ${i}`,
      });
      if (r.status !== 201) throw new Error(`HTTP ${r.status}: ${JSON.stringify(r.json)}`);
    };
    await drive(clients, WARMUP_SECONDS, send);
    const cpu0 = server.cpuMs();
    const t0 = now();
    const r = await drive(clients, SECONDS, send);
    const elapsed = (now() - t0) / 1000;
    const serverCpu = (server.cpuMs() - cpu0) / 1000 / elapsed;
    for (const h of http) h.close();
    await sink?.close();
    const rate = r.done / elapsed;
    return {
      bench: 'throughput',
      name: `POST /api/v1/messages, ${clients} client${clients > 1 ? 's' : ''}`,
      values: { perSecond: rate, errors: r.errors, serverCores: serverCpu },
      unit: 'sends/s',
      figure: `${fmt(rate)} sends/s (server ${fmt(serverCpu)} cores busy, ${r.errors} errors)`,
      target: `≥ ${API_TARGET}/s`,
      ok: rate >= API_TARGET && r.errors === 0,
    };
  } finally {
    await server.stop();
  }
}

const rows: BenchRow[] = [];
for (const n of [1, 16]) {
  rows.push(await mcp(n));
  await sleep(200);
}
for (const n of [1, 16]) {
  rows.push(await api(n));
  await sleep(200);
}
report(rows);
process.exit(0);
