/**
 * A waiting agent wakes when work it may claim appears: released, expired back to open, or
 * delegated to it; not for work it may not claim. Real waiting calls on a real bus and database.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type WaitResult, waitForMessages } from '../../server/ops/delivery.js';
import { checkMessages } from '../../server/ops/messages.js';
import type { Agent } from '../../server/ops/model.js';
import { claimTask, createTask, delegateTask, expireLeases, releaseTask } from '../../server/ops/tasks.js';
import { createWorld, type TestWorld } from '../helpers/ctx.js';

let w: TestWorld;
let lead: Agent;
let dev: Agent;
let bob: Agent;
const LEASE = 60_000;

beforeEach(async () => {
  w = await createWorld({ leaseMs: LEASE });
  lead = await w.agent('lead');
  dev = await w.agent('dev');
  bob = await w.agent('bob');
});
afterEach(async () => {
  await w.close();
});

/** Starts a real waiting call for `a` and gives it time to register; `result` is the call. */
async function waitAs(a: Agent, input: object): Promise<{ result: Promise<WaitResult> }> {
  // Mail already unread would return at once; these tests are about task notices.
  await checkMessages(w.as(a), { limit: 100 });
  const result = waitForMessages(w.as(a), input);
  await new Promise((r) => setTimeout(r, 30));
  return { result };
}

describe('waiting for work to claim', () => {
  it('wakes when a held task is released back to open', async () => {
    const t = await createTask(w.as(lead), { title: 'T' });
    await claimTask(w.as(dev), { task: t.id });
    const waiting = await waitAs(bob, { timeout: 30 });
    await releaseTask(w.as(dev), { task: t.id });
    const r = await waiting.result;
    expect(r.timedOut).toBe(false);
    expect(r.taskEvents).toEqual([
      {
        task: { id: t.id, number: 1, title: 'T', status: 'open' },
        event: 'ready to claim',
        cause: 'released',
        by: 'dev',
      },
    ]);
  });

  it('wakes when a lease expires and the task is open again (the server did it)', async () => {
    const t = await createTask(w.as(lead), { title: 'T' });
    await claimTask(w.as(dev), { task: t.id });
    const waiting = await waitAs(bob, { timeout: 30, thread: 'no-such-thread' });
    w.tick(LEASE + 1);
    expect(await expireLeases(w.as(null))).toBe(1);
    const r = await waiting.result;
    expect(r.messages).toEqual([]);
    expect(r.taskEvents).toEqual([
      expect.objectContaining({ event: 'ready to claim', cause: 'lease_expired', by: null }),
    ]);
  });

  it('wakes the teammate a task is delegated to, and not the one it was taken from', async () => {
    const bobWaits = await waitAs(bob, { timeout: 30, labels: ['db'] });
    const t = await createTask(w.as(lead), { title: 'T', labels: ['db'] });
    // Created with label db: bob wakes for it at once.
    expect((await bobWaits.result).taskEvents.map((n) => n.cause)).toEqual(['created']);
    await claimTask(w.as(dev), { task: t.id });
    const again = await waitAs(bob, { timeout: 30, labels: ['db'] });
    const devAgain = await waitAs(dev, { timeout: 1, thread: 'no-such-thread' });
    await delegateTask(w.as(lead), { task: t.id, to: 'bob', note: 'yours' });
    expect((await again.result).taskEvents).toEqual([
      expect.objectContaining({ event: 'ready to claim', cause: 'delegated', by: 'lead' }),
    ]);
    // dev held it, so dev hears of the delegation, but it is reserved for bob: not ready for dev.
    expect((await devAgain.result).taskEvents).toEqual([expect.objectContaining({ event: 'delegated', cause: null })]);
  });

  it('does not wake for work in another team, or the waiter’s own new task', async () => {
    const rival = await w.agent('eve', { team: 'rival' });
    const waiting = await waitAs(bob, { timeout: 1 });
    await createTask(w.as(rival), { title: 'Theirs' });
    await createTask(w.as(bob), { title: 'My own' });
    const r = await waiting.result;
    expect(r).toMatchObject({ timedOut: true, taskEvents: [] });
  });
});
