import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkMessages, sendMessage } from '../../server/ops/messages.js';
import type { Agent } from '../../server/ops/model.js';
import { getPlate } from '../../server/ops/plate.js';
import { requestReview, submitReview } from '../../server/ops/reviews.js';
import { claimTask, createTask, handoffTask, respondHandoff } from '../../server/ops/tasks.js';
import { createWorld, rejects, type TestWorld } from '../helpers/ctx.js';

let w: TestWorld;
let lead: Agent;
let dev: Agent;
let other: Agent;
let rita: Agent;
const LEASE = 30 * 60_000;

beforeEach(async () => {
  w = await createWorld({ leaseMs: LEASE });
  lead = await w.agent('lead');
  dev = await w.agent('dev', { role: 'reviewer' });
  other = await w.agent('other');
  rita = await w.agent('rita');
});
afterEach(async () => {
  await w.close();
});

const plate = () => getPlate(w.as(dev), {});
const read = (a: Agent) => checkMessages(w.as(a), { limit: 100 });

describe('getPlate', () => {
  it('says what to do next, by priority: hand-off > review > mail > held task > ready work > wait', async () => {
    // Nothing at all: wait. A task reserved for someone else is not work dev may claim.
    await createTask(w.as(lead), { title: 'For rita', assignee: 'rita' });
    expect(await plate()).toEqual({
      held: [],
      handoffsOffered: [],
      reviews: [],
      unread: 0,
      reservations: [],
      next: 'teammate_wait_for_messages: nothing to do now; it returns when mail or work you may claim arrives.',
    });

    // Ready work: claim it.
    const t = await createTask(w.as(lead), { title: 'Parser' });
    expect((await plate()).next).toBe(
      'task_claim {}: ready work is waiting (it takes the highest-priority task you may claim).',
    );

    // A held task: continue it, with the lease end.
    await claimTask(w.as(dev), { task: t.id });
    w.tick(5 * 60_000);
    const holding = await plate();
    expect(holding.held.map((x) => [x.number, x.status, x.leaseExpiresAt])).toEqual([
      [2, 'in_progress', new Date(w.clock.now + 25 * 60_000).toISOString()],
    ]);
    expect(holding.next).toBe(
      'Continue #2 "Parser" (lease ends in 25 min; task_update keeps it); finish with task_complete or review_request.',
    );

    // Unread mail comes before the held task.
    await sendMessage(w.as(lead), { to: 'dev', message: 'how is it going?' });
    expect(await plate()).toMatchObject({ unread: 1, next: 'teammate_check_messages: you have 1 unread message.' });

    // A review dev may submit comes before mail.
    const u = await createTask(w.as(lead), { title: 'Lexer' });
    await claimTask(w.as(other), { task: u.id });
    const review = await requestReview(w.as(other), { task: u.id, reviewer: 'dev' });
    const reviewing = await plate();
    expect(reviewing.reviews.map((r) => r.id)).toEqual([review.id]);
    expect(reviewing.next).toBe(
      `review_submit {review: "#3", verdict: "approved"|"changes_requested"}: other asks for a review of #3 "Lexer".`,
    );

    // A hand-off offered to dev comes first of all.
    const v = await createTask(w.as(lead), { title: 'Tokens' });
    await claimTask(w.as(other), { task: v.id });
    await handoffTask(w.as(other), { task: v.id, to: 'dev', note: 'tests left' });
    const offered = await plate();
    expect(offered.handoffsOffered.map((x) => x.title)).toEqual(['Tokens']);
    expect(offered.next).toBe(
      'task_respond_handoff {task: "#4", accept: true|false}: other offers you #4 "Tokens"; accept to own it, or decline.',
    );

    // Working back down the list.
    await respondHandoff(w.as(dev), { task: v.id, accept: true });
    expect((await plate()).next).toMatch(/^review_submit /);
    await submitReview(w.as(dev), { review: review.id, verdict: 'approved' });
    expect((await plate()).next).toMatch(/^teammate_check_messages: you have 3 unread messages\.$/);
    await read(dev);
    const after = await plate();
    expect(after.held.map((x) => x.title)).toEqual(['Parser', 'Tokens']);
    expect(after.next).toMatch(/^Continue #2 "Parser"/);
  });

  it('lists only reviews asked of the caller, its role or anyone, never of its own tasks', async () => {
    const mk = async (title: string, owner: Agent, reviewer?: string) => {
      const t = await createTask(w.as(lead), { title });
      await claimTask(w.as(owner), { task: t.id });
      return requestReview(w.as(owner), { task: t.id, ...(reviewer && { reviewer }) });
    };
    const toDev = await mk('to dev', other, 'dev');
    const toRole = await mk('to role', other, 'role:reviewer');
    const toAnyone = await mk('to anyone', other);
    const toRita = await mk('to rita', other, 'rita');
    const own = await mk('dev’s own', dev);
    expect((await plate()).reviews.map((r) => r.id)).toEqual([toDev.id, toRole.id, toAnyone.id]);
    expect((await getPlate(w.as(rita), {})).reviews.map((r) => r.id)).toEqual([toAnyone.id, toRita.id, own.id]);
    // A human may submit any review, but the plate shows only those asked of them.
    const pat = await w.agent('pat', { kind: 'human' });
    expect((await getPlate(w.as(pat), {})).reviews.map((r) => r.id)).toEqual([toAnyone.id, own.id]);
  });

  it('does not tell the caller to continue a task that is in review', async () => {
    const t = await createTask(w.as(lead), { title: 'Mine' });
    await claimTask(w.as(dev), { task: t.id });
    await requestReview(w.as(dev), { task: t.id, reviewer: 'rita' });
    const p = await plate();
    expect(p.held).toEqual([expect.objectContaining({ title: 'Mine', status: 'in_review', leaseExpiresAt: null })]);
    expect(p.next).toMatch(/^teammate_wait_for_messages/);
    await createTask(w.as(lead), { title: 'Next one' });
    expect((await plate()).next).toMatch(/^task_claim \{\}/);
  });

  it('takes no parameters and needs an identity', async () => {
    await rejects(getPlate(w.as(dev), { mine: true }), 'invalid', /unknown parameter "mine"/);
    await rejects(getPlate(w.as(null), {}), 'unauthorized');
  });
});
