/**
 * Applies the plain SQL files in `migrations/sqlite/` (`NNNN_name.sql`) in order, each in one
 * transaction, recording them in `schema_migrations`. Files are append-only: an applied
 * migration is never edited, a change is a new file. `migrations/postgres/` holds the same
 * set in PostgreSQL's dialect (same names), applied by `migrate-postgres.ts`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { packagePath } from '../package-root.js';

export type Dialect = 'sqlite' | 'postgres';

/** The folder holding `dialect`'s migrations (absolute; the same from the sources and from dist/). */
export const migrationsDir = (dialect: Dialect): string => packagePath('migrations', dialect);

export const MIGRATIONS_DIR = migrationsDir('sqlite');

export interface Migration {
  name: string;
  sql: string;
}

/** Reads `NNNN_name.sql` files from `dir`, sorted by name. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((name) => ({ name, sql: readFileSync(`${dir}/${name}`, 'utf8') }));
}

/**
 * Applies every migration not yet recorded. Returns the names applied now.
 * Throws if the database records a migration that no longer exists (a newer server's database).
 */
export function migrate(sqlite: BetterSqlite3.Database, migrations: Migration[] = loadMigrations()): string[] {
  sqlite.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set(
    (sqlite.prepare('SELECT name FROM schema_migrations').all() as { name: string }[]).map((r) => r.name),
  );
  refuseNewerSchema(applied, migrations);
  const record = sqlite.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)');
  const done: string[] = [];
  for (const m of migrations) {
    if (applied.has(m.name)) continue;
    sqlite.transaction(() => {
      sqlite.exec(m.sql);
      record.run(m.name, Date.now());
    })();
    done.push(m.name);
  }
  return done;
}

/**
 * Throws if the database records a migration this code does not have (a newer server's
 * database): running older code on it could corrupt it.
 */
export function refuseNewerSchema(applied: Iterable<string>, migrations: Migration[]): void {
  const known = new Set(migrations.map((m) => m.name));
  const unknown = [...applied].filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new Error(
      `database was migrated by a newer Switchboard (unknown migrations: ${unknown.join(', ')}); upgrade the server`,
    );
  }
}
