/**
 * Send throughput: `teammate_send_message` calls per second over MCP (real SDK clients), and
 * `POST /api/v1/messages` per second over the JSON API (keep-alive HTTP), with 1 and 16
 * concurrent clients, each sending back to back for a fixed time to a connected teammate
 * (so every send is also pushed to a live session).
 * Targets: 2,000/s over MCP, 10,000/s over the API.
 */
import {
  apiClient,
  type BenchRow,
  connectMany,
  measureSends,
  report,
  type ServerProcess,
  sendsFigure,
  sleep,
  startServerProcess,
} from './lib.js';

const MCP_TARGET = 2_000;
const API_TARGET = 10_000;

const measured = (server: ServerProcess, loops: number, send: (loop: number) => Promise<void>) =>
  measureSends([server], loops, send);

async function mcp(clients: number): Promise<BenchRow> {
  const server = await startServerProcess();
  try {
    const senders = await connectMany(server.url, 'sender-', clients);
    const [sink] = await connectMany(server.url, 'sink-', 1);
    const send = (i: number) =>
      (senders[i] as (typeof senders)[number])
        .call('teammate_send_message', { to: 'sink-0', message: `throughput test message from loop ${i}` })
        .then(() => {});
    const m = await measured(server, clients, send);
    await Promise.all([...senders, sink].map((a) => a?.close()));
    return {
      bench: 'throughput',
      name: `teammate_send_message over MCP, ${clients} client${clients > 1 ? 's' : ''}`,
      values: { perSecond: m.rate, ...m },
      unit: 'calls/s',
      figure: sendsFigure(m, 'calls/s'),
      target: `≥ ${MCP_TARGET}/s`,
      ok: m.rate >= MCP_TARGET && m.errors === 0,
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
    const m = await measured(server, clients, send);
    for (const h of http) h.close();
    await sink?.close();
    return {
      bench: 'throughput',
      name: `POST /api/v1/messages, ${clients} client${clients > 1 ? 's' : ''}`,
      values: { perSecond: m.rate, ...m },
      unit: 'sends/s',
      figure: sendsFigure(m, 'sends/s'),
      target: `≥ ${API_TARGET}/s`,
      ok: m.rate >= API_TARGET && m.errors === 0,
    };
  } finally {
    await server.stop();
  }
}

/**
 * The floor under both: the same 16 loops doing no work at all, an MCP `ping` (HTTP, the SDK
 * transport, JSON-RPC) and `GET /healthz` (HTTP and the middleware only). No targets: they show
 * what the machine and the stack cost before Switchboard does anything.
 */
async function floor(): Promise<BenchRow[]> {
  const server = await startServerProcess();
  try {
    const agents = await connectMany(server.url, 'pinger-', 16);
    const ping = await measured(server, 16, (i) => (agents[i] as (typeof agents)[number]).client.ping().then(() => {}));
    await Promise.all(agents.map((a) => a.close()));
    const http = Array.from({ length: 16 }, () => apiClient(server.url, null, 2));
    const health = await measured(server, 16, async (i) => {
      const r = await (http[i] as ReturnType<typeof apiClient>).call('GET', '/../../healthz');
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
    });
    for (const h of http) h.close();
    return [
      {
        bench: 'throughput',
        name: 'floor: MCP ping (no tool), 16 clients',
        values: { perSecond: ping.rate, ...ping },
        unit: 'calls/s',
        figure: sendsFigure(ping, 'calls/s'),
      },
      {
        bench: 'throughput',
        name: 'floor: GET /healthz (no work), 16 clients',
        values: { perSecond: health.rate, ...health },
        unit: 'requests/s',
        figure: sendsFigure(health, 'requests/s'),
      },
    ];
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
rows.push(...(await floor()));
report(rows);
process.exit(0);
