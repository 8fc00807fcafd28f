/**
 * Send throughput and server CPU per send, in one run, with the server pinned to core 1 and
 * this process (every client) to core 0 (`taskset`):
 * - the claude-peers broker's `/send-message` (the tool Switchboard replaces), the base of the ratios;
 * - `teammate_send_message` over MCP (real SDK clients) and `POST /api/v1/messages` over the
 *   JSON API (keep-alive HTTP), with 1 and 16 concurrent clients, each sending back to back for
 *   a fixed time to a connected teammate (so every send is also pushed to a live session);
 * - the floors: MCP `ping`, `GET /healthz`, and one raw better-sqlite3 transaction inserting a
 *   message and its delivery row on Switchboard's schema.
 * Every send carries the same 100-byte message. Server CPU is the server process's own CPU time
 * (/proc/PID/stat) over the measured phase, divided by the sends.
 * Targets: 2,000/s over MCP, 10,000/s over the API; server CPU per send at 16 clients within
 * 5× (MCP) and 3× (API) of the broker's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../server/db/connection.js';
import { newId } from '../server/ids.js';
import {
  apiClient,
  type BenchRow,
  CLIENT_CORE,
  connectMany,
  fmt,
  httpClient,
  measureSends,
  type PeersBroker,
  pinSelf,
  report,
  SERVER_CORE,
  type SendMeasurement,
  type ServerProcess,
  sendsFigure,
  sleep,
  startPeersBroker,
  startServerProcess,
} from './lib.js';

const MCP_TARGET = 2_000;
const API_TARGET = 10_000;
/** Server CPU per send at 16 clients, as a multiple of the broker's (issue: cost at the floor). */
const MCP_RATIO_TARGET = 5;
const API_RATIO_TARGET = 3;
const CLIENTS = 16;
/** The message every send carries: 100 bytes. */
const BODY = 'throughput test message: the same hundred bytes for every server and every surface measured '.padEnd(
  100,
  '.',
);

const pinned = pinSelf(CLIENT_CORE);
const start = (env: Record<string, string> = {}) => startServerProcess(env, { core: SERVER_CORE });

const measured = (server: Pick<ServerProcess, 'cpuMs'>, loops: number, send: (loop: number) => Promise<void>) =>
  measureSends([server], loops, send);

/** A 16-client row's server CPU per send as a multiple of the broker's, for the table. */
let brokerUs: number | undefined;
const ratio = (m: SendMeasurement) => (brokerUs ? m.serverUsPerSend / brokerUs : Number.NaN);
const ratioText = (m: SendMeasurement) => (brokerUs ? `; ${fmt(ratio(m))}× the broker's CPU per send` : '');

/** A row; at 16 clients it carries the ratio to the broker and, when given, its target. */
function row(name: string, m: SendMeasurement, unit: string, target?: { rate?: number; ratio?: number }): BenchRow {
  const withRatio = brokerUs !== undefined;
  const targets = [
    target?.rate !== undefined ? `≥ ${fmt(target.rate)}/s` : null,
    target?.ratio !== undefined && withRatio ? `≤ ${target.ratio}× broker CPU/send` : null,
  ].filter(Boolean);
  const ok =
    targets.length === 0
      ? undefined
      : m.errors === 0 &&
        (target?.rate === undefined || m.rate >= target.rate) &&
        (target?.ratio === undefined || !withRatio || ratio(m) <= target.ratio);
  return {
    bench: 'throughput',
    name,
    values: { perSecond: m.rate, ...m, ...(withRatio && { brokerRatio: ratio(m) }) },
    unit,
    figure: `${sendsFigure(m, unit)}${ratioText(m)}`,
    ...(targets.length > 0 && { target: targets.join(', '), ok }),
  };
}

/** The claude-peers broker: 16 keep-alive clients posting `/send-message` to one registered peer. */
async function broker(): Promise<BenchRow> {
  const name = `claude-peers broker /send-message, ${CLIENTS} clients (the base of the ratios)`;
  const b = await startPeersBroker(SERVER_CORE);
  if ('skipped' in b) {
    return { bench: 'throughput', name, values: {}, unit: 'sends/s', figure: `skipped: ${b.skipped}` };
  }
  try {
    const http = Array.from({ length: CLIENTS }, () => httpClient(b.url, '', {}, 2));
    const setup = http[0] as ReturnType<typeof httpClient>;
    // The broker sweeps peers whose pid is gone: the sender is this process, the recipient the broker.
    const reg = (pid: number) =>
      setup.call('POST', '/register', { pid, cwd: '/tmp', git_root: null, tty: null, summary: '' });
    const from = (await reg(process.pid)).json.id as string;
    const to = (await reg((b as PeersBroker).pid)).json.id as string;
    const m = await measured(b, CLIENTS, async (i) => {
      const r = await (http[i] as ReturnType<typeof httpClient>).call('POST', '/send-message', {
        from_id: from,
        to_id: to,
        text: BODY,
      });
      if (r.status !== 200 || r.json?.ok !== true) throw new Error(`HTTP ${r.status}: ${JSON.stringify(r.json)}`);
    });
    for (const h of http) h.close();
    brokerUs = m.serverUsPerSend;
    return {
      bench: 'throughput',
      name,
      values: { perSecond: m.rate, ...m },
      unit: 'sends/s',
      figure: sendsFigure(m, 'sends/s'),
    };
  } finally {
    await b.stop();
  }
}

async function mcp(clients: number): Promise<BenchRow> {
  const server = await start();
  try {
    const senders = await connectMany(server.url, 'sender-', clients);
    const [sink] = await connectMany(server.url, 'sink-', 1);
    const send = (i: number) =>
      (senders[i] as (typeof senders)[number])
        .call('teammate_send_message', { to: 'sink-0', message: BODY })
        .then(() => {});
    const m = await measured(server, clients, send);
    await Promise.all([...senders, sink].map((a) => a?.close()));
    return row(`teammate_send_message over MCP, ${clients} client${clients > 1 ? 's' : ''}`, m, 'calls/s', {
      rate: MCP_TARGET,
      ...(clients === CLIENTS && { ratio: MCP_RATIO_TARGET }),
    });
  } finally {
    await server.stop();
  }
}

async function api(clients: number): Promise<BenchRow> {
  const server = await start();
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
        message: BODY,
      });
      if (r.status !== 201) throw new Error(`HTTP ${r.status}: ${JSON.stringify(r.json)}`);
    };
    const m = await measured(server, clients, send);
    for (const h of http) h.close();
    await sink?.close();
    return row(`POST /api/v1/messages, ${clients} client${clients > 1 ? 's' : ''}`, m, 'sends/s', {
      rate: API_TARGET,
      ...(clients === CLIENTS && { ratio: API_RATIO_TARGET }),
    });
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
  const server = await start();
  try {
    const agents = await connectMany(server.url, 'pinger-', CLIENTS);
    const ping = await measured(server, CLIENTS, (i) =>
      (agents[i] as (typeof agents)[number]).client.ping().then(() => {}),
    );
    await Promise.all(agents.map((a) => a.close()));
    const http = Array.from({ length: CLIENTS }, () => httpClient(server.url, '', {}, 2));
    const health = await measured(server, CLIENTS, async (i) => {
      const r = await (http[i] as ReturnType<typeof httpClient>).call('GET', '/healthz');
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
    });
    for (const h of http) h.close();
    return [
      row(`floor: MCP ping (no tool), ${CLIENTS} clients`, ping, 'calls/s'),
      row(`floor: GET /healthz (no work), ${CLIENTS} clients`, health, 'requests/s'),
    ];
  } finally {
    await server.stop();
  }
}

/**
 * The storage floor: one better-sqlite3 transaction inserting a message and its delivery row,
 * with statements prepared once, on Switchboard's schema and pragmas (WAL, synchronous=NORMAL),
 * run in this process: what a send costs with no HTTP, no JSON and no query builder.
 */
function rawSqlite(): BenchRow {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-raw-'));
  const { sqlite } = openDatabase(join(dir, 'raw.db'));
  try {
    const team = '00000000000000000000000000';
    const t0 = Date.now();
    const [a, b, thread] = [newId(t0), newId(t0), newId(t0)];
    const agent = sqlite.prepare(
      'INSERT INTO agents (id, team_id, name, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)',
    );
    agent.run(a, team, 'raw-a', t0, t0);
    agent.run(b, team, 'raw-b', t0, t0);
    sqlite
      .prepare(
        "INSERT INTO threads (id, team_id, kind, direct_key, created_by, created_at, last_message_at) VALUES (?, ?, 'direct', ?, ?, ?, ?)",
      )
      .run(thread, team, `${a}:${b}`, a, t0, t0);
    const message = sqlite.prepare(
      'INSERT INTO messages (id, team_id, thread_id, sender_id, body, to_spec, created_at) VALUES (?, ?, ?, ?, ?, \'["raw-b"]\', ?)',
    );
    const delivery = sqlite.prepare(
      'INSERT INTO deliveries (message_id, recipient_id, team_id, created_at) VALUES (?, ?, ?, ?)',
    );
    const send = sqlite.transaction(() => {
      const now = Date.now();
      const id = newId(now);
      message.run(id, team, thread, a, BODY, now);
      delivery.run(id, b, team, now);
    });
    const seconds = Math.min(2, Number(process.env.BENCH_SECONDS ?? 5));
    for (let i = 0; i < 2000; i++) send(); // warm-up
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    let n = 0;
    while (performance.now() - w0 < seconds * 1000) {
      for (let i = 0; i < 100; i++) send();
      n += 100;
    }
    const elapsed = (performance.now() - w0) / 1000;
    const c = process.cpuUsage(c0);
    const us = (c.user + c.system) / n;
    const withRatio = brokerUs !== undefined;
    return {
      bench: 'throughput',
      name: 'floor: raw better-sqlite3 transaction (message + delivery row)',
      values: {
        perSecond: n / elapsed,
        serverUsPerSend: us,
        ...(withRatio && { brokerRatio: us / (brokerUs as number) }),
      },
      unit: 'transactions/s',
      figure: `${fmt(n / elapsed)} transactions/s (CPU ${fmt(us)} µs/transaction, in-process)${withRatio ? `; ${fmt(us / (brokerUs as number))}× the broker's CPU per send` : ''}`,
    };
  } finally {
    sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows: BenchRow[] = [];
rows.push(await broker());
await sleep(200);
for (const n of [CLIENTS, 1]) {
  rows.push(await api(n));
  await sleep(200);
}
for (const n of [CLIENTS, 1]) {
  rows.push(await mcp(n));
  await sleep(200);
}
rows.push(...(await floor()));
rows.push(rawSqlite());
if (!pinned) for (const r of rows) r.note = 'not pinned: taskset or a second core is missing';
report(rows);
process.exit(0);
