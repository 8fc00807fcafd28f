/**
 * Start-up checks with errors a person can act on, and the graceful shutdown sequence.
 * Used by `server/main.ts`; each start-up failure is a `StartupError` whose message names
 * the file or setting and says what to do.
 */
import { accessSync, constants, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { type OpenedDatabase, openDatabase } from './db/connection.js';
import type { AppDeps } from './deps.js';
import { baseCtx } from './identity.js';
import { applyRetention } from './ops/retention.js';

export class StartupError extends Error {
  override readonly name = 'StartupError';
}

const errnoOf = (err: unknown) => (err as NodeJS.ErrnoException).code ?? '';

/**
 * Creates the data directory if needed and proves it writable (by writing a probe file, which
 * also catches read-only file systems that permission bits do not show).
 * Errors: `StartupError` naming the directory and the reason.
 */
export function prepareDataDir(dir: string): void {
  const hint = 'set SWITCHBOARD_DATA_DIR to a directory this user can write';
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    const why =
      errnoOf(err) === 'ENOTDIR' || errnoOf(err) === 'EEXIST'
        ? 'a file is in the way'
        : errnoOf(err) === 'EACCES' || errnoOf(err) === 'EPERM'
          ? 'permission denied'
          : (err as Error).message;
    throw new StartupError(`cannot create data directory ${dir} (${why}); ${hint}`);
  }
  if (!statSync(dir).isDirectory()) throw new StartupError(`data directory ${dir} is not a directory; ${hint}`);
  const probe = join(dir, `.write-test-${process.pid}`);
  try {
    accessSync(dir, constants.W_OK);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (err) {
    const why = errnoOf(err) === 'EROFS' ? 'read-only file system' : 'permission denied';
    throw new StartupError(`data directory ${dir} is not writable (${why}); ${hint}`);
  }
}

/**
 * Makes sure only one server uses a data directory: holds an exclusive SQLite lock on
 * `<dir>/server.lock` for the life of the process. The operating system drops the lock when
 * the process ends, however it ends (SIGKILL included), so a crash never leaves it stuck.
 * Returns a function that releases it.
 * Errors: `StartupError` when another server holds it.
 */
export function lockDataDir(dir: string): () => void {
  const file = join(dir, 'server.lock');
  const lock = new BetterSqlite3(file, { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    lock.close();
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new StartupError(
        `another Switchboard server is using ${dir} (its lock ${file} is held); stop it, or give this one its own SWITCHBOARD_DATA_DIR`,
      );
    }
    throw new StartupError(`cannot lock ${file}: ${(err as Error).message}`);
  }
  return () => {
    if (lock.open) lock.close();
  };
}

/**
 * Opens and migrates the database, turning SQLite failures into actionable messages.
 * Errors: `StartupError` for a locked, corrupt, foreign or unwritable database file.
 */
export function openDatabaseForServer(
  file: string,
  opts: { synchronous: 'NORMAL' | 'FULL'; busyTimeoutMs: number },
): OpenedDatabase {
  try {
    return openDatabase(file, opts);
  } catch (err) {
    throw explainDatabaseError(file, err);
  }
}

/** A `StartupError` saying what a database failure at start-up means and what to do. */
export function explainDatabaseError(file: string, err: unknown): StartupError {
  const code = (err as { code?: string }).code ?? '';
  const message = (err as Error).message;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StartupError(
      `database ${file} is locked by another process (${message}); stop the process holding it (another server, an open sqlite3 shell) and start again`,
    );
  }
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
    return new StartupError(
      `database ${file} is corrupt or not a Switchboard database (${message}); move it aside and restore a backup (switchboard backup makes them), or start with an empty data directory`,
    );
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM')) {
    return new StartupError(
      `cannot write database ${file} (${message}); check its permissions or set SWITCHBOARD_DATA_DIR`,
    );
  }
  return new StartupError(`cannot open database ${file}: ${message}`);
}

/** The message for a failed `listen`. */
export function explainListenError(err: NodeJS.ErrnoException, host: string, port: number): string {
  if (err.code === 'EADDRINUSE') {
    return `port ${port} on ${host} is in use (another Switchboard, or another program); stop it or set SWITCHBOARD_PORT to a free port`;
  }
  if (err.code === 'EACCES') return `no permission to listen on ${host}:${port}; use a port above 1023`;
  if (err.code === 'EADDRNOTAVAIL') return `${host} is not an address of this machine; fix SWITCHBOARD_HOST`;
  return `cannot listen on ${host}:${port}: ${err.message}`;
}

export interface ShutdownSteps {
  /** Refuse new requests (503) and stop accepting connections. */
  stopAccepting: () => void;
  /** Tell waiting calls to return now. */
  wakeWaiters: () => void;
  /** Resolves true when no request is in flight, false at the deadline. */
  idle: (timeoutMs: number) => Promise<boolean>;
  /** Close every MCP session (their rows are marked ended). */
  closeSessions: () => Promise<void>;
  /** Drop the connections left (open streams). */
  closeConnections: () => void;
  /** Checkpoint the WAL into the database file and close it. */
  closeDatabase: () => Promise<void>;
}

/**
 * The shutdown order: stop accepting, wake waiting calls, let calls in flight finish (up to
 * `graceMs`), close sessions, drop remaining connections, checkpoint and close the database.
 * Returns whether every call in flight finished before the deadline.
 */
export async function shutDown(steps: ShutdownSteps, graceMs: number): Promise<boolean> {
  steps.stopAccepting();
  steps.wakeWaiters();
  const drained = await steps.idle(graceMs);
  await steps.closeSessions();
  steps.closeConnections();
  await steps.closeDatabase();
  return drained;
}

/** How often the retention policy runs (ms). */
export const RETENTION_EVERY_MS = 6 * 3_600_000;

/**
 * Runs the retention policy now and every `everyMs`, logging the policy once and every run
 * that archived or deleted anything. `days: 0` keeps everything (no timer). Returns a stop function.
 */
export function startRetention(
  deps: AppDeps,
  policy: { days: number; mode: 'archive' | 'delete' },
  everyMs = RETENTION_EVERY_MS,
): () => void {
  if (policy.days <= 0) return () => {};
  deps.logger.info(
    { retention: policy },
    `retention: messages and task events older than ${policy.days} days are ${policy.mode === 'archive' ? 'archived' : 'deleted'}`,
  );
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      const r = await applyRetention(baseCtx(deps), { olderThanDays: policy.days, mode: policy.mode });
      if (r.messages > 0 || r.taskEvents > 0) {
        deps.logger.info(
          { retention: r },
          `retention: ${r.mode === 'archive' ? 'archived' : 'deleted'} ${r.messages} messages in ${r.threads} threads and ${r.taskEvents} task events older than ${r.cutoff}`,
        );
      }
    } catch (err) {
      deps.logger.error({ err }, 'retention run failed; nothing was removed');
    } finally {
      running = false;
    }
  };
  void run();
  const timer = setInterval(() => void run(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
