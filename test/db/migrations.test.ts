/**
 * The SQLite migrator (server/db/migrate.ts): plain SQL files applied in order, each in one
 * transaction, recorded once; a database migrated by a newer server is refused.
 */
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, migrationsDir } from '../../server/db/migrate.js';

describe('migrations (SQLite)', () => {
  let db: BetterSqlite3.Database | undefined;
  afterEach(() => db?.close());

  const names = () =>
    (
      (db as BetterSqlite3.Database).prepare('SELECT name FROM schema_migrations ORDER BY name').all() as {
        name: string;
      }[]
    ).map((r) => r.name);

  it('applies every file in order once, and a second run applies nothing', () => {
    db = new BetterSqlite3(':memory:');
    const files = loadMigrations();
    expect(files.map((m) => m.name)).toEqual([...files.map((m) => m.name)].sort());
    expect(files.map((m) => m.name)).toEqual(loadMigrations(migrationsDir('postgres')).map((m) => m.name));
    expect(migrate(db)).toEqual(files.map((m) => m.name));
    expect(names()).toEqual(files.map((m) => m.name));
    expect(migrate(db)).toEqual([]);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
      (r) => r.name,
    );
    expect(tables).toEqual(expect.arrayContaining(['teams', 'agents', 'messages', 'deliveries', 'tasks', 'reviews']));
  });

  it('applies a new file on top of a migrated database', () => {
    db = new BetterSqlite3(':memory:');
    migrate(db);
    const next = [...loadMigrations(), { name: '9999_extra.sql', sql: 'CREATE TABLE extra (id TEXT PRIMARY KEY);' }];
    expect(migrate(db, next)).toEqual(['9999_extra.sql']);
    expect(names()).toContain('9999_extra.sql');
  });

  it('rolls a failing file back whole, recording nothing of it', () => {
    db = new BetterSqlite3(':memory:');
    migrate(db);
    const bad = [
      ...loadMigrations(),
      { name: '9999_bad.sql', sql: 'CREATE TABLE half_done (id TEXT); INSERT INTO no_such_table VALUES (1);' },
    ];
    expect(() => migrate(db as BetterSqlite3.Database, bad)).toThrow(/no_such_table/);
    expect(names()).not.toContain('9999_bad.sql');
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half_done'").get()).toEqual({ n: 0 });
  });

  it('refuses a database migrated by a newer server, naming the unknown migrations', () => {
    db = new BetterSqlite3(':memory:');
    migrate(db);
    db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)').run('9999_future.sql', Date.now());
    expect(() => migrate(db as BetterSqlite3.Database)).toThrow(/newer Switchboard.*9999_future\.sql.*upgrade/);
  });
});
