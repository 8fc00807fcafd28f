import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkMessages } from '../../server/ops/messages.js';
import type { Agent, Task } from '../../server/ops/model.js';
import { listReviews, reassignReview, requestReview, submitReview } from '../../server/ops/reviews.js';
import { claimTask, completeTask, createTask, getTask, updateTask } from '../../server/ops/tasks.js';
import { createWorld, rejects, type TestWorld } from '../helpers/ctx.js';

let w: TestWorld;
let lead: Agent;
let dev: Agent;
let rita: Agent;
let ron: Agent;
let task: Task;

beforeEach(async () => {
  w = await createWorld();
  lead = await w.agent('lead');
  dev = await w.agent('dev');
  rita = await w.agent('rita', { role: 'reviewer' });
  ron = await w.agent('ron', { role: 'reviewer' });
  task = await createTask(w.as(lead), { title: 'Login API' });
  await claimTask(w.as(dev), { task: task.id });
});
afterEach(async () => {
  await w.close();
});

const inboxOf = async (a: Agent) => (await checkMessages(w.as(a), { limit: 100 })).messages;

describe('requesting a review', () => {
  it('moves the task to in_review, pauses the lease and tells the named reviewer', async () => {
    const r = await requestReview(w.as(dev), { task: task.id, reviewer: 'rita', note: 'see branch auth' });
    expect(r).toMatchObject({ status: 'pending', reviewer: 'rita', requestedBy: 'dev', note: 'see branch auth' });
    const t = (await getTask(w.as(lead), { task: task.id })).task;
    expect(t).toMatchObject({ status: 'in_review', owner: 'dev', leaseExpiresAt: null });
    expect((await inboxOf(rita)).map((m) => [m.kind, m.body])).toEqual([
      ['review', expect.stringContaining('see branch auth')],
    ]);
    expect(await inboxOf(ron)).toEqual([]);
  });

  it('asks a role or anyone, never the owner', async () => {
    const byRole = await requestReview(w.as(dev), { task: task.id, reviewer: 'role:reviewer' });
    expect(byRole).toMatchObject({ reviewer: null, reviewerRole: 'reviewer' });
    expect((await inboxOf(rita)).length).toBe(1);
    expect((await inboxOf(ron)).length).toBe(1);
    const t2 = await createTask(w.as(lead), { title: 'Other' });
    await claimTask(w.as(dev), { task: t2.id });
    const anyone = await requestReview(w.as(dev), { task: t2.id });
    expect(anyone).toMatchObject({ reviewer: null, reviewerRole: null });
    expect((await inboxOf(lead)).some((m) => m.body.includes('review'))).toBe(true);
  });

  it('refuses non-owners, the owner as reviewer, unknown roles, tasks not in progress and a second request', async () => {
    await rejects(requestReview(w.as(rita), { task: task.id }), 'forbidden', /only the owner/);
    await rejects(requestReview(w.as(dev), { task: task.id, reviewer: 'dev' }), 'invalid', /cannot review/);
    await rejects(
      requestReview(w.as(dev), { task: task.id, reviewer: 'role:security' }),
      'not_found',
      /role "security"/,
    );
    await rejects(requestReview(w.as(dev), { task: task.id, reviewer: 'ghost' }), 'not_found');
    await requestReview(w.as(dev), { task: task.id, reviewer: 'rita' });
    await rejects(requestReview(w.as(dev), { task: task.id, reviewer: 'ron' }), 'conflict', /in_review/);
    const open = await createTask(w.as(lead), { title: 'Open' });
    await rejects(requestReview(w.as(lead), { task: open.id }), 'forbidden');
    const reviews = await listReviews(w.as(lead), {});
    expect(reviews.reviews).toHaveLength(1);
  });

  it('refuses a review of a blocked task', async () => {
    const dep = await createTask(w.as(lead), { title: 'Dep' });
    await updateTask(w.as(lead), { task: task.id, dependsOn: [dep.id] });
    await rejects(requestReview(w.as(dev), { task: task.id, reviewer: 'rita' }), 'conflict', /blocked by #2/);
  });
});

describe('submitting', () => {
  it('approves: the task is done and the owner and creator are told', async () => {
    const r = await requestReview(w.as(dev), { task: task.id, reviewer: 'rita' });
    await inboxOf(dev);
    await inboxOf(lead);
    const out = await submitReview(w.as(rita), { review: r.id, verdict: 'approved', comments: 'LGTM' });
    expect(out.review).toMatchObject({ status: 'approved', submittedBy: 'rita', comments: 'LGTM' });
    expect(out.task).toMatchObject({ status: 'done' });
    expect((await inboxOf(dev)).map((m) => m.body)).toEqual([expect.stringContaining('approved')]);
    expect((await inboxOf(lead)).map((m) => m.body)).toEqual([expect.stringContaining('approved')]);
    await rejects(submitReview(w.as(rita), { review: r.id, verdict: 'approved' }), 'conflict', /already approved/);
  });

  it('requests changes: back to the owner in progress with a fresh lease and the comments', async () => {
    const r = await requestReview(w.as(dev), { task: task.id, reviewer: 'role:reviewer' });
    await inboxOf(dev);
    await rejects(submitReview(w.as(ron), { review: r.id, verdict: 'changes_requested' }), 'invalid', /comments/);
    const out = await submitReview(w.as(ron), { review: r.id, verdict: 'changes_requested', comments: 'Add tests.' });
    expect(out.task).toMatchObject({ status: 'in_progress', owner: 'dev' });
    expect(out.task.leaseExpiresAt).not.toBeNull();
    expect((await inboxOf(dev)).map((m) => m.body)).toEqual([expect.stringContaining('Add tests.')]);
    const events = (await getTask(w.as(lead), { task: task.id })).events.map((e) => e.type);
    expect(events).toEqual(['created', 'claimed', 'review_requested', 'review_submitted', 'status_changed']);
  });

  it('lets only the named reviewer, the role, anyone-but-owner, or a human submit; never the owner', async () => {
    const named = await requestReview(w.as(dev), { task: task.id, reviewer: 'rita' });
    await rejects(submitReview(w.as(ron), { review: named.id, verdict: 'approved' }), 'forbidden', /only rita/);
    await rejects(submitReview(w.as(dev), { review: named.id, verdict: 'approved' }), 'forbidden', /you own this task/);
    await rejects(submitReview(w.as(lead), { review: named.id, verdict: 'approved' }), 'forbidden');
    const human = await w.agent('pat', { kind: 'human' });
    expect((await submitReview(w.as(human), { review: named.id, verdict: 'approved' })).task.status).toBe('done');

    const t2 = await createTask(w.as(lead), { title: 'T2' });
    await claimTask(w.as(dev), { task: t2.id });
    const byRole = await requestReview(w.as(dev), { task: t2.id, reviewer: 'role:reviewer' });
    await rejects(submitReview(w.as(lead), { review: byRole.id, verdict: 'approved' }), 'forbidden', /role reviewer/);
    expect((await submitReview(w.as(ron), { review: byRole.id, verdict: 'approved' })).review.submittedBy).toBe('ron');

    const t3 = await createTask(w.as(lead), { title: 'T3' });
    await claimTask(w.as(dev), { task: t3.id });
    const open = await requestReview(w.as(dev), { task: t3.id });
    expect((await submitReview(w.as(lead), { review: open.id, verdict: 'approved' })).task.status).toBe('done');
  });

  it('hides reviews of other teams', async () => {
    const r = await requestReview(w.as(dev), { task: task.id, reviewer: 'rita' });
    const eve = await w.agent('eve', { team: 'rival', kind: 'human' });
    await rejects(submitReview(w.as(eve), { review: r.id, verdict: 'approved' }), 'not_found');
    expect((await listReviews(w.as(eve), {})).reviews).toEqual([]);
  });

  it('cancels a pending review when the owner completes the task another way', async () => {
    const r = await requestReview(w.as(dev), { task: task.id, reviewer: 'rita' });
    await rejects(completeTask(w.as(dev), { task: task.id }), 'conflict', /in review/);
    const out = await submitReview(w.as(rita), { review: r.id, verdict: 'changes_requested', comments: 'x' });
    expect(out.task.status).toBe('in_progress');
    const r2 = await requestReview(w.as(dev), { task: task.id, reviewer: 'rita' });
    const human = await w.agent('pat', { kind: 'human' });
    await rejects(completeTask(w.as(human), { task: task.id }), 'conflict', /in review/);
    expect((await listReviews(w.as(lead), { task: task.id })).reviews.map((v) => v.id)).toEqual([r2.id]);
  });
});

describe('listing and reassigning', () => {
  it('lists pending reviews oldest first, and mine = those I may submit', async () => {
    const a = await requestReview(w.as(dev), { task: task.id, reviewer: 'rita' });
    const t2 = await createTask(w.as(lead), { title: 'T2' });
    await claimTask(w.as(dev), { task: t2.id });
    const b = await requestReview(w.as(dev), { task: t2.id, reviewer: 'role:reviewer' });
    expect((await listReviews(w.as(lead), {})).reviews.map((r) => r.id)).toEqual([a.id, b.id]);
    expect((await listReviews(w.as(rita), { mine: true })).reviews.map((r) => r.id)).toEqual([a.id, b.id]);
    expect((await listReviews(w.as(ron), { mine: true })).reviews.map((r) => r.id)).toEqual([b.id]);
    expect((await listReviews(w.as(dev), { mine: true })).reviews).toEqual([]);
    expect((await listReviews(w.as(lead), { status: 'approved' })).reviews).toEqual([]);
  });

  it('passes a review on to another reviewer, who is told; outsiders cannot', async () => {
    const r = await requestReview(w.as(dev), { task: task.id, reviewer: 'rita' });
    await rejects(reassignReview(w.as(ron), { review: r.id, to: 'lead' }), 'forbidden');
    await rejects(reassignReview(w.as(rita), { review: r.id, to: 'dev' }), 'invalid', /owns the task/);
    const moved = await reassignReview(w.as(rita), { review: r.id, to: 'ron', note: 'you know auth' });
    expect(moved.reviewer).toBe('ron');
    expect((await inboxOf(ron)).map((m) => m.body)).toEqual([expect.stringContaining('you know auth')]);
    await rejects(submitReview(w.as(rita), { review: r.id, verdict: 'approved' }), 'forbidden', /only ron/);
    expect((await submitReview(w.as(ron), { review: r.id, verdict: 'approved' })).task.status).toBe('done');
    await rejects(reassignReview(w.as(dev), { review: r.id, to: 'rita' }), 'conflict', /already approved/);
  });
});
