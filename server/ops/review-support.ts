/**
 * What the review operations share (code reviews in reviews.ts, plan reviews in plan-reviews.ts):
 * resolving who may review, who may submit, and loading reviews by id or by task.
 */
import { z } from 'zod';
import type { AgentRow, ReviewRow, TaskRow } from '../db/schema.js';
import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import { agentNames, resolveTeammate } from './agents.js';
import { type Ctx, isPrivileged } from './context.js';
import { type Agent, type Review, toReview } from './model.js';
import { resolveTaskRow, toSummary } from './task-read.js';

export const ReviewerSpec = z.string().trim().min(1).max(80).describe('name or role:NAME; omit: anyone');

export const ref = (t: Pick<TaskRow, 'number' | 'title'>) => `#${t.number} "${t.title}"`;

export interface ResolvedReviewer {
  reviewerId: string | null;
  role: string | null;
  /** Who to notify of the request. */
  notify: string[];
  label: string;
}

/** Stores a pending review of `task` asked by `requestedBy` of `who`; returns its row. */
export async function insertReview(
  tx: Ctx,
  task: Pick<TaskRow, 'id' | 'team_id'>,
  requestedBy: string,
  who: ResolvedReviewer,
  kind: 'code' | 'plan',
  note: string | null,
): Promise<ReviewRow> {
  const now = tx.now();
  return tx.db
    .insertInto('reviews')
    .values({
      id: newId(now),
      team_id: task.team_id,
      task_id: task.id,
      requested_by: requestedBy,
      reviewer_id: who.reviewerId,
      reviewer_role: who.role,
      kind,
      note,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Resolves "name" / "role:NAME" / undefined (anyone) to who may review a task owned by `ownerId`. */
export async function resolveReviewer(
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
export function maySubmit(ctx: Ctx, me: Agent, review: ReviewRow, ownerId: string | null): boolean {
  if (me.id === ownerId) return false;
  if (isPrivileged(ctx)) return true;
  if (review.reviewer_id) return review.reviewer_id === me.id;
  if (review.reviewer_role) return me.role?.toLowerCase() === review.reviewer_role;
  return true;
}

export async function loadReview(ctx: Ctx, row: ReviewRow): Promise<Review> {
  const [names, task] = await Promise.all([
    agentNames(ctx, [row.requested_by, row.reviewer_id, row.submitted_by]),
    ctx.db.selectFrom('tasks').selectAll().where('id', '=', row.task_id).executeTakeFirstOrThrow(),
  ]);
  return toReview(row, names, toSummary(task));
}

/** A review reference: a review id, or a task (`#12`, `12`) meaning that task's pending review. */
export const ReviewRef = z.string().trim().min(1).max(40).describe('task #12 or review id');

/**
 * Resolves a ReviewRef in `teamId`: a task reference gives that task's pending review (the
 * newest, if several were ever asked); anything else is a review id.
 * Errors: `not_found` naming what to look at instead.
 */
export async function getReviewRow(ctx: Ctx, teamId: string, ref: string): Promise<ReviewRow> {
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
