/**
 * The local-admin CLI on the data directory itself (SQLite only: it opens the database file):
 * token create / list / revoke (stored hashed, revocation immediate) and an online backup
 * taken while the server writes.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDataDir } from '../helpers/server.js';
import { type ServerProcess, startServerProcess } from './process.js';

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
