/**
 * Plan reviews: before the work, a task's owner asks a teammate, a role or anyone (a person on
 * the board included) to approve its plan (`review_request {kind: "plan", note: PLAN}`). Unlike a
 * code review the task stays in progress with its owner whatever the verdict: an approval says
 * "go ahead", changes requested say "revise the plan and ask again". Both reach the owner as a
 * review notice (push, waiting call, inbox). A team can require an approved plan before a task
 * with its plan label goes to code review (team-settings.ts). Called by the review operations
 * (reviews.ts) inside their transaction.
 */
import type { ReviewRow, TaskRow } from '../db/schema.js';
import { DomainError } from '../errors.js';
import type { Ctx } from './context.js';
import type { Agent, Review } from './model.js';
import { insertReview, loadReview, ref, resolveReviewer } from './review-support.js';
import { notifyTask, recordEvent, updateIf } from './task-support.js';
import { planLabelOf } from './team-settings.js';

/** The newest plan review of a task that was not cancelled (where its plan stands), if any. */
async function latestPlan(tx: Ctx, taskId: string): Promise<ReviewRow | undefined> {
  return tx.db
    .selectFrom('reviews')
    .selectAll()
    .where('task_id', '=', taskId)
    .where('kind', '=', 'plan')
    .where('status', '!=', 'cancelled')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

/**
 * Asks for approval of the owner's plan (`note`) for a task in progress; the task does not move.
 * Errors: `conflict` (not in progress, a plan review already pending), `invalid` (no plan, the
 * owner as reviewer), `not_found` (reviewer or role).
 */
export async function requestPlanReview(
  tx: Ctx,
  me: Agent,
  task: TaskRow,
  p: { reviewer?: string | undefined; note?: string | undefined },
): Promise<Review> {
  if (task.status !== 'in_progress') {
    throw new DomainError(
      'conflict',
      task.status === 'open'
        ? `${ref(task)} is open; claim it (task_claim), then ask for approval of your plan before the work`
        : `${ref(task)} is ${task.status}; a plan is approved while the task is in progress, before the work`,
      { status: task.status },
    );
  }
  if (!p.note) throw new DomainError('invalid', 'note: write the plan you want approved (steps, files, risks)');
  const prior = await latestPlan(tx, task.id);
  if (prior?.status === 'pending') {
    throw new DomainError('conflict', `a plan review of ${ref(task)} is already pending; wait for its verdict`);
  }
  const who = await resolveReviewer(tx, me, p.reviewer, task.owner_id);
  const row = await insertReview(tx, task, me.id, who, 'plan', p.note);
  await recordEvent(tx, task, 'review_requested', { review: row.id, reviewer: who.label, kind: 'plan' });
  await notifyTask(
    tx,
    task,
    `${me.name} asks ${who.label === 'anyone' ? 'for approval of' : `${who.label} to approve`} the plan for ${ref(task)} before the work. Submit with review_submit {review: "#${task.number}", verdict}.\n\n${p.note}`,
    who.notify,
    'review',
  );
  tx.emit({ type: 'review.changed', teamId: task.team_id, reviewId: row.id, taskId: task.id });
  return loadReview(tx, row);
}

/**
 * Applies a plan verdict already recorded on `review`: the task stays in progress with its owner,
 * its lease renewed (the owner was waiting for the verdict), and the owner and requester are told.
 * Errors: `conflict` when the task changed underneath.
 */
export async function applyPlanVerdict(
  tx: Ctx,
  me: Agent,
  review: ReviewRow,
  task: TaskRow,
  verdict: 'approved' | 'changes_requested',
  comments: string | undefined,
): Promise<TaskRow> {
  const next = await updateIf(tx, task.id, { lease_expires_at: tx.now() + tx.limits.leaseMs }, (eb) =>
    eb.and([eb('status', '=', 'in_progress'), eb('version', '=', task.version)]),
  );
  if (!next) throw new DomainError('conflict', `${ref(task)} changed while submitting; try again`);
  const more = comments ? `\n\n${comments}` : '';
  await notifyTask(
    tx,
    next,
    verdict === 'approved'
      ? `${me.name} approved the plan for ${ref(next)}; go ahead with the work (it stays in progress with its owner).${more}`
      : `${me.name} requested changes to the plan for ${ref(next)}; revise it and ask again with review_request {task: "#${next.number}", kind: "plan", note}.${more}`,
    [task.owner_id, review.requested_by],
    'review',
  );
  return next;
}

/**
 * Whether a task may go to code review as far as its plan goes: not while a plan review is
 * pending, and, when the team has a plan label that the task carries, only with an approved plan.
 * Errors: `conflict` saying what to do first.
 */
export async function checkPlanBeforeReview(tx: Ctx, task: TaskRow): Promise<void> {
  const plan = await latestPlan(tx, task.id);
  if (plan?.status === 'pending') {
    throw new DomainError(
      'conflict',
      `the plan review of ${ref(task)} is still pending; wait for its verdict before asking for a code review`,
    );
  }
  const label = await planLabelOf(tx, task.team_id);
  if (label === null || plan?.status === 'approved') return;
  const labelled = await tx.db
    .selectFrom('task_labels')
    .select('label')
    .where('task_id', '=', task.id)
    .where('label', '=', label)
    .executeTakeFirst();
  if (!labelled) return;
  throw new DomainError(
    'conflict',
    `${ref(task)} is labelled "${label}": this team needs an approved plan before a code review${
      plan?.status === 'changes_requested' ? ' (changes were requested on the last one)' : ''
    }. Request a plan review first: review_request {task: "#${task.number}", kind: "plan", note: "<your plan>"}`,
    { planLabel: label, plan: plan?.status ?? null },
  );
}
