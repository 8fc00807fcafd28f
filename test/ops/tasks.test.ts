import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { boardColumns } from '../../server/ops/board-columns.js';
import { checkMessages } from '../../server/ops/messages.js';
import type { Agent } from '../../server/ops/model.js';
import { touchActivity } from '../../server/ops/presence.js';
import { requestReview } from '../../server/ops/reviews.js';
import {
  cancelTask,
  claimTask,
  commentOnTask,
  completeTask,
  createTask,
  delegateTask,
  expireLeases,
  getTask,
  handoffTask,
  listTasks,
  releaseTask,
  respondHandoff,
  updateTask,
} from '../../server/ops/tasks.js';
import { createWorld, rejects, type TestWorld } from '../helpers/ctx.js';

let w: TestWorld;
let lead: Agent;
let dev: Agent;
let other: Agent;
const LEASE = 60_000;

beforeEach(async () => {
  w = await createWorld({ leaseMs: LEASE });
  lead = await w.agent('lead');
  dev = await w.agent('dev');
  other = await w.agent('other');
});
afterEach(async () => {
  await w.close();
});

const inboxOf = async (a: Agent) => (await checkMessages(w.as(a), { limit: 100 })).messages;
const eventsOf = async (ref: string | number) => (await getTask(w.as(lead), { task: ref })).events.map((e) => e.type);

describe('create, list, get', () => {
  it('numbers tasks per team, keeps labels and dependencies, and opens a thread', async () => {
    const a = await createTask(w.as(lead), { title: 'Schema', labels: ['Backend', 'db'] });
    const b = await createTask(w.as(lead), { title: 'API', dependsOn: [a.number], priority: 'high' });
    expect([a.number, b.number]).toEqual([1, 2]);
    expect(a.labels).toEqual(['backend', 'db']);
    expect(b).toMatchObject({ blocked: true, blockedBy: [{ id: a.id, status: 'open' }], status: 'open' });
    const d = await getTask(w.as(dev), { task: '#1' });
    expect(d.dependents.map((t) => t.number)).toEqual([2]);
    expect(d.events.map((e) => [e.type, e.actor])).toEqual([['created', 'lead']]);
    const elsewhere = await w.agent('x', { team: 'other-team' });
    const c = await createTask(w.as(elsewhere), { title: 'Other team' });
    expect(c.number).toBe(1);
  });

  it('refuses unknown assignees, dependencies and cycles, changing nothing', async () => {
    await rejects(createTask(w.as(lead), { title: 'x', assignee: 'nobody' }), 'not_found', /no teammate named/);
    await rejects(createTask(w.as(lead), { title: 'x', dependsOn: [99] }), 'not_found', /no task #99/);
    const a = await createTask(w.as(lead), { title: 'A' });
    const b = await createTask(w.as(lead), { title: 'B', dependsOn: [a.id] });
    await rejects(updateTask(w.as(lead), { task: a.id, dependsOn: [b.id] }), 'invalid', /cycle/);
    await rejects(updateTask(w.as(lead), { task: a.id, dependsOn: [a.id] }), 'invalid', /itself/);
    const all = await listTasks(w.as(lead), {});
    expect(all.tasks.map((t) => t.title)).toEqual(['A', 'B']);
    expect(all.tasks[0]?.dependsOn).toEqual([]);
  });

  it('returns the same task for a repeated idempotency key', async () => {
    const a = await createTask(w.as(lead), { title: 'Once', idempotencyKey: 'k' });
    const b = await createTask(w.as(lead), { title: 'Once', idempotencyKey: 'k' });
    expect(b.id).toBe(a.id);
    expect((await listTasks(w.as(lead), {})).tasks).toHaveLength(1);
  });

  it('tells an assignee of a task reserved for them', async () => {
    await createTask(w.as(lead), { title: 'For dev', assignee: 'dev' });
    const mail = await inboxOf(dev);
    expect(mail.map((m) => m.body)).toEqual([expect.stringContaining('assigned you #1 "For dev"')]);
  });

  it('filters by status, owner, mine, ready, label and text, and pages by priority', async () => {
    const a = await createTask(w.as(lead), { title: 'Fix login bug', labels: ['auth'], priority: 'urgent' });
    await createTask(w.as(lead), { title: 'Blocked work', dependsOn: [a.id] });
    await createTask(w.as(lead), { title: 'Reserved', assignee: 'other' });
    await createTask(w.as(lead), { title: 'Docs 100% done_ish', labels: ['docs'], priority: 'low' });
    await claimTask(w.as(dev), { task: a.id });
    const titles = async (input: object, as = dev) => (await listTasks(w.as(as), input)).tasks.map((t) => t.title);
    expect(await titles({ status: 'in_progress' })).toEqual(['Fix login bug']);
    expect(await titles({ owner: 'dev' })).toEqual(['Fix login bug']);
    expect(await titles({ mine: true })).toEqual(['Fix login bug']);
    expect(await titles({ mine: true }, other)).toEqual(['Reserved']);
    expect(await titles({ ready: true })).toEqual(['Docs 100% done_ish']);
    expect(await titles({ ready: true }, other)).toEqual(['Reserved', 'Docs 100% done_ish']);
    expect(await titles({ label: 'auth' })).toEqual(['Fix login bug']);
    expect(await titles({ text: '100%' })).toEqual(['Docs 100% done_ish']);
    expect(await titles({ text: 'LOGIN' })).toEqual(['Fix login bug']);
    const p1 = await listTasks(w.as(dev), { limit: 2 });
    expect(p1.tasks.map((t) => t.title)).toEqual(['Fix login bug', 'Blocked work']);
    const p2 = await listTasks(w.as(dev), { limit: 2, cursor: p1.nextCursor as string });
    expect(p2.tasks.map((t) => t.title)).toEqual(['Reserved', 'Docs 100% done_ish']);
    expect(p2.nextCursor).toBeNull();
    await rejects(listTasks(w.as(dev), { cursor: 'garbage' }), 'invalid', /cursor/);
    await rejects(listTasks(w.as(dev), { owner: 'ghost' }), 'not_found');
  });

  it('searches title and description ignoring ASCII case, in the list and on the board', async () => {
    await createTask(w.as(lead), { title: 'Fix LOGIN bug', description: 'Users lose their Session cookie' });
    await createTask(w.as(lead), { title: 'Straße names', description: 'sort 50% faster' });
    await createTask(w.as(lead), { title: 'Unrelated' });
    const titles = async (text: string) => (await listTasks(w.as(dev), { text })).tasks.map((t) => t.title);
    expect(await titles('login')).toEqual(['Fix LOGIN bug']);
    expect(await titles('Login')).toEqual(['Fix LOGIN bug']);
    expect(await titles('SESSION COOKIE')).toEqual(['Fix LOGIN bug']);
    expect(await titles('STRAßE')).toEqual(['Straße names']);
    expect(await titles('50%')).toEqual(['Straße names']);
    expect(await titles('5_%')).toEqual([]);
    const board = async (text: string) =>
      (await boardColumns(w.as(dev), { text })).columns.flatMap((c) => c.cards.map((card) => card.title));
    expect(await board('LOGIN')).toEqual(['Fix LOGIN bug']);
    expect(await board('session')).toEqual(['Fix LOGIN bug']);
    expect(await board('sTRAßE')).toEqual(['Straße names']);
  });

  it('hides tasks of other teams', async () => {
    const t = await createTask(w.as(lead), { title: 'Ours' });
    const eve = await w.agent('eve', { team: 'rival' });
    await rejects(getTask(w.as(eve), { task: t.id }), 'not_found');
    await rejects(claimTask(w.as(eve), { task: t.id }), 'not_found');
    expect((await listTasks(w.as(eve), {})).tasks).toEqual([]);
  });
});

describe('claims and leases', () => {
  it('claims with a lease, and explains every miss', async () => {
    const t = await createTask(w.as(lead), { title: 'T' });
    const claimed = await claimTask(w.as(dev), { task: t.id });
    expect(claimed).toMatchObject({ status: 'in_progress', owner: 'dev' });
    expect(Date.parse(claimed.leaseExpiresAt as string)).toBe(w.clock.now + LEASE);
    expect((await claimTask(w.as(dev), { task: t.id })).version).toBe(claimed.version);
    const held = await rejects(claimTask(w.as(other), { task: t.number }), 'conflict', /already held by dev/);
    expect(held.details.holder).toBe('dev');
    const r = await createTask(w.as(lead), { title: 'R', assignee: 'dev' });
    await rejects(claimTask(w.as(other), { task: r.id }), 'conflict', /reserved for dev/);
    const dep = await createTask(w.as(lead), { title: 'Needs T', dependsOn: [t.id] });
    await rejects(claimTask(w.as(other), { task: dep.id }), 'conflict', /blocked by #1 "T" \(in_progress, owner dev\)/);
    await cancelTask(w.as(lead), { task: r.id });
    await rejects(claimTask(w.as(dev), { task: r.id }), 'conflict', /cancelled/);
  });

  it('a lost claim names the holder, since when, the lease end and the ways on', async () => {
    const t = await createTask(w.as(lead), { title: 'T' });
    const claimed = await claimTask(w.as(dev), { task: t.id });
    w.tick(20_000);
    const before = await getTask(w.as(lead), { task: t.id });
    const err = await rejects(claimTask(w.as(other), { task: '#1' }), 'conflict');
    expect(err.message).toBe(
      '#1 "T" is already held by dev (claimed 20 s ago; lease ends in 40 s). Ask dev (teammate_send_message to dev), take another ready task (task_claim {}), or wait (teammate_wait_for_messages returns when it frees).',
    );
    expect(err.details).toEqual({
      holder: 'dev',
      status: 'in_progress',
      claimedAt: claimed.claimedAt,
      leaseExpiresAt: claimed.leaseExpiresAt,
    });
    // A miss changes nothing: no event, no version bump.
    expect(await getTask(w.as(lead), { task: t.id })).toEqual(before);
  });

  it('a blocked claim names each blocker with its state and owner, and what to do', async () => {
    const schema = await createTask(w.as(lead), { title: 'Schema' });
    const docs = await createTask(w.as(lead), { title: 'Docs' });
    const api = await createTask(w.as(lead), { title: 'API', dependsOn: [schema.id, docs.id] });
    await claimTask(w.as(dev), { task: schema.id });
    const err = await rejects(claimTask(w.as(other), { task: api.id }), 'conflict');
    expect(err.message).toBe(
      '#3 "API" is blocked by #1 "Schema" (in_progress, owner dev), #2 "Docs" (open). Finish those first (task_claim {task: "#2"}), or take another ready task (task_claim {}).',
    );
    expect(err.details.blockers).toEqual([
      { id: schema.id, number: 1, title: 'Schema', status: 'in_progress', owner: 'dev' },
      { id: docs.id, number: 2, title: 'Docs', status: 'open', owner: null },
    ]);
    expect((await getTask(w.as(lead), { task: api.id })).task).toMatchObject({ status: 'open', owner: null });
  });

  it('a reserved claim says whom to ask: the assignee and whoever reserved it', async () => {
    const r = await createTask(w.as(lead), { title: 'R', assignee: 'dev' });
    const err = await rejects(claimTask(w.as(other), { task: r.id }), 'conflict');
    expect(err.message).toBe(
      '#1 "R" is reserved for dev (by lead). Ask dev or lead (teammate_send_message) to pass it to you, or take another ready task (task_claim {}).',
    );
    expect(err.details).toEqual({ assignee: 'dev', reservedBy: 'lead' });
    // Delegated by its owner: the delegator, not the creator, is the one to ask.
    const t = await createTask(w.as(lead), { title: 'Passed on' });
    await claimTask(w.as(dev), { task: t.id });
    await delegateTask(w.as(dev), { task: t.id, to: 'lead' });
    const byDev = await rejects(
      claimTask(w.as(other), { task: t.id }),
      'conflict',
      /reserved for lead \(by dev\)\. Ask lead or dev /,
    );
    expect(byDev.details).toEqual({ assignee: 'lead', reservedBy: 'dev' });
    const done = await rejects(
      (async () => {
        await cancelTask(w.as(lead), { task: r.id });
        return claimTask(w.as(other), { task: r.id });
      })(),
      'conflict',
    );
    expect(done.message).toBe(
      '#1 "R" is cancelled; only open tasks can be claimed. Instead, take another ready task (task_claim {}).',
    );
  });

  it('a claim on your own task in review, an offered hand-off, or a finished task says so', async () => {
    const t = await createTask(w.as(lead), { title: 'T' });
    await claimTask(w.as(dev), { task: t.id });
    await handoffTask(w.as(dev), { task: t.id, to: 'other', note: 'half done' });
    const offered = await rejects(claimTask(w.as(other), { task: t.id }), 'conflict');
    expect(offered.message).toBe(
      'dev offers you #1 "T": take it with task_respond_handoff {task: "#1", accept: true}.',
    );
    await respondHandoff(w.as(other), { task: t.id, accept: false });
    await requestReview(w.as(dev), { task: t.id, reviewer: 'lead' });
    await rejects(
      claimTask(w.as(dev), { task: t.id }),
      'conflict',
      /^#1 "T" is already yours and in review; it is done when the reviewer approves/,
    );
    await rejects(
      claimTask(w.as(other), { task: t.id }),
      'conflict',
      /already held by dev \(in review, claimed 0 s ago\)/,
    );
    await cancelTask(w.as(lead), { task: t.id });
    // A finished task keeps its owner, but nobody holds it.
    const done = await rejects(
      claimTask(w.as(other), { task: t.id }),
      'conflict',
      /^#1 "T" is cancelled; only open tasks/,
    );
    expect(done.details).toEqual({ status: 'cancelled' });
  });

  it('says how to wait when nothing is ready', async () => {
    await rejects(
      claimTask(w.as(other), { labels: ['ui'] }),
      'not_found',
      /no ready task with labels ui.*teammate_wait_for_messages/,
    );
  });

  it('claims the next ready task: reserved for me first, then by priority, matching labels', async () => {
    await createTask(w.as(lead), { title: 'low', priority: 'low', labels: ['be'] });
    await createTask(w.as(lead), { title: 'high', priority: 'high', labels: ['be'] });
    await createTask(w.as(lead), { title: 'urgent fe', priority: 'urgent', labels: ['fe'] });
    await createTask(w.as(lead), { title: 'mine', priority: 'low', assignee: 'dev', labels: ['be'] });
    expect((await claimTask(w.as(dev), { labels: ['be'] })).title).toBe('mine');
    expect((await claimTask(w.as(dev), { labels: ['be'] })).title).toBe('high');
    expect((await claimTask(w.as(other), {})).title).toBe('urgent fe');
    expect((await claimTask(w.as(other), {})).title).toBe('low');
    await rejects(claimTask(w.as(other), {}), 'not_found', /no ready task/);
  });

  it('renews the lease on the owner’s activity and expires it after silence', async () => {
    const t = await createTask(w.as(lead), { title: 'T', assignee: 'dev' });
    await claimTask(w.as(dev), { task: t.id });
    await inboxOf(lead);
    w.tick(LEASE / 2);
    await touchActivity(w.as(dev));
    w.tick(LEASE / 2 + 1);
    expect(await expireLeases(w.as(null))).toBe(0);
    w.tick(LEASE);
    expect(await expireLeases(w.as(null))).toBe(1);
    const d = await getTask(w.as(lead), { task: t.id });
    expect(d.task).toMatchObject({ status: 'open', owner: null, assignee: 'dev' });
    expect(d.events.at(-1)).toMatchObject({ type: 'lease_expired', actor: null, data: { previousOwner: 'dev' } });
    expect((await inboxOf(lead)).map((m) => m.body)).toEqual([
      expect.stringContaining('claim of dev on #1 "T" expired'),
    ]);
    expect((await inboxOf(dev)).map((m) => [m.from, m.body])).toEqual([
      ['lead', expect.stringContaining('assigned you')],
      ['switchboard', expect.stringContaining('expired')],
    ]);
    expect(await expireLeases(w.as(null))).toBe(0);
  });

  it('releases only by the owner (or a human), back to open, telling the creator', async () => {
    const t = await createTask(w.as(lead), { title: 'T' });
    await claimTask(w.as(dev), { task: t.id });
    await rejects(releaseTask(w.as(other), { task: t.id }), 'forbidden', /only dev/);
    const released = await releaseTask(w.as(dev), { task: t.id, note: 'stuck on creds' });
    expect(released).toMatchObject({ status: 'open', owner: null, leaseExpiresAt: null });
    expect((await inboxOf(lead)).map((m) => m.body)).toEqual([expect.stringContaining('stuck on creds')]);
    await rejects(releaseTask(w.as(dev), { task: t.id }), 'forbidden', /not claimed/);
    await claimTask(w.as(dev), { task: t.id });
    const human = await w.agent('pat', { kind: 'human' });
    expect((await releaseTask(w.as(human), { task: t.id })).status).toBe('open');
  });
});

describe('update and comment', () => {
  it('lets owner and creator edit and post progress notes, others only comment', async () => {
    const t = await createTask(w.as(lead), { title: 'T' });
    await claimTask(w.as(dev), { task: t.id });
    const u = await updateTask(w.as(dev), { task: t.id, note: 'halfway', priority: 'high', labels: ['x'] });
    expect(u).toMatchObject({ priority: 'high', labels: ['x'] });
    expect((await inboxOf(lead)).map((m) => [m.kind, m.body])).toEqual([['status', 'halfway']]);
    await rejects(updateTask(w.as(other), { task: t.id, note: 'me too' }), 'forbidden', /comment/);
    await rejects(updateTask(w.as(dev), { task: t.id }), 'invalid', /nothing to update/);
    await rejects(updateTask(w.as(dev), { task: t.id, title: 'new', version: 1 }), 'conflict', /version/);
    await commentOnTask(w.as(other), { task: t.id, message: 'have you seen #3?' });
    expect((await inboxOf(dev)).map((m) => m.body)).toEqual(['have you seen #3?']);
    expect(await eventsOf(t.id)).toEqual(['created', 'claimed', 'updated', 'progress', 'commented']);
  });
});

describe('delegate and hand off', () => {
  it('delegates: reserves for the new assignee, releasing a holder, with the note in their inbox', async () => {
    const t = await createTask(w.as(lead), { title: 'T' });
    await claimTask(w.as(dev), { task: t.id });
    await rejects(delegateTask(w.as(other), { task: t.id, to: 'other' }), 'forbidden');
    const d = await delegateTask(w.as(lead), { task: t.id, to: 'other', note: 'you know this code' });
    expect(d).toMatchObject({ status: 'open', owner: null, assignee: 'other' });
    expect((await inboxOf(other)).map((m) => m.body)).toEqual([expect.stringContaining('you know this code')]);
    await rejects(claimTask(w.as(dev), { task: t.id }), 'conflict', /reserved for other/);
    expect((await claimTask(w.as(other), { task: t.id })).owner).toBe('other');
    await rejects(delegateTask(w.as(lead), { task: t.id, to: 'ghost' }), 'not_found');
  });

  it('hands off with notes; the owner keeps it until the other accepts; decline keeps it', async () => {
    const t = await createTask(w.as(lead), { title: 'T' });
    await claimTask(w.as(dev), { task: t.id });
    await rejects(handoffTask(w.as(other), { task: t.id, to: 'lead', note: 'n' }), 'forbidden');
    await rejects(handoffTask(w.as(dev), { task: t.id, to: 'dev', note: 'n' }), 'invalid', /already owns/);
    const offered = await handoffTask(w.as(dev), { task: t.id, to: 'other', note: 'tests left in auth.spec' });
    expect(offered.handoff).toMatchObject({ to: 'other', note: 'tests left in auth.spec' });
    expect(offered.owner).toBe('dev');
    await rejects(handoffTask(w.as(dev), { task: t.id, to: 'lead', note: 'n' }), 'conflict', /already pending/);
    await rejects(respondHandoff(w.as(lead), { task: t.id, accept: true }), 'forbidden', /no hand-off/);
    const declined = await respondHandoff(w.as(other), { task: t.id, accept: false, note: 'busy' });
    expect(declined).toMatchObject({ owner: 'dev', handoff: null });
    expect((await inboxOf(dev)).map((m) => m.body)).toEqual([expect.stringContaining('declined')]);
    await handoffTask(w.as(dev), { task: t.id, to: 'other', note: 'please' });
    const accepted = await respondHandoff(w.as(other), { task: t.id, accept: true });
    expect(accepted).toMatchObject({ owner: 'other', assignee: 'other', handoff: null, status: 'in_progress' });
    expect(await eventsOf(t.id)).toEqual([
      'created',
      'claimed',
      'handoff_offered',
      'handoff_declined',
      'handoff_offered',
      'handoff_accepted',
    ]);
  });
});

describe('complete, fail, cancel and dependencies', () => {
  it('blocks completing a task with unfinished dependencies, then announces ready dependents', async () => {
    const a = await createTask(w.as(lead), { title: 'A' });
    const b = await createTask(w.as(lead), { title: 'B', dependsOn: [a.id], assignee: 'other' });
    const c = await createTask(w.as(lead), { title: 'C', dependsOn: [a.id] });
    await claimTask(w.as(dev), { task: a.id });
    await updateTask(w.as(lead), { task: a.id, dependsOn: [] });
    await inboxOf(other);
    await inboxOf(dev);
    const done = await completeTask(w.as(dev), { task: a.id, result: 'shipped' });
    expect(done).toMatchObject({ status: 'done', result: 'shipped' });
    expect(done.completedAt).not.toBeNull();
    // B's assignee is told; C has none, so the team is told.
    expect((await inboxOf(other)).map((m) => m.body)).toEqual([
      expect.stringContaining('#2 "B" is ready'),
      expect.stringContaining('#3 "C" is ready'),
    ]);
    expect((await getTask(w.as(lead), { task: b.id })).task.blocked).toBe(false);
    expect(await eventsOf(c.id)).toEqual(['created', 'unblocked']);
  });

  it('refuses to complete blocked, unclaimed, foreign or in-review tasks', async () => {
    const a = await createTask(w.as(lead), { title: 'A' });
    const b = await createTask(w.as(lead), { title: 'B' });
    await claimTask(w.as(dev), { task: b.id });
    await updateTask(w.as(lead), { task: b.id, dependsOn: [a.id] });
    await rejects(completeTask(w.as(dev), { task: b.id }), 'conflict', /blocked by #1/);
    expect((await completeTask(w.as(dev), { task: b.id, failed: true, result: 'gave up' })).status).toBe('failed');
    await rejects(completeTask(w.as(dev), { task: a.id }), 'forbidden', /not claimed/);
    await claimTask(w.as(other), { task: a.id });
    await rejects(completeTask(w.as(dev), { task: a.id }), 'forbidden', /only other/);
  });

  it('a retried completion with the same outcome returns the task unchanged; another outcome is a conflict', async () => {
    const t = await createTask(w.as(lead), { title: 'T' });
    await claimTask(w.as(dev), { task: t.id });
    const done = await completeTask(w.as(dev), { task: t.id, result: 'shipped' });
    await inboxOf(lead);
    w.tick(5_000);
    const again = await completeTask(w.as(dev), { task: '#1', result: 'shipped (retry)' });
    expect(again).toEqual(done);
    expect(await eventsOf(t.id)).toEqual(['created', 'claimed', 'status_changed']);
    expect(await inboxOf(lead)).toEqual([]);
    const other_ = await rejects(completeTask(w.as(dev), { task: t.id, failed: true }), 'conflict');
    expect(other_.message).toMatch(/^#1 "T" is already done \(by dev\); a finished task does not change\./);
    expect(other_.details).toEqual({ status: 'done', finishedBy: 'dev' });
    // The same outcome by someone else is not a retry of theirs.
    const human = await w.agent('pat', { kind: 'human' });
    await rejects(completeTask(w.as(human), { task: t.id }), 'conflict', /already done \(by dev\)/);
    expect((await getTask(w.as(lead), { task: t.id })).task).toEqual(done);

    const f = await createTask(w.as(lead), { title: 'F' });
    await claimTask(w.as(dev), { task: f.id });
    const failed = await completeTask(w.as(dev), { task: f.id, failed: true });
    expect(await completeTask(w.as(dev), { task: f.id, failed: true })).toEqual(failed);
    await rejects(completeTask(w.as(dev), { task: f.id }), 'conflict', /already failed/);
    await cancelTask(w.as(lead), { task: (await createTask(w.as(lead), { title: 'C' })).id });
    await rejects(completeTask(w.as(lead), { task: '#3' }), 'conflict', /already cancelled \(by lead\)/);
  });

  it('cancels unfinished tasks (creator or owner), telling those involved, and never twice', async () => {
    const t = await createTask(w.as(lead), { title: 'T' });
    await claimTask(w.as(dev), { task: t.id });
    await rejects(cancelTask(w.as(other), { task: t.id }), 'forbidden');
    const c = await cancelTask(w.as(lead), { task: t.id, reason: 'not needed' });
    expect(c).toMatchObject({ status: 'cancelled', owner: 'dev' });
    expect((await inboxOf(dev)).map((m) => m.body)).toEqual([expect.stringContaining('not needed')]);
    await rejects(cancelTask(w.as(lead), { task: t.id }), 'conflict', /already cancelled/);
    await rejects(updateTask(w.as(lead), { task: t.id, title: 'again' }), 'conflict', /already cancelled/);
  });

  it('changes nothing when a call fails midway', async () => {
    const t = await createTask(w.as(lead), { title: 'T' });
    const before = await getTask(w.as(lead), { task: t.id });
    await rejects(createTask(w.as(lead), { title: 'x', labels: ['ok'], dependsOn: [t.id, 404] }), 'not_found');
    await rejects(updateTask(w.as(lead), { task: t.id, title: 'renamed', dependsOn: [999] }), 'not_found');
    const after = await getTask(w.as(lead), { task: t.id });
    expect(after).toEqual(before);
    expect((await listTasks(w.as(lead), {})).tasks).toHaveLength(1);
  });
});
