/**
 * The register of live MCP sessions per agent, kept in `ctx.guards` (server/ops/guards.ts):
 * enforces "open sessions per agent" and tells a session who else is connected under its name.
 */
import { DomainError } from '../errors.js';
import type { Ctx } from './context.js';
import type { Guards, SessionHold } from './guards.js';

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
