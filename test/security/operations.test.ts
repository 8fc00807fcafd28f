/**
 * Operations that keep data safe: the retention policy archives or deletes old messages and
 * task events by rule, keeps unread mail and live tasks, and records every run. (The CLI on
 * the data directory, tokens and backup, is in data-dir.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { applyRetention } from '../../server/ops/retention.js';
import { completeTask } from '../../server/ops/tasks.js';
import { countRows } from '../helpers/db.js';
import { harness, seed, snapshot } from './fixture.js';

const DAY = 86_400_000;

describe('retention', () => {
  it('archives quiet threads and finished tasks’ events past the cutoff, keeps unread mail and live tasks, records the run', async () => {
    const h = await harness({ fakeClock: true });
    try {
      const f = await seed(h.deps);
      // Bob reads his mail; alice finishes task one; then 40 days pass and carol gets new, unread mail.
      await h.request('/api/v1/inbox/check', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-switchboard-agent': 'bob' },
        body: '{}',
      });
      await completeTask(f.ctx('alice'), { task: f.t1.id, result: 'done' });
      const db = h.opened.db;
      const count = (table: string, where: Record<string, unknown> = {}) => countRows(db, table, where);
      const oldEvents = await count('task_events', { task_id: f.t1.id });
      expect(oldEvents).toBeGreaterThan(0);
      h.clock.now += 40 * DAY;
      const fresh = await h.request('/api/v1/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-switchboard-agent': 'alice' },
        body: JSON.stringify({ to: 'carol', message: 'new and unread' }),
      });
      expect(fresh.status).toBe(201);

      const ctx = f.ctx('admin');
      const before = await snapshot(db);
      const dry = await applyRetention(ctx, { olderThanDays: 30, dryRun: true });
      expect(await snapshot(db)).toBe(before);
      expect(dry.messages).toBeGreaterThan(0);

      const r = await applyRetention(ctx, { olderThanDays: 30, mode: 'archive' });
      expect(r).toMatchObject({ mode: 'archive', dryRun: false, messages: dry.messages, taskEvents: oldEvents });
      // Bob's read direct mail is archived, with its delivery rows.
      expect(await count('messages', { id: f.message })).toBe(0);
      expect(await count('archived_messages', { id: f.message })).toBe(1);
      expect(await count('archived_deliveries', { message_id: f.message })).toBe(1);
      // Unread mail (to carol, and the old broadcast mallory's teammate never read) stays, as do live tasks' threads.
      expect(await count('messages', { body: 'new and unread' })).toBe(1);
      expect(await count('messages', { body: 'hello my team' })).toBe(1);
      expect(r.threadsKeptUnread).toBeGreaterThan(0);
      expect(await count('task_events', { task_id: f.t3.id })).toBeGreaterThan(0);
      // Finished task one's events moved to the archive; the task itself stays.
      expect(await count('task_events', { task_id: f.t1.id })).toBe(0);
      expect(await count('archived_task_events', { task_id: f.t1.id })).toBe(oldEvents);
      expect(await count('tasks', { id: f.t1.id })).toBe(1);
      // Recorded, and a second run finds nothing more to do (and records nothing).
      expect(await count('retention_runs')).toBe(1);
      const again = await applyRetention(ctx, { olderThanDays: 30 });
      expect(again).toMatchObject({ messages: 0, taskEvents: 0 });
      expect(await count('retention_runs')).toBe(1);
      // The direct thread still works after its old messages went.
      const reply = await h.request('/api/v1/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-switchboard-agent': 'bob' },
        body: JSON.stringify({ to: 'alice', message: 'still here' }),
      });
      expect(reply.status).toBe(201);
    } finally {
      await h.close();
    }
  });

  it('deletes instead of archiving in delete mode, and refuses a bad policy without changing anything', async () => {
    const h = await harness({ fakeClock: true });
    try {
      const f = await seed(h.deps);
      await h.request('/api/v1/inbox/check', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-switchboard-agent': 'bob' },
        body: '{}',
      });
      h.clock.now += 10 * DAY;
      const before = await snapshot(h.opened.db);
      await expect(applyRetention(f.ctx('admin'), { olderThanDays: 0 })).rejects.toMatchObject({ code: 'invalid' });
      await expect(applyRetention(f.ctx('admin'), { olderThanDays: 5, mode: 'shred' })).rejects.toMatchObject({
        code: 'invalid',
      });
      expect(await snapshot(h.opened.db)).toBe(before);
      const r = await applyRetention(f.ctx('admin'), { olderThanDays: 5, mode: 'delete' });
      expect(r.messages).toBeGreaterThan(0);
      expect(await countRows(h.opened.db, 'messages', { id: f.message })).toBe(0);
      expect(await countRows(h.opened.db, 'archived_messages')).toBe(0);
      expect(await countRows(h.opened.db, 'retention_runs', { mode: 'delete' })).toBe(1);
    } finally {
      await h.close();
    }
  });
});
