/**
 * Reviews: the owner asks a teammate, a role, or anyone to review a task in progress; the task
 * moves to `in_review`; the reviewer approves (task done) or requests changes (task back to its
 * owner with the comments). The owner cannot review its own task; a review can be passed on.
 * (DESIGN.md, Task lifecycle.) A review of `kind: "plan"` approves the owner's plan before the
 * work and leaves the task in progress (plan-reviews.ts).
 */
import { z } from 'zod';
import { REVIEW_KINDS, REVIEW_STATUSES, type TaskRow } from '../db/schema.js';
import { DomainError } from '../errors.js';
import { agentNames } from './agents.js';
import { type Ctx, isPrivileged, requireActor, withTx } from './context.js';
import { checkBodySize } from './messages.js';
import { joinedTaskSummary, type Review, type Task, toReview } from './model.js';
import { applyPlanVerdict, checkPlanBeforeReview, requestPlanReview } from './plan-reviews.js';
import {
  getReviewRow,
  insertReview,
  loadReview,
  maySubmit,
  ReviewerSpec,
  ReviewRef,
  ref,
  resolveReviewer,
} from './review-support.js';
import { BodyText, parseInput, TaskRef } from './schemas.js';
import { blockersOf, describeTasks, loadTask, resolveTaskRow } from './task-read.js';
import { announceReadyDependents, finish, notifyTask, recordEvent, updateIf } from './task-support.js';

export const RequestReview = z.strictObject({
  task: TaskRef,
  reviewer: ReviewerSpec.optional(),
  kind: z.enum(REVIEW_KINDS).default('code').describe('code (default) or plan'),
  note: BodyText(1_000_000).optional().describe('where to look (branch, PR); or the plan'),
});
export type RequestReview = z.infer<typeof RequestReview>;

/**
 * Asks for a review of a task in progress; the task moves to `in_review` (its lease pauses)
 * and the reviewer(s) are told. Owner, human or team admin only; one pending review at a time.
 * `kind: "plan"` asks for approval of the plan in `note` instead (requestPlanReview).
 * Errors: `forbidden`, `conflict` (not in progress, blocked, review already pending, a plan
 * pending or, under the team's plan label, not approved), `invalid` (the owner as reviewer), `not_found`.
 */
export async function requestReview(ctx: Ctx, input: unknown): Promise<Review> {
  const p = parseInput(RequestReview, input);
  const me = requireActor(ctx);
  if (p.note) checkBodySize(ctx, p.note, 'note');
  return withTx(ctx, async (tx) => {
    const task = await resolveTaskRow(tx, me.teamId, p.task);
    if (task.owner_id !== me.id && !isPrivileged(tx)) {
      throw new DomainError('forbidden', `only the owner can request a review of ${ref(task)}`);
    }
    if (p.kind === 'plan') return requestPlanReview(tx, me, task, p);
    if (task.status !== 'in_progress') {
      throw new DomainError('conflict', `${ref(task)} is ${task.status}; only a task in progress can go to review`, {
        status: task.status,
      });
    }
    const blockers = await blockersOf(tx, task.id);
    if (blockers.length > 0) {
      throw new DomainError('conflict', `${ref(task)} is blocked by ${describeTasks(blockers)}; finish those first`);
    }
    await checkPlanBeforeReview(tx, task);
    const who = await resolveReviewer(tx, me, p.reviewer, task.owner_id);
    const moved = await updateIf(tx, task.id, { status: 'in_review', lease_expires_at: null }, (eb) =>
      eb.and([eb('status', '=', 'in_progress'), eb('version', '=', task.version)]),
    );
    if (!moved) throw new DomainError('conflict', `${ref(task)} changed while requesting review; try again`);
    const row = await insertReview(tx, task, me.id, who, 'code', p.note ?? null);
    await recordEvent(tx, moved, 'review_requested', { review: row.id, reviewer: who.label });
    await notifyTask(
      tx,
      moved,
      `${me.name} asks ${who.label === 'anyone' ? 'for a review' : `${who.label} for a review`} of ${ref(moved)}. Submit with review_submit {review: "#${moved.number}", verdict}.${
        p.note ? `\n\n${p.note}` : ''
      }`,
      who.notify,
      'review',
    );
    tx.emit({ type: 'review.changed', teamId: task.team_id, reviewId: row.id, taskId: task.id });
    return loadReview(tx, row);
  });
}

export const ListReviews = z.strictObject({
  status: z.enum(REVIEW_STATUSES).optional().describe('default pending'),
  kind: z.enum(REVIEW_KINDS).optional().describe('code or plan'),
  mine: z.boolean().optional().describe('only ones you may submit'),
  task: TaskRef.optional(),
  limit: z.number().int().min(1).max(200).default(50).describe('max reviews'),
});
export type ListReviews = z.infer<typeof ListReviews>;

/** Reviews in the actor's team, oldest first (the queue order). */
export async function listReviews(ctx: Ctx, input: unknown): Promise<{ reviews: Review[] }> {
  const p = parseInput(ListReviews, input);
  const me = requireActor(ctx);
  let q = ctx.db
    .selectFrom('reviews')
    .innerJoin('tasks', 'tasks.id', 'reviews.task_id')
    .selectAll('reviews')
    .select(['tasks.owner_id as owner_id', 'tasks.number', 'tasks.title', 'tasks.status as task_status'])
    .where('reviews.team_id', '=', me.teamId)
    .where('reviews.status', '=', p.status ?? 'pending');
  if (p.kind !== undefined) q = q.where('reviews.kind', '=', p.kind);
  if (p.task !== undefined) q = q.where('reviews.task_id', '=', (await resolveTaskRow(ctx, me.teamId, p.task)).id);
  const rows = await q.orderBy('reviews.id').execute();
  const visible = p.mine ? rows.filter((r) => maySubmit(ctx, me, r, r.owner_id)) : rows;
  const page = visible.slice(0, p.limit);
  const names = await agentNames(
    ctx,
    page.flatMap((r) => [r.requested_by, r.reviewer_id, r.submitted_by]),
  );
  return {
    reviews: page.map((r) => toReview(r, names, joinedTaskSummary(r))),
  };
}

export const SubmitReview = z.strictObject({
  review: ReviewRef,
  verdict: z.enum(['approved', 'changes_requested']).describe('your verdict'),
  comments: BodyText(1_000_000).optional().describe('needed for changes_requested'),
});
export type SubmitReview = z.infer<typeof SubmitReview>;

/**
 * Submits a verdict. Approved: the task is done and its dependents are told. Changes requested:
 * the task goes back to its owner (in progress, lease renewed) with the comments. For a plan
 * review the task stays in progress with its owner either way (applyPlanVerdict).
 * Only the named reviewer, a member of the asked role, anyone but the owner (for open reviews),
 * or a human / team admin may submit; never the task's owner.
 * Errors: `forbidden`, `conflict` (not pending), `invalid` (changes without comments), `not_found`.
 */
export async function submitReview(ctx: Ctx, input: unknown): Promise<{ review: Review; task: Task }> {
  const p = parseInput(SubmitReview, input);
  const me = requireActor(ctx);
  if (p.verdict === 'changes_requested' && !p.comments) {
    throw new DomainError('invalid', 'comments: say what to change when requesting changes');
  }
  if (p.comments) checkBodySize(ctx, p.comments, 'comments');
  return withTx(ctx, async (tx) => {
    const review = await getReviewRow(tx, me.teamId, p.review);
    const task = await tx.db.selectFrom('tasks').selectAll().where('id', '=', review.task_id).executeTakeFirstOrThrow();
    if (!maySubmit(tx, me, review, task.owner_id)) {
      const who = review.reviewer_id
        ? ((await agentNames(tx, [review.reviewer_id])).get(review.reviewer_id) ?? 'the named reviewer')
        : review.reviewer_role
          ? `a teammate with role ${review.reviewer_role}`
          : 'a teammate other than the owner';
      throw new DomainError(
        'forbidden',
        me.id === task.owner_id
          ? 'you own this task and cannot review it'
          : `only ${who} can submit the review of ${ref(task)}`,
      );
    }
    if (review.status !== 'pending') {
      throw new DomainError('conflict', `review ${review.id} is already ${review.status}`, { status: review.status });
    }
    if (review.kind === 'plan' && task.status !== 'in_progress') {
      throw new DomainError('conflict', `${ref(task)} is ${task.status}; its plan can no longer be reviewed`);
    }
    const now = tx.now();
    const updated = await tx.db
      .updateTable('reviews')
      .set({ status: p.verdict, comments: p.comments ?? null, submitted_by: me.id, submitted_at: now, updated_at: now })
      .where('id', '=', review.id)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw new DomainError('conflict', `review ${review.id} was submitted by someone else just now`);
    await recordEvent(tx, task, 'review_submitted', {
      review: review.id,
      verdict: p.verdict,
      reviewer: me.name,
      ...(review.kind === 'plan' && { kind: 'plan' }),
    });
    let next: TaskRow;
    if (review.kind === 'plan') {
      next = await applyPlanVerdict(tx, me, review, task, p.verdict, p.comments);
    } else if (p.verdict === 'approved') {
      const blockers = await blockersOf(tx, task.id);
      if (blockers.length > 0) {
        throw new DomainError(
          'conflict',
          `${ref(task)} is blocked by ${describeTasks(blockers)}; it cannot be done yet`,
        );
      }
      next = await finish(tx, task, 'done');
      await notifyTask(
        tx,
        next,
        `${me.name} approved ${ref(next)}; it is done.${p.comments ? `\n\n${p.comments}` : ''}`,
        [task.owner_id, task.creator_id, review.requested_by],
        'review',
      );
      await announceReadyDependents(tx, next);
    } else {
      const moved = await updateIf(
        tx,
        task.id,
        { status: 'in_progress', lease_expires_at: now + tx.limits.leaseMs },
        (eb) => eb.and([eb('version', '=', task.version)]),
      );
      if (!moved) throw new DomainError('conflict', `${ref(task)} changed while submitting; try again`);
      next = moved;
      await recordEvent(tx, next, 'status_changed', {
        from: 'in_review',
        to: 'in_progress',
        reason: 'changes requested',
      });
      await notifyTask(
        tx,
        next,
        `${me.name} requested changes on ${ref(next)}; it is back with its owner.\n\n${p.comments}`,
        [task.owner_id, review.requested_by],
        'review',
      );
    }
    tx.emit({ type: 'review.changed', teamId: task.team_id, reviewId: review.id, taskId: task.id });
    return { review: await loadReview(tx, updated), task: await loadTask(tx, next) };
  });
}

export const ReassignReview = z.strictObject({
  review: ReviewRef,
  to: ReviewerSpec.describe('name or role:NAME'),
  note: BodyText(4000).optional().describe('for the new reviewer'),
});
export type ReassignReview = z.infer<typeof ReassignReview>;

/**
 * Passes a pending review on to another reviewer (a teammate or a role). The current reviewer,
 * the requester, a human or a team admin may do so. Errors: `forbidden`, `conflict` (not
 * pending), `invalid` (the owner), `not_found`.
 */
export async function reassignReview(ctx: Ctx, input: unknown): Promise<Review> {
  const p = parseInput(ReassignReview, input);
  const me = requireActor(ctx);
  return withTx(ctx, async (tx) => {
    const review = await getReviewRow(tx, me.teamId, p.review);
    const task = await tx.db.selectFrom('tasks').selectAll().where('id', '=', review.task_id).executeTakeFirstOrThrow();
    const allowed =
      review.requested_by === me.id || (me.id !== task.owner_id && maySubmit(tx, me, review, task.owner_id));
    if (!allowed)
      throw new DomainError('forbidden', `only the reviewer or the requester can pass the review of ${ref(task)} on`);
    if (review.status !== 'pending') {
      throw new DomainError('conflict', `review ${review.id} is already ${review.status}`);
    }
    const who = await resolveReviewer(tx, me, p.to, task.owner_id);
    const updated = await tx.db
      .updateTable('reviews')
      .set({ reviewer_id: who.reviewerId, reviewer_role: who.role, updated_at: tx.now() })
      .where('id', '=', review.id)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw new DomainError('conflict', `review ${review.id} changed while reassigning; try again`);
    await recordEvent(tx, task, 'review_reassigned', { review: review.id, to: who.label });
    await notifyTask(
      tx,
      task,
      `${me.name} passed the review of ${ref(task)} to ${who.label}.${p.note ? `\n\n${p.note}` : ''}`,
      [...who.notify, review.requested_by],
      'review',
    );
    tx.emit({ type: 'review.changed', teamId: task.team_id, reviewId: review.id, taskId: task.id });
    return loadReview(tx, updated);
  });
}
