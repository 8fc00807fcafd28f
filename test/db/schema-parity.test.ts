/**
 * The PostgreSQL migrations build the same schema as the SQLite ones: a fresh database of
 * each dialect, migrated, has the same tables, columns (type family, nullability, default),
 * primary keys, foreign keys, unique constraints and indexes. A column, index or key added to
 * one dialect's migrations only fails here. Needs PostgreSQL (SWITCHBOARD_TEST_PG_URL).
 */
import { readdirSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrationsDir } from '../../server/db/migrate.js';
import { openPostgresDatabase, type PostgresDatabase } from '../../server/db/postgres.js';
import { createDatabase, databaseUrl, dropDatabases, uniqueName } from '../helpers/pg-admin.js';
import { postgresShape, type SchemaShape, sqliteShape } from './schema-shape.js';

const name = uniqueName('sbt_parity');
let pg: PostgresDatabase;
let sqlite: BetterSqlite3.Database;

beforeAll(async () => {
  await createDatabase(name);
  pg = await openPostgresDatabase(databaseUrl(name));
  sqlite = new BetterSqlite3(':memory:');
  migrate(sqlite);
});

afterAll(async () => {
  sqlite?.close();
  await pg?.close();
  await dropDatabases({ names: [name] });
});

describe('schema parity between SQLite and PostgreSQL', () => {
  it('has one migration file per dialect with the same names', () => {
    const files = (d: 'sqlite' | 'postgres') => readdirSync(migrationsDir(d)).filter((f) => f.endsWith('.sql'));
    expect(files('postgres')).toEqual(files('sqlite'));
  });

  it('builds the same tables, columns, keys and indexes', async () => {
    const lite = sqliteShape(sqlite);
    const post = await postgresShape(pg.pool);
    expect(Object.keys(lite).length).toBeGreaterThan(10);
    // One comparison, so the diff lists every difference (PostgreSQL "Received", SQLite "Expected").
    expect(post).toEqual(lite);
  });

  it('keeps text in byte order on PostgreSQL (COLLATE "C", as SQLite BINARY compares)', async () => {
    const { rows } = await pg.pool.query<{ col: string }>(
      `SELECT table_name || '.' || column_name AS col FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type = 'text' AND coalesce(collation_name, '') <> 'C'`,
    );
    expect(rows.map((r) => r.col)).toEqual([]);
  });

  it('seeds the same rows (the default team, the applied migrations)', async () => {
    const team = sqlite.prepare('SELECT id, name, next_task_number, created_at FROM teams').all();
    expect((await pg.pool.query('SELECT id, name, next_task_number, created_at FROM teams')).rows).toEqual(team);
    const names = (sqlite.prepare('SELECT name FROM schema_migrations ORDER BY name').all() as { name: string }[]).map(
      (r) => r.name,
    );
    const pgNames = (await pg.pool.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')).rows;
    expect(pgNames.map((r) => r.name)).toEqual(names);
  });

  it('notices a column, an index or a nullability that only one dialect has', () => {
    const base = sqliteShape(sqlite);
    const changed = (sql: string): SchemaShape => {
      const copy = new BetterSqlite3(sqlite.serialize());
      copy.exec(sql);
      const s = sqliteShape(copy);
      copy.close();
      return s;
    };
    expect(changed('ALTER TABLE tasks ADD COLUMN estimate INTEGER')).not.toEqual(base);
    expect(changed('CREATE INDEX tasks_title ON tasks (title)')).not.toEqual(base);
    expect(changed("ALTER TABLE agents ADD COLUMN team_color TEXT NOT NULL DEFAULT 'red'")).not.toEqual(base);
  });
});
