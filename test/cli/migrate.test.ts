/**
 * `switchboard migrate` as a real process: it migrates a fresh PostgreSQL database (and the
 * SQLite file of a data directory), says what it applied, then that nothing is left; a
 * malformed URL, an unreachable server, a missing database and a schema newer than the code
 * each exit non-zero with the server's start-up message. The other data commands (token,
 * backup) follow the URL too. Needs PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrationsDir } from '../../server/db/migrate.js';
import { describePostgresUrl } from '../../server/db/postgres-url.js';
import { runCli } from '../helpers/cli.js';
import { createDatabase, databaseUrl, dropDatabases, uniqueName } from '../helpers/pg-admin.js';

const databases: string[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await dropDatabases({ names: databases });
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const migrate = (env: Record<string, string>, args: string[] = []) => runCli(['migrate', ...args], { env });

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

describe('switchboard migrate', { timeout: 120_000 }, () => {
  it('migrates a fresh PostgreSQL database, then finds it up to date; refuses a newer schema', async () => {
    const names = loadMigrations(migrationsDir('postgres')).map((m) => m.name);
    const name = uniqueName('sbt_migrate');
    databases.push(name);
    await createDatabase(name);
    const url = databaseUrl(name);

    const first = await migrate({ SWITCHBOARD_DATABASE_URL: url });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(
      `Applied ${names.length} migrations to ${describePostgresUrl(url)}:\n${names.map((n) => `  ${n}\n`).join('')}`,
    );
    const rows = await query<{ name: string }>(url, 'SELECT name FROM schema_migrations ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual(names);
    expect(await query(url, "SELECT name FROM teams WHERE name = 'default'")).toHaveLength(1);

    const again = await migrate({ SWITCHBOARD_DATABASE_URL: url }, ['--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json()).toEqual({
      database: describePostgresUrl(url),
      applied: [],
      latest: names[names.length - 1],
    });

    await query(url, "INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_future.sql', 0)");
    const newer = await migrate({ SWITCHBOARD_DATABASE_URL: url });
    expect(newer.code).toBe(1);
    expect(newer.stderr).toBe(
      'switchboard: database was migrated by a newer Switchboard (unknown migrations: 9999_future.sql); upgrade the server\n',
    );
  });

  it('explains a malformed URL (2), an unreachable server (7) and a missing database (1), without the password', async () => {
    const bad = await migrate({ SWITCHBOARD_DATABASE_URL: 'db.internal:5432' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^switchboard: SWITCHBOARD_DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/);

    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const down = await migrate({ SWITCHBOARD_DATABASE_URL: `postgres://sb:hunter2@127.0.0.1:${port}/board` });
    expect(down.code).toBe(7);
    expect(down.stderr).toMatch(
      new RegExp(`^switchboard: cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*; check that`),
    );
    expect(down.stderr).not.toContain('hunter2');

    const missing = uniqueName('sbt_missing');
    const none = await migrate({ SWITCHBOARD_DATABASE_URL: databaseUrl(missing) });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(new RegExp(`^switchboard: database "${missing}" does not exist on .*; create it`));
    expect(none.stdout).toBe('');
  });

  it('token and backup follow SWITCHBOARD_DATABASE_URL as the server does', async () => {
    const name = uniqueName('sbt_tokens');
    databases.push(name);
    await createDatabase(name);
    const env = { SWITCHBOARD_DATABASE_URL: databaseUrl(name) };
    const created = await runCli(['token', 'create', 'alice', '--json'], { env });
    expect(created.code, created.stderr).toBe(0);
    const { info } = created.json();
    const rows = await query<{ id: string }>(databaseUrl(name), 'SELECT id FROM tokens');
    expect(rows.map((r) => r.id)).toEqual([info.id]);
    const listed = await runCli(['token', 'list'], { env });
    expect(listed.stdout).toMatch(new RegExp(`^${info.id}  agent  alice`));
    const backup = await runCli(['backup'], { env });
    expect(backup.code).toBe(1);
    expect(backup.stderr).toMatch(/back up PostgreSQL with pg_dump/);
  });

  it('without a URL, migrates the SQLite file of the data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-migrate-'));
    dirs.push(dir);
    const names = loadMigrations(migrationsDir('sqlite')).map((m) => m.name);
    const file = join(dir, 'data', 'switchboard.db');
    const first = await migrate({ SWITCHBOARD_DATA_DIR: join(dir, 'data') });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`Applied ${names.length} migrations to SQLite database ${file}:`);
    const again = await migrate({}, ['--data-dir', join(dir, 'data')]);
    expect(again.stdout).toBe(
      `SQLite database ${file} is up to date (latest migration ${names[names.length - 1]}); nothing to apply.\n`,
    );
    const db = new BetterSqlite3(file);
    db.prepare("INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_future.sql', 0)").run();
    db.close();
    const newer = await migrate({ SWITCHBOARD_DATA_DIR: join(dir, 'data') });
    expect(newer.code).toBe(1);
    expect(newer.stderr).toMatch(/newer Switchboard \(unknown migrations: 9999_future\.sql\); upgrade the server\n$/);
  });
});
