import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendMessage } from '../../server/ops/messages.js';
import { applyRetention } from '../../server/ops/retention.js';
import { searchTeam } from '../../server/ops/search.js';
import { claimTask, commentOnTask, completeTask, createTask, updateTask } from '../../server/ops/tasks.js';
import { createWorld, rejects, type TestWorld } from '../helpers/ctx.js';

let w: TestWorld;
beforeEach(async () => {
  w = await createWorld();
});
afterEach(async () => {
  await w.close();
});

const DAY = 86_400_000;

async function team() {
  const alice = await w.agent('alice');
  const bob = await w.agent('bob');
  const carol = await w.agent('carol');
  const human = await w.agent('hana', { kind: 'human' });
  return { alice, bob, carol, human, a: w.as(alice), b: w.as(bob), c: w.as(carol), h: w.as(human) };
}

const ids = (r: { hits: { id: string }[] }) => r.hits.map((h) => h.id);

describe('searchTeam', () => {
  it('ranks the best match first, with a snippet, highlights and where the hit is', async () => {
    const t = await team();
    const weak = await sendMessage(t.a, {
      to: '*',
      message: `The deploy went fine. ${'Nothing else to report today. '.repeat(6)}One note on the cache.`,
    });
    const strong = await sendMessage(t.b, {
      to: '*',
      subject: 'Cache invalidation',
      message: 'The cache keys collide: cache entries for two teams share one key.',
    });
    const task = await createTask(t.a, { title: 'Fix the cache', description: 'Invalidate the cache on write.' });
    await sendMessage(t.b, { thread: task.threadId, message: 'I looked into the cache layer.' });

    const r = await searchTeam(t.c, { query: 'cache' });
    expect(r.hits.length).toBe(4);
    expect(r.hits.at(-1)?.id).toBe(weak.message.id);
    const scores = r.hits.map((h) => h.score);
    expect([...scores].sort((x, y) => y - x)).toEqual(scores);

    const m = r.hits.find((h) => h.id === strong.message.id);
    expect(m).toMatchObject({ kind: 'message', from: 'bob', subject: 'Cache invalidation', task: null });
    expect(m?.snippet).toContain('cache keys collide');
    for (const [s, e] of m?.highlights ?? []) expect(m?.snippet.slice(s, e).toLowerCase()).toBe('cache');
    expect(m?.highlights.length).toBeGreaterThan(0);

    const inTask = r.hits.find((h) => h.kind === 'message' && h.task !== null);
    expect(inTask).toMatchObject({
      from: 'bob',
      threadId: task.threadId,
      task: { number: task.number, title: 'Fix the cache' },
    });
    const taskHit = r.hits.find((h) => h.kind === 'task');
    expect(taskHit).toMatchObject({ id: task.id, from: 'alice', threadId: task.threadId, task: { number: 1 } });

    // Stemming: "invalidated" finds "invalidation" and "Invalidate".
    const stem = await searchTeam(t.c, { query: 'invalidated' });
    expect(stem.hits.map((h) => h.kind).sort()).toEqual(['message', 'task']);
  });

  it('limits, scopes to messages or tasks, and says when there is more', async () => {
    const t = await team();
    for (let i = 0; i < 5; i++) await sendMessage(t.a, { to: 'bob', message: `flaky test number ${i}` });
    await createTask(t.a, { title: 'Quarantine the flaky test' });
    const two = await searchTeam(t.b, { query: 'flaky', limit: 2 });
    expect(two.hits).toHaveLength(2);
    expect(two.more).toBe(true);
    expect((await searchTeam(t.b, { query: 'flaky', in: 'tasks' })).hits.map((h) => h.kind)).toEqual(['task']);
    const msgs = await searchTeam(t.b, { query: 'flaky', in: 'messages' });
    expect(msgs.hits).toHaveLength(5);
    expect(msgs.more).toBe(false);
  });

  it('filters by thread, sender and time', async () => {
    const t = await team();
    const task = await createTask(t.a, { title: 'Migrate the schema' });
    await sendMessage(t.b, { thread: task.threadId, message: 'schema migration drafted' });
    w.tick(3 * DAY);
    const late = await sendMessage(t.c, { to: '*', message: 'schema migration merged' });
    expect(ids(await searchTeam(t.a, { query: 'schema', thread: task.threadId })).length).toBe(2);
    expect((await searchTeam(t.a, { query: 'schema', from: 'carol' })).hits.map((h) => h.from)).toEqual(['carol']);
    // From is also the creator of a task.
    expect((await searchTeam(t.a, { query: 'schema', from: 'alice' })).hits.map((h) => h.kind)).toEqual(['task']);
    expect(ids(await searchTeam(t.a, { query: 'schema', since: '1d' }))).toEqual([late.message.id]);
    const since = new Date(w.clock.now - DAY).toISOString();
    expect(ids(await searchTeam(t.a, { query: 'schema', since }))).toEqual([late.message.id]);
    await rejects(searchTeam(t.a, { query: 'schema', since: 'yesterday' }), 'invalid', /since/);
    await rejects(searchTeam(t.a, { query: 'schema', from: 'caroll' }), 'not_found', /carol/);
    await rejects(searchTeam(t.a, { query: 'schema', thread: 'nope' }), 'not_found');
  });

  it("never shows another team's rows", async () => {
    const t = await team();
    const mallory = w.as(await w.agent('mallory', { team: 'other' }));
    await w.agent('eve', { team: 'other' });
    await sendMessage(t.a, { to: '*', message: 'the launch codes are 1234' });
    await createTask(t.a, { title: 'Rotate the launch codes' });
    expect((await searchTeam(mallory, { query: 'launch codes' })).hits).toEqual([]);
    await sendMessage(mallory, { to: '*', message: 'our launch codes' });
    expect((await searchTeam(mallory, { query: 'launch' })).hits.map((h) => h.from)).toEqual(['mallory']);
    expect((await searchTeam(t.b, { query: 'launch' })).hits.every((h) => h.from === 'alice')).toBe(true);
  });

  it('shows a direct message only to its two members, a human teammate and a team admin', async () => {
    const t = await team();
    const dm = await sendMessage(t.a, { to: 'bob', message: 'the staging password rotated' });
    await sendMessage(t.a, { to: '*', message: 'staging is back up' });
    const sees = async (ctx: typeof t.a) => ids(await searchTeam(ctx, { query: 'staging' })).includes(dm.message.id);
    expect(await sees(t.a)).toBe(true);
    expect(await sees(t.b)).toBe(true);
    expect(await sees(t.h)).toBe(true);
    expect(await sees(w.as(t.carol, { admin: true }))).toBe(true);
    expect(await sees(t.c)).toBe(false);
    expect((await searchTeam(t.c, { query: 'staging' })).hits).toHaveLength(1);
    await rejects(searchTeam(t.c, { query: 'staging', thread: dm.message.threadId }), 'not_found');
  });

  it('finds what the searcher may see even when the best matches are all out of its sight', async () => {
    const t = await team();
    for (let i = 0; i < 30; i++) await sendMessage(t.a, { to: 'bob', message: `deploy deploy ${i}` });
    const mine = await sendMessage(t.a, {
      to: '*',
      message: 'A long note that mentions the deploy once, among many other words about the week ahead.',
    });
    // The 30 direct messages rank above the broadcast, and carol may read none of them.
    expect(ids(await searchTeam(t.c, { query: 'deploy', limit: 1 }))).toEqual([mine.message.id]);
    const bob = await searchTeam(t.b, { query: 'deploy', limit: 5 });
    expect(bob.hits).toHaveLength(5);
    expect(bob.hits.every((h) => h.threadKind === 'direct')).toBe(true);
    expect(bob.more).toBe(true);
  });

  it('follows edits of a task and drops what retention removes', async () => {
    const t = await team();
    const task = await createTask(t.a, { title: 'Write the changelog' });
    await updateTask(t.a, { task: task.id, title: 'Write the release notes' });
    expect((await searchTeam(t.b, { query: 'changelog' })).hits).toEqual([]);
    expect(ids(await searchTeam(t.b, { query: 'release notes' }))).toEqual([task.id]);
    await sendMessage(t.a, { to: 'bob', message: 'an ancient rumour about the parser' });
    await commentOnTask(t.a, { task: task.id, message: 'parser notes for the release' });
    await claimTask(t.a, { task: task.id });
    await completeTask(t.a, { task: task.id, result: 'published the parser notes' });
    const before = await searchTeam(t.b, { query: 'parser' });
    expect(before.hits.filter((h) => h.kind === 'message').length).toBeGreaterThanOrEqual(2);
    // Bob reads his mail so retention may take the quiet thread.
    await w.opened.db.updateTable('deliveries').set({ read_at: w.clock.now }).execute();
    w.tick(40 * DAY);
    const report = await applyRetention(w.as(null), { olderThanDays: 30, mode: 'delete' });
    expect(report.messages).toBeGreaterThanOrEqual(2);
    const after = await searchTeam(t.b, { query: 'parser' });
    expect(after.hits.map((h) => h.kind)).toEqual(['task']);
    expect((await searchTeam(t.b, { query: 'rumour' })).hits).toEqual([]);
    // SQLite: the FTS5 index agrees with the rows it indexes after inserts, edits and deletes.
    if (w.opened.dialect === 'sqlite') {
      for (const table of ['messages_fts', 'tasks_fts']) {
        await sql`INSERT INTO ${sql.table(table)} (${sql.table(table)}, rank) VALUES ('integrity-check', 1)`.execute(
          w.opened.db,
        );
      }
    }
  });

  it('takes hostile query text as words, never as engine syntax', async () => {
    const t = await team();
    await sendMessage(t.a, { to: '*', message: 'NEAR the column: OR maybe AND not "quoted" - star * end' });
    await sendMessage(t.a, { to: '*', message: 'use the web cache, not the disk' });
    const hostile = [
      '"',
      '""',
      '*',
      'NEAR(',
      'NEAR(a b, 2)',
      '-',
      'OR',
      'AND',
      'NOT',
      'a OR',
      'OR OR OR',
      '(',
      ')',
      'body:cache',
      '{subject body}: cache',
      '^cache',
      'cache*',
      "'; DROP TABLE messages; --",
      '\\',
      '"unterminated phrase',
      '-cache',
      '!!cache',
      'cache & | !',
      ':*',
      '🙂',
      'x'.repeat(200),
    ];
    for (const query of hostile) {
      const r = await searchTeam(t.b, { query });
      expect(Array.isArray(r.hits), query).toBe(true);
    }
    expect((await searchTeam(t.b, { query: 'body:cache' })).hits).toHaveLength(0);
    expect((await searchTeam(t.b, { query: 'NEAR(' })).hits).toHaveLength(1);
    expect((await searchTeam(t.b, { query: '{subject body}: cache' })).hits).toHaveLength(0);
    expect((await searchTeam(t.b, { query: '-cache' })).hits).toHaveLength(0);
  });

  it('understands phrases, OR and exclusions alike on both databases', async () => {
    const t = await team();
    const web = await sendMessage(t.a, { to: '*', message: 'use the web cache, not the disk' });
    const disk = await sendMessage(t.a, { to: '*', message: 'the disk cache is slow' });
    const both = await searchTeam(t.b, { query: 'cache' });
    expect(both.hits).toHaveLength(2);
    expect(ids(await searchTeam(t.b, { query: '"web cache"' }))).toEqual([web.message.id]);
    expect(ids(await searchTeam(t.b, { query: '"cache web"' }))).toEqual([]);
    expect(ids(await searchTeam(t.b, { query: 'cache -web' }))).toEqual([disk.message.id]);
    expect(ids(await searchTeam(t.b, { query: 'cache -"web cache"' }))).toEqual([disk.message.id]);
    expect(ids(await searchTeam(t.b, { query: 'slow OR web' })).sort()).toEqual(
      [web.message.id, disk.message.id].sort(),
    );
  });

  it('refuses an empty or over-long query, naming the field', async () => {
    const t = await team();
    await rejects(searchTeam(t.a, { query: '' }), 'invalid', /query/);
    await rejects(searchTeam(t.a, { query: '   ' }), 'invalid', /query/);
    await rejects(searchTeam(t.a, { query: 'x'.repeat(201) }), 'invalid', /query.*200/);
    await rejects(searchTeam(t.a, {}), 'invalid', /query/);
    await rejects(searchTeam(t.a, { query: 'a', in: 'files' }), 'invalid', /in/);
    await rejects(searchTeam(t.a, { query: 'a', limit: 500 }), 'invalid', /limit/);
    await rejects(searchTeam(w.as(null), { query: 'a' }), 'unauthorized');
  });
});
