/**
 * Several real server processes on one fresh PostgreSQL database (test/security/process.ts
 * starts each), MCP clients on them, and a direct connection to the database for checks.
 * Needs PostgreSQL (SWITCHBOARD_TEST_PG_URL, default the local server): when it is down the
 * first step fails saying so; nothing is skipped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { CHANNEL_METHOD } from '../../mcp/push.js';
import { createDatabase, databaseUrl, dropDatabases, uniqueName } from '../helpers/pg-admin.js';
import { type AgentClient, connectAgent } from '../helpers/server.js';
import { type ServerProcess, startServerProcess } from '../security/process.js';

export interface TestCluster {
  /** The database's URL, as the servers have it. */
  url: string;
  servers: ServerProcess[];
  /** A connection to the database for checks (`SELECT`s the tests make). */
  sql: pg.Pool;
  /** Starts one more server on the database (`env` added to the cluster's). */
  start: (env?: Record<string, string>) => Promise<ServerProcess>;
  /** An MCP client acting as `agent` on `server`. */
  agent: (server: ServerProcess, agent: string) => Promise<AgentClient>;
  /**
   * Stops every server (SIGTERM, then SIGKILL), closes clients and drops the database.
   * Errors: when a server logged an error meanwhile.
   */
  close: () => Promise<void>;
}

/** Starts `n` servers on a fresh database with `env` (besides the database URL). */
export async function startCluster(n: number, env: Record<string, string> = {}): Promise<TestCluster> {
  const name = uniqueName('sbt_cluster');
  await createDatabase(name);
  const url = databaseUrl(name);
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-cluster-'));
  const servers: ServerProcess[] = [];
  const clients: AgentClient[] = [];
  const sql = new pg.Pool({ connectionString: url, max: 2 });
  const start = async (more: Record<string, string> = {}) => {
    const p = await startServerProcess({
      SWITCHBOARD_DATABASE_URL: url,
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_DB_POOL_MAX: '4',
      ...env,
      ...more,
    });
    servers.push(p);
    return p;
  };
  const cluster: TestCluster = {
    url,
    servers,
    sql,
    start,
    agent: async (server, agent) => {
      const a = await connectAgent({ mcpUrl: `${server.url}/mcp` }, { agent });
      clients.push(a);
      return a;
    },
    close: async () => {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await Promise.all(servers.map((s) => stopServer(s)));
      await sql.end();
      rmSync(dataDir, { recursive: true, force: true });
      await dropDatabases({ names: [name] });
      // Whatever the tests checked, a server that logged an error (pino level 50+) fails the file.
      const errors = servers.flatMap((s) =>
        `${s.stdout()}\n${s.stderr()}`.split('\n').filter((l) => /"level":(50|60)/.test(l)),
      );
      if (errors.length > 0) throw new Error(`servers logged errors:\n${errors.join('\n')}`);
    },
  };
  try {
    // One after the other: the first migrates the database, and a 2-core machine starts one at a time anyway.
    for (let i = 0; i < n; i += 1) await start();
  } catch (err) {
    await cluster.close().catch(() => {});
    throw err;
  }
  return cluster;
}

/** Stops a server: SIGTERM, and SIGKILL if it has not exited within 10 s. */
export async function stopServer(s: ServerProcess): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  s.child.kill('SIGTERM');
  const t = setTimeout(() => s.child.kill('SIGKILL'), 10_000);
  await s.exited;
  clearTimeout(t);
}

/** Records when each channel notification (`notifications/claude/channel`) reaches a client, by message id. */
export function channelArrivals(agent: AgentClient) {
  const at = new Map<string, number>();
  const all: { id: string; content: string }[] = [];
  const waiting = new Map<string, (t: number) => void>();
  agent.client.fallbackNotificationHandler = async (n) => {
    if (n.method !== CHANNEL_METHOD) return;
    const params = n.params as { content?: string; meta?: { message_id?: string } } | undefined;
    const id = params?.meta?.message_id;
    if (!id) return;
    all.push({ id, content: params?.content ?? '' });
    if (at.has(id)) return;
    const t = performance.now();
    at.set(id, t);
    waiting.get(id)?.(t);
    waiting.delete(id);
  };
  return {
    /** Every channel notification received, in order (repeats included). */
    all,
    /** When the push of message `id` arrived (performance.now() ms), or null if not within `timeoutMs`. */
    arrival: (id: string, timeoutMs: number): Promise<number | null> => {
      const known = at.get(id);
      if (known !== undefined) return Promise.resolve(known);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          resolve(null);
        }, timeoutMs);
        waiting.set(id, (t) => {
          clearTimeout(timer);
          resolve(t);
        });
      });
    },
  };
}

/** Waits until `fn` returns something truthy, checking every `everyMs`; throws after `timeoutMs`. */
export async function until<T>(fn: () => Promise<T> | T, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The p-th percentile (0–100) of `values` (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}
