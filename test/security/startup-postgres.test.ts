import { createServer } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createDatabase, databaseUrl, dropDatabases, uniqueName } from '../helpers/pg-admin.js';
import { processTracker, startExpectingFailure, startServerProcess } from './process.js';

const { fresh, keep, cleanup } = processTracker();
const databases: string[] = [];
afterEach(cleanup);
afterAll(() => dropDatabases({ names: databases }));

describe('start-up with PostgreSQL', () => {
  it('names a malformed SWITCHBOARD_DATABASE_URL (exit 2)', async () => {
    const r = await startExpectingFailure({
      SWITCHBOARD_DATA_DIR: fresh(),
      SWITCHBOARD_DATABASE_URL: 'db.internal:5432',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SWITCHBOARD_DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
  });

  it('explains an unreachable server and a missing database (exit 1), without the password', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const down = await startExpectingFailure({
      SWITCHBOARD_DATA_DIR: fresh(),
      SWITCHBOARD_DATABASE_URL: `postgres://sb:hunter2@127.0.0.1:${port}/board`,
    });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      new RegExp(`switchboard: cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    );
    expect(down.stderr).not.toContain('hunter2');

    const missing = uniqueName('sbt_missing');
    const none = await startExpectingFailure({
      SWITCHBOARD_DATA_DIR: fresh(),
      SWITCHBOARD_DATABASE_URL: databaseUrl(missing),
    });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(
      new RegExp(`switchboard: database "${missing}" does not exist on PostgreSQL at .*; create it`),
    );
  });

  it('starts two servers together on one fresh database; both serve it', async () => {
    const name = uniqueName('sbt_startup');
    databases.push(name);
    await createDatabase(name);
    const env = { SWITCHBOARD_DATABASE_URL: databaseUrl(name), SWITCHBOARD_DB_POOL_MAX: '3' };
    const [a, b] = await Promise.all([
      startServerProcess({ ...env, SWITCHBOARD_DATA_DIR: fresh() }),
      startServerProcess({ ...env, SWITCHBOARD_DATA_DIR: fresh() }),
    ]);
    keep(a, b);
    expect(a.stdout()).toMatch(new RegExp(`data in PostgreSQL database "${name}" at `));
    for (const p of [a, b]) expect((await fetch(`${p.url}/healthz`)).status).toBe(200);
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  });
});
