/**
 * Opens the SQLite database (better-sqlite3) behind a Kysely instance, with the pragmas
 * Switchboard relies on, and applies pending migrations.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresAdapter, SqliteDialect } from 'kysely';
import { migrate } from './migrate.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

/** The SQL dialect a database handle speaks (for labels such as the transaction-time metric). */
export function dialectOf(db: Db): 'sqlite' | 'postgres' {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

export interface OpenedDatabase {
  db: Db;
  dialect: 'sqlite';
  sqlite: BetterSqlite3.Database;
  /** Checkpoints the WAL and closes the file. */
  close: () => Promise<void>;
}

/**
 * Pragmas: WAL so readers never block the writer; synchronous=NORMAL, which in WAL mode
 * keeps every committed transaction across a process crash (SIGKILL) and loses at most the
 * last commits on power loss (set `synchronous: 'FULL'` to fsync every commit); foreign keys
 * on; a busy timeout so a second process (the CLI) waits instead of failing.
 */
function applyPragmas(sqlite: BetterSqlite3.Database, synchronous: 'NORMAL' | 'FULL', busyTimeoutMs: number): void {
  sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${synchronous}`);
  sqlite.pragma('foreign_keys = ON');
}

/** Statements kept prepared, by SQL text; beyond this the oldest is dropped. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * The database as Kysely's SQLite driver sees it, with a cache of prepared statements: Kysely
 * prepares every query anew, and preparing costs as much as running a small query. Safe
 * because better-sqlite3 runs a statement to completion synchronously (Kysely never streams here).
 */
function withStatementCache(sqlite: BetterSqlite3.Database) {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (sql: string) => {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

function wrap(sqlite: BetterSqlite3.Database): OpenedDatabase {
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return {
    db,
    dialect: 'sqlite',
    sqlite,
    close: async () => {
      if (!sqlite.open) return;
      if (!sqlite.memory) sqlite.pragma('wal_checkpoint(TRUNCATE)');
      await db.destroy();
    },
  };
}

/**
 * Opens (creating if needed) the database file at `file` and migrates it.
 * Errors: throws with a readable message if the file cannot be opened or is not a database.
 */
export function openDatabase(
  file: string,
  opts: { synchronous?: 'NORMAL' | 'FULL'; busyTimeoutMs?: number } = {},
): OpenedDatabase {
  mkdirSync(dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  try {
    applyPragmas(sqlite, opts.synchronous ?? 'NORMAL', opts.busyTimeoutMs ?? 5000);
    migrate(sqlite);
  } catch (err) {
    sqlite.close();
    throw err;
  }
  return wrap(sqlite);
}

/**
 * Creates (if needed) and migrates the database file at `file` without keeping it open, for
 * `switchboard migrate`. Returns the names of the migrations applied now (none: up to date).
 * Errors: as `openDatabase`, and a database migrated by a newer Switchboard.
 */
export function migrateDatabaseFile(file: string, opts: { busyTimeoutMs?: number } = {}): string[] {
  mkdirSync(dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  try {
    applyPragmas(sqlite, 'NORMAL', opts.busyTimeoutMs ?? 5000);
    const applied = migrate(sqlite);
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    return applied;
  } finally {
    sqlite.close();
  }
}

let template: Buffer | undefined;

/**
 * A fresh, migrated in-memory database. The schema is migrated once per process and each
 * call deserializes a copy, so every test gets its own database on the real schema cheaply.
 */
export function openMemoryDatabase(): OpenedDatabase {
  if (!template) {
    const seed = new BetterSqlite3(':memory:');
    migrate(seed);
    template = seed.serialize();
    seed.close();
  }
  const sqlite = new BetterSqlite3(template);
  sqlite.pragma('foreign_keys = ON');
  return wrap(sqlite);
}
