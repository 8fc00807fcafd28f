/**
 * The `/mcp` endpoint: MCP Streamable HTTP (protocol 2025-11-25) with stateful sessions,
 * using the SDK's web-standard transport inside Hono. One MCP server per session, created by
 * the factory; unknown session → 404 (the client then starts a new one, as the spec says),
 * which is also what a session opened on another server sharing the database gets here;
 * DELETE ends a session; sessions with no open stream and no request for `sessionIdleMs`
 * are closed. A GET stream the client does not read holds a bounded backlog, then push to
 * the session pauses until it reads again (mcp/stream-backlog.ts).
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { type Context, Hono } from 'hono';
import type { AppDeps } from '../server/deps.js';
import { DomainError, isDomainError } from '../server/errors.js';
import { STATUS } from '../server/http-errors.js';
import { baseCtx, namedAgent, resolveIdentity } from '../server/identity.js';
import { checkedBody } from '../server/middleware/body.js';
import { noteRequest, type RequestNotes } from '../server/middleware/request-log.js';
import { trackResponse } from '../server/middleware/track-response.js';
import { agentKey, type SessionHold } from '../server/ops/guards.js';
import { releaseSession } from '../server/ops/session-register.js';
import { endSession, setSessionPushPaused, startSession, updateSession } from '../server/ops/sessions.js';
import { createEventLog, type EventLog, GET_STREAM } from './event-store.js';
import { holdAgent, sharedNameNotice } from './holds.js';
import { startPush, tellPushResumed } from './push.js';
import { createMcpServer, type SessionState } from './server.js';
import { boundBacklog } from './stream-backlog.js';
import { isToolProfile, TOOL_PROFILES, type ToolProfile } from './tools/index.js';
import { SessionTransport } from './transport.js';

const DEFAULT_TEAM_ID = '00000000000000000000000000';
/** Default for `deps.sessionGraceMs`: the SDK client retries a lost GET stream within ~30 s. */
const DEFAULT_SESSION_GRACE_MS = 60_000;

export interface McpSession {
  state: SessionState;
  server: Server;
  transport: SessionTransport;
  /** The credential that opened the session; later requests must present the same. */
  credential: string;
  lastActivity: number;
  /** Responses (SSE streams, calls in flight) still open. */
  open: number;
  /** True once the client has opened a GET stream: losing it for `sessionGraceMs` ends the session. */
  hadStream?: boolean;
  /** The session's place in the per-agent session register (once bound to an agent). */
  hold?: SessionHold;
  /** The GET stream now open (an identity token): only it may pause or resume push. */
  stream?: object;
  /** The last write of the session's paused push to the database (writes run in order). */
  pauseWrite?: Promise<void>;
}

export interface McpEndpoint {
  app: Hono;
  sessions: Map<string, McpSession>;
  /** Closes sessions idle for longer than `deps.sessionIdleMs`; returns how many. */
  sweep: () => Promise<number>;
  /** Closes every session (shutdown). */
  closeAll: () => Promise<void>;
  /** Stored stream events for `Last-Event-ID` resumption (pruned by maintenance). */
  events: EventLog;
}

/** The credential a request presents: its bearer token, or the agent it names in local mode. */
function credentialOf(req: Request): string {
  const auth = req.headers.get('authorization');
  if (auth) return `bearer:${auth}`;
  const url = new URL(req.url);
  const agent = req.headers.get('x-switchboard-agent') ?? url.searchParams.get('agent') ?? '';
  const team = req.headers.get('x-switchboard-team') ?? url.searchParams.get('team') ?? 'default';
  return agent ? `named:${team}/${agent.toLowerCase()}` : 'anonymous';
}

/** The tool profile a session asks for with `?tools=NAME` (default `all`). Errors: `invalid` naming the profiles. */
function toolProfileOf(req: Request): ToolProfile {
  const name = new URL(req.url).searchParams.get('tools') ?? 'all';
  if (isToolProfile(name)) return name;
  throw new DomainError(
    'invalid',
    `unknown tool profile "${name}" in ?tools=; use one of: ${Object.keys(TOOL_PROFILES).join(', ')}`,
  );
}

/** What the request log says of a POSTed JSON-RPC message or batch: its methods, and the tools called. */
function rpcNotes(body: unknown): RequestNotes {
  const messages = (Array.isArray(body) ? body : [body]).slice(0, 20) as {
    method?: unknown;
    params?: { name?: unknown };
  }[];
  const methods = new Set<string>();
  const tools = new Set<string>();
  for (const m of messages) {
    const method = typeof m?.method === 'string' ? m.method.slice(0, 64) : 'response';
    methods.add(method);
    if (method === 'tools/call' && typeof m.params?.name === 'string') tools.add(m.params.name.slice(0, 64));
  }
  return { rpc: [...methods].join(','), ...(tools.size > 0 && { tool: [...tools].join(',') }) };
}

function jsonRpcError(status: number, code: number, message: string, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/**
 * The transport's `parsedBody` option for a POST whose body `jsonGuard` already read (its
 * stream is spent), so the body is not read twice. Text that is not JSON is left to the
 * transport, which answers it with its own parse error as before.
 */
function postedJson(c: Context): { parsedBody: unknown } | undefined {
  const text = checkedBody(c);
  if (text === undefined) return undefined;
  try {
    return { parsedBody: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

export function createMcpEndpoint(deps: AppDeps): McpEndpoint {
  const sessions = new Map<string, McpSession>();
  const now = deps.now ?? Date.now;
  const events = createEventLog(deps);
  startPush(deps, () => sessions.values(), events.defer);

  const forget = async (id: string) => {
    releaseSession(deps.guards, sessions.get(id)?.hold);
    if (!sessions.delete(id)) return;
    await endSession(baseCtx(deps), id).catch((err) => deps.logger.error({ err }, 'ending session failed'));
    deps.guards?.ownSessions.delete(id);
    await events.forget(id).catch((err) => deps.logger.error({ err }, 'dropping session events failed'));
  };

  async function openSession(c: Context, req: Request, body: unknown): Promise<Response> {
    let entry: McpSession | undefined;
    const state: SessionState = { sessionId: '', actor: null, admin: false, profile: toolProfileOf(req) };
    const hold = (agent: { team: string; name: string }) =>
      holdAgent(
        deps,
        agent,
        () => entry,
        async () => {
          if (entry && state.sessionId) await closeSession(state.sessionId, entry);
        },
      );
    // A name given in the URL takes its place before anything else async, so concurrent opens
    // cannot pass the per-agent session limit together.
    const named = deps.auth === 'local' && !req.headers.get('authorization') ? namedAgent(req) : null;
    let held = named ? await hold(named) : undefined;
    let identity: Awaited<ReturnType<typeof resolveIdentity>>;
    try {
      identity = await resolveIdentity(deps, req, { autoJoin: true });
      if (!held && identity.agent) held = await hold(identity.agent);
    } catch (err) {
      releaseSession(deps.guards, held);
      throw err;
    }
    state.actor = identity.agent;
    state.admin = identity.admin;
    if (identity.agent) noteRequest(c, { agent: identity.agent.name, team: identity.agent.team });
    // A session named without a credential is told once if others already act under its name
    // (a token proves who it is); `told` is the agent it was told about.
    let told: string | undefined;
    const tellSharedName = (via: 'url' | 'join') => {
      const h = entry?.hold;
      if (!h || !state.actor || told === h.key) return;
      told = h.key;
      state.notice = sharedNameNotice(deps, h, state.actor.name, via);
    };
    const ctx = baseCtx(deps);
    const transport = new SessionTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: events.storeFor(() => state.sessionId),
      // SSE comment every 30 s on each open stream (SDK default 15 s): idle sessions stay cheap.
      keepAliveMs: 30_000,
      onsessioninitialized: async (id) => {
        state.sessionId = id;
        if (entry) sessions.set(id, entry);
        deps.guards?.ownSessions.add(id);
        await startSession(ctx, {
          id,
          teamId: state.actor?.teamId ?? DEFAULT_TEAM_ID,
          agentId: state.actor?.id ?? null,
          transport: 'http',
          instanceId: deps.cluster?.instanceId ?? null,
        });
      },
      onsessionclosed: (id) => forget(id),
    });
    const server = createMcpServer({
      deps,
      state,
      admit: async (agent) => {
        if (!entry || entry.hold?.key === agentKey(agent.team, agent.name)) return;
        const next = await hold(agent);
        releaseSession(deps.guards, entry.hold);
        entry.hold = next;
      },
      onBind: async (agent) => {
        if (entry && entry.hold?.key !== agentKey(agent.team, agent.name)) {
          try {
            const next = await hold(agent);
            releaseSession(deps.guards, entry.hold);
            entry.hold = next;
          } catch (err) {
            state.actor = null;
            throw err;
          }
        }
        await updateSession(ctx, state.sessionId, { agentId: agent.id, teamId: agent.teamId });
        if (entry?.credential === 'anonymous') tellSharedName('join');
      },
    });
    server.oninitialized = () => {
      const client = server.getClientVersion();
      const caps = server.getClientCapabilities();
      if (named) tellSharedName('url');
      void updateSession(ctx, state.sessionId, {
        clientName: client?.name ?? null,
        clientVersion: client?.version ?? null,
        push: caps?.experimental?.['claude/channel'] !== undefined,
      }).catch((err) => deps.logger.error({ err }, 'updating session failed'));
    };
    transport.onclose = () => {
      if (state.sessionId) void forget(state.sessionId);
    };
    entry = { state, server, transport, credential: credentialOf(req), lastActivity: now(), open: 0, hold: held };
    await server.connect(transport);
    const res = await transport.handleRequest(req, { parsedBody: body });
    if (!state.sessionId) releaseSession(deps.guards, held);
    return res;
  }

  const app = new Hono();
  app.all('/', async (c) => {
    const req = c.req.raw;
    try {
      const sessionId = req.headers.get('mcp-session-id');
      if (sessionId) {
        const s = sessions.get(sessionId);
        if (!s) return jsonRpcError(404, -32001, 'Session not found: start a new session (initialize)');
        if (credentialOf(req) !== s.credential) {
          // 401 (with WWW-Authenticate) when the request's own credential is missing or bad.
          await resolveIdentity(deps, req, { autoJoin: false });
          return jsonRpcError(403, -32003, 'this session belongs to another credential');
        }
        const posted = postedJson(c);
        const actor = s.state.actor;
        noteRequest(c, {
          ...(actor && { agent: actor.name, team: actor.team }),
          ...(posted && rpcNotes(posted.parsedBody)),
        });
        s.lastActivity = now();
        s.open += 1;
        let res = await s.transport.handle(req, posted);
        if (req.method === 'GET' && res.ok && res.body) {
          s.hadStream = true;
          res = await openStream(req, res, sessionId, s);
        }
        const done = () => {
          s.open -= 1;
          s.lastActivity = now();
        };
        // On a Node server, the socket's end tells when the response is over, without wrapping its body.
        const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
        if (outgoing) {
          outgoing.once('close', done);
          return res;
        }
        return trackResponse(res, done);
      }
      if (req.method !== 'POST') {
        return jsonRpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      }
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return jsonRpcError(400, -32700, 'Parse error: body must be JSON');
      }
      const messages = Array.isArray(body) ? body : [body];
      if (!messages.some((m) => isInitializeRequest(m))) {
        return jsonRpcError(400, -32000, 'Bad Request: no session; send initialize first');
      }
      noteRequest(c, rpcNotes(body));
      return await openSession(c, req, body);
    } catch (err) {
      if (isDomainError(err)) {
        const status = STATUS[err.code];
        const headers: Record<string, string> =
          status === 401 ? { 'www-authenticate': 'Bearer realm="switchboard"' } : {};
        return jsonRpcError(status, -32001, err.message, headers);
      }
      deps.logger.error({ err, reqId: c.get('requestId') }, 'mcp request failed');
      return jsonRpcError(500, -32603, 'Internal error');
    }
  });

  /**
   * A session's GET stream, as sent: with a bounded backlog (mcp/stream-backlog.ts) whose
   * state pauses and resumes push to the session, and, on a fresh stream, a priming event.
   * The SDK sends no event id on a fresh GET stream, so a client that lost it before the
   * first push could not resume; an empty priming event gives it a `Last-Event-ID` at once.
   * Only for protocol 2025-11-25 and later, whose clients accept events without data.
   */
  async function openStream(req: Request, res: Response, sessionId: string, s: McpSession): Promise<Response> {
    if (!res.body) return res;
    const version = req.headers.get('mcp-protocol-version') ?? '';
    let first: Uint8Array | undefined;
    if (!req.headers.get('last-event-id') && version >= '2025-11-25') {
      const id = await events.store(sessionId, GET_STREAM, {});
      first = new TextEncoder().encode(`id: ${id}\ndata: \n\n`);
    }
    const stream = {};
    s.stream = stream;
    // A new stream starts with an empty backlog, whatever its predecessor left.
    if (s.state.pushPaused) pausePush(sessionId, s, false);
    const body = boundBacklog(res.body, {
      first,
      // A stream that ended after its successor opened no longer speaks for the session.
      onBacklog: (backlogged) => {
        if (s.stream === stream) pausePush(sessionId, s, backlogged);
      },
      onDrop: (bytes) => deps.logger.debug({ session: sessionId, bytes }, 'stream backlog full: event dropped'),
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  }

  /**
   * Pauses or resumes push to a session whose stream filled or drained its backlog, and
   * records it for the roster (writes in order, each of the state at its turn).
   */
  function pausePush(sessionId: string, s: McpSession, paused: boolean) {
    s.state.pushPaused = paused;
    deps.logger.info(
      { session: sessionId, agent: s.state.actor?.name },
      paused ? 'push paused: stream not read' : 'push resumed',
    );
    if (!paused) {
      tellPushResumed({ state: s.state, server: s.server }).catch((err) =>
        deps.logger.debug({ err, session: sessionId }, 'push failed'),
      );
    }
    s.pauseWrite = (s.pauseWrite ?? Promise.resolve())
      .then(() => setSessionPushPaused(baseCtx(deps), sessionId, s.state.pushPaused === true))
      .catch((err) => deps.logger.error({ err }, 'recording paused push failed'));
  }

  async function closeSession(id: string, s: McpSession) {
    await s.transport.close().catch(() => {});
    await s.server.close().catch(() => {});
    await forget(id);
  }

  return {
    app,
    sessions,
    sweep: async () => {
      // A client that kept a GET stream open and lost it is gone once it has not come back
      // within the grace period; one that never opened a stream may just be quiet.
      const idleCutoff = now() - deps.sessionIdleMs;
      const lostCutoff = now() - (deps.sessionGraceMs ?? DEFAULT_SESSION_GRACE_MS);
      const idle = [...sessions].filter(
        ([, s]) => s.open <= 0 && s.lastActivity < (s.hadStream ? Math.max(idleCutoff, lostCutoff) : idleCutoff),
      );
      for (const [id, s] of idle) await closeSession(id, s);
      return idle.length;
    },
    closeAll: async () => {
      for (const [id, s] of [...sessions]) await closeSession(id, s);
      await events.flush();
    },
    events,
  };
}
