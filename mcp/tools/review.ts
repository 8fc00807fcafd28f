/** MCP tools for reviews (`review_*`). */
import type { Review, Task } from '../../server/ops/mappers.js';
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
import { ago, taskLine } from '../format.js';
import { defineTool, READ_ONLY, WRITE } from '../tool.js';

const reviewer = (r: Review) => r.reviewer ?? (r.reviewerRole ? `role:${r.reviewerRole}` : 'anyone');

export const reviewTools = [
  defineTool({
    name: 'review_request',
    title: 'Request a review',
    description:
      'Send a task you hold to review by a teammate, "role:NAME", or anyone (omit reviewer). Task → in_review.',
    input: RequestReview,
    annotations: WRITE,
    run: (ctx, args) => requestReview(ctx, args),
    text: (r: Review) => `Review ${r.id} requested from ${reviewer(r)}.`,
  }),
  defineTool({
    name: 'review_list',
    title: 'List reviews',
    description: 'Pending reviews by default, oldest first; mine: true for those you may submit.',
    input: ListReviews,
    annotations: READ_ONLY,
    run: (ctx, args) => listReviews(ctx, args),
    text: (r: { reviews: Review[] }) =>
      r.reviews.length
        ? r.reviews
            .map(
              (v) =>
                `- review ${v.id} of task ${v.taskId}: ${v.status}, reviewer ${reviewer(v)}, asked by ${v.requestedBy} ${ago(v.createdAt)}`,
            )
            .join('\n')
        : 'No reviews.',
  }),
  defineTool({
    name: 'review_submit',
    title: 'Submit a review',
    description: 'Approve (task done) or request changes (task back to its owner; comments required).',
    input: SubmitReview,
    annotations: WRITE,
    run: (ctx, args) => submitReview(ctx, args),
    text: (r: { review: Review; task: Task }) =>
      `Review ${r.review.id}: ${r.review.status}. Task: ${taskLine(r.task)}.`,
  }),
  defineTool({
    name: 'review_reassign',
    title: 'Pass a review on',
    description: 'Hand a pending review to another teammate or "role:NAME".',
    input: ReassignReview,
    annotations: WRITE,
    run: (ctx, args) => reassignReview(ctx, args),
    text: (r: Review) => `Review ${r.id} is now with ${reviewer(r)}.`,
  }),
];
