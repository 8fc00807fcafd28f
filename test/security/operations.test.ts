/**
 * Operations that keep data safe: the retention policy (archives or deletes old messages and
 * task events by rule, keeps unread mail and live tasks, and records every run), and the CLI
 * commands that work on the data directory itself: token create / list / revoke (stored
 * hashed, revocation immediate) and an online backup taken while the server writes.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { applyRetention } from '../../server/ops/retention.js';
import { completeTask } from '../../server/ops/tasks.js';
import { runCli } from '../helpers/cli.js';
import { tempDataDir } from '../helpers/server.js';
import { harness, seed, snapshot } from './fixture.js';
import { type ServerProcess, startServerProcess } from './process.js';

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
      const db = h.opened.sqlite;
      const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      const oldEvents = count(`SELECT count(*) AS n FROM task_events WHERE task_id = '${f.t1.id}'`);
      expect(oldEvents).toBeGreaterThan(0);
      h.clock.now += 40 * DAY;
      const fresh = await h.request('/api/v1/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-switchboard-agent': 'alice' },
        body: JSON.stringify({ to: 'carol', message: 'new and unread' }),
      });
      expect(fresh.status).toBe(201);

      const ctx = f.ctx('admin');
      const before = snapshot(db);
      const dry = await applyRetention(ctx, { olderThanDays: 30, dryRun: true });
      expect(snapshot(db)).toBe(before);
      expect(dry.messages).toBeGreaterThan(0);

      const r = await applyRetention(ctx, { olderThanDays: 30, mode: 'archive' });
      expect(r).toMatchObject({ mode: 'archive', dryRun: false, messages: dry.messages, taskEvents: oldEvents });
      // Bob's read direct mail is archived, with its delivery rows.
      expect(count(`SELECT count(*) AS n FROM messages WHERE id = '${f.message}'`)).toBe(0);
      expect(count(`SELECT count(*) AS n FROM archived_messages WHERE id = '${f.message}'`)).toBe(1);
      expect(count(`SELECT count(*) AS n FROM archived_deliveries WHERE message_id = '${f.message}'`)).toBe(1);
      // Unread mail (to carol, and the old broadcast mallory's teammate never read) stays, as do live tasks' threads.
      expect(count("SELECT count(*) AS n FROM messages WHERE body = 'new and unread'")).toBe(1);
      expect(count("SELECT count(*) AS n FROM messages WHERE body = 'hello my team'")).toBe(1);
      expect(r.threadsKeptUnread).toBeGreaterThan(0);
      expect(count(`SELECT count(*) AS n FROM task_events WHERE task_id = '${f.t3.id}'`)).toBeGreaterThan(0);
      // Finished task one's events moved to the archive; the task itself stays.
      expect(count(`SELECT count(*) AS n FROM task_events WHERE task_id = '${f.t1.id}'`)).toBe(0);
      expect(count(`SELECT count(*) AS n FROM archived_task_events WHERE task_id = '${f.t1.id}'`)).toBe(oldEvents);
      expect(count(`SELECT count(*) AS n FROM tasks WHERE id = '${f.t1.id}'`)).toBe(1);
      // Recorded, and a second run finds nothing more to do (and records nothing).
      expect(count('SELECT count(*) AS n FROM retention_runs')).toBe(1);
      const again = await applyRetention(ctx, { olderThanDays: 30 });
      expect(again).toMatchObject({ messages: 0, taskEvents: 0 });
      expect(count('SELECT count(*) AS n FROM retention_runs')).toBe(1);
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
      const before = snapshot(h.opened.sqlite);
      await expect(applyRetention(f.ctx('admin'), { olderThanDays: 0 })).rejects.toMatchObject({ code: 'invalid' });
      await expect(applyRetention(f.ctx('admin'), { olderThanDays: 5, mode: 'shred' })).rejects.toMatchObject({
        code: 'invalid',
      });
      expect(snapshot(h.opened.sqlite)).toBe(before);
      const r = await applyRetention(f.ctx('admin'), { olderThanDays: 5, mode: 'delete' });
      expect(r.messages).toBeGreaterThan(0);
      const n = (sql: string) => (h.opened.sqlite.prepare(sql).get() as { n: number }).n;
      expect(n(`SELECT count(*) AS n FROM messages WHERE id = '${f.message}'`)).toBe(0);
      expect(n('SELECT count(*) AS n FROM archived_messages')).toBe(0);
      expect(n("SELECT count(*) AS n FROM retention_runs WHERE mode = 'delete'")).toBe(1);
    } finally {
      await h.close();
    }
  });
});

describe('CLI on the data directory', () => {
  const dirs: string[] = [];
  const procs: ServerProcess[] = [];
  afterEach(() => {
    for (const p of procs.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('mints, lists and revokes tokens (stored hashed) that a token-mode server honours at once', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const env = { SWITCHBOARD_DATA_DIR: dir };
    const created = await runCli(['token', 'create', 'alice', '--label', 'laptop', '--json'], { env });
    expect(created.code, created.stderr).toBe(0);
    const { token, info } = created.json();
    expect(token).toMatch(/^sb_[A-Za-z0-9_-]{40,}$/);
    const admin = await runCli(['token', 'create', 'boss', '--admin', '--json'], { env });
    expect(admin.json().info.scope).toBe('admin');

    // Only the hash is on disk.
    const db = new BetterSqlite3(join(dir, 'switchboard.db'), { readonly: true });
    const rows = db.prepare('SELECT hash FROM tokens').all() as { hash: string }[];
    db.close();
    expect(rows.map((r) => r.hash)).not.toContain(token);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.hash))).toBe(true);

    const listed = await runCli(['token', 'list'], { env });
    expect(listed.stdout).toContain(info.id);
    expect(listed.stdout).toContain('laptop');
    expect(listed.stdout).not.toContain(token);

    const server = await startServerProcess({ ...env, SWITCHBOARD_AUTH: 'token' });
    procs.push(server);
    const me = () => fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect((await me()).status).toBe(200);
    const none = await fetch(`${server.url}/api/v1/me`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);

    const revoked = await runCli(['token', 'revoke', info.id], { env });
    expect(revoked.code).toBe(0);
    expect((await me()).status).toBe(401);
    const twice = await runCli(['token', 'revoke', info.id], { env });
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/no active token/);
    const bad = await runCli(['token', 'create', '../../etc'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/agent/);
  });

  it('backs up the database online while the server writes; the copy is complete and consistent', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const server = await startServerProcess({ SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_SENDS_PER_MINUTE: '100000' });
    procs.push(server);
    const post = (path: string, body: unknown, agent?: string) =>
      fetch(`${server.url}/api/v1${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(agent && { 'x-switchboard-agent': agent }) },
        body: JSON.stringify(body),
      });
    await post('/join', { name: 'alice' });
    await post('/join', { name: 'bob' });
    for (let i = 0; i < 20; i++)
      expect((await post('/messages', { to: 'bob', message: `before ${i}` }, 'alice')).status).toBe(201);
    // Keep writing while the backup runs.
    let writing = true;
    const writer = (async () => {
      let i = 0;
      while (writing) await post('/messages', { to: 'bob', message: `during ${i++}` }, 'alice');
    })();
    const target = join(dir, 'copy.db');
    const r = await runCli(['backup', target, '--json'], { env: { SWITCHBOARD_DATA_DIR: dir } });
    writing = false;
    await writer;
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ file: target, integrity: 'ok' });
    const copy = new BetterSqlite3(target, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    const before = copy.prepare("SELECT count(*) AS n FROM messages WHERE body LIKE 'before %'").get() as { n: number };
    // Every message has its delivery row: the copy is one consistent moment, not a torn read.
    const orphans = copy
      .prepare(
        'SELECT count(*) AS n FROM messages m WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id)',
      )
      .get() as { n: number };
    copy.close();
    expect(before.n).toBe(20);
    expect(orphans.n).toBe(0);
    const missing = await runCli(['backup'], { env: { SWITCHBOARD_DATA_DIR: join(dir, 'nope') } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot open .*switchboard\.db/);
  });
});
