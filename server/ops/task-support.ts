/**
 * What the task operations share: the event log and thread notices, conditional updates,
 * permission checks, dependency and label writes, and moving a task to a terminal status.
 */
import type { ExpressionBuilder } from 'kysely';
import { z } from 'zod';
import type { Database, TaskRow } from '../db/schema.js';
import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import { type Ctx, isPrivileged, requireActor } from './context.js';
import { postMessage } from './messages.js';
import type { Message } from './model.js';
import { endTaskReservations } from './reservation-ends.js';
import { Label, type MessageKind, TaskRef, TERMINAL_STATUSES } from './schemas.js';
import { blockersOf, resolveTaskRow, SATISFIED_STATUSES } from './task-read.js';

/** The fields that end a claim: no owner, no lease, no pending hand-off. */
export const UNCLAIMED = {
  status: 'open',
  owner_id: null,
  claimed_at: null,
  lease_expires_at: null,
  handoff_to_id: null,
  handoff_note: null,
  handoff_at: null,
} as const;

/** The fields that clear a pending hand-off. */
export const NO_HANDOFF = { handoff_to_id: null, handoff_note: null, handoff_at: null } as const;

export const Labels = z.array(Label).max(20);
export type Labels = z.infer<typeof Labels>;
export const TaskRefs = z.array(TaskRef).max(50);
export type TaskRefs = z.infer<typeof TaskRefs>;

// ---------------------------------------------------------------------------------------------
// Shared helpers

/** Appends a task event (and announces the change after commit). */
export async function recordEvent(
  tx: Ctx,
  task: Pick<TaskRow, 'id' | 'team_id'>,
  type: string,
  data: Record<string, unknown> = {},
): Promise<void> {
  const now = tx.now();
  const actorId = tx.actor?.id ?? null;
  await tx.db
    .insertInto('task_events')
    .values({
      id: newId(now),
      team_id: task.team_id,
      task_id: task.id,
      actor_id: actorId,
      type,
      data: JSON.stringify(data),
      created_at: now,
    })
    .execute();
  // The verdict rides on the event so the metrics can count reviews by it.
  const verdict = type === 'review_submitted' ? (data.verdict as 'approved' | 'changes_requested') : undefined;
  tx.emit({
    type: 'task.changed',
    teamId: task.team_id,
    taskId: task.id,
    event: type,
    actorId,
    ...(verdict && { verdict }),
  });
}

/**
 * Posts a note from the actor into the task's thread, delivered to `recipientIds`
 * (the actor and duplicates are dropped; nobody left means thread only).
 */
export async function notifyTask(
  tx: Ctx,
  task: Pick<TaskRow, 'team_id' | 'thread_id'>,
  body: string,
  recipientIds: (string | null)[],
  kind: MessageKind = 'system',
): Promise<Message> {
  const me = requireActor(tx);
  return postMessage(tx, {
    teamId: task.team_id,
    threadId: task.thread_id,
    senderId: me.id,
    senderName: me.name,
    recipientIds: recipientIds.filter((r): r is string => r !== null && r !== me.id),
    body,
    kind,
  });
}

/** Ids of every agent in a team (for team-wide notices). */
export async function teamMemberIds(ctx: Ctx, teamId: string): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom('agents')
    .select('id')
    .where('team_id', '=', teamId)
    .where('kind', '!=', 'system')
    .execute();
  return rows.map((r) => r.id);
}

export const ref = (t: Pick<TaskRow, 'number' | 'title'>) => `#${t.number} "${t.title}"`;

export { formatSpan } from '../text-format.js';

/** A condition: the task has no dependency that is not yet done or cancelled. */
export function notBlocked(eb: ExpressionBuilder<Database, 'tasks'>) {
  return eb.not(
    eb.exists(
      eb
        .selectFrom('task_dependencies as d')
        .innerJoin('tasks as dep', 'dep.id', 'd.depends_on_id')
        .select('d.task_id')
        .whereRef('d.task_id', '=', 'tasks.id')
        .where('dep.status', 'not in', SATISFIED_STATUSES),
    ),
  );
}

export function assertNotTerminal(row: TaskRow, action: string): void {
  if (TERMINAL_STATUSES.includes(row.status)) {
    throw new DomainError('conflict', `cannot ${action} ${ref(row)}: it is already ${row.status}`, {
      status: row.status,
    });
  }
}

export async function nameOf(ctx: Ctx, id: string | null): Promise<string | null> {
  if (!id) return null;
  const r = await ctx.db.selectFrom('agents').select('name').where('id', '=', id).executeTakeFirst();
  return r?.name ?? null;
}

/** Only the owner, or a human teammate or team admin, may change a held task. */
export async function assertOwner(ctx: Ctx, row: TaskRow, action: string): Promise<void> {
  const me = requireActor(ctx);
  if (row.owner_id === me.id || isPrivileged(ctx)) return;
  const holder = await nameOf(ctx, row.owner_id);
  throw new DomainError(
    'forbidden',
    holder
      ? `only ${holder} (the owner) can ${action} ${ref(row)}`
      : `${ref(row)} is not claimed; claim it before you ${action} it`,
    { owner: holder },
  );
}

/** Applies `dependsOn` refs to a task (replacing its set), refusing cycles and self-dependencies. */
export async function setDependencies(tx: Ctx, task: TaskRow, refs: (string | number)[]): Promise<void> {
  const deps: TaskRow[] = [];
  for (const r of refs) deps.push(await resolveTaskRow(tx, task.team_id, r));
  const ids = [...new Set(deps.map((d) => d.id))];
  if (ids.includes(task.id)) throw new DomainError('invalid', `${ref(task)} cannot depend on itself`);
  // A cycle exists if the task is reachable from any new dependency.
  const seen = new Set<string>();
  let frontier = ids;
  while (frontier.length > 0) {
    const next = await tx.db
      .selectFrom('task_dependencies')
      .select('depends_on_id')
      .where('task_id', 'in', frontier)
      .execute();
    frontier = [];
    for (const n of next) {
      if (n.depends_on_id === task.id) {
        throw new DomainError('invalid', `that dependency would make a cycle back to ${ref(task)}`);
      }
      if (!seen.has(n.depends_on_id)) {
        seen.add(n.depends_on_id);
        frontier.push(n.depends_on_id);
      }
    }
  }
  await tx.db.deleteFrom('task_dependencies').where('task_id', '=', task.id).execute();
  if (ids.length > 0) {
    await tx.db
      .insertInto('task_dependencies')
      .values(ids.map((d) => ({ task_id: task.id, depends_on_id: d })))
      .execute();
  }
}

export async function setLabels(tx: Ctx, taskId: string, labels: string[]): Promise<void> {
  await tx.db.deleteFrom('task_labels').where('task_id', '=', taskId).execute();
  const unique = [...new Set(labels)];
  if (unique.length > 0) {
    await tx.db
      .insertInto('task_labels')
      .values(unique.map((label) => ({ task_id: taskId, label })))
      .execute();
  }
}

export function checkTitle(ctx: Ctx, title: string): void {
  if (title.length > ctx.limits.maxTitleChars) {
    throw new DomainError(
      'too_large',
      `title is ${title.length} characters; the limit is ${ctx.limits.maxTitleChars}`,
      {
        limit: ctx.limits.maxTitleChars,
      },
    );
  }
}

/**
 * A conditional UPDATE of one task (`where` must hold), bumping `version` and `updated_at`.
 * Returns the new row, or null when the condition no longer held (a lost race).
 */
export async function updateIf(
  tx: Ctx,
  id: string,
  set: Partial<TaskRow>,
  where: (eb: ExpressionBuilder<Database, 'tasks'>) => ReturnType<ExpressionBuilder<Database, 'tasks'>['and']>,
): Promise<TaskRow | null> {
  const row = await tx.db
    .updateTable('tasks')
    .set((eb) => ({ ...set, updated_at: tx.now(), version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .where(where)
    .returningAll()
    .executeTakeFirst();
  return row ?? null;
}

/**
 * Tells whoever should know that tasks depending on `done` became ready: each ready
 * dependent's assignee, or the whole team when it has none.
 */
export async function announceReadyDependents(tx: Ctx, done: TaskRow): Promise<void> {
  const dependents = await tx.db
    .selectFrom('tasks')
    .selectAll()
    .where('id', 'in', (eb) =>
      eb.selectFrom('task_dependencies').select('task_id').where('depends_on_id', '=', done.id),
    )
    .where('status', 'not in', TERMINAL_STATUSES)
    .execute();
  for (const dep of dependents) {
    if ((await blockersOf(tx, dep.id)).length > 0) continue;
    await recordEvent(tx, dep, 'unblocked', { by: done.id, byNumber: done.number });
    const to = dep.owner_id ?? dep.assignee_id;
    const recipients = to ? [to] : await teamMemberIds(tx, dep.team_id);
    await notifyTask(
      tx,
      dep,
      `${ref(dep)} is ready: its last dependency ${ref(done)} is ${done.status}.${to ? '' : ' Anyone may claim it.'}`,
      recipients,
    );
  }
}

/**
 * Cancels a task's pending reviews: when it finishes, and when its claim ends (a plan review
 * pending then was asked by an owner who no longer holds it).
 */
export async function cancelPendingReviews(tx: Ctx, taskId: string): Promise<void> {
  await tx.db
    .updateTable('reviews')
    .set({ status: 'cancelled', updated_at: tx.now() })
    .where('task_id', '=', taskId)
    .where('status', '=', 'pending')
    .execute();
}

/**
 * Moves a task to a terminal status (done, failed, cancelled), clearing lease and hand-off,
 * cancelling pending reviews, ending the reservations tied to it, and logging `status_changed`. Shared with the review operations.
 * Errors: `conflict` when the task changed underneath.
 */
export async function finish(
  tx: Ctx,
  row: TaskRow,
  status: 'done' | 'failed' | 'cancelled',
  extra: { result?: string | null; reason?: string | null } = {},
): Promise<TaskRow> {
  const now = tx.now();
  const next = await updateIf(
    tx,
    row.id,
    {
      status,
      completed_at: now,
      lease_expires_at: null,
      ...NO_HANDOFF,
      ...(extra.result !== undefined && extra.result !== null && { result: extra.result }),
    },
    (eb) => eb('version', '=', row.version),
  );
  if (!next) throw new DomainError('conflict', `${ref(row)} changed underneath; reload and try again`);
  await cancelPendingReviews(tx, row.id);
  await recordEvent(tx, next, 'status_changed', {
    from: row.status,
    to: status,
    ...(extra.reason && { reason: extra.reason }),
  });
  await endTaskReservations(tx, next);
  return next;
}
