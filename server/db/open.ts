/**
 * The one entry point that opens Switchboard's database: PostgreSQL when a URL is configured
 * (`SWITCHBOARD_DATABASE_URL`), otherwise the embedded SQLite file. Both come migrated, behind
 * the same `Kysely<Database>`.
 */
import { type Db, migrateDatabaseFile, type OpenedDatabase, openDatabase } from './connection.js';
import { loadMigrations, migrationsDir } from './migrate.js';
import { migratePostgres } from './migrate-postgres.js';
import { explainPostgresFailure, openPostgresDatabase, type PostgresDatabase } from './postgres.js';
import { describePostgresUrl } from './postgres-url.js';

/** An open database of either dialect; `sqlite` / `pool` give the driver when a caller needs it. */
export type OpenedDb = OpenedDatabase | PostgresDatabase;

export type { Db };

export interface DatabaseConfig {
  /** A `postgres://` URL, or null for the SQLite file. */
  databaseUrl: string | null;
  /** The SQLite file (ignored with a URL). */
  dbFile: string;
  /** Most PostgreSQL connections (ignored for SQLite). */
  dbPoolMax: number;
  synchronous: 'NORMAL' | 'FULL';
  busyTimeoutMs: number;
}

/**
 * Opens and migrates the configured database.
 * Errors: for PostgreSQL a `DatabaseOpenError` naming the server and what to do (unreachable,
 * refused credentials, missing database, newer schema); for SQLite what `openDatabase` throws.
 */
export async function openDb(
  config: DatabaseConfig,
  opts: { onPoolError?: (err: Error) => void } = {},
): Promise<OpenedDb> {
  if (config.databaseUrl) {
    return openPostgresDatabase(config.databaseUrl, {
      poolMax: config.dbPoolMax,
      ...(opts.onPoolError && { onPoolError: opts.onPoolError }),
    });
  }
  return openDatabase(config.dbFile, { synchronous: config.synchronous, busyTimeoutMs: config.busyTimeoutMs });
}

export interface MigrateResult {
  /** The database, for messages: `PostgreSQL database "d" at host:port` or the SQLite file. */
  database: string;
  /** Migrations applied now, in order; empty when the database was up to date. */
  applied: string[];
  /** The newest migration this code has, which the database is now at. */
  latest: string | null;
}

/**
 * Applies pending migrations to the configured database and closes it (`switchboard migrate`;
 * the server does the same at start). Creates the SQLite file if needed; a PostgreSQL
 * database must exist.
 * Errors: for PostgreSQL a `DatabaseOpenError` (`explainPostgresError`: malformed URL, server
 * unreachable, refused credentials, missing database, newer schema, a failed migration); for
 * SQLite what `migrateDatabaseFile` throws.
 */
export async function migrateDb(
  config: Pick<DatabaseConfig, 'databaseUrl' | 'dbFile' | 'busyTimeoutMs'>,
): Promise<MigrateResult> {
  const url = config.databaseUrl;
  const dialect = url ? 'postgres' : 'sqlite';
  const names = loadMigrations(migrationsDir(dialect)).map((m) => m.name);
  const latest = names[names.length - 1] ?? null;
  if (!url) {
    const applied = migrateDatabaseFile(config.dbFile, { busyTimeoutMs: config.busyTimeoutMs });
    return { database: `SQLite database ${config.dbFile}`, applied, latest };
  }
  const opened = await openPostgresDatabase(url, { poolMax: 1, migrate: false });
  try {
    return { database: describePostgresUrl(url), applied: await migratePostgres(opened.pool), latest };
  } catch (err) {
    throw explainPostgresFailure(url, err);
  } finally {
    await opened.close();
  }
}
