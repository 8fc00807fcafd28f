/**
 * "What is on my plate": the caller's held tasks, hand-offs offered to it, reviews it may
 * submit, unread mail and file reservations, with the one call to make next. Built from the
 * list operations (listTasks, listReviews, unreadCount, listReservations) so it shows what they show.
 */
import { z } from 'zod';
import { type Ctx, requireActor } from './context.js';
import { unreadCount } from './messages.js';
import type { Reservation, Review, Task } from './model.js';
import { listReservations } from './reservations.js';
import { listReviews } from './reviews.js';
import { parseInput } from './schemas.js';
import { loadTasks } from './task-read.js';
import { formatSpan, ref } from './task-support.js';
import { listTasks } from './tasks.js';

export const GetPlate = z.strictObject({});
export type GetPlate = z.infer<typeof GetPlate>;

export interface Plate {
  /** Tasks the caller owns and has not finished (in progress, in review), by priority; each with its `leaseExpiresAt` (null in review). */
  held: Task[];
  /** Tasks whose owner offers them to the caller (answer with task_respond_handoff). */
  handoffsOffered: Task[];
  /** Pending reviews the caller may submit: asked of it, of its role, or of anyone; never of its own tasks. Oldest first. */
  reviews: Review[];
  /** Unread messages in the caller's inbox. */
  unread: number;
  /** The caller's live file reservations, by pattern. */
  reservations: Reservation[];
  /**
   * The one call to make next, by priority: answer a hand-off > submit a review > read mail >
   * continue a held task > claim ready work > wait.
   */
  next: string;
}

/** What is on the caller's plate, and what to do next. Read-only. Errors: `unauthorized`. */
export async function getPlate(ctx: Ctx, input: unknown = {}): Promise<Plate> {
  parseInput(GetPlate, input);
  const me = requireActor(ctx);
  const [held, offered, asked, unread, reserved] = await Promise.all([
    listTasks(ctx, { owner: me.name, status: ['in_progress', 'in_review'], limit: 200 }),
    ctx.db
      .selectFrom('tasks')
      .selectAll()
      .where('team_id', '=', me.teamId)
      .where('handoff_to_id', '=', me.id)
      .where('status', '=', 'in_progress')
      .orderBy('priority_rank', 'desc')
      .orderBy('number')
      .execute()
      .then((rows) => loadTasks(ctx, rows)),
    listReviews(ctx, { mine: true, limit: 200 }),
    unreadCount(ctx, me.id),
    listReservations(ctx, { mine: true }),
  ]);
  // `mine` lets a human or admin submit any review; the plate shows only those asked of them.
  const role = me.role?.toLowerCase() ?? null;
  const reviews = asked.reviews.filter((r) =>
    r.reviewer !== null ? r.reviewer === me.name : r.reviewerRole === null || r.reviewerRole === role,
  );
  const plate = { held: held.tasks, handoffsOffered: offered, reviews, unread, reservations: reserved.reservations };
  return { ...plate, next: await nextStep(ctx, plate) };
}

async function nextStep(ctx: Ctx, p: Omit<Plate, 'next'>): Promise<string> {
  const offer = p.handoffsOffered[0];
  if (offer) {
    return `task_respond_handoff {task: "#${offer.number}", accept: true|false}: ${offer.owner ?? 'its owner'} offers you ${ref(offer)}; accept to own it, or decline.`;
  }
  const review = p.reviews[0];
  if (review) {
    return `review_submit {review: "#${review.task.number}", verdict: "approved"|"changes_requested"}: ${review.requestedBy} asks for ${review.kind === 'plan' ? 'approval of the plan for' : 'a review of'} ${ref(review.task)}.`;
  }
  if (p.unread > 0) {
    return `teammate_check_messages: you have ${p.unread} unread message${p.unread === 1 ? '' : 's'}.`;
  }
  const working = p.held.find((t) => t.status === 'in_progress');
  if (working) {
    const lease = working.leaseExpiresAt
      ? `lease ends in ${formatSpan(Date.parse(working.leaseExpiresAt) - ctx.now())}; task_update keeps it`
      : 'task_update reports progress';
    return `Continue ${ref(working)} (${lease}); finish with task_complete or review_request.`;
  }
  const ready = await listTasks(ctx, { ready: true, limit: 1 });
  if (ready.tasks.length > 0) {
    return 'task_claim {}: ready work is waiting (it takes the highest-priority task you may claim).';
  }
  return 'teammate_wait_for_messages: nothing to do now; it returns when mail or work you may claim arrives.';
}
