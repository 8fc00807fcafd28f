/**
 * Reviews: the owner asks a teammate, a role, or anyone to review a task in progress; the task
 * moves to `in_review`; the reviewer approves (task done) or requests changes (task back to its
 * owner with the comments). The owner cannot review its own task; a review can be passed on.
 * (DESIGN.md, Task lifecycle.)
 */
import { z } from 'zod';
import { type AgentRow, REVIEW_STATUSES, type ReviewRow, type TaskRow } from '../db/schema.js';
import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import { agentNames, resolveTeammate } from './agents.js';
import { type Ctx, isPrivileged, requireActor, withTx } from './context.js';
import { checkBodySize } from './messages.js';
import { type Agent, joinedTaskSummary, type Review, type Task, toReview } from './model.js';
import { BodyText, parseInput, TaskRef } from './schemas.js';
import { blockersOf, describeTasks, loadTask, resolveTaskRow, toSummary } from './task-read.js';
import { announceReadyDependents, finish, notifyTask, recordEvent, updateIf } from './task-support.js';

const ReviewerSpec = z
  .string()
  .trim()
  .min(1)
  .max(80)
  .describe('teammate name or "role:NAME"; omit for anyone but the owner');

const ref = (t: Pick<TaskRow, 'number' | 'title'>) => `#${t.number} "${t.title}"`;

interface ResolvedReviewer {
  reviewerId: string | null;
  role: string | null;
  /** Who to notify of the request. */
  notify: string[];
  label: string;
}

/** Resolves "name" / "role:NAME" / undefined (anyone) to who may review a task owned by `ownerId`. */
async function resolveReviewer(
  tx: Ctx,
  me: Agent,
  spec: string | undefined,
  ownerId: string | null,
): Promise<ResolvedReviewer> {
  const roster = await tx.db.selectFrom('agents').selectAll().where('team_id', '=', me.teamId).execute();
  const others = (rows: AgentRow[]) => rows.filter((a) => a.id !== ownerId).map((a) => a.id);
  if (spec === undefined) {
    return { reviewerId: null, role: null, notify: others(roster), label: 'anyone' };
  }
  if (spec.toLowerCase().startsWith('role:')) {
    const role = spec.slice(5).trim().toLowerCase();
    const members = roster.filter((a) => a.role?.toLowerCase() === role && a.id !== ownerId);
    if (members.length === 0) {
      throw new DomainError('not_found', `no teammate other than the owner has role "${role}"`, { role });
    }
    return { reviewerId: null, role, notify: members.map((m) => m.id), label: `role:${role}` };
  }
  const agent = await resolveTeammate(tx, me.teamId, spec);
  if (agent.id === ownerId) {
    throw new DomainError('invalid', `${agent.name} owns the task and cannot review it; ask someone else`);
  }
  return { reviewerId: agent.id, role: null, notify: [agent.id], label: agent.name };
}

/** Whether `me` may submit `review` of a task owned by `ownerId` (privileged users always, but never the owner). */
function maySubmit(ctx: Ctx, me: Agent, review: ReviewRow, ownerId: string | null): boolean {
  if (me.id === ownerId) return false;
  if (isPrivileged(ctx)) return true;
  if (review.reviewer_id) return review.reviewer_id === me.id;
  if (review.reviewer_role) return me.role?.toLowerCase() === review.reviewer_role;
  return true;
}

async function loadReview(ctx: Ctx, row: ReviewRow): Promise<Review> {
  const [names, task] = await Promise.all([
    agentNames(ctx, [row.requested_by, row.reviewer_id, row.submitted_by]),
    ctx.db.selectFrom('tasks').selectAll().where('id', '=', row.task_id).executeTakeFirstOrThrow(),
  ]);
  return toReview(row, names, toSummary(task));
}

/** A review reference: a review id, or a task (`#12`, `12`) meaning that task's pending review. */
const ReviewRef = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .describe('the task ("#12") whose pending review this is, or a review id');

/**
 * Resolves a ReviewRef in `teamId`: a task reference gives that task's pending review (the
 * newest, if several were ever asked); anything else is a review id.
 * Errors: `not_found` naming what to look at instead.
 */
async function getReviewRow(ctx: Ctx, teamId: string, ref: string): Promise<ReviewRow> {
  if (/^#?\d+$/.test(ref)) {
    const task = await resolveTaskRow(ctx, teamId, ref);
    const row = await ctx.db
      .selectFrom('reviews')
      .selectAll()
      .where('task_id', '=', task.id)
      .orderBy((eb) => eb.case().when('status', '=', 'pending').then(0).else(1).end())
      .orderBy('id', 'desc')
      .executeTakeFirst();
    if (!row) throw new DomainError('not_found', `#${task.number} "${task.title}" has no review; see review_list`);
    return row;
  }
  const row = await ctx.db
    .selectFrom('reviews')
    .selectAll()
    .where('id', '=', ref)
    .where('team_id', '=', teamId)
    .executeTakeFirst();
  if (!row) throw new DomainError('not_found', `no review ${ref} in your team; see review_list`);
  return row;
}

export const RequestReview = z.strictObject({
  task: TaskRef,
  reviewer: ReviewerSpec.optional(),
  note: BodyText(1_000_000).optional().describe('what to look at, where (branch, PR, files)'),
});
export type RequestReview = z.infer<typeof RequestReview>;

/**
 * Asks for a review of a task in progress; the task moves to `in_review` (its lease pauses)
 * and the reviewer(s) are told. Owner, human or team admin only; one pending review at a time.
 * Errors: `forbidden`, `conflict` (not in progress, blocked, review already pending),
 * `invalid` (the owner as reviewer), `not_found`.
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
    if (task.status !== 'in_progress') {
      throw new DomainError('conflict', `${ref(task)} is ${task.status}; only a task in progress can go to review`, {
        status: task.status,
      });
    }
    const blockers = await blockersOf(tx, task.id);
    if (blockers.length > 0) {
      throw new DomainError('conflict', `${ref(task)} is blocked by ${describeTasks(blockers)}; finish those first`);
    }
    const who = await resolveReviewer(tx, me, p.reviewer, task.owner_id);
    const now = tx.now();
    const moved = await updateIf(tx, task.id, { status: 'in_review', lease_expires_at: null }, (eb) =>
      eb.and([eb('status', '=', 'in_progress'), eb('version', '=', task.version)]),
    );
    if (!moved) throw new DomainError('conflict', `${ref(task)} changed while requesting review; try again`);
    const row = await tx.db
      .insertInto('reviews')
      .values({
        id: newId(now),
        team_id: task.team_id,
        task_id: task.id,
        requested_by: me.id,
        reviewer_id: who.reviewerId,
        reviewer_role: who.role,
        note: p.note ?? null,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
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
  mine: z.boolean().optional().describe('only reviews you may submit'),
  task: TaskRef.optional(),
  limit: z.number().int().min(1).max(200).default(50).describe('most reviews to return'),
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
  verdict: z
    .enum(['approved', 'changes_requested'])
    .describe('approved: task done; changes_requested: back to its owner'),
  comments: BodyText(1_000_000).optional().describe('required when requesting changes'),
});
export type SubmitReview = z.infer<typeof SubmitReview>;

/**
 * Submits a verdict. Approved: the task is done and its dependents are told. Changes requested:
 * the task goes back to its owner (in progress, lease renewed) with the comments.
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
    const now = tx.now();
    const updated = await tx.db
      .updateTable('reviews')
      .set({ status: p.verdict, comments: p.comments ?? null, submitted_by: me.id, submitted_at: now, updated_at: now })
      .where('id', '=', review.id)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw new DomainError('conflict', `review ${review.id} was submitted by someone else just now`);
    await recordEvent(tx, task, 'review_submitted', { review: review.id, verdict: p.verdict, reviewer: me.name });
    let next: TaskRow;
    if (p.verdict === 'approved') {
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
  to: ReviewerSpec.describe('teammate name or "role:NAME"'),
  note: BodyText(4000).optional().describe('why, for the new reviewer'),
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
