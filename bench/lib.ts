/**
 * Shared benchmark plumbing: a real server process (`server/main.ts` under tsx) on a temp data
 * directory and a free loopback port, real MCP SDK clients over Streamable HTTP, a keep-alive
 * JSON API client, percentiles, and the result rows each bench hands to `bench/run.ts`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Notification } from '@modelcontextprotocol/sdk/types.js';
import { resultData } from '../mcp/results.js';

const MAIN = fileURLToPath(new URL('../server/main.ts', import.meta.url));

/** One figure of a benchmark, printed beside its target. */
export interface BenchRow {
  bench: string;
  /** What was measured, e.g. "push latency, 100 agents". */
  name: string;
  /** Named figures (ms, per second, MB, counts). */
  values: Record<string, number>;
  unit: string;
  /** The figures as one line for the table, e.g. "p50 2.1 ms, p99 6.3 ms, max 9.0 ms". */
  figure?: string;
  /** The target as text, e.g. "p99 < 10 ms". */
  target?: string;
  /** Whether the target was met (absent when there is none). */
  ok?: boolean;
  note?: string;
}

export interface ServerProcess {
  url: string;
  pid: number;
  dataDir: string;
  /** Resident set size of the server process (MB). */
  rssMb: () => number;
  /** CPU time the server process has used (ms, user + system). */
  cpuMs: () => number;
  stop: () => Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/**
 * Pinning for CPU-per-call figures: the server on core 1 and the clients on core 0 (`taskset`),
 * so neither side's work lands on the other's core. Nothing is pinned without `taskset` or a
 * second core.
 */
export const SERVER_CORE = '1';
export const CLIENT_CORE = '0';
const canPin = cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;

/** `taskset -c CORE` as a command prefix, or nothing when pinning is not possible. */
export const pinnedTo = (core: string): string[] => (canPin ? ['taskset', '-c', core] : []);

/** Pins every thread of this process to `core`; returns whether it could. */
export function pinSelf(core: string): boolean {
  return canPin && spawnSync('taskset', ['-a', '-p', '-c', core, String(process.pid)]).status === 0;
}

/** CPU time (ms, user + system) a process has used, from /proc/PID/stat. */
export function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ on Linux
}

/**
 * Starts `server/main.ts` as its own process, pinned to `opts.core` when given. The send rate
 * limit and the session and wait limits are raised (a benchmark is many agents at full speed
 * on one machine); everything else is the shipped default.
 */
export async function startServerProcess(
  env: Record<string, string> = {},
  opts: { core?: string } = {},
): Promise<ServerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
  const port = await freePort();
  // BENCH_PROFILE=dir writes a V8 CPU profile of the server there (for finding hot paths).
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const [cmd, ...pin] = [...(opts.core ? pinnedTo(opts.core) : []), process.execPath];
  // taskset execs the command, so the child's pid is the server's.
  const child: ChildProcess = spawn(cmd as string, [...pin, ...profile, '--import', 'tsx', MAIN], {
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SWITCHBOARD_'))),
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_PORT: String(port),
      SWITCHBOARD_LOG_LEVEL: 'warn',
      SWITCHBOARD_SENDS_PER_MINUTE: '100000000',
      SWITCHBOARD_MAX_SESSIONS_PER_AGENT: '10000',
      SWITCHBOARD_MAX_WAITS_PER_AGENT: '10000',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error('server did not start');
    await sleep(50);
  }
  const pid = child.pid as number;
  return {
    url,
    pid,
    dataDir,
    rssMb: () => {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return Number(m?.[1] ?? 0) / 1024;
    },
    cpuMs: () => processCpuMs(pid),
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The claude-peers broker's source (`broker.ts`), beside the project unless CLAUDE_PEERS_DIR says otherwise. */
const PEERS_DIR = process.env.CLAUDE_PEERS_DIR ?? join(ROOT, '..', 'shared', 'anchors', 'claude-peers');
/** Bun, installed from npm on first use into this git-ignored cache (never into package.json). */
const BUN_PREFIX = join(ROOT, 'bench', '.cache', 'bun');
const BUN = join(BUN_PREFIX, 'node_modules', 'bun', 'bin', 'bun.exe');

/** Bun's binary, installed on first use; null (with why) when it cannot be had. */
function bunBinary(): { bun: string } | { skipped: string } {
  if (!existsSync(BUN)) {
    const r = spawnSync('npm', ['install', '--prefix', BUN_PREFIX, '--no-audit', '--no-fund', '--no-save', 'bun@1'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (r.status !== 0 || !existsSync(BUN)) return { skipped: 'Bun could not be installed from npm' };
  }
  return spawnSync(BUN, ['--version']).status === 0 ? { bun: BUN } : { skipped: 'Bun does not run here' };
}

export interface PeersBroker {
  url: string;
  pid: number;
  cpuMs: () => number;
  stop: () => Promise<void>;
}

/**
 * Starts the claude-peers broker (`bun broker.ts`, unchanged) on a free port and a temp
 * database, on `core` when given; `{ skipped }` says why not (no source, no Bun).
 */
export async function startPeersBroker(core?: string): Promise<PeersBroker | { skipped: string }> {
  const source = join(PEERS_DIR, 'broker.ts');
  if (!existsSync(source)) return { skipped: 'claude-peers source not found (set CLAUDE_PEERS_DIR)' };
  const bun = bunBinary();
  if ('skipped' in bun) return bun;
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-peers-'));
  const port = await freePort();
  const [cmd, ...args] = [...(core ? pinnedTo(core) : []), bun.bun, source];
  const child = spawn(cmd as string, args, {
    env: { ...process.env, CLAUDE_PEERS_PORT: String(port), CLAUDE_PEERS_DB: join(dir, 'peers.db') },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) return { skipped: `broker exited with ${child.exitCode}` };
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {}
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      return { skipped: 'broker did not start' };
    }
    await sleep(50);
  }
  const pid = child.pid as number;
  return {
    url,
    pid,
    cpuMs: () => processCpuMs(pid),
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface McpAgent {
  name: string;
  client: Client;
  transport: StreamableHTTPClientTransport;
  call: (name: string, args?: Record<string, unknown>) => Promise<CallToolResult & { data: any }>;
  /** Called for every notification the server pushes to this agent. */
  onNotification: (fn: (n: Notification) => void) => void;
  close: () => Promise<void>;
}

/** Connects a real SDK client as `name` (local mode: the name is in the URL). */
export async function connectMcp(url: string, name: string): Promise<McpAgent> {
  const u = new URL(`${url}/mcp`);
  u.searchParams.set('agent', name);
  const transport = new StreamableHTTPClientTransport(u);
  const client = new Client({ name: 'switchboard-bench', version: '1.0.0' });
  let handler: (n: Notification) => void = () => {};
  client.fallbackNotificationHandler = async (n) => handler(n);
  await client.connect(transport);
  return {
    name,
    client,
    transport,
    call: async (tool, args = {}) => {
      const r = (await client.callTool({ name: tool, arguments: args }, undefined, {
        timeout: 600_000,
      })) as CallToolResult;
      if (r.isError) throw new Error(`${tool}: ${JSON.stringify(r.content)}`);
      return Object.assign(r, { data: resultData(r) });
    },
    onNotification: (fn) => {
      handler = fn;
    },
    close: async () => {
      await transport.terminateSession().catch(() => {});
      await client.close();
    },
  };
}

/** Connects `n` agents named `${prefix}${i}`, `parallel` at a time. */
export async function connectMany(url: string, prefix: string, n: number, parallel = 25): Promise<McpAgent[]> {
  const out: McpAgent[] = new Array(n);
  for (let i = 0; i < n; i += parallel) {
    const batch = Array.from({ length: Math.min(parallel, n - i) }, (_, j) => i + j);
    await Promise.all(
      batch.map(async (k) => {
        out[k] = await connectMcp(url, `${prefix}${k}`);
      }),
    );
  }
  return out;
}

/** A minimal keep-alive JSON client for the API (node:http, so the client costs little CPU); `agent` null sends no identity. */
export function apiClient(url: string, agent: string | null, maxSockets = 32) {
  return httpClient(url, '/api/v1', agent ? { 'x-switchboard-agent': agent } : {}, maxSockets);
}

/** The keep-alive JSON client under `apiClient`, for any server: paths are taken after `prefix`. */
export function httpClient(url: string, prefix: string, extraHeaders: Record<string, string>, maxSockets = 32) {
  const u = new URL(url);
  const keepAlive = new Agent({ keepAlive: true, maxSockets });
  const call = (method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path: `${prefix}${path}`,
          method,
          agent: keepAlive,
          headers: {
            ...extraHeaders,
            accept: 'application/json',
            ...(data && { 'content-type': 'application/json', 'content-length': data.length }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null });
          });
        },
      );
      req.on('error', reject);
      if (data) req.write(data);
      req.end();
    });
  return { call, close: () => keepAlive.destroy() };
}

/** Percentile (0..100) of sorted samples, nearest-rank. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export function summarize(samples: number[]): { p50: number; p99: number; max: number; n: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? Number.NaN, n: s.length };
}

/** Hands this bench's rows to `bench/run.ts` (or prints them when run alone). */
export function report(rows: BenchRow[]): void {
  const out = process.env.BENCH_RESULT;
  if (out) writeFileSync(out, JSON.stringify(rows));
  else console.log(JSON.stringify(rows, null, 2));
}

/** A number for the table: 3 significant digits below 100, whole numbers above. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toPrecision(3).replace(/\.?0+$/, '');
}

/** High-resolution now (ms). */
export const now = () => performance.now();

/** How long a throughput bench sends (BENCH_SECONDS, default 5), after 1 s of warm-up. */
export const SEND_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = 1;

/** Runs `loops` concurrent send loops for `seconds`; returns completed sends and errors. */
export async function drive(loops: number, seconds: number, send: (loop: number) => Promise<void>) {
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

export type SendMeasurement = Awaited<ReturnType<typeof measureSends>>;

/**
 * Warm-up, then the measured phase: completed sends per second, and the CPU each side spent per
 * send (the server processes together, and this client process), which tells whether the
 * servers or the clients (on the same cores) set the pace.
 */
export async function measureSends(
  servers: Pick<ServerProcess, 'cpuMs'>[],
  loops: number,
  send: (loop: number) => Promise<void>,
) {
  const serverCpu = () => servers.reduce((sum, s) => sum + s.cpuMs(), 0);
  await drive(loops, WARMUP_SECONDS, send);
  const server0 = serverCpu();
  const client0 = process.cpuUsage();
  const t0 = now();
  const r = await drive(loops, SEND_SECONDS, send);
  const elapsed = (now() - t0) / 1000;
  const serverMs = serverCpu() - server0;
  const c = process.cpuUsage(client0);
  const clientMs = (c.user + c.system) / 1000;
  const n = Math.max(1, r.done);
  return {
    rate: r.done / elapsed,
    errors: r.errors,
    serverCores: serverMs / 1000 / elapsed,
    serverUsPerSend: (serverMs * 1000) / n,
    clientUsPerSend: (clientMs * 1000) / n,
  };
}

/** The rate, and what the server's CPU per call means: calls per second one fully busy core would carry. */
export const sendsFigure = (m: SendMeasurement, unit: string) =>
  `${fmt(m.rate)} ${unit} (server CPU ${fmt(m.serverUsPerSend)} µs/call ≈ ${fmt(1e6 / m.serverUsPerSend)}/s per core, ${fmt(m.serverCores)} cores busy; client CPU ${fmt(m.clientUsPerSend)} µs/call; ${m.errors} errors)`;
