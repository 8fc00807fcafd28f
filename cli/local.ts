/**
 * Shared by the CLI commands that work on the database itself, without a running server
 * (token, backup, retention): where the data directory is, and opening its database, or the
 * PostgreSQL database SWITCHBOARD_DATABASE_URL names, as the server would. SQLite's locking
 * lets them run beside a live server; PostgreSQL is shared by design.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import type { OpenedDb } from '../server/db/open.js';
import type { Ctx } from '../server/ops/context.js';

export interface LocalOptions {
  dataDir?: string;
  json?: boolean;
}

/** Adds `--data-dir` (SWITCHBOARD_DATA_DIR) and `--json` to a command. */
export function withLocalOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--data-dir <dir>', 'data directory (default ~/.switchboard)').env('SWITCHBOARD_DATA_DIR'))
    .option('--json', 'print the raw JSON result');
}

/** The database file of the data directory named by `opts` (or the default). */
export function dbFileOf(opts: LocalOptions): string {
  return join(opts.dataDir ?? join(homedir(), '.switchboard'), 'switchboard.db');
}

/**
 * Opens the database a server would use (SWITCHBOARD_DATABASE_URL, else the data directory's
 * SQLite file, created and migrated only when `create`) and runs `fn` with an actor-less
 * context, closing the database afterwards.
 * Errors: `Error` when the SQLite file does not exist and `create` is false; for PostgreSQL
 * the server's start-up errors (`DatabaseOpenError`).
 */
export async function withLocalDb<T>(
  opts: LocalOptions,
  fn: (ctx: Ctx, opened: OpenedDb) => Promise<T>,
  { create = false } = {},
): Promise<T> {
  // Loaded here, not at the top: `--help` registers these commands and should not load the database drivers.
  const [{ createBus }, { createCtx }] = await Promise.all([
    import('../server/bus.js'),
    import('../server/ops/context.js'),
  ]);
  const url = process.env.SWITCHBOARD_DATABASE_URL;
  let opened: OpenedDb;
  if (url) {
    const { openPostgresDatabase } = await import('../server/db/postgres.js');
    opened = await openPostgresDatabase(url, { poolMax: 2 });
  } else {
    const file = dbFileOf(opts);
    if (!create && !existsSync(file)) {
      throw new Error(`no Switchboard database at ${file}; pass --data-dir or set SWITCHBOARD_DATA_DIR`);
    }
    const { openDatabase } = await import('../server/db/connection.js');
    opened = openDatabase(file);
  }
  try {
    return await fn(createCtx({ db: opened.db, bus: createBus() }, null), opened);
  } finally {
    await opened.close();
  }
}

/**
 * Wraps a local command action: prints `json` with `--json`, else `text`; a failure becomes
 * one line on stderr and exit code 1 (2 for invalid input).
 */
export function localAction<A extends unknown[]>(
  fn: (opts: LocalOptions & Record<string, unknown>, ...args: A) => Promise<{ json: unknown; text: string }>,
) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const opts = cmd.opts() as LocalOptions & Record<string, unknown>;
    try {
      const out = await fn(opts, ...(args.slice(0, -2) as A));
      process.stdout.write(opts.json ? `${JSON.stringify(out.json, null, 2)}\n` : `${out.text}\n`);
    } catch (err) {
      const code = (err as { code?: string }).code;
      process.stderr.write(`switchboard: ${(err as Error).message}\n`);
      process.exitCode = code === 'invalid' ? 2 : 1;
    }
  };
}
