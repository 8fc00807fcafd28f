/**
 * Start-up failures with a real server process: each exits non-zero with one line that names
 * the problem and what to do: bad configuration, an unwritable data directory, a data
 * directory another server is using, a database locked by another process, a corrupt
 * database file, a port in use.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { processTracker, startExpectingFailure, startServerProcess } from './process.js';

const { fresh, keep, cleanup } = processTracker();
afterEach(cleanup);

describe('start-up errors', () => {
  it('names an invalid setting and refuses a non-loopback address without token mode (exit 2)', async () => {
    const bad = await startExpectingFailure({ SWITCHBOARD_DATA_DIR: fresh(), SWITCHBOARD_PORT: 'eighty' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/SWITCHBOARD_PORT/);
    const open = await startExpectingFailure({ SWITCHBOARD_DATA_DIR: fresh(), SWITCHBOARD_HOST: '0.0.0.0' });
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/SWITCHBOARD_HOST=0\.0\.0\.0 is not loopback: set SWITCHBOARD_AUTH=token/);
  });

  it('explains a data directory that cannot be created or written', async () => {
    const parent = fresh();
    const file = join(parent, 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await startExpectingFailure({ SWITCHBOARD_DATA_DIR: join(file, 'data') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /switchboard: cannot create data directory .*not-a-dir.*a file is in the way.*SWITCHBOARD_DATA_DIR/,
    );
    const asDir = await startExpectingFailure({ SWITCHBOARD_DATA_DIR: file });
    expect(asDir.code).toBe(1);
    expect(asDir.stderr).toMatch(/data directory .*not-a-dir/);
  });

  it('refuses a second server on the same data directory, and starts after the first is gone', async () => {
    const dir = fresh();
    const first = await startServerProcess({ SWITCHBOARD_DATA_DIR: dir });
    keep(first);
    const second = await startExpectingFailure({ SWITCHBOARD_DATA_DIR: dir });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      /another Switchboard server is using .*stop it, or give this one its own SWITCHBOARD_DATA_DIR/,
    );
    // Killed without any chance to clean up, the first leaves no stale lock behind.
    first.child.kill('SIGKILL');
    await first.exited;
    const third = await startServerProcess({ SWITCHBOARD_DATA_DIR: dir });
    keep(third);
    expect((await fetch(`${third.url}/healthz`)).status).toBe(200);
  });

  it('explains a database locked by another process', async () => {
    const dir = fresh();
    // Create and migrate the database, then hold its write lock from here.
    const seedRun = await startServerProcess({ SWITCHBOARD_DATA_DIR: dir });
    seedRun.child.kill('SIGTERM');
    expect(await seedRun.exited).toBe(0);
    const holder = new BetterSqlite3(join(dir, 'switchboard.db'));
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const r = await startExpectingFailure({ SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_BUSY_TIMEOUT_MS: '100' });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/database .*switchboard\.db is locked by another process/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('explains a corrupt database file', async () => {
    const dir = fresh();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'switchboard.db'), Buffer.alloc(8192, 'this is not a database '));
    const r = await startExpectingFailure({ SWITCHBOARD_DATA_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/database .*switchboard\.db is corrupt or not a Switchboard database.*restore a backup/);
  });

  it('explains a port in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await startExpectingFailure({ SWITCHBOARD_DATA_DIR: fresh(), SWITCHBOARD_PORT: String(port) });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use.*SWITCHBOARD_PORT`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
