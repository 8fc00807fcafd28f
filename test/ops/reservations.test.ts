/**
 * File reservations (server/ops/reservations.ts): the conflict rule over real globs, all or
 * nothing, renewal, expiry on the injected clock, the end of their task or of their holder's
 * claim, and a race between two agents reserving overlapping globs at once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainError } from '../../server/errors.js';
import type { Agent } from '../../server/ops/model.js';
import { getPlate } from '../../server/ops/plate.js';
import { listTeammates, touchActivity } from '../../server/ops/presence.js';
import { expireReservations } from '../../server/ops/reservation-ends.js';
import { checkPath, createReservations, listReservations, releaseReservations } from '../../server/ops/reservations.js';
import {
  cancelTask,
  claimTask,
  completeTask,
  createTask,
  delegateTask,
  expireLeases,
  getTask,
  handoffTask,
  releaseTask,
  respondHandoff,
} from '../../server/ops/tasks.js';
import { createWorld, rejects, type TestWorld } from '../helpers/ctx.js';
import { countRows } from '../helpers/db.js';

let w: TestWorld;
let alice: Agent;
let bob: Agent;
beforeEach(async () => {
  w = await createWorld();
  alice = await w.agent('alice');
  bob = await w.agent('bob');
});
afterEach(async () => {
  await w.close();
});

const reserve = (who: Agent, input: Record<string, unknown>) => createReservations(w.as(who), input);
const patterns = async (who: Agent, mine = false) =>
  (await listReservations(w.as(who), { mine })).reservations.map((r) => `${r.holder}:${r.pattern}`);

describe('reserving', () => {
  it('reserves exclusively for an hour by default and lists it', async () => {
    const r = await reserve(alice, { paths: ['./src/api/'], reason: 'refactoring the API' });
    expect(r.renewed).toEqual([]);
    expect(r.reservations).toEqual([
      expect.objectContaining({
        pattern: 'src/api/**',
        holder: 'alice',
        exclusive: true,
        reason: 'refactoring the API',
        ttl: 3600,
        task: null,
        expiresAt: new Date(w.clock.now + 3_600_000).toISOString(),
      }),
    ]);
    expect(await patterns(bob)).toEqual(['alice:src/api/**']);
    expect(await patterns(bob, true)).toEqual([]);
  });

  it('refuses an overlapping exclusive reservation, in either direction, naming holder, pattern, reason and end', async () => {
    await reserve(alice, { paths: ['src/api/**'], reason: 'refactoring the API' });
    const err = await rejects(reserve(bob, { paths: ['src/**/*.ts'] }), 'conflict');
    expect(err.message).toContain(
      'cannot reserve src/**/*.ts: alice holds src/api/** exclusively for "refactoring the API" until 13:00 UTC (in 1 h); both cover src/api/x.ts.',
    );
    expect(err.message).toMatch(/Nothing was reserved\. Ask alice \(teammate_send_message\)/);
    expect(err.details.conflicts).toEqual([
      expect.objectContaining({ path: 'src/**/*.ts', pattern: 'src/api/**', holder: 'alice', exclusive: true }),
    ]);
    // The other direction: a narrower glob inside alice's.
    await rejects(reserve(bob, { paths: ['src/api/users.ts'] }), 'conflict', /alice holds src\/api\/\*\*/);
    // Globs that cannot share a file do not conflict.
    await reserve(alice, { paths: ['src/a/*.ts'] });
    await reserve(bob, { paths: ['src/b/**', 'docs/**'] });
    expect(await patterns(bob, true)).toEqual(['bob:docs/**', 'bob:src/b/**']);
  });

  it('lets shared reservations overlap each other, but not an exclusive one of another agent', async () => {
    await reserve(alice, { paths: ['src/**'], exclusive: false });
    await reserve(bob, { paths: ['src/api/**'], exclusive: false });
    const err = await rejects(reserve(bob, { paths: ['src/web/**'] }), 'conflict', /alice holds src\/\*\* shared/);
    expect(err.message).toMatch(/Reserve shared \(exclusive: false\), or ask alice/);
    await reserve(alice, { paths: ['lib/**'] });
    await rejects(
      reserve(bob, { paths: ['lib/x.ts'], exclusive: false }),
      'conflict',
      /alice holds lib\/\*\* exclusively/,
    );
    // One's own reservations never conflict with each other.
    await reserve(alice, { paths: ['lib/**/*.ts'] });
  });

  it('is all or nothing: one conflicting path reserves none of the others', async () => {
    await reserve(alice, { paths: ['src/api/**'] });
    await rejects(reserve(bob, { paths: ['docs/**', 'README.md', 'src/api/x.ts'] }), 'conflict');
    expect(await patterns(bob, true)).toEqual([]);
    expect(await countRows(w.opened.db, 'reservations')).toBe(1);
  });

  it('renews on a repeated create, keeping what is not given again', async () => {
    await reserve(alice, { paths: ['src/**'], exclusive: false, ttl: 600, reason: 'reading' });
    w.tick(300_000);
    const r = await reserve(alice, { paths: ['src/**', 'docs/**'] });
    expect(r.renewed).toEqual(['src/**']);
    const src = r.reservations.find((x) => x.pattern === 'src/**');
    expect(src).toMatchObject({ exclusive: false, ttl: 600, reason: 'reading' });
    expect(src?.expiresAt).toBe(new Date(w.clock.now + 600_000).toISOString());
    const docs = r.reservations.find((x) => x.pattern === 'docs/**');
    expect(docs).toMatchObject({ exclusive: true, ttl: 3600, reason: null });
    // Turning it exclusive now conflicts with nothing of bob's; it is still one row.
    await reserve(alice, { paths: ['src/**'], exclusive: true });
    expect(await countRows(w.opened.db, 'reservations', { pattern: 'src/**' })).toBe(1);
  });

  it('refuses bad paths saying why, and stores nothing', async () => {
    await rejects(reserve(alice, { paths: ['/etc/passwd'] }), 'invalid', /relative to the project root/);
    await rejects(reserve(alice, { paths: ['src/ok/**', '../elsewhere/**'] }), 'invalid', /"\.\." is not allowed/);
    await rejects(reserve(alice, { paths: ['src/@(a|b)'] }), 'invalid', /extglobs/);
    await rejects(reserve(alice, { paths: [] }), 'invalid');
    await rejects(reserve(alice, { paths: ['src/**'], ttl: 10 }), 'invalid', /ttl/);
    await rejects(reserve(alice, { paths: ['src/**'], ttl: 7 * 86_400 }), 'invalid', /ttl/);
    await rejects(reserve(alice, { paths: Array.from({ length: 21 }, (_, i) => `f${i}`) }), 'invalid', /paths/);
    expect(await countRows(w.opened.db, 'reservations')).toBe(0);
  });

  it('ties a reservation to an unfinished task only', async () => {
    const t = await createTask(w.as(alice), { title: 'API refactor' });
    const r = await reserve(alice, { paths: ['src/api/**'], task: `#${t.number}` });
    expect(r.reservations[0]?.task).toMatchObject({ number: t.number, title: 'API refactor' });
    const done = await createTask(w.as(alice), { title: 'Old' });
    await cancelTask(w.as(alice), { task: done.id });
    await rejects(reserve(alice, { paths: ['lib/**'], task: done.id }), 'conflict', /is cancelled/);
    await rejects(reserve(alice, { paths: ['lib/**'], task: '#99' }), 'not_found');
  });
});

describe('checking a file before an edit', () => {
  it('blocks an edit of a file another agent holds exclusively, and nothing else', async () => {
    await reserve(alice, { paths: ['src/api/**'], reason: 'refactoring the API' });
    await reserve(bob, { paths: ['docs/**'], exclusive: false });
    const blocked = await checkPath(w.as(bob), { path: './src/api/users.ts' });
    expect(blocked).toMatchObject({ path: 'src/api/users.ts', allowed: false });
    expect(blocked.blocking.map((r) => r.holder)).toEqual(['alice']);
    expect(blocked.reason).toContain('src/api/users.ts is reserved: alice holds src/api/** exclusively');
    expect(blocked.reason).toContain('"refactoring the API"');
    expect(await checkPath(w.as(alice), { path: 'src/api/users.ts' })).toMatchObject({ allowed: true, reason: null });
    expect(await checkPath(w.as(bob), { path: 'src/web/app.ts' })).toMatchObject({ allowed: true, covering: [] });
    // Shared reservations never block an edit.
    const shared = await checkPath(w.as(alice), { path: 'docs/guide.md' });
    expect(shared.allowed).toBe(true);
    expect(shared.covering.map((r) => r.holder)).toEqual(['bob']);
    await rejects(checkPath(w.as(bob), { path: '../x' }), 'invalid');
  });

  it('lists the reservations covering a file or overlapping a glob', async () => {
    await reserve(alice, { paths: ['src/api/**'] });
    await reserve(bob, { paths: ['src/web/*.tsx', 'docs/**'] });
    const covering = async (path: string) =>
      (await listReservations(w.as(bob), { path })).reservations.map((r) => r.pattern);
    expect(await covering('src/api/users.ts')).toEqual(['src/api/**']);
    expect(await covering('src/web/app.tsx')).toEqual(['src/web/*.tsx']);
    expect(await covering('src/**/*.ts')).toEqual(['src/api/**']);
    expect(await covering('README.md')).toEqual([]);
  });
});

describe('how reservations end', () => {
  it('expires after its TTL without activity by its holder; activity renews it', async () => {
    await reserve(alice, { paths: ['src/**'], ttl: 600 });
    w.tick(500_000);
    await touchActivity(w.as(alice));
    w.tick(500_000);
    // 1000 s in, but alice was active at 500 s: it lasts until 1100 s.
    await rejects(reserve(bob, { paths: ['src/x.ts'] }), 'conflict');
    w.tick(101_000);
    expect(await patterns(bob)).toEqual([]);
    expect(await checkPath(w.as(bob), { path: 'src/x.ts' })).toMatchObject({ allowed: true });
    expect(await expireReservations(w.as(null))).toBe(1);
    expect(await countRows(w.opened.db, 'reservations')).toBe(0);
    await reserve(bob, { paths: ['src/x.ts'] });
  });

  it('ends when its task is done, failed or cancelled', async () => {
    for (const end of ['done', 'failed', 'cancelled'] as const) {
      const t = await createTask(w.as(alice), { title: `Task ${end}` });
      await claimTask(w.as(alice), { task: t.id });
      await reserve(alice, { paths: [`src/${end}/**`], task: t.id });
      await reserve(alice, { paths: [`notes/${end}.md`] });
      expect((await getTask(w.as(bob), { task: t.id })).reservations.map((r) => r.pattern)).toEqual([`src/${end}/**`]);
      if (end === 'cancelled') await cancelTask(w.as(alice), { task: t.id });
      else await completeTask(w.as(alice), { task: t.id, failed: end === 'failed' });
      expect(await patterns(alice, true)).not.toContain(`alice:src/${end}/**`);
      expect(await patterns(alice, true)).toContain(`alice:notes/${end}.md`);
    }
    expect(w.events.some((e) => e.type === 'reservation.changed')).toBe(true);
  });

  it('ends when its holder’s claim on the task expires or is released, and passes with an accepted hand-off', async () => {
    const t = await createTask(w.as(alice), { title: 'Worker task' });
    await claimTask(w.as(bob), { task: t.id });
    await reserve(bob, { paths: ['src/worker/**'], task: t.id, ttl: 86_400 });
    await reserve(alice, { paths: ['src/alice/**'], task: t.id, ttl: 86_400 });
    w.tick(w.as(bob).limits.leaseMs + 1000);
    expect(await expireLeases(w.as(null))).toBe(1);
    // The holder's claim ended; another teammate's reservation on the task stays.
    expect(await patterns(alice)).toEqual(['alice:src/alice/**']);

    await claimTask(w.as(bob), { task: t.id });
    await reserve(bob, { paths: ['src/worker/**'], task: t.id });
    await releaseTask(w.as(bob), { task: t.id });
    expect(await patterns(bob, true)).toEqual([]);

    await claimTask(w.as(bob), { task: t.id });
    await reserve(bob, { paths: ['src/worker/**'], task: t.id });
    await handoffTask(w.as(bob), { task: t.id, to: 'alice', note: 'worker half done' });
    await respondHandoff(w.as(alice), { task: t.id, accept: true });
    expect(await patterns(alice)).toEqual(['alice:src/alice/**', 'alice:src/worker/**']);

    // Delegating a held task to someone else ends the owner's claim, and its reservations on the task.
    const carol = await w.agent('carol');
    await delegateTask(w.as(alice), { task: t.id, to: carol.name });
    expect(await patterns(carol)).toEqual([]);
  });
});

describe('releasing', () => {
  it('releases one’s own by path or id; another’s only as a human or admin', async () => {
    const a = await reserve(alice, { paths: ['src/a/**', 'src/b/**'] });
    const r = await releaseReservations(w.as(alice), { paths: ['./src/a/', 'src/zzz/**'] });
    expect(r.released.map((x) => x.pattern)).toEqual(['src/a/**']);
    expect(r.notHeld).toEqual(['src/zzz/**']);
    const b = a.reservations.find((x) => x.pattern === 'src/b/**')?.id as string;
    const before = await countRows(w.opened.db, 'reservations');
    await rejects(releaseReservations(w.as(bob), { ids: [b] }), 'forbidden', /only the holder \(alice\)/);
    await rejects(releaseReservations(w.as(bob), { ids: ['01NOSUCHRESERVATION'] }), 'not_found');
    await rejects(releaseReservations(w.as(bob), {}), 'invalid', /paths .* or ids/);
    await rejects(releaseReservations(w.as(bob), { paths: ['x'], ids: [b] }), 'invalid');
    expect(await countRows(w.opened.db, 'reservations')).toBe(before);
    const admin = await releaseReservations(w.as(bob, { admin: true }), { ids: [b] });
    expect(admin.released.map((x) => `${x.holder}:${x.pattern}`)).toEqual(['alice:src/b/**']);
    expect(await countRows(w.opened.db, 'reservations')).toBe(0);
  });
});

describe('where reservations show', () => {
  it('on the plate of their holder and as a count in the roster', async () => {
    await reserve(alice, { paths: ['src/api/**', 'docs/**'] });
    const plate = await getPlate(w.as(alice));
    expect(plate.reservations.map((r) => r.pattern)).toEqual(['docs/**', 'src/api/**']);
    const roster = await listTeammates(w.as(bob), {});
    expect(Object.fromEntries(roster.map((t) => [t.name, t.reservations]))).toEqual({ alice: 2, bob: 0 });
  });
});

describe('concurrent reservations', () => {
  it('two agents reserving overlapping globs at once: exactly one wins', async () => {
    for (let i = 0; i < 8; i++) {
      const results = await Promise.allSettled([
        reserve(alice, { paths: [`race${i}/api/**`] }),
        reserve(bob, { paths: [`race${i}/**/*.ts`] }),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict' } as Partial<DomainError>);
      expect(await countRows(w.opened.db, 'reservations')).toBe(i + 1);
    }
  });
});
