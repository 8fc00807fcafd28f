/**
 * The security suite's world: a real app on a fresh database of the run's dialect (test/helpers/db.ts),
 * served over HTTP on 127.0.0.1 when MCP clients need it, seeded with two teams whose agents,
 * tokens, tasks, reviews and messages every authorization case can point at.
 */
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import { createApp, type SwitchboardApp } from '../../server/app.js';
import { createBus } from '../../server/bus.js';
import type { OpenedDb } from '../../server/db/open.js';
import type { AppDeps } from '../../server/deps.js';
import { upsertAgent } from '../../server/ops/agents.js';
import { type Ctx, createCtx, type Limits } from '../../server/ops/context.js';
import { sendMessage } from '../../server/ops/messages.js';
import type { Agent } from '../../server/ops/model.js';
import { createReservations } from '../../server/ops/reservations.js';
import { requestReview } from '../../server/ops/reviews.js';
import { claimTask, createTask, handoffTask } from '../../server/ops/tasks.js';
import { mintToken, revokeToken } from '../../server/ops/tokens.js';
import { openTestDatabase } from '../helpers/db.js';
import { withData } from '../helpers/server.js';

export { snapshot } from '../helpers/db.js';

export interface Harness {
  deps: AppDeps;
  sb: SwitchboardApp;
  opened: OpenedDb;
  /** Base URL when served over HTTP (`serve: true`), else `http://127.0.0.1`. */
  url: string;
  /** `app.request` with an absolute loopback URL. */
  request: (path: string, init?: RequestInit) => Promise<Response>;
  clock: { now: number };
  close: () => Promise<void>;
}

export interface HarnessOptions {
  auth?: 'local' | 'token';
  limits?: Partial<Limits>;
  serve?: boolean;
  /** Use a settable clock (starts at 2026-01-01T12:00Z) instead of the real one. */
  fakeClock?: boolean;
  origins?: AppDeps['origins'];
  opened?: OpenedDb;
}

export async function harness(opts: HarnessOptions = {}): Promise<Harness> {
  const opened = opts.opened ?? (await openTestDatabase());
  const clock = { now: Date.UTC(2026, 0, 1, 12) };
  const deps: AppDeps = {
    db: opened.db,
    bus: createBus(),
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    auth: opts.auth ?? 'local',
    limits: opts.limits ?? {},
    sessionIdleMs: 30 * 60_000,
    ...(opts.fakeClock && { now: () => clock.now }),
    ...(opts.origins && { origins: opts.origins }),
  };
  const sb = createApp(deps);
  let server: ServerType | undefined;
  let url = 'http://127.0.0.1';
  if (opts.serve) {
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: sb.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  return {
    deps: { ...deps, guards: sb.guards },
    sb,
    opened,
    url,
    clock,
    request: (path, init) => Promise.resolve(sb.app.request(`${url}${path}`, init)),
    close: async () => {
      await sb.close();
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          (s as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
      }
      await opened.close();
    },
  };
}

/** Everyone the authorization cases speak of. `mallory` is in team `other`; the rest in `default`. */
export const ACTORS = ['alice', 'bob', 'carol', 'rita', 'admin', 'mallory'] as const;
export type Actor = (typeof ACTORS)[number];

export interface Fixture {
  agents: Record<Actor, Agent>;
  tokens: Record<Actor, string>;
  /** A revoked token of alice's. */
  revoked: string;
  /** Alice's task in progress. */
  t1: { id: string; number: number; threadId: string };
  /** Alice's task with a hand-off offered to bob. */
  t2: { id: string };
  /** Alice's task in review, review `review` asked of rita. */
  t3: { id: string };
  review: string;
  /** An open task anyone in the team may claim. */
  t4: { id: string };
  /** Alice's exclusive reservation of `src/secret/**` (reason: SECRET), tied to t1. */
  reservation: string;
  /** A message alice sent bob, in their direct thread. */
  message: string;
  direct: string;
  /** Mallory's own task and message in team `other` (so her lists are not empty). */
  otherTask: string;
  /** Ids, text and (quoted) names of team `default` that team `other` must never see. */
  secrets: string[];
  ctx: (actor: Actor) => Ctx;
}

/** Text in team `default`'s tasks and mail: team `other` must never see it. */
export const SECRET = 'default-team-secret-7f3a';
/** Text only in alice's direct message to bob: nobody but them (and admins) may see it. */
export const PRIVATE = 'for-bob-only-91c2';

/** Seeds both teams through the operations (tokens minted for everyone). */
export async function seed(deps: AppDeps): Promise<Fixture> {
  const base = createCtx(deps, null);
  const tokens = {} as Record<Actor, string>;
  const agents = {} as Record<Actor, Agent>;
  for (const a of ACTORS) {
    const r = await mintToken(base, {
      agent: a,
      team: a === 'mallory' ? 'other' : 'default',
      scope: a === 'admin' ? 'admin' : 'agent',
    });
    tokens[a] = r.token;
  }
  for (const a of ACTORS) {
    const { agent } = await upsertAgent(base, {
      name: a,
      team: a === 'mallory' ? 'other' : 'default',
      ...(a === 'rita' && { role: 'reviewer' }),
    });
    agents[a] = agent;
  }
  // Mallory has a teammate, so her broadcasts have someone to reach inside her own team.
  await upsertAgent(base, { name: 'eve', team: 'other' });
  const revokedToken = await mintToken(base, { agent: 'alice' });
  await revokeToken(base, { id: revokedToken.info.id });
  const ctx = (a: Actor) => createCtx(deps, agents[a], { admin: a === 'admin' });
  const alice = ctx('alice');
  const t1 = await createTask(alice, { title: `Task one ${SECRET}`, description: SECRET });
  await claimTask(alice, { task: t1.id });
  const t2 = await createTask(alice, { title: 'Task two' });
  await claimTask(alice, { task: t2.id });
  await handoffTask(alice, { task: t2.id, to: 'bob', note: 'over to you' });
  const t3 = await createTask(alice, { title: 'Task three' });
  await claimTask(alice, { task: t3.id });
  const review = await requestReview(alice, { task: t3.id, reviewer: 'rita' });
  const t4 = await createTask(alice, { title: 'Task four' });
  const reserved = await createReservations(alice, { paths: ['src/secret/**'], reason: SECRET, task: t1.id });
  const reservation = reserved.reservations[0]?.id as string;
  const sent = await sendMessage(alice, { to: 'bob', message: `${PRIVATE} ${SECRET}` });
  const mallory = ctx('mallory');
  const other = await createTask(mallory, { title: 'Other team task' });
  await sendMessage(mallory, { to: '*', message: 'hello my team' });
  return {
    agents,
    tokens,
    revoked: revokedToken.token,
    t1: { id: t1.id, number: t1.number, threadId: t1.threadId },
    t2: { id: t2.id },
    t3: { id: t3.id },
    review: review.id,
    t4: { id: t4.id },
    reservation,
    message: sent.message.id,
    direct: sent.message.threadId,
    otherTask: other.id,
    secrets: [
      SECRET,
      t1.id,
      t2.id,
      t3.id,
      t4.id,
      review.id,
      reservation,
      sent.message.id,
      sent.message.threadId,
      '"alice"',
      '"bob"',
      '"carol"',
      '"rita"',
    ],
    ctx,
  };
}

export interface McpAgent {
  client: Client;
  transport: StreamableHTTPClientTransport;
  /** Calls a tool; returns the raw result (error results included). */
  call: (name: string, args?: Record<string, unknown>) => Promise<CallToolResult & { data?: any }>;
  close: () => Promise<void>;
}

/** A real MCP SDK client over Streamable HTTP, named by token, by URL, or by nobody. */
export async function connect(url: string, who: { token?: string; agent?: string } = {}): Promise<McpAgent> {
  const u = new URL(`${url}/mcp`);
  if (who.agent) u.searchParams.set('agent', who.agent);
  const transport = new StreamableHTTPClientTransport(u, {
    requestInit: who.token ? { headers: { authorization: `Bearer ${who.token}` } } : {},
  });
  const client = new Client({ name: 'security-test', version: '1.0.0' });
  await client.connect(transport);
  return {
    client,
    transport,
    call: async (name, args = {}) =>
      withData((await client.callTool({ name, arguments: args })) as CallToolResult) as never,
    close: async () => {
      await transport.terminateSession().catch(() => {});
      await client.close();
    },
  };
}

/** The error code of a tool result, or null for a success. */
export const codeOf = (r: { isError?: boolean; data?: any }): string | null =>
  r.isError ? (r.data?.error?.code ?? 'unknown') : null;

export const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};

/** A JSON-RPC `initialize` body. */
export const initializeBody = (id = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

/** Reads a JSON or SSE response body into the JSON-RPC message(s) it carries. */
export async function rpcBody(res: Response): Promise<any> {
  const text = await res.text();
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const data = text
      .split('\n')
      .filter((l) => l.startsWith('data: ') && l.length > 6)
      .map((l) => JSON.parse(l.slice(6)));
    return data.length === 1 ? data[0] : data;
  }
  return text ? JSON.parse(text) : null;
}
