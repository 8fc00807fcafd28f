/**
 * The register of live MCP sessions per agent, kept in `ctx.guards` (server/ops/guards.ts):
 * enforces "open sessions per agent" (counting the agent's sessions on other servers from the
 * `sessions` table) and tells a session who else is connected under its name here.
 */
import { DomainError } from '../errors.js';
import type { Ctx } from './context.js';
import type { Guards, SessionHold } from './guards.js';

/**
 * Registers `hold` as a live session of its agent. An agent may hold several live sessions
 * (reconnects, windows, clients that open sessions in parallel), at most
 * `limits.maxSessionsPerAgent` over every server on the database: this process's live sessions
 * in the register, plus the agent's session rows not ended that other servers record. Sessions
 * here that are no longer live do not count, and are cleared to make room once the register is
 * full. The place in the register is taken synchronously, before the first await, so two
 * sessions opening at once here cannot both take the last place; two servers admitting at the
 * same moment can (a session's row is written after it is admitted). Returns the departed
 * sessions the caller must close.
 * Errors: `rate_limited` naming the limit and the open sessions' clients; nothing is changed.
 */
export async function admitSession(ctx: Ctx, hold: SessionHold): Promise<SessionHold[]> {
  const g = ctx.guards;
  if (!g) return [];
  const set = g.sessions.get(hold.key) ?? new Set<SessionHold>();
  if (set.has(hold)) return [];
  const max = ctx.limits.maxSessionsPerAgent;
  const live = [...set].filter((h) => h.live());
  if (live.length >= max) throw overLimit(hold, max, live.map(clientOf));
  set.add(hold);
  g.sessions.set(hold.key, set);
  let elsewhere: (string | null)[];
  try {
    elsewhere = await sessionsElsewhere(ctx, hold.key, g.ownSessions);
  } catch (err) {
    releaseSession(g, hold);
    throw err;
  }
  const others = [...set].filter((h) => h !== hold);
  const liveHere = others.filter((h) => h.live());
  if (liveHere.length + elsewhere.length >= max) {
    releaseSession(g, hold);
    throw overLimit(hold, max, [...liveHere.map(clientOf), ...elsewhere]);
  }
  const stale = others.length >= max ? others.filter((h) => !h.live()) : [];
  for (const h of stale) set.delete(h);
  return stale;
}

function overLimit(hold: SessionHold, max: number, clients: (string | null)[]): DomainError {
  const name = hold.key.slice(hold.key.indexOf('/') + 1);
  return new DomainError(
    'rate_limited',
    `${name} already has ${clients.length} live sessions (${countClients(clients)}); the limit is ${max} per agent (SWITCHBOARD_MAX_SESSIONS_PER_AGENT). Close one first: exit a client you no longer use, or end its session with DELETE /mcp and its Mcp-Session-Id.`,
    { limit: max, sessions: clients.length },
  );
}

const clientOf = (h: SessionHold) => h.client();

/**
 * The clients (`name version`, or null) of the live sessions of agent `key` (`team/name`) that
 * other servers on the database record: its session rows not ended, but for this process's own.
 */
async function sessionsElsewhere(ctx: Ctx, key: string, own: ReadonlySet<string>): Promise<(string | null)[]> {
  const slash = key.indexOf('/');
  const rows = await ctx.db
    .selectFrom('sessions')
    .innerJoin('agents', 'agents.id', 'sessions.agent_id')
    .innerJoin('teams', 'teams.id', 'agents.team_id')
    .select(['sessions.id', 'sessions.client_name', 'sessions.client_version'])
    .where('teams.name', '=', key.slice(0, slash))
    .where('agents.name', '=', key.slice(slash + 1))
    .where('sessions.ended_at', 'is', null)
    .orderBy('sessions.started_at')
    .orderBy('sessions.id')
    .execute();
  return rows
    .filter((r) => !own.has(r.id))
    .map((r) => (r.client_name ? [r.client_name, r.client_version].filter(Boolean).join(' ') : null));
}

/** The other live sessions of `hold`'s agent, in the order they were registered. */
export function otherLiveSessions(guards: Guards | undefined, hold: SessionHold): SessionHold[] {
  return [...(guards?.sessions.get(hold.key) ?? [])].filter((h) => h !== hold && h.live());
}

/** `claude-code 2.1 ×2, codex 0.169`: the clients of some sessions, counted. */
export function clientList(holds: readonly SessionHold[]): string {
  return countClients(holds.map(clientOf));
}

function countClients(clients: readonly (string | null)[]): string {
  const counts = new Map<string, number>();
  for (const client of clients) {
    const c = client ?? 'an unnamed client';
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
