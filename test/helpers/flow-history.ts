/**
 * A week of a small team's history for the flow page's tests, made through the operations
 * with a settable clock, so every number the charts show is known in advance (see FLOW_FACTS).
 * Day k starts at `day0 + k·24h` (UTC); every event is at half past an hour, away from the
 * hourly points of a 7-day report.
 */
import type { Ctx } from '../../server/ops/context.js';
import type { Agent } from '../../server/ops/model.js';
import { requestReview, submitReview } from '../../server/ops/reviews.js';
import {
  claimTask,
  completeTask,
  createTask,
  handoffTask,
  releaseTask,
  respondHandoff,
} from '../../server/ops/tasks.js';

const H = 3_600_000;
const DAY = 24 * H;

export interface HistoryWorld {
  clock: { now: number };
  agent: (name: string, opts?: { role?: string }) => Promise<Agent>;
  as: (agent: Agent) => Ctx;
}

/**
 * What the history adds up to, for a 7-day report taken at `day0 + 6 days + 12 h`:
 * tasks done per day, cycle times (h) and their median, counts now, and per teammate the
 * hours working, waiting on a review, reviewing, plus claims, hand-offs taken and reviews given.
 */
export const FLOW_FACTS = {
  donePerDay: [1, 2, 1, 0, 1, 0, 0],
  cycleHours: [2, 3, 4, 6, 24],
  medianHours: 4,
  countsNow: { open: 1, inProgress: 1, inReview: 0 },
  windowHours: 6 * 24 + 12,
  agents: {
    alice: { working: 28.5, in_review: 0, reviewing: 0, claims: 3, handoffs: 0, reviews: 0 },
    bob: { working: 30, in_review: 4, reviewing: 0, claims: 4, handoffs: 1, reviews: 0 },
    rita: { working: 0, in_review: 0, reviewing: 4, claims: 0, handoffs: 0, reviews: 3 },
  },
};

/** Seeds the week starting at `day0` (a UTC midnight, ms) and leaves the clock at the report time. */
export async function seedFlowHistory(
  w: HistoryWorld,
  day0: number,
): Promise<{ alice: Agent; bob: Agent; rita: Agent }> {
  const at = (day: number, hour: number) => {
    w.clock.now = day0 + day * DAY + hour * H;
  };
  at(0, 8.5);
  const alice = await w.agent('alice');
  const bob = await w.agent('bob');
  const rita = await w.agent('rita', { role: 'reviewer' });
  const A = w.as(alice);
  const B = w.as(bob);
  const R = w.as(rita);

  at(0, 9.5);
  for (let i = 1; i <= 6; i++) await createTask(A, { title: `Flow task ${i}` });
  // #1: bob, claim to done in 2 h (day 0).
  at(0, 10.5);
  await claimTask(B, { task: 1 });
  at(0, 12.5);
  await completeTask(B, { task: 1 });
  // #2: bob, reviewed by rita, 3 h (day 1). #3: alice, 4 h (day 1).
  at(1, 9.5);
  await claimTask(B, { task: 2 });
  at(1, 10.5);
  await claimTask(A, { task: 3 });
  at(1, 11.5);
  await requestReview(B, { task: 2, reviewer: 'rita' });
  at(1, 12.5);
  await submitReview(R, { review: '#2', verdict: 'approved' });
  at(1, 14.5);
  await completeTask(A, { task: 3 });
  // #4: bob, changes requested once, 6 h (day 2).
  at(2, 9.5);
  await claimTask(B, { task: 4 });
  at(2, 10.5);
  await requestReview(B, { task: 4, reviewer: 'rita' });
  at(2, 11.5);
  await submitReview(R, { review: '#4', verdict: 'changes_requested', comments: 'Add a test.' });
  at(2, 13.5);
  await requestReview(B, { task: 4, reviewer: 'rita' });
  at(2, 15.5);
  await submitReview(R, { review: '#4', verdict: 'approved' });
  // #5: alice claims, hands off to bob, who finishes a day later: 24 h (day 4).
  at(3, 9.5);
  await claimTask(A, { task: 5 });
  at(3, 10.5);
  await handoffTask(A, { task: 5, to: 'bob', note: 'Half done; tests left.' });
  at(3, 11.5);
  await respondHandoff(B, { task: 5, accept: true });
  at(4, 9.5);
  await completeTask(B, { task: 5 });
  // #6: bob claims and gives it back; it stays open.
  at(5, 9.5);
  await claimTask(B, { task: 6 });
  at(5, 10.5);
  await releaseTask(B, { task: 6, note: 'Blocked on a decision.' });
  // #7: alice holds it until now.
  at(5, 12.5);
  await createTask(A, { title: 'Flow task 7' });
  at(5, 13.5);
  await claimTask(A, { task: 7 });
  at(6, 12);
  return { alice, bob, rita };
}
