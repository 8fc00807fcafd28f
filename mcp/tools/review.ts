/** MCP tools for reviews (`review_*`). */
import type { Review, Task } from '../../server/ops/model.js';
import {
  ListReviews,
  listReviews,
  ReassignReview,
  RequestReview,
  reassignReview,
  requestReview,
  SubmitReview,
  submitReview,
} from '../../server/ops/reviews.js';
import { ago, reviewerOf, taskLine, taskRef } from '../../server/text-format.js';
import { defineTool, READ_ONLY, WRITE } from '../tool.js';

export const reviewTools = [
  defineTool({
    name: 'review_request',
    title: 'Request a review',
    description:
      'Ask for a review of a task you hold: it goes in_review; the verdict comes to your inbox. kind "plan": approval of your plan (note) before the work; the task stays in progress.',
    input: RequestReview,
    annotations: WRITE,
    run: (ctx, args) => requestReview(ctx, args),
    text: (r: Review) =>
      r.kind === 'plan'
        ? `Plan review of ${taskRef(r.task)} requested from ${reviewerOf(r)}; the task stays yours, in progress (plan pending). The verdict comes to your inbox (teammate_wait_for_messages waits for it); start the work once the plan is approved.`
        : `Review of ${taskRef(r.task)} requested from ${reviewerOf(r)}; the task is in review. The verdict comes to your inbox (teammate_wait_for_messages waits for it).`,
  }),
  defineTool({
    name: 'review_list',
    title: 'List reviews',
    description: 'Reviews, oldest first (pending by default).',
    input: ListReviews,
    annotations: READ_ONLY,
    run: (ctx, args) => listReviews(ctx, args),
    text: (r: { reviews: Review[] }, ctx) =>
      r.reviews.length
        ? `${r.reviews
            .map(
              (v) =>
                `- ${taskRef(v.task)}: ${v.kind === 'plan' ? 'plan review ' : ''}${v.status}, reviewer ${reviewerOf(v)}, asked by ${v.requestedBy} ${ago(v.createdAt, ctx.now())}`,
            )
            .join(
              '\n',
            )}\nSubmit with review_submit {review: "#N", verdict: "approved" | "changes_requested", comments}.`
        : 'No reviews.',
  }),
  defineTool({
    name: 'review_submit',
    title: 'Submit a review',
    description:
      'Approve (task done; a plan: owner goes ahead) or request changes (back to the owner with your comments).',
    input: SubmitReview,
    annotations: WRITE,
    run: (ctx, args) => submitReview(ctx, args),
    text: (r: { review: Review; task: Task }) =>
      r.review.kind === 'plan'
        ? r.review.status === 'approved'
          ? `Plan approved: ${taskLine(r.task)}; ${r.task.owner ?? 'the owner'} was told to go ahead.`
          : `Changes requested on the plan: ${taskLine(r.task)}; ${r.task.owner ?? 'the owner'} has your comments and asks again.`
        : r.review.status === 'approved'
          ? `Approved: ${taskLine(r.task)}. ${r.task.owner ?? 'The owner'} was told.`
          : `Changes requested: ${taskLine(r.task)}; ${r.task.owner ?? 'the owner'} has your comments.`,
  }),
  defineTool({
    name: 'review_reassign',
    title: 'Pass a review on',
    description: 'Pass a pending review to someone else.',
    input: ReassignReview,
    annotations: WRITE,
    run: (ctx, args) => reassignReview(ctx, args),
    text: (r: Review) => `The review of ${taskRef(r.task)} is now with ${reviewerOf(r)}; they were told.`,
  }),
];
