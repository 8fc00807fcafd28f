/**
 * The board's task columns (Open, In progress, In review, Done) for the actor's team, with the
 * agent, label and text filters and Done paged, and the cards they show. Read only: every change
 * goes through the task, review and message operations.
 */
import { z } from 'zod';
import { agentNames } from './agents.js';
import { type Ctx, requireActor } from './context.js';
import { isoOrNull, type Review, type Task } from './model.js';
import { AgentName, Label, parseInput, type TaskStatus } from './schemas.js';
import { loadTasks, textMatches } from './task-read.js';

/** The board's columns, in order, and the task statuses each shows. */
export const COLUMNS = [
  { key: 'open', title: 'Open', statuses: ['open'] },
  { key: 'in_progress', title: 'In progress', statuses: ['in_progress'] },
  { key: 'in_review', title: 'In review', statuses: ['in_review'] },
  { key: 'done', title: 'Done', statuses: ['done', 'failed', 'cancelled'] },
] as const satisfies readonly { key: string; title: string; statuses: readonly TaskStatus[] }[];
export type ColumnKey = (typeof COLUMNS)[number]['key'];

/** The input of `boardColumns`: which tasks the board shows, and how many per column. */
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
  /** The latest code review of the task, if any (plan reviews show as `plan`). */
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
 * The actor's team's board: each column's matching tasks (Open by priority, In progress by claim
 * time, In review by last change, Done newest finished first and paged), plus the labels in use.
 * Errors: `invalid` for a bad filter; `unauthorized` without an actor.
 */
export async function boardColumns(ctx: Ctx, input: unknown): Promise<Board> {
  const f = parseInput(BoardFilter, input);
  const { teamId } = requireActor(ctx);
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
    if (f.text) q = q.where(textMatches(['tasks.title', 'tasks.description'], f.text));
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
      // A plan review shows as the task's plan state (Task.plan), not as its review.
      .where('kind', '=', 'code')
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
