/**
 * Per-agent limits kept in memory (they protect the running process, so they reset with it):
 * a token bucket for sends, a count of waiting calls, and the register of live MCP sessions
 * that enforces "open sessions per agent" and tells a session who else is connected under its
 * name. Operations reach them through `ctx.guards`;
 * a context without guards (plain operation tests) is not limited.
 */
import { DomainError } from '../errors.js';
import { type Ctx, requireActor } from './context.js';

/** One MCP session's place in its agent's session register, registered by the `/mcp` route. */
export interface SessionHold {
  /** `team/name` of the agent the session acts as. */
  key: string;
  /** True while the client is evidently connected (a stream or call open, or recent activity). */
  live: () => boolean;
  /** The client's name and version from its initialize (`claude-code 2.1.3`), null before it. */
  client: () => string | null;
  /** Ends the session (used to clear departed sessions when the register is full). */
  close: () => Promise<void>;
}

export interface Guards {
  /** Send token buckets by agent id: tokens left and when they were counted (ms). */
  sendBuckets: Map<string, { tokens: number; at: number }>;
  /** Waiting calls in flight by agent id. */
  waits: Map<string, number>;
  /** Live MCP sessions by agent key (`team/name`). */
  sessions: Map<string, Set<SessionHold>>;
  /** Aborted when the server starts shutting down: waiting calls return at once. */
  shutdown: AbortController;
}

export function createGuards(): Guards {
  return { sendBuckets: new Map(), waits: new Map(), sessions: new Map(), shutdown: new AbortController() };
}

/** The register key of an agent: `team/name`. */
export const agentKey = (team: string, name: string) => `${team}/${name}`;

/**
 * Takes one send from the actor's token bucket (capacity and refill: `limits.sendsPerMinute`
 * per minute). Called at the top of `sendMessage` (and so `broadcast`).
 * Errors: `rate_limited` with `details.retryAfterMs` (the API turns it into `Retry-After`).
 */
export function chargeSend(ctx: Ctx): void {
  const g = ctx.guards;
  const me = ctx.actor;
  if (!g || !me) return;
  const rate = ctx.limits.sendsPerMinute;
  const now = ctx.now();
  const b = g.sendBuckets.get(me.id);
  const tokens = b ? Math.min(rate, b.tokens + (Math.max(0, now - b.at) * rate) / 60_000) : rate;
  if (tokens < 1) {
    g.sendBuckets.set(me.id, { tokens, at: now });
    const retryAfterMs = Math.ceil(((1 - tokens) * 60_000) / rate);
    throw new DomainError(
      'rate_limited',
      `too many sends: the limit is ${rate} messages per minute per agent; retry in ${Math.ceil(retryAfterMs / 1000)}s`,
      { limit: rate, retryAfterMs },
    );
  }
  g.sendBuckets.set(me.id, { tokens: tokens - 1, at: now });
}

export interface WaitSlot {
  /** Aborts when the server shuts down: the waiting call should return what it has at once. */
  signal: AbortSignal;
  /** Frees the slot; idempotent. Call it in a `finally`. */
  release: () => void;
}

/**
 * Reserves one of the actor's waiting-call slots (`limits.maxWaitsPerAgent`) for a blocking
 * call such as `teammate_wait_for_messages`:
 * `const slot = acquireWaitSlot(ctx); try { … AbortSignal.any([session.signal, slot.signal]) … } finally { slot.release(); }`
 * Errors: `unauthorized` without an actor; `rate_limited` when every slot is taken.
 */
export function acquireWaitSlot(ctx: Ctx): WaitSlot {
  const me = requireActor(ctx);
  const g = ctx.guards;
  if (!g) return { signal: new AbortController().signal, release: () => {} };
  const max = ctx.limits.maxWaitsPerAgent;
  const n = g.waits.get(me.id) ?? 0;
  if (n >= max) {
    throw new DomainError(
      'rate_limited',
      `${n} waiting calls are already open for ${me.name}; the limit is ${max} per agent. Let one return before waiting again.`,
      { limit: max },
    );
  }
  g.waits.set(me.id, n + 1);
  let released = false;
  return {
    signal: g.shutdown.signal,
    release: () => {
      if (released) return;
      released = true;
      const left = (g.waits.get(me.id) ?? 1) - 1;
      if (left > 0) g.waits.set(me.id, left);
      else g.waits.delete(me.id);
    },
  };
}

/**
 * Registers `hold` as a live session of its agent. An agent may hold several live sessions
 * (reconnects, windows, clients that open sessions in parallel), at most
 * `limits.maxSessionsPerAgent`; sessions that are no longer live do not count, and are cleared
 * to make room once the register is full. Synchronous, so two sessions opening at once cannot
 * both take the last place. Returns the departed sessions the caller must close.
 * Errors: `rate_limited` naming the limit and the open sessions' clients; nothing is changed.
 */
export function admitSession(ctx: Ctx, hold: SessionHold): SessionHold[] {
  const g = ctx.guards;
  if (!g) return [];
  const set = g.sessions.get(hold.key) ?? new Set<SessionHold>();
  if (set.has(hold)) return [];
  const others = [...set];
  const live = others.filter((h) => h.live());
  const max = ctx.limits.maxSessionsPerAgent;
  if (live.length >= max) {
    const name = hold.key.slice(hold.key.indexOf('/') + 1);
    throw new DomainError(
      'rate_limited',
      `${name} already has ${live.length} live sessions (${clientList(live)}); the limit is ${max} per agent (SWITCHBOARD_MAX_SESSIONS_PER_AGENT). Close one first: exit a client you no longer use, or end its session with DELETE /mcp and its Mcp-Session-Id.`,
      { limit: max, sessions: live.length },
    );
  }
  const stale = others.length >= max ? others.filter((h) => !h.live()) : [];
  for (const h of stale) set.delete(h);
  set.add(hold);
  g.sessions.set(hold.key, set);
  return stale;
}

/** The other live sessions of `hold`'s agent, in the order they were registered. */
export function otherLiveSessions(guards: Guards | undefined, hold: SessionHold): SessionHold[] {
  return [...(guards?.sessions.get(hold.key) ?? [])].filter((h) => h !== hold && h.live());
}

/** `claude-code 2.1 ×2, codex 0.169`: the clients of some sessions, counted. */
export function clientList(holds: readonly SessionHold[]): string {
  const counts = new Map<string, number>();
  for (const h of holds) {
    const c = h.client() ?? 'an unnamed client';
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  return [...counts].map(([c, n]) => (n > 1 ? `${c} ×${n}` : c)).join(', ');
}

/** Removes a session from the register (it ended). Idempotent. */
export function releaseSession(guards: Guards | undefined, hold: SessionHold | undefined): void {
  if (!guards || !hold) return;
  const set = guards.sessions.get(hold.key);
  if (!set) return;
  set.delete(hold);
  if (set.size === 0) guards.sessions.delete(hold.key);
}
