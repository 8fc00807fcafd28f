/** Finishing tasks: complete (done or failed) and cancel; dependents are told when they become ready. */
import { z } from 'zod';
import { DomainError } from '../errors.js';
import { type Ctx, isPrivileged, requireActor, withTx } from './context.js';
import type { Task } from './mappers.js';
import { checkBodySize } from './messages.js';
import { BodyText, parseInput, ShortText, TaskRef } from './schemas.js';
import { blockersOf, describeTasks, loadTask, resolveTaskRow } from './task-read.js';
import { announceReadyDependents, assertNotTerminal, assertOwner, finish, notifyTask, ref } from './task-support.js';

export const CompleteTask = z.strictObject({
  task: TaskRef,
  result: BodyText(1_000_000).optional().describe('what was done (Markdown), e.g. commit, PR, notes'),
  failed: z.boolean().default(false).describe('true: mark failed instead of done'),
});

/**
 * Finishes a task in progress as `done` (no review needed) or `failed`. Owner, human or team
 * admin only. Done requires every dependency finished; tasks waiting on this one are told they
 * are ready. Errors: `forbidden`, `conflict` (blocked, in review, or not in progress).
 */
export async function completeTask(ctx: Ctx, input: unknown): Promise<Task> {
  const p = parseInput(CompleteTask, input);
  const me = requireActor(ctx);
  if (p.result) checkBodySize(ctx, p.result, 'result');
  return withTx(ctx, async (tx) => {
    const row = await resolveTaskRow(tx, me.teamId, p.task);
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
    const status = p.failed ? 'failed' : 'done';
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

export const CancelTask = z.strictObject({
  task: TaskRef,
  reason: ShortText(2000).optional(),
});

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
