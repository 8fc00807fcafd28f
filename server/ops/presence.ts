/**
 * Presence and activity: the roster with presence (online, idle, offline from live sessions and
 * recent activity) and how each teammate can be reached, who am I, and recording activity,
 * which also renews the leases of the tasks an agent holds.
 */
import { z } from 'zod';
import { compileOnce } from '../db/compiled.js';
import { DomainError } from '../errors.js';
import { type Ctx, requireActor } from './context.js';
import { type Agent, type Presence, type Reachability, toAgent } from './model.js';
import { parseInput } from './schemas.js';

/** What the roster, whoami and the board say of a teammate whose push is paused (`Teammate.pushPaused`). */

/** An agent with no activity for this long is `idle` even with a live session (ms). */
export const IDLE_AFTER_MS = 5 * 60_000;
/** An agent without a live session counts as `online` this long after its last call (ms). */
export const RECENT_MS = 60_000;

/** A teammate as the roster shows it: presence, reachability, live sessions, held tasks, unread mail, reservations. */
export interface Teammate extends Agent {
  presence: Presence;
  reachable: Reachability;
  /** Live MCP sessions acting as this teammate (an agent may hold several). */
  sessions: number;
  /** The clients of those sessions from their MCP initialize, distinct, e.g. `["claude-code 2.1.3", "codex 0.169.0"]`. */
  clients: string[];
  /**
   * True when one of those sessions has stopped reading its event stream, so push to it is
   * paused until it reads again (its mail waits in the inbox): shown as `PUSH_PAUSED`.
   */
  pushPaused: boolean;
  tasksHeld: number;
  unread: number;
  /** Live file reservations it holds. */
  reservations: number;
}

export const ListTeammates = z.strictObject({
  includeOffline: z.boolean().default(true).describe('false: online and idle only'),
});
export type ListTeammates = z.infer<typeof ListTeammates>;

/** The actor's team roster, online first, then by name. */
export async function listTeammates(ctx: Ctx, input: unknown): Promise<Teammate[]> {
  const p = parseInput(ListTeammates, input);
  const me = requireActor(ctx);
  const list = await rosterOf(ctx, me.teamId, me.team);
  const order: Record<Presence, number> = { online: 0, idle: 1, offline: 2 };
  return list
    .filter((t) => p.includeOffline || t.presence !== 'offline')
    .sort((a, b) => order[a.presence] - order[b.presence] || a.name.localeCompare(b.name));
}

/** Every agent of a team with derived presence and counts (used by the roster and the board). */
export async function rosterOf(ctx: Ctx, teamId: string, teamName: string): Promise<Teammate[]> {
  const now = ctx.now();
  const [agents, sessions, held, unread, reserved] = await Promise.all([
    ctx.db.selectFrom('agents').selectAll().where('team_id', '=', teamId).where('kind', '!=', 'system').execute(),
    // Live sessions, and those ended too recently for the agent to count as offline by age alone.
    ctx.db
      .selectFrom('sessions')
      .select(['agent_id', 'push', 'push_paused_at', 'ended_at', 'client_name', 'client_version'])
      .where('team_id', '=', teamId)
      .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>=', now - RECENT_MS)]))
      .execute(),
    ctx.db
      .selectFrom('tasks')
      .select(['owner_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('team_id', '=', teamId)
      .where('status', 'in', ['in_progress', 'in_review'])
      .where('owner_id', 'is not', null)
      .groupBy('owner_id')
      .execute(),
    ctx.db
      .selectFrom('deliveries')
      .select(['recipient_id', (eb) => eb.fn.countAll<number>().as('n')])
      // Through the team's agents so the (recipient_id, read_at) inbox index answers it.
      .where('recipient_id', 'in', (eb) => eb.selectFrom('agents').select('id').where('team_id', '=', teamId))
      .where('read_at', 'is', null)
      .groupBy('recipient_id')
      .execute(),
    ctx.db
      .selectFrom('reservations')
      .select(['agent_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('team_id', '=', teamId)
      .where('expires_at', '>', now)
      .groupBy('agent_id')
      .execute(),
  ]);
  const live = new Map<string, { n: number; push: boolean; paused: boolean; clients: Set<string> }>();
  const left = new Map<string, number>();
  for (const s of sessions) {
    if (!s.agent_id) continue;
    if (s.ended_at !== null) {
      left.set(s.agent_id, Math.max(left.get(s.agent_id) ?? 0, s.ended_at));
      continue;
    }
    const cur = live.get(s.agent_id) ?? { n: 0, push: false, paused: false, clients: new Set<string>() };
    if (s.client_name) cur.clients.add(s.client_version ? `${s.client_name} ${s.client_version}` : s.client_name);
    live.set(s.agent_id, {
      n: cur.n + 1,
      push: cur.push || s.push === 1,
      paused: cur.paused || s.push_paused_at !== null,
      clients: cur.clients,
    });
  }
  const heldBy = new Map(held.map((h) => [h.owner_id as string, Number(h.n)]));
  const unreadBy = new Map(unread.map((u) => [u.recipient_id, Number(u.n)]));
  const reservedBy = new Map(reserved.map((r) => [r.agent_id, Number(r.n)]));
  return agents.map((row) => {
    const l = live.get(row.id);
    return {
      ...toAgent(row, teamName),
      presence: presenceOf(now, row.last_seen_at, l?.n ?? 0, left.get(row.id) ?? null),
      reachable: l ? (l.push ? 'push' : 'wait') : 'poll',
      sessions: l?.n ?? 0,
      clients: l ? [...l.clients].sort() : [],
      pushPaused: l?.paused ?? false,
      tasksHeld: heldBy.get(row.id) ?? 0,
      unread: unreadBy.get(row.id) ?? 0,
      reservations: reservedBy.get(row.id) ?? 0,
    };
  });
}

/**
 * Presence from live sessions and the last activity (UTC ms). Without a live session an agent
 * is online only briefly after a call (API and CLI users hold no session), and offline at once
 * when its last session ended after its last activity (`lastLeftAt`): it left, or its client died.
 */
export function presenceOf(
  now: number,
  lastSeenAt: number,
  liveSessions: number,
  lastLeftAt: number | null = null,
): Presence {
  const age = now - lastSeenAt;
  if (liveSessions > 0) return age < IDLE_AFTER_MS ? 'online' : 'idle';
  if (lastLeftAt !== null && lastLeftAt >= lastSeenAt) return 'offline';
  return age < RECENT_MS ? 'online' : 'offline';
}

export const WhoAmI = z.strictObject({});
export type WhoAmI = z.infer<typeof WhoAmI>;

/** The caller as the roster shows it, plus its team. */
export async function whoami(ctx: Ctx, input: unknown = {}): Promise<Teammate> {
  parseInput(WhoAmI, input);
  const me = requireActor(ctx);
  const roster = await rosterOf(ctx, me.teamId, me.team);
  const mine = roster.find((t) => t.id === me.id);
  if (!mine) throw new DomainError('not_found', `teammate ${me.name} no longer exists`);
  return mine;
}

/** The agent's row, read back on every MCP call between activity writes; compiled once. */
const agentById = compileOnce(1, (db, id: string) => db.selectFrom('agents').selectAll().where('id', '=', id));

/** Least time between two writes of one agent's activity (ms): presence and leases need no finer grain. */
export const ACTIVITY_WRITE_MS = 1_000;

/**
 * Records activity by the actor: refreshes `last_seen_at` and renews the lease on every task
 * it holds (DESIGN.md, Lease: renewed by the owner's activity) and its file reservations, at most once per
 * `ACTIVITY_WRITE_MS` per agent. Returns the actor as stored
 * now (role or summary may have changed since the connection bound it), or null without an
 * actor or when the agent no longer exists. With `loaded: true` (the caller has just read
 * the actor from the database, as the JSON API does per request) a call that writes nothing
 * returns `ctx.actor` as it is instead of reading it again.
 */
export async function touchActivity(ctx: Ctx, opts: { loaded?: boolean } = {}): Promise<Agent | null> {
  const me = ctx.actor;
  if (!me) return null;
  const now = ctx.now();
  // A busy agent's activity is written at most once per ACTIVITY_WRITE_MS (each write is a
  // commit); in between, the call only reads the agent back.
  const written = ctx.guards?.activity;
  const last = written?.get(me.id);
  if (last !== undefined && now >= last && now - last < ACTIVITY_WRITE_MS) {
    if (opts.loaded) return me;
    const [fresh] = await agentById(ctx.db, me.id);
    return fresh ? toAgent(fresh, me.team) : null;
  }
  if (written) {
    if (written.size >= 10_000) written.clear();
    written.set(me.id, now);
  }
  const row = await ctx.db
    .updateTable('agents')
    .set({ last_seen_at: now })
    .where('id', '=', me.id)
    .returningAll()
    .executeTakeFirst();
  await ctx.db
    .updateTable('tasks')
    .set({ lease_expires_at: now + ctx.limits.leaseMs })
    .where('owner_id', '=', me.id)
    .where('status', '=', 'in_progress')
    .execute();
  // File reservations last their TTL past the holder's last activity, like leases.
  await ctx.db
    .updateTable('reservations')
    .set((eb) => ({ expires_at: eb(eb.val(now), '+', eb.ref('ttl_ms')) }))
    .where('agent_id', '=', me.id)
    .where('expires_at', '>', now)
    .execute();
  return row ? toAgent(row, me.team) : null;
}
