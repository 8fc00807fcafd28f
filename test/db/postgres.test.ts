/**
 * The PostgreSQL path of server/db: migrating once when several servers start together,
 * refusing a newer schema, rolling back a failed migration, numbers for BIGINT, the dialect
 * chosen by configuration, and start-up errors a person can act on. Needs PostgreSQL
 * (SWITCHBOARD_TEST_PG_URL).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { openMemoryDatabase } from '../../server/db/connection.js';
import { isUniqueViolation } from '../../server/db/errors.js';
import { loadMigrations, migrate, migrationsDir } from '../../server/db/migrate.js';
import { migratePostgres } from '../../server/db/migrate-postgres.js';
import { openDb } from '../../server/db/open.js';
import { openPostgresDatabase } from '../../server/db/postgres.js';
import { createDatabase, databaseUrl, dropDatabases, TEST_PG_URL, uniqueName } from '../helpers/pg-admin.js';

const created: string[] = [];
async function freshDatabase(): Promise<string> {
  const name = uniqueName('sbt_db');
  created.push(name);
  await createDatabase(name);
  return name;
}
afterAll(() => dropDatabases({ names: created }));

const NAMES = loadMigrations(migrationsDir('postgres')).map((m) => m.name);

describe('PostgreSQL migrations', () => {
  it('migrates once when several servers start at the same time, then finds nothing to do', async () => {
    const url = databaseUrl(await freshDatabase());
    const opened = await Promise.all([1, 2, 3, 4].map(() => openPostgresDatabase(url, { poolMax: 2 })));
    try {
      const rows = (await opened[0]!.pool.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name'))
        .rows;
      expect(rows.map((r) => r.name)).toEqual(NAMES);
      expect(await migratePostgres(opened[1]!.pool)).toEqual([]);
    } finally {
      await Promise.all(opened.map((o) => o.close()));
    }
  });

  it('refuses a database migrated by a newer server, with the same words as SQLite', async () => {
    const url = databaseUrl(await freshDatabase());
    const first = await openPostgresDatabase(url);
    await first.pool.query("INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_future.sql', 0)");
    await first.close();
    const sqlite = new BetterSqlite3(':memory:');
    migrate(sqlite);
    sqlite.prepare("INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_future.sql', 0)").run();
    let sqliteMessage = '';
    try {
      migrate(sqlite);
    } catch (err) {
      sqliteMessage = (err as Error).message;
    } finally {
      sqlite.close();
    }
    expect(sqliteMessage).toMatch(/newer Switchboard \(unknown migrations: 9999_future\.sql\); upgrade the server/);
    await expect(openPostgresDatabase(url)).rejects.toThrow(sqliteMessage);
  });

  it('rolls back a failing migration, keeping the ones before it', async () => {
    const url = databaseUrl(await freshDatabase());
    const opened = await openPostgresDatabase(url, { migrate: false });
    try {
      const broken = [
        { name: '0001_a.sql', sql: 'CREATE TABLE a (x INTEGER);' },
        { name: '0002_b.sql', sql: 'CREATE TABLE b (x INTEGER);\nSELECT no_such_column FROM a;' },
      ];
      await expect(migratePostgres(opened.pool, broken)).rejects.toThrow(
        /migration 0002_b\.sql failed: .*no_such_column/,
      );
      const tables = await opened.pool.query<{ t: string }>(
        "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
      );
      expect(tables.rows.map((r) => r.t)).toEqual(['a', 'schema_migrations']);
      const applied = await opened.pool.query<{ name: string }>('SELECT name FROM schema_migrations');
      expect(applied.rows.map((r) => r.name)).toEqual(['0001_a.sql']);
    } finally {
      await opened.close();
    }
  });
});

describe('PostgreSQL connection', () => {
  it('returns BIGINT timestamps and COUNT(*) as JS numbers, as the schema types say', async () => {
    const opened = await openPostgresDatabase(databaseUrl(await freshDatabase()));
    try {
      const now = Date.now();
      await opened.db
        .insertInto('agents')
        .values({ id: 'a1', team_id: '00000000000000000000000000', name: 'alice', created_at: now, last_seen_at: now })
        .execute();
      const row = await opened.db.selectFrom('agents').selectAll().executeTakeFirstOrThrow();
      expect(row.last_seen_at).toBe(now);
      const n = await opened.db
        .selectFrom('agents')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(n.n).toBe(1);
    } finally {
      await opened.close();
    }
  });

  it('recognizes a unique violation from either dialect', async () => {
    const post = await openPostgresDatabase(databaseUrl(await freshDatabase()));
    const lite = openMemoryDatabase();
    try {
      for (const { db } of [lite, post]) {
        const team = { id: 't2', name: 'other', created_at: 0 };
        await db.insertInto('teams').values(team).execute();
        const dup = await db
          .insertInto('teams')
          .values({ ...team, id: 't3' })
          .execute()
          .catch((e: unknown) => e);
        expect(isUniqueViolation(dup)).toBe(true);
        const key = await db
          .insertInto('teams')
          .values(team)
          .execute()
          .catch((e: unknown) => e);
        expect(isUniqueViolation(key)).toBe(true);
        const other = await db
          .insertInto('agents')
          .values({ id: 'a', team_id: 'nope', name: 'x', created_at: 0, last_seen_at: 0 })
          .execute()
          .catch((e: unknown) => e);
        expect(isUniqueViolation(other)).toBe(false);
      }
    } finally {
      await lite.close();
      await post.close();
    }
  });

  it('opens SQLite without a URL and PostgreSQL with one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-db-'));
    try {
      const base = {
        dbFile: join(dir, 'switchboard.db'),
        dbPoolMax: 2,
        synchronous: 'NORMAL',
        busyTimeoutMs: 100,
      } as const;
      const lite = await openDb({ ...base, databaseUrl: null });
      expect(lite.dialect).toBe('sqlite');
      await lite.close();
      const post = await openDb({ ...base, databaseUrl: databaseUrl(await freshDatabase()) });
      expect(post.dialect).toBe('postgres');
      expect(await post.db.selectFrom('teams').select('name').execute()).toEqual([{ name: 'default' }]);
      await post.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('explains an unreachable server, refused credentials and a missing database, never showing the password', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    await expect(openPostgresDatabase(`postgres://u:hunter2@127.0.0.1:${port}/x`)).rejects.toThrow(
      new RegExp(`^cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*SWITCHBOARD_DATABASE_URL`),
    );

    const server = new URL(TEST_PG_URL);
    const at = `${server.hostname}:${server.port || 5432}`;
    const stranger = new URL(TEST_PG_URL);
    stranger.username = uniqueName('sbt_nobody');
    stranger.password = 'hunter2';
    const refused = await openPostgresDatabase(stranger.toString()).catch((e: Error) => e);
    expect((refused as Error).message).toMatch(
      new RegExp(
        `^PostgreSQL at ${at.replace(/\./g, '\\.')} refused user "sbt_nobody_[0-9a-f]+": .*check the user and password`,
      ),
    );
    expect((refused as Error).message).not.toContain('hunter2');

    const missing = uniqueName('sbt_missing');
    await expect(openPostgresDatabase(databaseUrl(missing))).rejects.toThrow(
      `database "${missing}" does not exist on PostgreSQL at ${at}; create it`,
    );
    await expect(openPostgresDatabase('mysql://h/db')).rejects.toThrow(
      /^SWITCHBOARD_DATABASE_URL must be a postgres:\/\//,
    );
  });
});

describe('database configuration', () => {
  it('reads SWITCHBOARD_DATABASE_URL and SWITCHBOARD_DB_POOL_MAX, naming an invalid one', () => {
    expect(loadConfig({})).toMatchObject({ databaseUrl: null, dbPoolMax: 10 });
    expect(loadConfig({ SWITCHBOARD_DATABASE_URL: '' })).toMatchObject({ databaseUrl: null });
    expect(
      loadConfig({
        SWITCHBOARD_DATABASE_URL: 'postgresql://sb:pw@db.internal:6432/board',
        SWITCHBOARD_DB_POOL_MAX: '4',
      }),
    ).toMatchObject({ databaseUrl: 'postgresql://sb:pw@db.internal:6432/board', dbPoolMax: 4 });
    expect(() => loadConfig({ SWITCHBOARD_DATABASE_URL: 'db.internal:5432' })).toThrow(
      /SWITCHBOARD_DATABASE_URL: must be a postgres/,
    );
    expect(() => loadConfig({ SWITCHBOARD_DATABASE_URL: 'not a url' })).toThrow(
      /SWITCHBOARD_DATABASE_URL: is not a URL/,
    );
    expect(() => loadConfig({ SWITCHBOARD_DB_POOL_MAX: '0' })).toThrow(/SWITCHBOARD_DB_POOL_MAX/);
  });
});
