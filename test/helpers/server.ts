/**
 * Integration helpers: a real Switchboard HTTP server on 127.0.0.1 and a random port, on a
 * real SQLite file (or, in the "postgres" vitest project, a PostgreSQL database of its own),
 * and real MCP SDK clients connected to it over Streamable HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type Logger, pino } from 'pino';
import { resultData } from '../../mcp/results.js';
import { createApp, type SwitchboardApp } from '../../server/app.js';
import { createBus } from '../../server/bus.js';
import { openDatabase } from '../../server/db/connection.js';
import type { OpenedDb } from '../../server/db/open.js';
import type { AppDeps } from '../../server/deps.js';
import { baseCtx } from '../../server/identity.js';
import type { Limits } from '../../server/ops/context.js';
import { endStaleSessions } from '../../server/ops/sessions.js';
import { TEST_DIALECT } from './db.js';
import { openKeptPostgres, releaseKeptPostgres } from './pg.js';

export interface TestServer {
  url: string;
  mcpUrl: string;
  /** Its SQLite file's directory; on PostgreSQL the key of its database (see `startServer`). */
  dataDir: string;
  deps: AppDeps;
  sb: SwitchboardApp;
  opened: OpenedDb;
  /** Stops the server and closes the database; keeps the data directory (and its database). */
  stop: () => Promise<void>;
  /** Stops and deletes the data directory (on PostgreSQL, empties its database for reuse). */
  destroy: () => Promise<void>;
}

export interface TestServerOptions {
  dataDir?: string;
  auth?: 'local' | 'token';
  limits?: Partial<Limits>;
  sessionIdleMs?: number;
  sessionGraceMs?: number;
  /** The server's logger (default: silent, or `TEST_LOG_LEVEL`). */
  logger?: Logger;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'switchboard-test-'));
}

/**
 * Starts a server on `opts.dataDir` (default a new temporary directory). In the "postgres"
 * project its database is a PostgreSQL one tied to the data directory: a server started again
 * on the same directory finds the same data, as it would in the SQLite file.
 */
export async function startServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? tempDataDir();
  const opened: OpenedDb =
    TEST_DIALECT === 'postgres' ? await openKeptPostgres(dataDir) : openDatabase(join(dataDir, 'switchboard.db'));
  const deps: AppDeps = {
    db: opened.db,
    bus: createBus(),
    logger: opts.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    auth: opts.auth ?? 'local',
    limits: opts.limits ?? {},
    sessionIdleMs: opts.sessionIdleMs ?? 30 * 60_000,
    ...(opts.sessionGraceMs !== undefined && { sessionGraceMs: opts.sessionGraceMs }),
  };
  await endStaleSessions(baseCtx(deps));
  const sb = createApp(deps);
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: sb.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await sb.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Open SSE streams would keep close() waiting; end them.
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    });
    await opened.close();
  };
  return {
    url,
    mcpUrl: `${url}/mcp`,
    dataDir,
    deps,
    sb,
    opened,
    stop,
    destroy: async () => {
      await stop();
      if (TEST_DIALECT === 'postgres') await releaseKeptPostgres(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface AgentClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
  /** Calls a tool and returns its result; throws if the result is an error. */
  call: (name: string, args?: Record<string, unknown>) => Promise<CallToolResult & { data: any }>;
  /** Calls a tool and returns its result, success or error. */
  raw: (name: string, args?: Record<string, unknown>) => Promise<CallToolResult & { data: any }>;
  /** Calls a tool expecting an error result; returns it. */
  fail: (name: string, args?: Record<string, unknown>) => Promise<CallToolResult & { data: any }>;
  close: () => Promise<void>;
}

/**
 * Connects a real SDK client. `agent` names it in the URL (local mode); `token` sends a bearer token;
 * `clientName` / `clientVersion` are what its initialize reports.
 */
export async function connectAgent(
  server: Pick<TestServer, 'mcpUrl'>,
  opts: { agent?: string; team?: string; token?: string; clientName?: string; clientVersion?: string } = {},
): Promise<AgentClient> {
  const u = new URL(server.mcpUrl);
  if (opts.agent) u.searchParams.set('agent', opts.agent);
  if (opts.team) u.searchParams.set('team', opts.team);
  const transport = new StreamableHTTPClientTransport(u, {
    requestInit: opts.token ? { headers: { authorization: `Bearer ${opts.token}` } } : {},
  });
  const client = new Client({ name: opts.clientName ?? 'switchboard-test', version: opts.clientVersion ?? '1.0.0' });
  await client.connect(transport);
  const raw = async (name: string, args: Record<string, unknown> = {}) =>
    withData((await client.callTool({ name, arguments: args })) as CallToolResult);
  return {
    client,
    transport,
    raw,
    call: async (name, args) => {
      const r = await raw(name, args);
      if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content)}`);
      return r;
    },
    fail: async (name, args) => {
      const r = await raw(name, args);
      if (!r.isError) throw new Error(`${name} unexpectedly succeeded: ${JSON.stringify(r.content)}`);
      return r;
    },
    close: async () => {
      await transport.terminateSession().catch(() => {});
      await client.close();
    },
  };
}

/** A tool result with its data (mcp/results.ts `resultData`) as `data`. */
export function withData(r: CallToolResult): CallToolResult & { data: any } {
  return Object.assign(r, { data: resultData(r) });
}

/** The text of a tool result. */
export function textOf(r: CallToolResult): string {
  return r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

/** Joins teammates through the JSON API (local mode): `[name, role]` pairs, each expected new. */
export async function joinOverApi(server: Pick<TestServer, 'url'>, members: [string, string][]): Promise<void> {
  for (const [name, role] of members) {
    const res = await fetch(`${server.url}/api/v1/join`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, role }),
    });
    if (res.status !== 201) throw new Error(`join ${name}: HTTP ${res.status} ${await res.text()}`);
  }
}
