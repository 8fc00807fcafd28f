/**
 * Teammates: join a team, who am I, the roster with presence, set summary; plus the
 * helpers other operations use to resolve names and record activity.
 */
import { z } from 'zod';
import type { AgentRow } from '../db/schema.js';
import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import { type Ctx, requireActor, withTx } from './context.js';
import { type Agent, type Presence, type Reachability, toAgent } from './mappers.js';
import { AgentKind, AgentName, parseInput, ShortText, TeamName } from './schemas.js';

/** An agent with no activity for this long is `idle` even with a live session (ms). */
export const IDLE_AFTER_MS = 5 * 60_000;
/** An agent without a live session counts as `online` this long after its last call (ms). */
export const RECENT_MS = 60_000;

export const JoinTeam = z.strictObject({
  name: AgentName.describe('your teammate name, unique in the team (e.g. "backend-1")'),
  team: TeamName.default('default').describe('team to join; created if new (default "default")'),
  kind: AgentKind.optional().describe('what you are'),
  role: ShortText(60).optional().describe('your role, e.g. "reviewer"; others can address role:NAME'),
  summary: ShortText(500).optional().describe('what you are working on'),
  cwd: ShortText(500).optional(),
  repo: ShortText(500).optional(),
  branch: ShortText(200).optional(),
});
export type JoinTeam = z.infer<typeof JoinTeam>;

/**
 * Joins (or rejoins) `team` as `name`, creating the team and the agent if new. Fields given
 * update the agent; omitted fields keep their value. Returns the agent and whether it is new.
 * `admit`, called after the checks and before any write, lets an MCP session take its place
 * among the agent's sessions (it throws at the per-agent session limit). Several connections
 * may act as one agent (DESIGN.md, Delivery).
 * Errors: `invalid` for a bad name; `conflict` when the connection is already someone else;
 * whatever `admit` throws.
 */
export async function joinTeam(
  ctx: Ctx,
  input: unknown,
  admit?: (agent: { team: string; name: string }) => void,
): Promise<{ agent: Agent; created: boolean }> {
  const p = parseInput(JoinTeam, input);
  if (p.name === SYSTEM_AGENT) {
    throw new DomainError('invalid', `"${SYSTEM_AGENT}" is reserved for the server's own notices; pick another name`);
  }
  const me = ctx.actor;
  if (me && (me.name !== p.name || me.team !== p.team)) {
    throw new DomainError(
      'conflict',
      `this connection is already ${me.name} in team ${me.team}; open a new session to act as someone else`,
    );
  }
  admit?.({ team: p.team, name: p.name });
  return upsertAgent(ctx, p);
}

/** Creates or updates an agent (no identity checks: callers decide who may). */
export async function upsertAgent(ctx: Ctx, p: JoinTeam): Promise<{ agent: Agent; created: boolean }> {
  return withTx(ctx, async (tx) => {
    const now = tx.now();
    const team = await ensureTeam(tx, p.team);
    const existing = await tx.db
      .selectFrom('agents')
      .selectAll()
      .where('team_id', '=', team.id)
      .where('name', '=', p.name)
      .executeTakeFirst();
    const fields = {
      ...(p.kind !== undefined && { kind: p.kind }),
      ...(p.role !== undefined && { role: p.role }),
      ...(p.summary !== undefined && { summary: p.summary }),
      ...(p.cwd !== undefined && { cwd: p.cwd }),
      ...(p.repo !== undefined && { repo: p.repo }),
      ...(p.branch !== undefined && { branch: p.branch }),
    };
    let row: AgentRow;
    if (existing) {
      row = await tx.db
        .updateTable('agents')
        .set({ ...fields, last_seen_at: now })
        .where('id', '=', existing.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    } else {
      row = await tx.db
        .insertInto('agents')
        .values({
          id: newId(now),
          team_id: team.id,
          name: p.name,
          kind: p.kind ?? 'other',
          role: p.role ?? null,
          summary: p.summary ?? null,
          cwd: p.cwd ?? null,
          repo: p.repo ?? null,
          branch: p.branch ?? null,
          created_at: now,
          last_seen_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    }
    tx.emit({ type: 'agent.changed', teamId: team.id, agentId: row.id });
    return { agent: toAgent(row, team.name), created: !existing };
  });
}

/** The name under which the server itself posts notices (lease expiry) in a team. */
export const SYSTEM_AGENT = 'switchboard';

/**
 * The team's system agent (kind `system`), created on first use. It sends the notices no
 * teammate caused, so that everyone, the creator included, receives them. It is left out of
 * the roster and of `*` and `role:` addressing.
 */
export async function systemAgent(ctx: Ctx, teamId: string): Promise<Agent> {
  const team = await ctx.db
    .selectFrom('teams')
    .select(['id', 'name'])
    .where('id', '=', teamId)
    .executeTakeFirstOrThrow();
  const now = ctx.now();
  await ctx.db
    .insertInto('agents')
    .values({
      id: newId(now),
      team_id: teamId,
      name: SYSTEM_AGENT,
      kind: 'system',
      role: null,
      summary: null,
      cwd: null,
      repo: null,
      branch: null,
      created_at: now,
      last_seen_at: now,
    })
    .onConflict((oc) => oc.columns(['team_id', 'name']).doNothing())
    .execute();
  const row = await ctx.db
    .selectFrom('agents')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('name', '=', SYSTEM_AGENT)
    .executeTakeFirstOrThrow();
  return toAgent(row, team.name);
}

/** Finds a team by name, creating it if new. */
export async function ensureTeam(ctx: Ctx, name: string): Promise<{ id: string; name: string }> {
  const found = await ctx.db.selectFrom('teams').select(['id', 'name']).where('name', '=', name).executeTakeFirst();
  if (found) return found;
  const now = ctx.now();
  const team = { id: newId(now), name, created_at: now };
  await ctx.db
    .insertInto('teams')
    .values(team)
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  return ctx.db.selectFrom('teams').select(['id', 'name']).where('name', '=', name).executeTakeFirstOrThrow();
}

/**
 * Loads an agent by team and name, for binding identity to a connection.
 * Returns null when there is no such team or agent.
 */
export async function findAgent(ctx: Ctx, teamName: string, agentName: string): Promise<Agent | null> {
  const row = await ctx.db
    .selectFrom('agents')
    .innerJoin('teams', 'teams.id', 'agents.team_id')
    .selectAll('agents')
    .select('teams.name as team_name')
    .where('teams.name', '=', teamName)
    .where('agents.name', '=', agentName)
    .executeTakeFirst();
  return row ? toAgent(row, row.team_name) : null;
}

/** Loads an agent by id (e.g. from a token), or null. */
export async function getAgentById(ctx: Ctx, id: string): Promise<Agent | null> {
  const row = await ctx.db
    .selectFrom('agents')
    .innerJoin('teams', 'teams.id', 'agents.team_id')
    .selectAll('agents')
    .select('teams.name as team_name')
    .where('agents.id', '=', id)
    .executeTakeFirst();
  return row ? toAgent(row, row.team_name) : null;
}

/** A teammate as the roster shows it: presence, reachability, live sessions, held tasks, unread mail. */
export interface Teammate extends Agent {
  presence: Presence;
  reachable: Reachability;
  /** Live MCP sessions acting as this teammate (an agent may hold several). */
  sessions: number;
  /** The clients of those sessions from their MCP initialize, distinct, e.g. `["claude-code 2.1.3", "codex 0.169.0"]`. */
  clients: string[];
  tasksHeld: number;
  unread: number;
}

export const ListTeammates = z.strictObject({
  includeOffline: z.boolean().default(true).describe('include offline teammates (default true)'),
});

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
  const [agents, sessions, held, unread] = await Promise.all([
    ctx.db.selectFrom('agents').selectAll().where('team_id', '=', teamId).where('kind', '!=', 'system').execute(),
    // Live sessions, and those ended too recently for the agent to count as offline by age alone.
    ctx.db
      .selectFrom('sessions')
      .select(['agent_id', 'push', 'ended_at', 'client_name', 'client_version'])
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
  ]);
  const live = new Map<string, { n: number; push: boolean; clients: Set<string> }>();
  const left = new Map<string, number>();
  for (const s of sessions) {
    if (!s.agent_id) continue;
    if (s.ended_at !== null) {
      left.set(s.agent_id, Math.max(left.get(s.agent_id) ?? 0, s.ended_at));
      continue;
    }
    const cur = live.get(s.agent_id) ?? { n: 0, push: false, clients: new Set<string>() };
    if (s.client_name) cur.clients.add(s.client_version ? `${s.client_name} ${s.client_version}` : s.client_name);
    live.set(s.agent_id, { n: cur.n + 1, push: cur.push || s.push === 1, clients: cur.clients });
  }
  const heldBy = new Map(held.map((h) => [h.owner_id as string, Number(h.n)]));
  const unreadBy = new Map(unread.map((u) => [u.recipient_id, Number(u.n)]));
  return agents.map((row) => {
    const l = live.get(row.id);
    return {
      ...toAgent(row, teamName),
      presence: presenceOf(now, row.last_seen_at, l?.n ?? 0, left.get(row.id) ?? null),
      reachable: l ? (l.push ? 'push' : 'wait') : 'poll',
      sessions: l?.n ?? 0,
      clients: l ? [...l.clients].sort() : [],
      tasksHeld: heldBy.get(row.id) ?? 0,
      unread: unreadBy.get(row.id) ?? 0,
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

/** The caller as the roster shows it, plus its team. */
export async function whoami(ctx: Ctx, input: unknown = {}): Promise<Teammate> {
  parseInput(WhoAmI, input);
  const me = requireActor(ctx);
  const roster = await rosterOf(ctx, me.teamId, me.team);
  const mine = roster.find((t) => t.id === me.id);
  if (!mine) throw new DomainError('not_found', `teammate ${me.name} no longer exists`);
  return mine;
}

export const SetSummary = z.strictObject({
  summary: ShortText(500).describe('one line: what you are doing now'),
  role: ShortText(60).optional().describe('change your role'),
  branch: ShortText(200).optional(),
});

/** Sets the caller's summary (and optionally role, branch). Returns the updated agent. */
export async function setSummary(ctx: Ctx, input: unknown): Promise<Agent> {
  const p = parseInput(SetSummary, input);
  const me = requireActor(ctx);
  const row = await ctx.db
    .updateTable('agents')
    .set({
      summary: p.summary,
      ...(p.role !== undefined && { role: p.role }),
      ...(p.branch !== undefined && { branch: p.branch }),
      last_seen_at: ctx.now(),
    })
    .where('id', '=', me.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  ctx.emit({ type: 'agent.changed', teamId: me.teamId, agentId: me.id });
  return toAgent(row, me.team);
}

/** Least time between two writes of one agent's activity (ms): presence and leases need no finer grain. */
export const ACTIVITY_WRITE_MS = 1_000;
/** When each agent's activity was last written, per app (keyed by its bus). */
const lastWritten = new WeakMap<object, Map<string, number>>();

/**
 * Records activity by the actor: refreshes `last_seen_at` and renews the lease on every task
 * it holds (DESIGN.md, Lease: renewed by the owner's activity), at most once per
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
  let written = lastWritten.get(ctx.bus);
  if (!written) {
    written = new Map();
    lastWritten.set(ctx.bus, written);
  }
  const last = written.get(me.id);
  if (last !== undefined && now >= last && now - last < ACTIVITY_WRITE_MS) {
    if (opts.loaded) return me;
    const fresh = await ctx.db.selectFrom('agents').selectAll().where('id', '=', me.id).executeTakeFirst();
    return fresh ? toAgent(fresh, me.team) : null;
  }
  if (written.size >= 10_000) written.clear();
  written.set(me.id, now);
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
  return row ? toAgent(row, me.team) : null;
}

/** id → name for the given agent ids (unknown ids are left out). */
export async function agentNames(ctx: Ctx, ids: Iterable<string | null>): Promise<Map<string, string>> {
  const unique = [...new Set([...ids].filter((x): x is string => x !== null))];
  if (unique.length === 0) return new Map();
  const rows = await ctx.db.selectFrom('agents').select(['id', 'name']).where('id', 'in', unique).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

/**
 * Resolves one teammate name in the actor's team to its row.
 * Errors: `not_found` listing close matches from the roster.
 */
export async function resolveTeammate(ctx: Ctx, teamId: string, name: string): Promise<AgentRow> {
  const wanted = name.trim().toLowerCase();
  const row = await ctx.db
    .selectFrom('agents')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('name', '=', wanted)
    .executeTakeFirst();
  if (row) return row;
  const all = await ctx.db.selectFrom('agents').select('name').where('team_id', '=', teamId).execute();
  throw unknownTeammate(
    wanted,
    all.map((a) => a.name),
  );
}

/** `not_found` for an unknown name, suggesting the closest roster names. */
export function unknownTeammate(name: string, roster: string[]): DomainError {
  const close = closestNames(name, roster);
  const hint = close.length
    ? ` Did you mean ${close.map((c) => `"${c}"`).join(' or ')}?`
    : roster.length
      ? ` Teammates: ${roster.slice(0, 20).join(', ')}.`
      : ' The team has no other teammates yet.';
  return new DomainError('not_found', `no teammate named "${name}" in this team.${hint}`, {
    name,
    suggestions: close,
  });
}

/** Up to 3 names within a small edit distance of `name`, or containing it, best first. */
export function closestNames(name: string, roster: string[]): string[] {
  const scored = roster
    .map((r) => ({ r, d: r.includes(name) || name.includes(r) ? 1 : editDistance(name, r) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(name.length / 3)))
    .sort((a, b) => a.d - b.d || a.r.localeCompare(b.r));
  return scored.slice(0, 3).map((x) => x.r);
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j] as number;
      prev[j] = Math.min(tmp + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length] as number;
}
