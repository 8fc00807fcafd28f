/** Finishing tasks: complete (done or failed) and cancel; dependents are told when they become ready. */
import { z } from 'zod';
import { DomainError } from '../errors.js';
import { type Ctx, isPrivileged, requireActor, withTx } from './context.js';
import { checkBodySize } from './messages.js';
import type { Task } from './model.js';
import { BodyText, keyHints, parseInput, ShortText, TaskRef, type TaskStatus, TERMINAL_STATUSES } from './schemas.js';
import { blockersOf, describeTasks, loadTask, resolveTaskRow } from './task-read.js';
import {
  announceReadyDependents,
  assertNotTerminal,
  assertOwner,
  finish,
  nameOf,
  notifyTask,
  ref,
} from './task-support.js';

export const CompleteTask = z.strictObject({
  task: TaskRef,
  result: BodyText(1_000_000).optional().describe('Markdown: what was done, e.g. PR'),
  failed: z.boolean().default(false).describe('true: failed, not done'),
});
export type CompleteTask = z.infer<typeof CompleteTask>;
keyHints.add(CompleteTask, {
  status: 'omit it to finish as done, or give failed: true to mark the task failed (task_cancel cancels it)',
});

/**
 * Finishes a task in progress as `done` (no review needed) or `failed`. Owner, human or team
 * admin only. Done requires every dependency finished; tasks waiting on this one are told they
 * are ready. Idempotent: repeating the outcome you already gave returns the task unchanged.
 * Errors: `forbidden`, `conflict` (blocked, in review, not in progress, or finished otherwise).
 */
export async function completeTask(ctx: Ctx, input: unknown): Promise<Task> {
  const p = parseInput(CompleteTask, input);
  const me = requireActor(ctx);
  if (p.result) checkBodySize(ctx, p.result, 'result');
  return withTx(ctx, async (tx) => {
    const row = await resolveTaskRow(tx, me.teamId, p.task);
    const status = p.failed ? 'failed' : 'done';
    if (TERMINAL_STATUSES.includes(row.status as TaskStatus)) {
      const last = await lastFinish(tx, row.id);
      // A retry (lost reply, second attempt) of the same outcome by the same teammate: nothing to do.
      if (row.status === status && last?.actor_id === me.id) return loadTask(tx, row);
      const by = last?.actor_id ? await nameOf(tx, last.actor_id) : null;
      throw new DomainError(
        'conflict',
        `${ref(row)} is already ${row.status}${by ? ` (by ${by})` : ''}; a finished task does not change. Create a follow-up task (task_create) if more is needed.`,
        { status: row.status, finishedBy: by },
      );
    }
    await assertOwner(tx, row, p.failed ? 'fail' : 'complete');
    if (row.status === 'in_review') {
      throw new DomainError('conflict', `${ref(row)} is in review; it is done when the reviewer approves`);
    }
    if (row.status !== 'in_progress') {
      throw new DomainError('conflict', `${ref(row)} is ${row.status}; only a task in progress can be completed`);
    }
    if (!p.failed) {
      const blockers = await blockersOf(tx, row.id);
      if (blockers.length > 0) {
        throw new DomainError('conflict', `${ref(row)} is blocked by ${describeTasks(blockers)}; finish those first`, {
          blockedBy: blockers,
        });
      }
    }
    const next = await finish(tx, row, status, { result: p.result ?? null });
    await notifyTask(
      tx,
      next,
      `${me.name} ${p.failed ? 'marked as failed' : 'completed'} ${ref(next)}.${p.result ? `\n\n${p.result}` : ''}`,
      [next.creator_id, next.assignee_id],
    );
    if (status === 'done') await announceReadyDependents(tx, next);
    return loadTask(tx, next);
  });
}

/** The event that finished a task (its last move to a terminal status), or undefined. */
async function lastFinish(tx: Ctx, taskId: string) {
  return tx.db
    .selectFrom('task_events')
    .select('actor_id')
    .where('task_id', '=', taskId)
    .where('type', '=', 'status_changed')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

export const CancelTask = z.strictObject({
  task: TaskRef,
  reason: ShortText(2000).optional().describe('why'),
});
export type CancelTask = z.infer<typeof CancelTask>;

/**
 * Cancels a task that is not finished. The creator, the owner, a human or a team admin may
 * cancel; the owner, assignee and creator are told. Dependents no longer wait on it.
 * Errors: `forbidden`, `conflict` (already finished), `not_found`.
 */
export async function cancelTask(ctx: Ctx, input: unknown): Promise<Task> {
  const p = parseInput(CancelTask, input);
  const me = requireActor(ctx);
  return withTx(ctx, async (tx) => {
    const row = await resolveTaskRow(tx, me.teamId, p.task);
    if (row.creator_id !== me.id && row.owner_id !== me.id && !isPrivileged(tx)) {
      throw new DomainError('forbidden', `only the creator or the owner can cancel ${ref(row)}`);
    }
    assertNotTerminal(row, 'cancel');
    const next = await finish(tx, row, 'cancelled', { reason: p.reason ?? null });
    await notifyTask(tx, next, `${me.name} cancelled ${ref(next)}.${p.reason ? `\n\n${p.reason}` : ''}`, [
      row.creator_id,
      row.owner_id,
      row.assignee_id,
    ]);
    await announceReadyDependents(tx, next);
    return loadTask(tx, next);
  });
}
