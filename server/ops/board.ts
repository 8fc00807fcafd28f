/**
 * Read models for the web board: the teams overview, a team's task columns with filters and
 * paging, the review queue, the team's threads and per-agent pending reviews. They only read;
 * every change the board makes goes through the task, review and message operations.
 * Presence comes from `presenceOf`/`rosterOf`, rows become domain objects through the mappers.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import { DomainError } from '../errors.js';
import { agentNames, presenceOf } from './agents.js';
import { type Ctx, isPrivileged } from './context.js';
import {
  iso,
  isoOrNull,
  type Review,
  type Task,
  type TaskSummary,
  type Thread,
  toReview,
  toThread,
} from './mappers.js';
import { AgentName, Label, parseInput, type TaskStatus } from './schemas.js';
import { loadTasks, toSummary } from './task-read.js';

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

/**
 * Every team (or only `teamIds`) with its counts, by name. One grouped query per table,
 * whatever the number of teams.
 */
export async function teamsOverview(ctx: Ctx, opts: { teamIds?: string[] } = {}): Promise<TeamOverview[]> {
  if (opts.teamIds?.length === 0) return [];
  const only = opts.teamIds;
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

/** Names and roles of a team's agents, by name (for the board's choice lists). */
export async function teamMembers(ctx: Ctx, teamId: string): Promise<{ name: string; role: string | null }[]> {
  return ctx.db.selectFrom('agents').select(['name', 'role']).where('team_id', '=', teamId).orderBy('name').execute();
}

/** A team by name. Errors: `not_found`. */
export async function teamByName(ctx: Ctx, name: string): Promise<{ id: string; name: string }> {
  const team = await ctx.db.selectFrom('teams').select(['id', 'name']).where('name', '=', name).executeTakeFirst();
  if (!team) throw new DomainError('not_found', `no team named "${name}"`);
  return team;
}

/** The board's columns, in order, and the task statuses each shows. */
export const COLUMNS = [
  { key: 'open', title: 'Open', statuses: ['open'] },
  { key: 'in_progress', title: 'In progress', statuses: ['in_progress'] },
  { key: 'in_review', title: 'In review', statuses: ['in_review'] },
  { key: 'done', title: 'Done', statuses: ['done', 'failed', 'cancelled'] },
] as const satisfies readonly { key: string; title: string; statuses: readonly TaskStatus[] }[];
export type ColumnKey = (typeof COLUMNS)[number]['key'];

export const BoardFilter = z.strictObject({
  agent: AgentName.optional().describe('only tasks this teammate owns or is assigned'),
  label: Label.optional(),
  text: z.string().trim().max(200).optional().describe('words in the title or description'),
  /** Cards shown in each live column (Open, In progress, In review). */
  limit: z.number().int().min(1).max(500).default(50),
  /** Done is paged: this many per page, newest finished first. */
  doneLimit: z.number().int().min(1).max(200).default(20),
  doneOffset: z.number().int().min(0).default(0),
});
export type BoardFilter = z.infer<typeof BoardFilter>;

/**
 * A task as a board card shows it: the `Task` (with its derived `blocked` and `blockedBy`)
 * plus the latest review, the thread's message count and the owner's last activity.
 */
export interface BoardCard extends Task {
  /** The owner's last activity (which renews the lease), ISO-8601. */
  ownerLastSeenAt: string | null;
  /** The latest review of the task, if any. */
  review: { id: string; status: Review['status']; reviewer: string | null; reviewerRole: string | null } | null;
  messageCount: number;
}

export interface BoardColumn {
  key: ColumnKey;
  title: string;
  /** Tasks in the column matching the filter. */
  total: number;
  cards: BoardCard[];
  /** Offset of the next page, or null when this page is the last. */
  nextOffset: number | null;
  offset: number;
}

export interface Board {
  filter: BoardFilter;
  columns: BoardColumn[];
  /** Labels in use in the team, for the filter's choices. */
  labels: string[];
}

/**
 * A team's board: each column's matching tasks (Open by priority, In progress by claim time,
 * In review by last change, Done newest finished first and paged), plus the labels in use.
 * Errors: `invalid` for a bad filter.
 */
export async function boardColumns(ctx: Ctx, teamId: string, input: unknown): Promise<Board> {
  const f = parseInput(BoardFilter, input);
  let agentId: string | null | undefined;
  if (f.agent) {
    const a = await ctx.db
      .selectFrom('agents')
      .select('id')
      .where('team_id', '=', teamId)
      .where('name', '=', f.agent)
      .executeTakeFirst();
    // An unknown name matches no task rather than failing: the filter is a view, not a command.
    agentId = a?.id ?? null;
  }
  const filtered = () => {
    let q = ctx.db.selectFrom('tasks').where('tasks.team_id', '=', teamId);
    if (agentId !== undefined) {
      const id = agentId ?? '';
      q = q.where((eb) => eb.or([eb('tasks.owner_id', '=', id), eb('tasks.assignee_id', '=', id)]));
    }
    if (f.label) {
      const label = f.label;
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('task_labels')
            .select('task_labels.task_id')
            .whereRef('task_labels.task_id', '=', 'tasks.id')
            .where('task_labels.label', '=', label),
        ),
      );
    }
    if (f.text) {
      // LIKE with an escape character, as listTasks searches (case-insensitive for ASCII in SQLite).
      const like = `%${f.text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      q = q.where((eb) =>
        eb.or([
          sql<boolean>`${eb.ref('tasks.title')} LIKE ${like} ESCAPE '\\'`,
          sql<boolean>`${eb.ref('tasks.description')} LIKE ${like} ESCAPE '\\'`,
        ]),
      );
    }
    return q;
  };

  const [counts, labels, ...pages] = await Promise.all([
    filtered()
      .select(['tasks.status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('tasks.status')
      .execute(),
    // Distinct labels straight from the label index, each kept if a task of this team carries it.
    ctx.db
      .selectFrom((eb) => eb.selectFrom('task_labels').select('label').distinct().as('l'))
      .select('l.label')
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('task_labels as x')
            .innerJoin('tasks', 'tasks.id', 'x.task_id')
            .select('x.task_id')
            .whereRef('x.label', '=', 'l.label')
            .where('tasks.team_id', '=', teamId),
        ),
      )
      .orderBy('l.label')
      .limit(200)
      .execute(),
    ...COLUMNS.map((col) => {
      const done = col.key === 'done';
      const limit = done ? f.doneLimit : f.limit;
      const offset = done ? f.doneOffset : 0;
      let q = filtered()
        .select('tasks.id')
        .where('tasks.status', 'in', [...col.statuses]);
      if (col.key === 'open') q = q.orderBy('tasks.priority_rank', 'desc').orderBy('tasks.number', 'asc');
      else if (col.key === 'in_progress') q = q.orderBy('tasks.claimed_at', 'desc').orderBy('tasks.number', 'desc');
      else if (col.key === 'in_review') q = q.orderBy('tasks.updated_at', 'desc').orderBy('tasks.number', 'desc');
      else q = q.orderBy('tasks.completed_at', 'desc').orderBy('tasks.number', 'desc');
      return q
        .limit(limit + 1)
        .offset(offset)
        .execute();
    }),
  ]);
  const countBy = new Map(counts.map((c) => [c.status, Number(c.n)]));
  const ids = pages.flatMap((rows, i) => {
    const col = COLUMNS[i] as (typeof COLUMNS)[number];
    return rows.slice(0, col.key === 'done' ? f.doneLimit : f.limit).map((r) => r.id);
  });
  const cards = new Map((await boardCards(ctx, ids)).map((c) => [c.id, c]));
  const columns = COLUMNS.map((col, i): BoardColumn => {
    const rows = pages[i] ?? [];
    const done = col.key === 'done';
    const limit = done ? f.doneLimit : f.limit;
    const offset = done ? f.doneOffset : 0;
    return {
      key: col.key,
      title: col.title,
      total: col.statuses.reduce((n, s) => n + (countBy.get(s) ?? 0), 0),
      cards: rows.slice(0, limit).flatMap((r) => cards.get(r.id) ?? []),
      nextOffset: rows.length > limit ? offset + limit : null,
      offset,
    };
  });
  return { filter: f, columns, labels: labels.map((l) => l.label) };
}

/** Cards for the given task ids (in the given order; unknown ids are left out). */
export async function boardCards(ctx: Ctx, ids: string[]): Promise<BoardCard[]> {
  if (ids.length === 0) return [];
  const [rows, extras, reviews] = await Promise.all([
    ctx.db.selectFrom('tasks').selectAll().where('id', 'in', ids).execute(),
    ctx.db
      .selectFrom('tasks')
      .innerJoin('threads', 'threads.id', 'tasks.thread_id')
      .leftJoin('agents as owner', 'owner.id', 'tasks.owner_id')
      .select(['tasks.id', 'threads.message_count', 'owner.last_seen_at as owner_last_seen_at'])
      .where('tasks.id', 'in', ids)
      .execute(),
    ctx.db
      .selectFrom('reviews')
      .select(['id', 'task_id', 'status', 'reviewer_id', 'reviewer_role'])
      .where('task_id', 'in', ids)
      .orderBy('id', 'desc')
      .execute(),
  ]);
  const [tasks, names] = await Promise.all([
    loadTasks(ctx, rows),
    agentNames(
      ctx,
      reviews.map((r) => r.reviewer_id),
    ),
  ]);
  const extraBy = new Map(extras.map((e) => [e.id, e]));
  const latestReview = new Map<string, (typeof reviews)[number]>();
  for (const r of reviews) if (!latestReview.has(r.task_id)) latestReview.set(r.task_id, r);
  const byId = new Map(
    tasks.map((t): [string, BoardCard] => {
      const extra = extraBy.get(t.id);
      const review = latestReview.get(t.id);
      return [
        t.id,
        {
          ...t,
          ownerLastSeenAt: isoOrNull(extra?.owner_last_seen_at ?? null),
          review: review
            ? {
                id: review.id,
                status: review.status as Review['status'],
                reviewer: review.reviewer_id ? (names.get(review.reviewer_id) ?? null) : null,
                reviewerRole: review.reviewer_role,
              }
            : null,
          messageCount: extra?.message_count ?? 0,
        },
      ];
    }),
  );
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** A pending review as the queue shows it, with its task and how long it has waited. */
export interface QueuedReview extends Review {
  /** The task's owner, whose work is reviewed. */
  owner: string | null;
}

/** The team's pending reviews, oldest first (longest waiting on top). */
export async function reviewQueue(ctx: Ctx, teamId: string, opts: { limit?: number } = {}): Promise<QueuedReview[]> {
  const rows = await ctx.db
    .selectFrom('reviews')
    .innerJoin('tasks', 'tasks.id', 'reviews.task_id')
    .selectAll('reviews')
    .select(['tasks.number', 'tasks.title', 'tasks.status as task_status', 'tasks.owner_id'])
    .where('reviews.team_id', '=', teamId)
    .where('reviews.status', '=', 'pending')
    .orderBy('reviews.created_at', 'asc')
    .orderBy('reviews.id', 'asc')
    .limit(opts.limit ?? 200)
    .execute();
  const names = await agentNames(
    ctx,
    rows.flatMap((r) => [r.requested_by, r.reviewer_id, r.submitted_by, r.owner_id]),
  );
  return rows.map((r) => ({
    ...toReview(r, names, { id: r.task_id, number: r.number, title: r.title, status: r.task_status as TaskStatus }),
    owner: r.owner_id ? (names.get(r.owner_id) ?? null) : null,
  }));
}

/** Pending reviews waiting on each agent: by named reviewer id, and by role (lower-case). */
export async function pendingReviewCounts(
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

/** A thread as the team's thread list shows it. */
export interface ThreadListItem extends Thread {
  /** For task threads: the task. */
  task: TaskSummary | null;
  /** For direct threads: the two teammates. */
  members: string[];
  last: { from: string; excerpt: string; createdAt: string } | null;
}

export const ListTeamThreads = z.strictObject({
  limit: z.number().int().min(1).max(200).default(50),
  offset: z.number().int().min(0).default(0),
});

/**
 * The team's threads with messages, newest activity first. Direct threads between others are
 * left out unless the viewer is privileged (a human or team admin), as in `getVisibleThread`.
 */
export async function listTeamThreads(
  ctx: Ctx,
  teamId: string,
  input: unknown,
): Promise<{ threads: ThreadListItem[]; nextOffset: number | null }> {
  const p = parseInput(ListTeamThreads, input);
  const viewer = ctx.actor;
  let q = ctx.db
    .selectFrom('threads')
    .leftJoin('tasks', 'tasks.id', 'threads.task_id')
    .selectAll('threads')
    .select(['tasks.number as task_number', 'tasks.title as task_title', 'tasks.status as task_status'])
    .where('threads.team_id', '=', teamId)
    .where('threads.message_count', '>', 0);
  if (!isPrivileged(ctx)) {
    const me = viewer?.id ?? '';
    q = q.where((eb) =>
      eb.or([
        eb('threads.kind', '!=', 'direct'),
        eb('threads.direct_key', 'like', `${me}:%`),
        eb('threads.direct_key', 'like', `%:${me}`),
      ]),
    );
  }
  const rows = await q
    .orderBy('threads.last_message_at', 'desc')
    .orderBy('threads.id', 'desc')
    .limit(p.limit + 1)
    .offset(p.offset)
    .execute();
  const page = rows.slice(0, p.limit);
  const threadIds = page.map((r) => r.id);
  // The newest message of each thread on the page: one query, then keep the first per thread.
  const lastRows = threadIds.length
    ? await ctx.db
        .selectFrom('messages')
        .select(['thread_id', 'sender_id', 'body', 'created_at', 'id'])
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('messages as m')
            .select((e) => e.fn.max('m.id').as('id'))
            .where('m.thread_id', 'in', threadIds)
            .groupBy('m.thread_id'),
        )
        .execute()
    : [];
  const memberIds = page.flatMap((r) => (r.direct_key ? r.direct_key.split(':') : []));
  const names = await agentNames(ctx, [...memberIds, ...lastRows.map((m) => m.sender_id)]);
  const lastBy = new Map(lastRows.map((m) => [m.thread_id, m]));
  return {
    threads: page.map((r) => {
      const last = lastBy.get(r.id);
      return {
        ...toThread(r),
        task:
          r.task_id && r.task_number !== null
            ? {
                id: r.task_id,
                number: r.task_number,
                title: r.task_title ?? '',
                status: (r.task_status ?? 'open') as TaskStatus,
              }
            : null,
        members: r.direct_key ? r.direct_key.split(':').map((id) => names.get(id) ?? id) : [],
        last: last
          ? {
              from: names.get(last.sender_id) ?? last.sender_id,
              excerpt: excerpt(last.body, 160),
              createdAt: iso(last.created_at),
            }
          : null,
      };
    }),
    nextOffset: rows.length > p.limit ? p.offset + p.limit : null,
  };
}

/** The task id for a team's task number, or null. */
export async function taskIdByNumber(ctx: Ctx, teamId: string, number: number): Promise<string | null> {
  const row = await ctx.db
    .selectFrom('tasks')
    .select('id')
    .where('team_id', '=', teamId)
    .where('number', '=', number)
    .executeTakeFirst();
  return row?.id ?? null;
}

function excerpt(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Tasks each agent holds (owns, in progress or in review), by agent id, by number. */
export async function heldTasks(ctx: Ctx, teamId: string): Promise<Map<string, TaskSummary[]>> {
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
