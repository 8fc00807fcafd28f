import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkMessages } from '../../server/ops/messages.js';
import type { Agent, Task } from '../../server/ops/model.js';
import { getPlate } from '../../server/ops/plate.js';
import { listReviews, reassignReview, requestReview, submitReview } from '../../server/ops/reviews.js';
import { expireLeases } from '../../server/ops/task-claims.js';
import { claimTask, completeTask, createTask, getTask, listTasks, releaseTask } from '../../server/ops/tasks.js';
import { getTeamSettings, updateTeamSettings } from '../../server/ops/team-settings.js';
import { createWorld, rejects, type TestWorld } from '../helpers/ctx.js';

let w: TestWorld;
let lead: Agent;
let dev: Agent;
let rita: Agent;
let task: Task;

beforeEach(async () => {
  w = await createWorld();
  lead = await w.agent('lead', { kind: 'human' });
  dev = await w.agent('dev');
  rita = await w.agent('rita', { role: 'reviewer' });
  task = await createTask(w.as(lead), { title: 'Login API', labels: ['needs-plan'] });
  await claimTask(w.as(dev), { task: task.id });
});
afterEach(async () => {
  await w.close();
});

const inboxOf = async (a: Agent) => (await checkMessages(w.as(a), { limit: 100 })).messages;
const taskNow = async () => (await getTask(w.as(lead), { task: task.id })).task;
const PLAN = '1. add the route\n2. test it';

describe('asking for a plan review', () => {
  it('leaves the task in progress with its owner, shows "plan pending" and tells the reviewer', async () => {
    const r = await requestReview(w.as(dev), { task: '#1', kind: 'plan', reviewer: 'rita', note: PLAN });
    expect(r).toMatchObject({ kind: 'plan', status: 'pending', reviewer: 'rita', note: PLAN });
    expect(await taskNow()).toMatchObject({ status: 'in_progress', owner: 'dev', plan: 'pending' });
    expect((await taskNow()).leaseExpiresAt).not.toBeNull();
    expect((await listTasks(w.as(lead), {})).tasks[0]?.plan).toBe('pending');
    const [m] = await inboxOf(rita);
    expect(m).toMatchObject({ kind: 'review' });
    expect(m?.body).toMatch(/dev asks rita to approve the plan for #1 "Login API" before the work/);
    expect(m?.body).toContain('2. test it');
    expect((await listReviews(w.as(rita), { kind: 'plan', mine: true })).reviews.map((x) => x.id)).toEqual([r.id]);
    expect((await listReviews(w.as(rita), { kind: 'code' })).reviews).toEqual([]);
    expect((await getPlate(w.as(rita))).next).toMatch(/dev asks for approval of the plan for #1/);
  });

  it('needs the plan in note, a task in progress, and one pending plan review at a time', async () => {
    await rejects(requestReview(w.as(dev), { task: '#1', kind: 'plan' }), 'invalid', /note: write the plan/);
    await rejects(requestReview(w.as(rita), { task: '#1', kind: 'plan', note: PLAN }), 'forbidden', /only the owner/);
    await rejects(requestReview(w.as(dev), { task: '#1', kind: 'draft', note: PLAN }), 'invalid', /kind/);
    await requestReview(w.as(dev), { task: '#1', kind: 'plan', note: PLAN });
    await rejects(requestReview(w.as(dev), { task: '#1', kind: 'plan', note: PLAN }), 'conflict', /already pending/);
    const open = await createTask(w.as(lead), { title: 'Open' });
    await rejects(requestReview(w.as(lead), { task: open.id, kind: 'plan', note: PLAN }), 'conflict', /claim it/);
    expect((await listReviews(w.as(lead), {})).reviews).toHaveLength(1);
  });

  it('refuses a code review while the plan review is pending', async () => {
    await requestReview(w.as(dev), { task: '#1', kind: 'plan', note: PLAN });
    await rejects(requestReview(w.as(dev), { task: '#1' }), 'conflict', /plan review .* still pending/);
    expect((await taskNow()).status).toBe('in_progress');
  });
});

describe('the verdict on a plan', () => {
  it('approved: the task stays in progress with its owner, lease renewed; owner told at once', async () => {
    const r = await requestReview(w.as(dev), { task: '#1', kind: 'plan', reviewer: 'role:reviewer', note: PLAN });
    const before = (await taskNow()).leaseExpiresAt as string;
    w.tick(60_000);
    const out = await submitReview(w.as(rita), { review: '#1', verdict: 'approved', comments: 'go' });
    expect(out.review).toMatchObject({ id: r.id, kind: 'plan', status: 'approved', submittedBy: 'rita' });
    expect(out.task).toMatchObject({ status: 'in_progress', owner: 'dev', plan: 'approved', completedAt: null });
    expect(Date.parse(out.task.leaseExpiresAt as string)).toBeGreaterThan(Date.parse(before));
    const [m] = await inboxOf(dev);
    expect(m).toMatchObject({ kind: 'review', from: 'rita' });
    expect(m?.body).toMatch(/rita approved the plan for #1 "Login API"; go ahead with the work/);
    expect(m?.body).toContain('go');
    expect(w.events.some((e) => e.type === 'review.changed' && e.reviewId === r.id)).toBe(true);
    const events = (await getTask(w.as(lead), { task: task.id })).events;
    expect(events.map((e) => e.type)).toEqual(['created', 'claimed', 'review_requested', 'review_submitted']);
    expect(events[3]?.data).toMatchObject({ kind: 'plan', verdict: 'approved' });
    // The work then goes to code review as usual.
    const code = await requestReview(w.as(dev), { task: '#1', reviewer: 'rita' });
    expect(code.kind).toBe('code');
    expect((await taskNow()).status).toBe('in_review');
  });

  it('changes requested: comments required; the task stays with its owner, who is told how to ask again', async () => {
    await requestReview(w.as(dev), { task: '#1', kind: 'plan', note: PLAN });
    await rejects(submitReview(w.as(dev), { review: '#1', verdict: 'approved' }), 'forbidden', /you own this task/);
    await rejects(submitReview(w.as(rita), { review: '#1', verdict: 'changes_requested' }), 'invalid', /comments/);
    const out = await submitReview(w.as(rita), {
      review: '#1',
      verdict: 'changes_requested',
      comments: 'Split step 1.',
    });
    expect(out.task).toMatchObject({ status: 'in_progress', owner: 'dev', plan: 'changes_requested' });
    const [m] = await inboxOf(dev);
    expect(m?.body).toMatch(/rita requested changes to the plan for #1 .*review_request \{task: "#1", kind: "plan"/);
    expect(m?.body).toContain('Split step 1.');
    // Asking again is allowed and shows pending again.
    await requestReview(w.as(dev), { task: '#1', kind: 'plan', note: `${PLAN}\n3. split` });
    expect((await taskNow()).plan).toBe('pending');
  });

  it('a plan review can be passed on, and is approved by a person on the board like any review', async () => {
    await requestReview(w.as(dev), { task: '#1', kind: 'plan', reviewer: 'rita', note: PLAN });
    await reassignReview(w.as(rita), { review: '#1', to: 'lead' });
    const out = await submitReview(w.as(lead), { review: '#1', verdict: 'approved' });
    expect(out.task).toMatchObject({ status: 'in_progress', plan: 'approved' });
  });

  it('is cancelled when the claim ends (release, lease expiry) or the task finishes', async () => {
    await requestReview(w.as(dev), { task: '#1', kind: 'plan', note: PLAN });
    await releaseTask(w.as(dev), { task: '#1' });
    expect(await taskNow()).toMatchObject({ status: 'open', plan: null });
    expect((await listReviews(w.as(lead), { status: 'cancelled' })).reviews).toHaveLength(1);

    await claimTask(w.as(dev), { task: '#1' });
    await requestReview(w.as(dev), { task: '#1', kind: 'plan', note: PLAN });
    w.tick(31 * 60_000);
    expect(await expireLeases(w.as(null))).toBe(1);
    expect((await listReviews(w.as(lead), {})).reviews).toEqual([]);
    await rejects(submitReview(w.as(rita), { review: '#1', verdict: 'approved' }), 'conflict', /cancelled/);

    await claimTask(w.as(dev), { task: '#1' });
    await requestReview(w.as(dev), { task: '#1', kind: 'plan', note: PLAN });
    await completeTask(w.as(dev), { task: '#1' });
    expect((await listReviews(w.as(lead), {})).reviews).toEqual([]);
  });
});

describe('the team rule: an approved plan before a code review', () => {
  it('is off by default; a human or admin sets it; an agent may not', async () => {
    expect(await getTeamSettings(w.as(dev))).toEqual({ team: 'default', planLabel: null });
    await rejects(
      updateTeamSettings(w.as(dev), { planLabel: 'needs-plan' }),
      'forbidden',
      /human teammate or a team admin/,
    );
    await rejects(updateTeamSettings(w.as(lead), { planLabel: 'Not a label!' }), 'invalid', /planLabel/);
    await rejects(updateTeamSettings(w.as(lead), {}), 'invalid', /planLabel/);
    expect(await updateTeamSettings(w.as(dev, { admin: true }), { planLabel: 'NEEDS-PLAN' })).toEqual({
      team: 'default',
      planLabel: 'needs-plan',
    });
    expect((await updateTeamSettings(w.as(lead), { planLabel: null })).planLabel).toBeNull();
  });

  it('holds a labelled task out of code review until its plan is approved, saying to ask for one', async () => {
    await updateTeamSettings(w.as(lead), { planLabel: 'needs-plan' });
    const err = await rejects(
      requestReview(w.as(dev), { task: '#1', reviewer: 'rita' }),
      'conflict',
      /labelled "needs-plan": this team needs an approved plan before a code review\. Request a plan review first: review_request \{task: "#1", kind: "plan"/,
    );
    expect(err.details).toMatchObject({ planLabel: 'needs-plan', plan: null });
    expect((await taskNow()).status).toBe('in_progress');

    await requestReview(w.as(dev), { task: '#1', kind: 'plan', note: PLAN });
    await submitReview(w.as(rita), { review: '#1', verdict: 'changes_requested', comments: 'no' });
    await rejects(requestReview(w.as(dev), { task: '#1' }), 'conflict', /changes were requested on the last one/);

    await requestReview(w.as(dev), { task: '#1', kind: 'plan', note: PLAN });
    await submitReview(w.as(rita), { review: '#1', verdict: 'approved' });
    expect((await requestReview(w.as(dev), { task: '#1' })).kind).toBe('code');

    // Tasks without the label, and teams without the rule, go to review as before.
    const other = await createTask(w.as(lead), { title: 'Docs' });
    await claimTask(w.as(dev), { task: other.id });
    expect((await requestReview(w.as(dev), { task: other.id })).status).toBe('pending');
    const eve = await w.agent('eve', { team: 'rival' });
    const theirs = await createTask(w.as(eve), { title: 'Theirs', labels: ['needs-plan'] });
    await claimTask(w.as(eve), { task: theirs.id });
    await w.agent('sam', { team: 'rival' });
    expect((await requestReview(w.as(eve), { task: theirs.id })).status).toBe('pending');
  });
});
