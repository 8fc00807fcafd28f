/**
 * Passing work on: delegate (reserve a task for a teammate) and hand off (the owner offers a
 * held task with notes; the other accepts or declines). DESIGN.md, Task lifecycle.
 */
import { z } from 'zod';
import { DomainError } from '../errors.js';
import { resolveTeammate } from './agents.js';
import { type Ctx, isPrivileged, requireActor, withTx } from './context.js';
import { checkBodySize } from './messages.js';
import type { Task } from './model.js';
import { endTaskReservations, passTaskReservations } from './reservation-ends.js';
import { BodyText, parseInput, ShortText, TaskRef } from './schemas.js';
import { loadTask, resolveTaskRow } from './task-read.js';
import {
  assertNotTerminal,
  assertOwner,
  cancelPendingReviews,
  NO_HANDOFF,
  nameOf,
  notifyTask,
  recordEvent,
  ref,
  UNCLAIMED,
  updateIf,
} from './task-support.js';

export const DelegateTask = z.strictObject({
  task: TaskRef,
  to: z.string().min(1).max(40).describe('teammate'),
  note: ShortText(4000).optional().describe('what they should know'),
});
export type DelegateTask = z.infer<typeof DelegateTask>;

/**
 * Reserves a task for another teammate (sets its assignee) with a note that lands in the
 * thread and their inbox; they claim it when they start. A task held by someone else is
 * released to the new assignee (with its file reservations tied to the task). An accepted
 * hand-off passes the old owner's reservations tied to the task to the new owner. The creator, the owner, a human or a team admin may delegate.
 * Errors: `forbidden`, `conflict` (finished or in review), `not_found` (task or teammate).
 */
export async function delegateTask(ctx: Ctx, input: unknown): Promise<Task> {
  const p = parseInput(DelegateTask, input);
  const me = requireActor(ctx);
  return withTx(ctx, async (tx) => {
    const row = await resolveTaskRow(tx, me.teamId, p.task);
    if (row.creator_id !== me.id && row.owner_id !== me.id && !isPrivileged(tx)) {
      throw new DomainError('forbidden', `only the creator or the owner can delegate ${ref(row)}`);
    }
    assertNotTerminal(row, 'delegate');
    if (row.status === 'in_review') {
      throw new DomainError('conflict', `${ref(row)} is in review; wait for the verdict before delegating`);
    }
    const to = await resolveTeammate(tx, me.teamId, p.to);
    const keepsOwner = row.owner_id === to.id;
    const next = await updateIf(
      tx,
      row.id,
      {
        assignee_id: to.id,
        ...(!keepsOwner &&
          row.owner_id && {
            ...UNCLAIMED,
          }),
      },
      (eb) => eb('version', '=', row.version),
    );
    if (!next) throw new DomainError('conflict', `${ref(row)} changed while delegating; try again`);
    if (row.owner_id && !keepsOwner) {
      await cancelPendingReviews(tx, row.id);
      await endTaskReservations(tx, next, row.owner_id);
    }
    await recordEvent(tx, next, 'delegated', {
      to: to.name,
      note: p.note ?? null,
      ...(row.owner_id && !keepsOwner && { previousOwner: await nameOf(tx, row.owner_id) }),
    });
    await notifyTask(
      tx,
      next,
      `${me.name} delegated ${ref(next)} to ${to.name}.${keepsOwner ? '' : ' Claim it with task_claim when you start.'}${
        p.note ? `\n\n${p.note}` : ''
      }`,
      [to.id, row.owner_id, row.creator_id],
      'handoff',
    );
    return loadTask(tx, next);
  });
}

export const HandoffTask = z.strictObject({
  task: TaskRef,
  to: z.string().min(1).max(40).describe('the new owner'),
  note: BodyText(1_000_000).describe('what is done, what is left, where'),
});
export type HandoffTask = z.infer<typeof HandoffTask>;

/**
 * Offers a held task to another teammate with hand-off notes. The task stays yours until they
 * accept (task_respond_handoff). Errors: `forbidden` (not the owner), `conflict` (not in
 * progress, or an offer is already pending), `invalid` (to yourself), `not_found`.
 */
export async function handoffTask(ctx: Ctx, input: unknown): Promise<Task> {
  const p = parseInput(HandoffTask, input);
  const me = requireActor(ctx);
  checkBodySize(ctx, p.note, 'note');
  return withTx(ctx, async (tx) => {
    const row = await resolveTaskRow(tx, me.teamId, p.task);
    await assertOwner(tx, row, 'hand off');
    if (row.status !== 'in_progress') {
      throw new DomainError('conflict', `${ref(row)} is ${row.status}; only a task in progress can be handed off`);
    }
    const to = await resolveTeammate(tx, me.teamId, p.to);
    if (to.id === row.owner_id) throw new DomainError('invalid', `${to.name} already owns ${ref(row)}`);
    if (row.handoff_to_id) {
      const pending = await nameOf(tx, row.handoff_to_id);
      throw new DomainError('conflict', `a hand-off of ${ref(row)} to ${pending} is already pending`, { pending });
    }
    const next = await updateIf(
      tx,
      row.id,
      { handoff_to_id: to.id, handoff_note: p.note, handoff_at: tx.now() },
      (eb) => eb.and([eb('version', '=', row.version), eb('handoff_to_id', 'is', null)]),
    );
    if (!next) throw new DomainError('conflict', `${ref(row)} changed while handing off; try again`);
    await recordEvent(tx, next, 'handoff_offered', { to: to.name, note: p.note });
    await notifyTask(
      tx,
      next,
      `${me.name} offers you ${ref(next)}. Accept or decline with task_respond_handoff.\n\nHand-off notes:\n${p.note}`,
      [to.id],
      'handoff',
    );
    return loadTask(tx, next);
  });
}

export const RespondHandoff = z.strictObject({
  task: TaskRef,
  accept: z.boolean().describe('false declines'),
  note: ShortText(4000).optional().describe('to the owner'),
});
export type RespondHandoff = z.infer<typeof RespondHandoff>;

/**
 * Accepts (becoming owner, with a fresh lease) or declines a hand-off offered to the actor.
 * Errors: `forbidden` (no offer to you), `not_found`.
 */
export async function respondHandoff(ctx: Ctx, input: unknown): Promise<Task> {
  const p = parseInput(RespondHandoff, input);
  const me = requireActor(ctx);
  return withTx(ctx, async (tx) => {
    const row = await resolveTaskRow(tx, me.teamId, p.task);
    if (row.handoff_to_id !== me.id) {
      throw new DomainError('forbidden', `no hand-off of ${ref(row)} is pending for you`);
    }
    const prevOwner = row.owner_id;
    const now = tx.now();
    const clear = NO_HANDOFF;
    const next = await updateIf(
      tx,
      row.id,
      p.accept
        ? { ...clear, owner_id: me.id, assignee_id: me.id, claimed_at: now, lease_expires_at: now + tx.limits.leaseMs }
        : clear,
      (eb) => eb.and([eb('version', '=', row.version), eb('handoff_to_id', '=', me.id)]),
    );
    if (!next) throw new DomainError('conflict', `${ref(row)} changed while responding; try again`);
    if (p.accept && prevOwner) await passTaskReservations(tx, next, prevOwner, me.id);
    await recordEvent(tx, next, p.accept ? 'handoff_accepted' : 'handoff_declined', {
      from: await nameOf(tx, prevOwner),
      note: p.note ?? null,
    });
    await notifyTask(
      tx,
      next,
      `${me.name} ${p.accept ? 'accepted' : 'declined'} the hand-off of ${ref(next)}${
        p.accept ? ' and owns it now' : '; it stays yours'
      }.${p.note ? `\n\n${p.note}` : ''}`,
      [prevOwner, row.creator_id],
      'handoff',
    );
    return loadTask(tx, next);
  });
}
