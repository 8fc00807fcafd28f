/**
 * Opens a PostgreSQL database (a `pg` Pool) behind the same Kysely `Database` type as SQLite,
 * and applies pending migrations. Selected by `SWITCHBOARD_DATABASE_URL`; several servers
 * may share one database.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migratePostgres } from './migrate-postgres.js';
import { hostPort, type PostgresTarget, parsePostgresUrl } from './postgres-url.js';
import type { Database } from './schema.js';

export interface PostgresDatabase {
  db: Kysely<Database>;
  dialect: 'postgres';
  pool: pg.Pool;
  /**
   * Opens a connection of its own, outside the pool, with the same settings (for LISTEN and
   * session advisory locks, which must not hold a pooled connection). The caller ends it.
   */
  connect: () => Promise<pg.Client>;
  /** Ends every connection of the pool. */
  close: () => Promise<void>;
}

export interface PostgresOptions {
  /** Most connections the pool opens (SWITCHBOARD_DB_POOL_MAX). */
  poolMax?: number;
  /** How long opening a connection may take before it fails (ms). */
  connectTimeoutMs?: number;
  /** Called when an idle connection fails (server restart, network); the pool replaces it. */
  onPoolError?: (err: Error) => void;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
}

const INT8 = 20;

/**
 * Column types as the schema types promise them: BIGINT (int8: timestamps in UTC ms, and
 * COUNT(*)/SUM(integer) results) parses to a JS number instead of pg's default string. Exact
 * while below 2^53: ms timestamps reach that in the year 287,396, and counts never do.
 * NUMERIC (SUM of a BIGINT column, AVG) stays a string.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 && format !== 'binary'
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** An open error carrying the driver's code (e.g. `ECONNREFUSED`, `3D000`) for callers that branch on it. */
export class DatabaseOpenError extends Error {
  override readonly name = 'DatabaseOpenError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
]);

/** Whether an open error means the server did not answer (not running, wrong host or port, network). */
export const isUnreachable = (err: unknown): boolean => err instanceof DatabaseOpenError && UNREACHABLE.has(err.code);

/** The text of a driver error; Node's multi-address connect fails with an AggregateError and no message. */
function textOf(err: unknown): string {
  const e = err as Error & { errors?: Error[] };
  if (e.message) return e.message;
  if (Array.isArray(e.errors)) return e.errors.map((x) => x.message).join('; ');
  return String(err);
}

/**
 * A message a person can act on for a failure to reach, log in to or migrate the database at
 * `target`: unreachable server, refused credentials, missing database, a schema newer than
 * this code. Never includes the password.
 */
export function explainPostgresError(target: PostgresTarget, err: unknown): DatabaseOpenError {
  if (err instanceof DatabaseOpenError) return err;
  const code = String((err as { code?: unknown }).code ?? '');
  const text = textOf(err);
  const at = `PostgreSQL at ${hostPort(target)}`;
  if (UNREACHABLE.has(code) || /timeout|terminated unexpectedly/i.test(text)) {
    return new DatabaseOpenError(
      `cannot reach ${at}: ${text}; check that the server is running and SWITCHBOARD_DATABASE_URL names it`,
      code || 'ETIMEDOUT',
    );
  }
  if (code === '28P01' || code === '28000') {
    return new DatabaseOpenError(
      `${at} refused user "${target.user}": ${text}; check the user and password in SWITCHBOARD_DATABASE_URL`,
      code,
    );
  }
  if (code === '3D000') {
    return new DatabaseOpenError(
      `database "${target.database}" does not exist on ${at}; create it (createdb -h ${target.host} -p ${target.port} ${target.database}) or fix SWITCHBOARD_DATABASE_URL`,
      code,
    );
  }
  if (code === '42501') {
    return new DatabaseOpenError(
      `user "${target.user}" may not change the schema of database "${target.database}" on ${at} (${text}); grant it CREATE on the database, or migrate once as its owner`,
      code,
    );
  }
  if (/newer Switchboard/.test(text)) return new DatabaseOpenError(text, 'newer_schema');
  return new DatabaseOpenError(`cannot open database "${target.database}" on ${at}: ${text}`, code);
}

/** `explainPostgresError` for the server a URL names (a malformed URL: the error as it is). */
export function explainPostgresFailure(url: string, err: unknown): DatabaseOpenError {
  const target = parsePostgresUrl(url);
  if ('error' in target) return new DatabaseOpenError(textOf(err), String((err as { code?: unknown }).code ?? ''));
  return explainPostgresError(target, err);
}

/**
 * Connects to the database `url` names (checking it answers), migrates it, and returns it.
 * Errors: `DatabaseOpenError` with a message from `explainPostgresError`, or for a malformed URL.
 */
export async function openPostgresDatabase(url: string, opts: PostgresOptions = {}): Promise<PostgresDatabase> {
  const target = parsePostgresUrl(url);
  if ('error' in target) throw new DatabaseOpenError(`SWITCHBOARD_DATABASE_URL ${target.error}`, 'invalid_url');
  const settings = { connectionString: url, connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000, types };
  const pool = new pg.Pool({ ...settings, max: opts.poolMax ?? 10 });
  // Without a listener, an idle connection's error (server restart) would crash the process.
  pool.on('error', (err) => opts.onPoolError?.(err));
  let ended = false;
  const close = async () => {
    if (ended) return;
    ended = true;
    await pool.end();
  };
  try {
    await pool.query('SELECT 1');
    if (opts.migrate ?? true) await migratePostgres(pool);
  } catch (err) {
    await close().catch(() => {});
    throw explainPostgresError(target, err);
  }
  // Kysely would end the pool on db.destroy(); `close` ends it instead, once, for both.
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const connect = async () => {
    const client = new pg.Client({ ...settings, keepAlive: true });
    // Until the caller listens: an error on an idle connection must not crash the process.
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    return client;
  };
  return { db, dialect: 'postgres', pool, connect, close };
}
