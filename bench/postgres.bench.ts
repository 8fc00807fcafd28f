/**
 * PostgreSQL (SWITCHBOARD_DATABASE_URL), with one and with two server processes on one
 * database, each measurement on a fresh database:
 * - send throughput: 16 clients sending back to back to a connected teammate, over MCP and over
 *   the JSON API; with two instances, 8 clients on each and the teammate on the first, so half
 *   the pushes cross to the other instance;
 * - delivery latency: a send through one instance until the recipient's MCP client has the push,
 *   with sender and recipient on the same instance, and with the sender on B and the recipient
 *   on A (the bus relay: the change's row, then NOTIFY, then A reads and pushes).
 * The database server is BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres,
 * used only to create and drop the bench's databases). When it does not answer, every row says
 * skipped. No targets: the figures sit beside the SQLite rows of the other benches.
 * BENCH_PG_SYNCHRONOUS_COMMIT=off sets that on the bench's databases (commits stop waiting for
 * the disk, as SQLite's synchronous=NORMAL; PostgreSQL's default waits, as FULL).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  apiClient,
  type BenchRow,
  connectMany,
  fmt,
  type McpAgent,
  measureSends,
  now,
  report,
  type ServerProcess,
  sendsFigure,
  sleep,
  startServerProcess,
  summarize,
} from './lib.js';

const ADMIN_URL = process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const CLIENTS = 16;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 500);
const WARMUP = 50;
const SEEN_TIMEOUT_MS = 5_000;
const AGENTS_PER_INSTANCE = 10;
/** BENCH_PG_SYNCHRONOUS_COMMIT=off: the bench's databases do not wait for the disk at commit. */
const SYNCHRONOUS_COMMIT = /^(on|off|local|remote_write|remote_apply)$/.test(
  process.env.BENCH_PG_SYNCHRONOUS_COMMIT ?? '',
)
  ? (process.env.BENCH_PG_SYNCHRONOUS_COMMIT as string)
  : null;
/** Sends lost in a row, none seen, after which a latency run stops. */
const GIVE_UP_AFTER = 5;

const SYNC = SYNCHRONOUS_COMMIT ? ` (synchronous_commit=${SYNCHRONOUS_COMMIT})` : '';
const NAMES = {
  mcp1: `teammate_send_message over MCP, ${CLIENTS} clients, PostgreSQL${SYNC}, 1 instance`,
  mcp2: `teammate_send_message over MCP, ${CLIENTS} clients, PostgreSQL${SYNC}, 2 instances`,
  api1: `POST /api/v1/messages, ${CLIENTS} clients, PostgreSQL${SYNC}, 1 instance`,
  api2: `POST /api/v1/messages, ${CLIENTS} clients, PostgreSQL${SYNC}, 2 instances`,
  same: `send → seen via push, PostgreSQL${SYNC}, sender and recipient on one instance (${AGENTS_PER_INSTANCE} agents)`,
  cross: `send through B → seen via push on A, PostgreSQL${SYNC}, 2 instances (${AGENTS_PER_INSTANCE} agents on each)`,
};

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3_000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The URL of a database on the bench's server. */
function urlOf(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Starts `count` servers on a fresh database (the first migrates it); `fn` runs with them, then all is removed. */
async function withInstances<T>(count: number, fn: (servers: ServerProcess[]) => Promise<T>): Promise<T> {
  const name = `sb_bench_${randomBytes(5).toString('hex')}`;
  await admin(async (c) => {
    await c.query(`CREATE DATABASE ${name}`);
    if (SYNCHRONOUS_COMMIT) await c.query(`ALTER DATABASE ${name} SET synchronous_commit = ${SYNCHRONOUS_COMMIT}`);
  });
  const servers: ServerProcess[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await startServerProcess({ SWITCHBOARD_DATABASE_URL: urlOf(name) }));
    return await fn(servers);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
}

/** Which instance loop `i` of `n` uses: all on the first, or half on each. */
const instanceOf = (servers: ServerProcess[], i: number) => servers[i % servers.length] as ServerProcess;

async function mcpThroughput(instances: number): Promise<BenchRow> {
  return withInstances(instances, async (servers) => {
    const [sink] = await connectMany((servers[0] as ServerProcess).url, 'sink-', 1);
    const senders: McpAgent[] = [];
    for (let i = 0; i < CLIENTS; i++)
      senders.push(...(await connectMany(instanceOf(servers, i).url, `sender-${i}-`, 1)));
    const m = await measureSends(servers, CLIENTS, (i) =>
      (senders[i] as McpAgent)
        .call('teammate_send_message', { to: 'sink-0', message: `throughput test message from loop ${i}` })
        .then(() => {}),
    );
    await Promise.all([...senders, sink].map((a) => a?.close()));
    return sendsRow(instances === 1 ? NAMES.mcp1 : NAMES.mcp2, m, 'calls/s');
  });
}

/** A throughput row: the measured rate and its figure, in `unit`. */
function sendsRow(name: string, m: Parameters<typeof sendsFigure>[0], unit: string): BenchRow {
  return { bench: 'postgres', name, values: { perSecond: m.rate, ...m }, unit, figure: sendsFigure(m, unit) };
}

async function apiThroughput(instances: number): Promise<BenchRow> {
  return withInstances(instances, async (servers) => {
    const names = Array.from({ length: CLIENTS }, (_, i) => `api-sender-${i}`);
    const setup = apiClient((servers[0] as ServerProcess).url, null);
    for (const name of names) await setup.call('POST', '/join', { name });
    setup.close();
    const [sink] = await connectMany((servers[0] as ServerProcess).url, 'api-sink', 1);
    const http = names.map((n, i) => apiClient(instanceOf(servers, i).url, n, 4));
    const m = await measureSends(servers, CLIENTS, async (i) => {
      const r = await (http[i] as ReturnType<typeof apiClient>).call('POST', '/messages', {
        to: 'api-sink0',
        message: `throughput test message from loop ${i}`,
      });
      if (r.status !== 201) throw new Error(`HTTP ${r.status}: ${JSON.stringify(r.json)}`);
    });
    for (const h of http) h.close();
    await sink?.close();
    return sendsRow(instances === 1 ? NAMES.api1 : NAMES.api2, m, 'sends/s');
  });
}

/**
 * One send at a time from a random sender to a random recipient (never itself); the time from
 * the send call until the recipient's client has the channel notification. Not seen within
 * 5 s counts as lost.
 */
async function pushLatency(senders: McpAgent[], recipients: McpAgent[], count: number) {
  const pending = new Map<number, (t: number) => void>();
  for (const a of recipients) {
    a.onNotification((note) => {
      if (note.method !== 'notifications/claude/channel') return;
      for (const m of String(note.params?.content).matchAll(/bench#(\d+)/g)) pending.get(Number(m[1]))?.(now());
    });
  }
  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)] as T;
  let seq = 0;
  const run = async (n: number) => {
    const samples: number[] = [];
    let lost = 0;
    for (let i = 0; i < n; i++) {
      // Nothing arrives at all (no relay between the instances): say so instead of waiting 5 s a send.
      if (lost === GIVE_UP_AFTER && samples.length === 0) return { samples, lost, gaveUp: true };
      const from = pick(senders);
      let to: McpAgent;
      do to = pick(recipients);
      while (to === from);
      const id = ++seq;
      const seen = new Promise<number>((resolve) => pending.set(id, resolve));
      const t0 = now();
      const sent = from.call('teammate_send_message', { to: to.name, message: `bench#${id}` });
      const t1 = await Promise.race([seen, sleep(SEEN_TIMEOUT_MS).then(() => -1)]);
      await sent;
      pending.delete(id);
      if (t1 < 0) lost += 1;
      else samples.push(t1 - t0);
      await sleep(2);
    }
    return { samples, lost, gaveUp: false };
  };
  const warm = await run(WARMUP);
  return warm.gaveUp ? warm : run(count);
}

function latencyRow(name: string, r: { samples: number[]; lost: number; gaveUp: boolean }): BenchRow {
  const s = summarize(r.samples);
  return {
    bench: 'postgres',
    name,
    values: { p50: s.p50, p99: s.p99, max: s.max, samples: s.n, lost: r.lost },
    unit: 'ms',
    figure: r.gaveUp
      ? `none seen: the first ${r.lost} sends never arrived (no relay between the instances?)`
      : `p50 ${fmt(s.p50)} ms, p99 ${fmt(s.p99)} ms, max ${fmt(s.max)} ms (${s.n} seen, ${r.lost} lost)`,
    target: 'none lost',
    ok: r.lost === 0,
  };
}

async function delivery(): Promise<BenchRow[]> {
  return withInstances(2, async ([a, b]) => {
    const onA = await connectMany((a as ServerProcess).url, 'a-', AGENTS_PER_INSTANCE);
    const onB = await connectMany((b as ServerProcess).url, 'b-', AGENTS_PER_INSTANCE);
    const same = await pushLatency(onA, onA, SAMPLES);
    const cross = await pushLatency(onB, onA, SAMPLES);
    await Promise.all([...onA, ...onB].map((x) => x.close()));
    return [latencyRow(NAMES.same, same), latencyRow(NAMES.cross, cross)];
  });
}

let unreachable: string | null = null;
try {
  await admin((c) => c.query('SELECT 1'));
} catch (err) {
  const e = err as Error & { code?: string };
  unreachable = `${e.message || e.code || String(err)}`;
}

const rows: BenchRow[] = [];
if (unreachable !== null) {
  const where = new URL(ADMIN_URL).host;
  for (const name of Object.values(NAMES)) {
    rows.push({
      bench: 'postgres',
      name,
      values: {},
      unit: '',
      figure: `skipped: PostgreSQL at ${where} did not answer (${unreachable}); set BENCH_PG_URL`,
    });
  }
} else {
  for (const instances of [1, 2]) {
    rows.push(await mcpThroughput(instances));
    await sleep(200);
    rows.push(await apiThroughput(instances));
    await sleep(200);
  }
  rows.push(...(await delivery()));
}
report(rows);
process.exit(0);
