/**
 * Tasks: create, list, get, update and comment here; claims and leases (task-claims.ts),
 * delegation and hand-off (task-handoffs.ts), completion and cancellation (task-completion.ts)
 * are re-exported so callers import every task operation from this module. The lifecycle is DESIGN.md's:
 * open → in_progress → (in_review →) done; in_progress → failed; any non-terminal → cancelled.
 * Every change writes a task event; where someone should know, a note goes into the task's
 * thread and that person's inbox.
 */
import { z } from 'zod';
import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import { agentNames, resolveTeammate } from './agents.js';
import { type Ctx, isPrivileged, requireActor, withTx } from './context.js';
import { withIdempotentTx } from './idempotency.js';
import { checkBodySize, createThread, threadTail } from './messages.js';
import type { Message, Reservation, Review, Task, TaskEvent, TaskSummary } from './model.js';
import { toReview, toTaskEvent } from './model.js';
import { taskReservations } from './reservations.js';
import {
  BodyText,
  Cursor,
  IdempotencyKey,
  keyHints,
  Label,
  PRIORITY_RANK,
  Priority,
  parseInput,
  ShortText,
  TaskRef,
  TaskStatus,
  TERMINAL_STATUSES,
} from './schemas.js';
import { loadTask, loadTasks, resolveTaskRow, textMatches, toSummary } from './task-read.js';
import {
  assertNotTerminal,
  checkTitle,
  Labels,
  notBlocked,
  notifyTask,
  recordEvent,
  ref,
  setDependencies,
  setLabels,
  TaskRefs,
  updateIf,
} from './task-support.js';

// ---------------------------------------------------------------------------------------------
// Create, list, get

export const CreateTask = z.strictObject({
  title: ShortText(500).describe('short, imperative'),
  description: BodyText(1_000_000).optional().describe('Markdown: what, acceptance criteria'),
  priority: Priority.default('normal').describe('claim order: urgent first'),
  labels: Labels.optional().describe('e.g. backend'),
  assignee: z.string().max(40).optional().describe('reserve for a teammate'),
  parent: TaskRef.optional().describe('parent task'),
  dependsOn: TaskRefs.optional().describe('tasks to finish first'),
  idempotencyKey: IdempotencyKey.optional(),
});
export type CreateTask = z.infer<typeof CreateTask>;

/**
 * Creates an open task in the actor's team, with its thread. Returns the Task.
 * Errors: `not_found` (assignee, parent or dependency), `invalid` (cycle), `too_large`.
 * An `idempotencyKey` already used by the actor returns the first task unchanged (also when
 * two calls with it run at once: see `withIdempotentTx`).
 */
export async function createTask(ctx: Ctx, input: unknown): Promise<Task> {
  const p = parseInput(CreateTask, input);
  const me = requireActor(ctx);
  checkTitle(ctx, p.title);
  if (p.description) checkBodySize(ctx, p.description, 'description');
  return withIdempotentTx(ctx, p.idempotencyKey, async (tx) => {
    if (p.idempotencyKey) {
      const prior = await tx.db
        .selectFrom('tasks')
        .selectAll()
        .where('creator_id', '=', me.id)
        .where('idempotency_key', '=', p.idempotencyKey)
        .executeTakeFirst();
      if (prior) return loadTask(tx, prior);
    }
    const assignee = p.assignee ? await resolveTeammate(tx, me.teamId, p.assignee) : null;
    const parent = p.parent !== undefined ? await resolveTaskRow(tx, me.teamId, p.parent) : null;
    const now = tx.now();
    const { n } = await tx.db
      .updateTable('teams')
      .set((eb) => ({ next_task_number: eb('next_task_number', '+', 1) }))
      .where('id', '=', me.teamId)
      .returning((eb) => eb('next_task_number', '-', 1).as('n'))
      .executeTakeFirstOrThrow();
    const id = newId(now);
    const threadId = await createThread(tx, {
      teamId: me.teamId,
      kind: 'task',
      subject: `#${n} ${p.title}`,
      createdBy: me.id,
      taskId: id,
    });
    const row = await tx.db
      .insertInto('tasks')
      .values({
        id,
        team_id: me.teamId,
        number: Number(n),
        title: p.title,
        description: p.description ?? '',
        priority: p.priority,
        priority_rank: PRIORITY_RANK[p.priority],
        creator_id: me.id,
        assignee_id: assignee?.id ?? null,
        parent_id: parent?.id ?? null,
        thread_id: threadId,
        idempotency_key: p.idempotencyKey ?? null,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (p.labels) await setLabels(tx, id, p.labels);
    if (p.dependsOn) await setDependencies(tx, row, p.dependsOn);
    await recordEvent(tx, row, 'created', {
      title: p.title,
      priority: p.priority,
      ...(assignee && { assignee: assignee.name }),
      ...(p.dependsOn && { dependsOn: p.dependsOn }),
    });
    if (assignee && assignee.id !== me.id) {
      await notifyTask(tx, row, `${me.name} assigned you ${ref(row)}. Claim it with task_claim when you start.`, [
        assignee.id,
      ]);
    }
    return loadTask(tx, row);
  });
}

export const ListTasks = z.strictObject({
  status: z
    .union([TaskStatus, z.array(TaskStatus).min(1)])
    .optional()
    .describe('default: unfinished'),
  owner: z.string().max(40).optional().describe('teammate'),
  assignee: z.string().max(40).optional().describe('reserved for'),
  mine: z.boolean().optional().describe('held by or reserved for me'),
  ready: z.boolean().optional().describe('claimable by me now'),
  label: z.union([Label, Labels]).optional().describe('has this label (or all)'),
  text: z.string().trim().min(1).max(200).optional().describe('in title or description'),
  limit: z.number().int().min(1).max(200).default(50).describe('page size'),
  cursor: Cursor.optional(),
});
export type ListTasks = z.infer<typeof ListTasks>;

/**
 * Tasks in the actor's team, highest priority first, then by number. Without `status`,
 * finished (done, failed, cancelled) tasks are left out. Returns a page and `nextCursor`.
 * Errors: `not_found` for an unknown owner/assignee name; `invalid` for a bad cursor.
 */
export async function listTasks(ctx: Ctx, input: unknown): Promise<{ tasks: Task[]; nextCursor: string | null }> {
  const p = parseInput(ListTasks, input);
  const me = requireActor(ctx);
  let q = ctx.db.selectFrom('tasks').selectAll().where('team_id', '=', me.teamId);
  if (p.status !== undefined) {
    q = q.where('status', 'in', Array.isArray(p.status) ? p.status : [p.status]);
  } else if (!p.ready) {
    q = q.where('status', 'not in', TERMINAL_STATUSES);
  }
  if (p.owner) q = q.where('owner_id', '=', (await resolveTeammate(ctx, me.teamId, p.owner)).id);
  if (p.assignee) q = q.where('assignee_id', '=', (await resolveTeammate(ctx, me.teamId, p.assignee)).id);
  if (p.mine) q = q.where((eb) => eb.or([eb('owner_id', '=', me.id), eb('assignee_id', '=', me.id)]));
  if (p.ready) {
    q = q
      .where('status', '=', 'open')
      .where('owner_id', 'is', null)
      .where((eb) => eb.or([eb('assignee_id', 'is', null), eb('assignee_id', '=', me.id)]))
      .where(notBlocked);
  }
  const labels = p.label === undefined ? [] : Array.isArray(p.label) ? p.label : [p.label];
  for (const label of labels) {
    q = q.where('id', 'in', (eb) => eb.selectFrom('task_labels').select('task_id').where('label', '=', label));
  }
  if (p.text) q = q.where(textMatches(['title', 'description'], p.text));
  if (p.cursor) {
    const m = /^(\d+):(\d+)$/.exec(p.cursor);
    if (!m) throw new DomainError('invalid', 'cursor: not a cursor from a previous task_list result');
    const rank = Number(m[1]);
    const num = Number(m[2]);
    q = q.where((eb) =>
      eb.or([eb('priority_rank', '<', rank), eb.and([eb('priority_rank', '=', rank), eb('number', '>', num)])]),
    );
  }
  const rows = await q
    .orderBy('priority_rank', 'desc')
    .orderBy('number', 'asc')
    .limit(p.limit + 1)
    .execute();
  const page = rows.slice(0, p.limit);
  const last = page[page.length - 1];
  return {
    tasks: await loadTasks(ctx, page),
    nextCursor: rows.length > p.limit && last ? `${last.priority_rank}:${last.number}` : null,
  };
}

export const GetTask = z.strictObject({
  task: TaskRef,
  threadLimit: z.number().int().min(0).max(200).default(20).describe('thread messages shown'),
});
export type GetTask = z.infer<typeof GetTask>;

export interface TaskDetail {
  task: Task;
  /** The newest thread messages, oldest first. */
  thread: Message[];
  events: TaskEvent[];
  reviews: Review[];
  /** Tasks that depend on this one. */
  dependents: TaskSummary[];
  /** Live file reservations tied to the task, by pattern. */
  reservations: Reservation[];
}

/** One task with its thread tail, event history, reviews, dependents and file reservations. Errors: `not_found`. */
export async function getTask(ctx: Ctx, input: unknown): Promise<TaskDetail> {
  const p = parseInput(GetTask, input);
  const me = requireActor(ctx);
  const row = await resolveTaskRow(ctx, me.teamId, p.task);
  const [task, tail, events, reviews, dependents, reservations] = await Promise.all([
    loadTask(ctx, row),
    threadTail(ctx, row.thread_id, p.threadLimit),
    ctx.db
      .selectFrom('task_events')
      .leftJoin('agents', 'agents.id', 'task_events.actor_id')
      .selectAll('task_events')
      .select('agents.name as actor_name')
      .where('task_events.task_id', '=', row.id)
      .orderBy('task_events.id')
      .execute(),
    ctx.db.selectFrom('reviews').selectAll().where('task_id', '=', row.id).orderBy('id').execute(),
    ctx.db
      .selectFrom('tasks')
      .select(['id', 'number', 'title', 'status'])
      .where('id', 'in', (eb) =>
        eb.selectFrom('task_dependencies').select('task_id').where('depends_on_id', '=', row.id),
      )
      .orderBy('number')
      .execute(),
    taskReservations(ctx, row.id),
  ]);
  const reviewNames = await agentNames(
    ctx,
    reviews.flatMap((r) => [r.requested_by, r.reviewer_id, r.submitted_by]),
  );
  return {
    task,
    thread: p.threadLimit === 0 ? [] : tail.messages,
    events: events.map((e) => toTaskEvent(e, e.actor_name)),
    reviews: reviews.map((r) => toReview(r, reviewNames, toSummary(row))),
    dependents: dependents.map(toSummary),
    reservations,
  };
}

// ---------------------------------------------------------------------------------------------
// Update and comment

export const UpdateTask = z.strictObject({
  task: TaskRef,
  note: BodyText(1_000_000).optional().describe('posted in the task thread'),
  title: ShortText(500).optional().describe('new title'),
  description: BodyText(1_000_000).optional().describe('replaces it (Markdown)'),
  priority: Priority.optional().describe('new priority'),
  labels: Labels.optional().describe('replaces them'),
  dependsOn: TaskRefs.optional().describe('replaces them'),
  version: z.number().int().positive().optional().describe('conflict if changed since'),
});
export type UpdateTask = z.infer<typeof UpdateTask>;
const GIVE_AWAY = 'to give the task to a teammate use task_delegate (reserve it for them) or task_handoff (offer it)';
keyHints.add(UpdateTask, {
  status:
    'to change status use task_complete (done/failed), review_request (in_review), task_release (back to open) or task_cancel',
  assignee: GIVE_AWAY,
  owner: GIVE_AWAY,
  result: 'a result is recorded when you finish: task_complete {task, result}',
});

/**
 * Edits a task and/or posts a progress note. The owner, the creator, a human or a team admin
 * may update; a note from the owner also renews the lease (as any activity does).
 * Errors: `forbidden`, `conflict` (finished task, or `version` mismatch), `invalid` (nothing to
 * change, dependency cycle), `not_found`.
 */
export async function updateTask(ctx: Ctx, input: unknown): Promise<Task> {
  const p = parseInput(UpdateTask, input);
  const me = requireActor(ctx);
  const edits = (['title', 'description', 'priority', 'labels', 'dependsOn'] as const).filter(
    (k) => p[k] !== undefined,
  );
  if (edits.length === 0 && p.note === undefined) {
    throw new DomainError('invalid', 'nothing to update: give a note or a field to change');
  }
  if (p.title) checkTitle(ctx, p.title);
  if (p.description) checkBodySize(ctx, p.description, 'description');
  if (p.note) checkBodySize(ctx, p.note, 'note');
  return withTx(ctx, async (tx) => {
    const row = await resolveTaskRow(tx, me.teamId, p.task);
    if (row.owner_id !== me.id && row.creator_id !== me.id && !isPrivileged(tx)) {
      throw new DomainError(
        'forbidden',
        `only the owner or the creator can update ${ref(row)}; comment in its thread instead`,
      );
    }
    if (p.version !== undefined && p.version !== row.version) {
      throw new DomainError('conflict', `${ref(row)} is at version ${row.version}, not ${p.version}; reload it`, {
        version: row.version,
      });
    }
    if (edits.length > 0) assertNotTerminal(row, 'edit');
    const next = await updateIf(
      tx,
      row.id,
      {
        ...(p.title !== undefined && { title: p.title }),
        ...(p.description !== undefined && { description: p.description }),
        ...(p.priority !== undefined && { priority: p.priority, priority_rank: PRIORITY_RANK[p.priority] }),
      },
      (eb) => eb('version', '=', row.version),
    );
    if (!next) throw new DomainError('conflict', `${ref(row)} changed while updating; try again`);
    if (p.labels) await setLabels(tx, row.id, p.labels);
    if (p.dependsOn) await setDependencies(tx, row, p.dependsOn);
    if (edits.length > 0) await recordEvent(tx, next, 'updated', { fields: edits });
    if (p.note) {
      await recordEvent(tx, next, 'progress', { note: p.note.slice(0, 200) });
      await notifyTask(tx, next, p.note, [next.creator_id, next.owner_id, next.assignee_id], 'status');
    }
    return loadTask(tx, next);
  });
}

export const CommentOnTask = z.strictObject({
  task: TaskRef,
  message: BodyText(1_000_000).describe('Markdown'),
});
export type CommentOnTask = z.infer<typeof CommentOnTask>;

/**
 * Posts a comment in a task's thread, delivered to its creator, owner and assignee.
 * Any teammate may comment. Errors: `not_found`, `too_large`.
 */
export async function commentOnTask(ctx: Ctx, input: unknown): Promise<Message> {
  const p = parseInput(CommentOnTask, input);
  const me = requireActor(ctx);
  checkBodySize(ctx, p.message, 'message');
  return withTx(ctx, async (tx) => {
    const row = await resolveTaskRow(tx, me.teamId, p.task);
    await recordEvent(tx, row, 'commented', {});
    return notifyTask(tx, row, p.message, [row.creator_id, row.owner_id, row.assignee_id], 'message');
  });
}

export * from './task-claims.js';
export * from './task-completion.js';
export * from './task-handoffs.js';
