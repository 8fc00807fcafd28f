/**
 * Membership: join a team (the team is created if new), the per-team system agent, finding
 * agents, setting one's summary, and resolving teammate names (with close matches) for the
 * other operations.
 */
import { z } from 'zod';
import { compileOnce } from '../db/compiled.js';
import type { AgentRow } from '../db/schema.js';
import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import { type Ctx, requireActor, withTx } from './context.js';
import { type Agent, toAgent } from './model.js';
import { AgentKind, AgentName, parseInput, ShortText, TeamName } from './schemas.js';

export const JoinTeam = z.strictObject({
  name: AgentName.describe('unique in team, e.g. backend-1'),
  team: TeamName.default('default').describe('created if new'),
  kind: AgentKind.optional().describe('what you are'),
  role: ShortText(60).optional().describe('e.g. reviewer; reachable as role:NAME'),
  summary: ShortText(500).optional().describe('current work'),
  cwd: ShortText(500).optional().describe('working directory'),
  repo: ShortText(500).optional().describe('URL or path'),
  branch: ShortText(200).optional().describe('git branch'),
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
  admit?: (agent: { team: string; name: string }) => void | Promise<void>,
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
  await admit?.({ team: p.team, name: p.name });
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
  const [row] = await agentByName(ctx.db, teamName, agentName);
  return row ? toAgent(row, row.team_name) : null;
}

/** `findAgent`'s query (run on every JSON API request), compiled once. */
const agentByName = compileOnce(2, (db, teamName: string, agentName: string) =>
  db
    .selectFrom('agents')
    .innerJoin('teams', 'teams.id', 'agents.team_id')
    .selectAll('agents')
    .select('teams.name as team_name')
    .where('teams.name', '=', teamName)
    .where('agents.name', '=', agentName),
);

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

export const SetSummary = z.strictObject({
  summary: ShortText(500).describe('one line'),
  role: ShortText(60).optional().describe('new role'),
  branch: ShortText(200).optional().describe('git branch'),
});
export type SetSummary = z.infer<typeof SetSummary>;

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
