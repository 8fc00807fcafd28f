/**
 * The board's read operations called directly, as `(ctx, input)`: each reads the actor's team
 * (never another), refuses a context without an actor, and parses its input with its schema.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RosterEntry, reviewQueue, teamMembers, teamRoster, teamsOverview } from '../../server/ops/board.js';
import { boardColumns } from '../../server/ops/board-columns.js';
import { listTeamThreads } from '../../server/ops/board-threads.js';
import { createCtx } from '../../server/ops/context.js';
import { sendMessage } from '../../server/ops/messages.js';
import { requestReview } from '../../server/ops/reviews.js';
import { claimTask, createTask } from '../../server/ops/tasks.js';
import { type BoardWorld, boardWorld } from './helpers.js';

/** The error code an operation throws. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  throw new Error('operation unexpectedly succeeded');
}

describe('board read operations', () => {
  let w: BoardWorld;
  beforeEach(async () => {
    w = await boardWorld();
  });
  afterEach(async () => {
    await w.close();
  });

  it('read the actor team only: columns, review queue, threads, members, roster', async () => {
    const alice = await w.agent('alice');
    const bob = await w.agent('bob', { role: 'Reviewer' });
    const zed = await w.agent('zed', { team: 'other', role: 'spy' });
    await w.agent('yan', { team: 'other' });
    const t = await createTask(w.as(alice), { title: 'Ours', labels: ['backend'] });
    await createTask(w.as(zed), { title: 'Theirs', labels: ['secret'] });
    await claimTask(w.as(alice), { task: String(t.number) });
    await requestReview(w.as(alice), { task: String(t.number), reviewer: 'role:reviewer' });
    await sendMessage(w.as(alice), { to: 'bob', message: 'ours' });
    await sendMessage(w.as(zed), { to: 'yan', message: 'theirs' });

    const board = await boardColumns(w.as(alice), {});
    const titles = board.columns.flatMap((c) => c.cards.map((card) => card.title));
    expect(titles).toEqual(['Ours']);
    expect(board.labels).toEqual(['backend']);

    const queue = await reviewQueue(w.as(bob), {});
    expect(queue.map((r) => [r.task.title, r.reviewerRole, r.owner])).toEqual([['Ours', 'reviewer', 'alice']]);
    expect(await reviewQueue(w.as(zed), {})).toEqual([]);

    const threads = await listTeamThreads(w.as(alice), {});
    const theirs = await w.opened.db
      .selectFrom('threads')
      .select('id')
      .where('team_id', '=', zed.teamId)
      .where('message_count', '>', 0)
      .execute();
    expect(theirs.length).toBeGreaterThan(0);
    expect(threads.threads.length).toBeGreaterThan(0);
    for (const x of theirs) expect(threads.threads.map((y) => y.id)).not.toContain(x.id);

    expect(await teamMembers(w.as(alice), {})).toEqual({ agents: ['alice', 'bob'], roles: ['reviewer'] });

    const roster = await teamRoster(w.as(alice), {});
    const row = (name: string) => roster.find((r) => r.name === name) as RosterEntry;
    expect(roster.map((r) => r.name).sort()).toEqual(['alice', 'bob']);
    expect(row('alice').held.map((h) => h.number)).toEqual([t.number]);
    expect(row('bob').pendingReviews).toBe(1);
    expect(row('alice').pendingReviews).toBe(0);
  });

  it('lists the roster online first, then by name', async () => {
    await w.agent('carl');
    await w.agent('anna');
    w.clock.now += 10 * 60_000;
    const bea = await w.agent('bea');
    const roster = await teamRoster(w.as(bea), {});
    expect(roster.map((r) => [r.name, r.presence])).toEqual([
      ['bea', 'online'],
      ['anna', 'offline'],
      ['carl', 'offline'],
    ]);
  });

  it('show every team without an actor, only the actor team with one', async () => {
    const alice = await w.agent('alice');
    await w.agent('zed', { team: 'other' });
    const all = await teamsOverview(createCtx(w.deps, null), {});
    expect(all.map((t) => t.name)).toEqual(['default', 'other']);
    const mine = await teamsOverview(w.as(alice), {});
    expect(mine.map((t) => t.name)).toEqual(['default']);
  });

  it('refuse a context without an actor, and input their schema does not allow', async () => {
    const anon = createCtx(w.deps, null);
    const withoutActor = [
      () => boardColumns(anon, {}),
      () => reviewQueue(anon, {}),
      () => listTeamThreads(anon, {}),
      () => teamMembers(anon, {}),
      () => teamRoster(anon, {}),
    ];
    for (const call of withoutActor) expect(await codeOf(call())).toBe('unauthorized');
    const alice = w.as(await w.agent('alice'));
    const badInput = [
      () => boardColumns(alice, { limit: 0 }),
      () => boardColumns(alice, { team: 'other' }),
      () => reviewQueue(alice, { limit: 1000 }),
      () => listTeamThreads(alice, { offset: -1 }),
      () => teamMembers(alice, { team: 'other' }),
      () => teamRoster(alice, { team: 'other' }),
      () => teamsOverview(alice, { teamIds: ['x'] }),
    ];
    for (const call of badInput) expect(await codeOf(call())).toBe('invalid');
  });
});
