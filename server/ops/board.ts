/**
 * The board's team views: the teams overview, the team's members for the forms' choices, the
 * review queue and the roster (teammates with presence, held tasks and reviews waiting on
 * them). They only read; every change the board makes goes through the task, review and message
 * operations. The task columns are in `board-columns.ts`, the thread list in `board-threads.ts`.
 */
import { z } from 'zod';
import { DomainError } from '../errors.js';
import { agentNames } from './agents.js';
import { type Ctx, requireActor } from './context.js';
import {
  joinedTaskSummary,
  type Presence,
  type Reservation,
  type Review,
  type TaskSummary,
  toReview,
} from './model.js';
import { presenceOf, rosterOf, type Teammate } from './presence.js';
import { reservationsByHolder } from './reservations.js';
import { parseInput } from './schemas.js';
import { toSummary } from './task-read.js';

/** One team as the overview lists it. Counts are of tasks by status, agents by presence. */
export interface TeamOverview {
  id: string;
  name: string;
  agents: number;
  agentsOnline: number;
  open: number;
  inProgress: number;
  inReview: number;
  done: number;
  /** Unread messages across the team's inboxes. */
  unread: number;
}

/** The input of `teamsOverview`: nothing to choose; who may see which team follows the actor. */
export const TeamsOverview = z.strictObject({});
export type TeamsOverview = z.infer<typeof TeamsOverview>;

/**
 * Teams with their counts, by name: only the actor's team when there is an actor (a token
 * login), every team without one (the loopback board, before a team is chosen). One grouped
 * query per table, whatever the number of teams.
 */
export async function teamsOverview(ctx: Ctx, input: unknown = {}): Promise<TeamOverview[]> {
  parseInput(TeamsOverview, input);
  const only = ctx.actor ? [ctx.actor.teamId] : undefined;
  const now = ctx.now();
  let teamsQ = ctx.db.selectFrom('teams').select(['id', 'name']).orderBy('name');
  if (only) teamsQ = teamsQ.where('id', 'in', only);
  let agentsQ = ctx.db.selectFrom('agents').select(['id', 'team_id', 'last_seen_at']);
  if (only) agentsQ = agentsQ.where('team_id', 'in', only);
  let liveQ = ctx.db
    .selectFrom('sessions')
    .select(['agent_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('ended_at', 'is', null)
    .where('agent_id', 'is not', null)
    .groupBy('agent_id');
  if (only) liveQ = liveQ.where('team_id', 'in', only);
  let tasksQ = ctx.db
    .selectFrom('tasks')
    .select(['team_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['team_id', 'status']);
  if (only) tasksQ = tasksQ.where('team_id', 'in', only);
  // Through the agents, so the inbox index (recipient_id, read_at) does the work, not a scan.
  const unreadQ = ctx.db
    .selectFrom('deliveries')
    .innerJoin('agents', 'agents.id', 'deliveries.recipient_id')
    .select(['agents.team_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('deliveries.recipient_id', 'in', (eb) => {
      const ids = eb.selectFrom('agents as a').select('a.id');
      return only ? ids.where('a.team_id', 'in', only) : ids;
    })
    .where('deliveries.read_at', 'is', null)
    .groupBy('agents.team_id');

  const [teams, agents, live, tasks, unread] = await Promise.all([
    teamsQ.execute(),
    agentsQ.execute(),
    liveQ.execute(),
    tasksQ.execute(),
    unreadQ.execute(),
  ]);
  const liveBy = new Map(live.map((l) => [l.agent_id as string, Number(l.n)]));
  const out = new Map<string, TeamOverview>(
    teams.map((t) => [
      t.id,
      { id: t.id, name: t.name, agents: 0, agentsOnline: 0, open: 0, inProgress: 0, inReview: 0, done: 0, unread: 0 },
    ]),
  );
  for (const a of agents) {
    const t = out.get(a.team_id);
    if (!t) continue;
    t.agents += 1;
    if (presenceOf(now, a.last_seen_at, liveBy.get(a.id) ?? 0) === 'online') t.agentsOnline += 1;
  }
  const key: Partial<Record<string, 'open' | 'inProgress' | 'inReview' | 'done'>> = {
    open: 'open',
    in_progress: 'inProgress',
    in_review: 'inReview',
    done: 'done',
  };
  for (const r of tasks) {
    const t = out.get(r.team_id);
    const k = key[r.status];
    if (t && k) t[k] += Number(r.n);
  }
  for (const r of unread) {
    const t = out.get(r.team_id);
    if (t) t.unread = Number(r.n);
  }
  return [...out.values()];
}

/** The input of `teamMembers`: nothing to choose; the team is the actor's. */
export const TeamMembers = z.strictObject({});
export type TeamMembers = z.infer<typeof TeamMembers>;

/**
 * The names and roles in the actor's team, for the board's choice lists: `agents` by name,
 * `roles` lower-case, distinct and sorted. Errors: `unauthorized` without an actor.
 */
export async function teamMembers(ctx: Ctx, input: unknown = {}): Promise<{ agents: string[]; roles: string[] }> {
  parseInput(TeamMembers, input);
  const { teamId } = requireActor(ctx);
  const members = await ctx.db
    .selectFrom('agents')
    .select(['name', 'role'])
    .where('team_id', '=', teamId)
    .orderBy('name')
    .execute();
  const agents = members.map((a) => a.name);
  const roles = [...new Set(members.map((a) => a.role?.toLowerCase()).filter((r): r is string => !!r))].sort();
  return { agents, roles };
}

/** A team by name. Errors: `not_found`. */
export async function teamByName(ctx: Ctx, name: string): Promise<{ id: string; name: string }> {
  const team = await ctx.db.selectFrom('teams').select(['id', 'name']).where('name', '=', name).executeTakeFirst();
  if (!team) throw new DomainError('not_found', `no team named "${name}"`);
  return team;
}

/** A pending review as the queue shows it, with its task and how long it has waited. */
export interface QueuedReview extends Review {
  /** The task's owner, whose work is reviewed. */
  owner: string | null;
}

/** The input of `reviewQueue`: how many pending reviews to show at most. */
export const ReviewQueue = z.strictObject({
  limit: z.number().int().min(1).max(200).default(200),
});
export type ReviewQueue = z.infer<typeof ReviewQueue>;

/**
 * The actor's team's pending reviews, oldest first (longest waiting on top).
 * Errors: `invalid` for a bad limit; `unauthorized` without an actor.
 */
export async function reviewQueue(ctx: Ctx, input: unknown = {}): Promise<QueuedReview[]> {
  const p = parseInput(ReviewQueue, input);
  const { teamId } = requireActor(ctx);
  const rows = await ctx.db
    .selectFrom('reviews')
    .innerJoin('tasks', 'tasks.id', 'reviews.task_id')
    .selectAll('reviews')
    .select(['tasks.number', 'tasks.title', 'tasks.status as task_status', 'tasks.owner_id'])
    .where('reviews.team_id', '=', teamId)
    .where('reviews.status', '=', 'pending')
    .orderBy('reviews.created_at', 'asc')
    .orderBy('reviews.id', 'asc')
    .limit(p.limit)
    .execute();
  const names = await agentNames(
    ctx,
    rows.flatMap((r) => [r.requested_by, r.reviewer_id, r.submitted_by, r.owner_id]),
  );
  return rows.map((r) => ({
    ...toReview(r, names, joinedTaskSummary(r)),
    owner: r.owner_id ? (names.get(r.owner_id) ?? null) : null,
  }));
}

/** A teammate as the board's roster shows it: the roster entry plus what it holds and what waits on it. */
export interface RosterEntry extends Teammate {
  /** Tasks it owns that are in progress or in review, by number. */
  held: TaskSummary[];
  /** Pending reviews asked of it by name or of its role. */
  pendingReviews: number;
  /** Its live file reservations, by pattern. */
  reserved: Reservation[];
}

/** The input of `teamRoster`: nothing to choose; the team is the actor's. */
export const TeamRoster = z.strictObject({});
export type TeamRoster = z.infer<typeof TeamRoster>;

/**
 * The actor's team as the board's roster shows it: every teammate with presence (online, idle,
 * then offline, each by name), the tasks it holds, the reviews waiting on it by name or role,
 * and its file reservations.
 * Errors: `unauthorized` without an actor.
 */
export async function teamRoster(ctx: Ctx, input: unknown = {}): Promise<RosterEntry[]> {
  parseInput(TeamRoster, input);
  const me = requireActor(ctx);
  const [roster, held, reviews, reserved] = await Promise.all([
    rosterOf(ctx, me.teamId, me.team),
    heldTasks(ctx, me.teamId),
    pendingReviewCounts(ctx, me.teamId),
    reservationsByHolder(ctx, me.teamId),
  ]);
  const order: Record<Presence, number> = { online: 0, idle: 1, offline: 2 };
  return roster
    .sort((a, b) => order[a.presence] - order[b.presence] || a.name.localeCompare(b.name))
    .map((a) => ({
      ...a,
      held: held.get(a.id) ?? [],
      pendingReviews: (reviews.byAgent.get(a.id) ?? 0) + (a.role ? (reviews.byRole.get(a.role.toLowerCase()) ?? 0) : 0),
      reserved: reserved.get(a.name) ?? [],
    }));
}

/** Pending reviews waiting on each agent: by named reviewer id, and by role (lower-case). */
async function pendingReviewCounts(
  ctx: Ctx,
  teamId: string,
): Promise<{ byAgent: Map<string, number>; byRole: Map<string, number>; anyone: number }> {
  const rows = await ctx.db
    .selectFrom('reviews')
    .select(['reviewer_id', 'reviewer_role', (eb) => eb.fn.countAll<number>().as('n')])
    .where('team_id', '=', teamId)
    .where('status', '=', 'pending')
    .groupBy(['reviewer_id', 'reviewer_role'])
    .execute();
  const byAgent = new Map<string, number>();
  const byRole = new Map<string, number>();
  let anyone = 0;
  for (const r of rows) {
    const n = Number(r.n);
    if (r.reviewer_id) byAgent.set(r.reviewer_id, (byAgent.get(r.reviewer_id) ?? 0) + n);
    else if (r.reviewer_role) {
      const role = r.reviewer_role.toLowerCase();
      byRole.set(role, (byRole.get(role) ?? 0) + n);
    } else anyone += n;
  }
  return { byAgent, byRole, anyone };
}

/** Tasks each agent holds (owns, in progress or in review), by agent id, by number. */
async function heldTasks(ctx: Ctx, teamId: string): Promise<Map<string, TaskSummary[]>> {
  const rows = await ctx.db
    .selectFrom('tasks')
    .select(['id', 'number', 'title', 'status', 'owner_id'])
    .where('team_id', '=', teamId)
    .where('status', 'in', ['in_progress', 'in_review'])
    .where('owner_id', 'is not', null)
    .orderBy('number')
    .execute();
  const out = new Map<string, TaskSummary[]>();
  for (const r of rows) {
    const list = out.get(r.owner_id as string) ?? [];
    list.push(toSummary(r));
    out.set(r.owner_id as string, list);
  }
  return out;
}
