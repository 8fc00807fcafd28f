/**
 * The one entry point that opens Switchboard's database: PostgreSQL when a URL is configured
 * (`SWITCHBOARD_DATABASE_URL`), otherwise the embedded SQLite file. Both come migrated, behind
 * the same `Kysely<Database>`.
 */
import { type Db, type OpenedDatabase, openDatabase } from './connection.js';
import { openPostgresDatabase, type PostgresDatabase } from './postgres.js';

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
