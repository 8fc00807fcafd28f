/**
 * `switchboard backup [file]`: an online backup of the database (SQLite's backup API through
 * better-sqlite3), safe while the server runs and writes; the copy is checked with
 * `PRAGMA integrity_check` before it is reported. `switchboard retention`: applies the
 * retention policy now (or shows what it would remove with `--dry-run`).
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { Command } from 'commander';
import { dbFileOf, localAction, withLocalDb, withLocalOptions } from '../local.js';

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

export function registerBackupCommands(program: Command): void {
  withLocalOptions(
    program
      .command('backup')
      .description('copy the database while the server runs (default: <data dir>/backups/switchboard-<time>.db)')
      .argument('[file]', 'where to write the backup'),
  ).action(
    localAction(async (o, file: string | undefined) => {
      if (process.env.SWITCHBOARD_DATABASE_URL) {
        throw new Error(
          'SWITCHBOARD_DATABASE_URL is set: back up PostgreSQL with pg_dump (pg_dump -Fc -f switchboard.dump "$SWITCHBOARD_DATABASE_URL")',
        );
      }
      const source = dbFileOf(o);
      const target = resolve(file ?? join(dirname(source), 'backups', `switchboard-${stamp(new Date())}.db`));
      mkdirSync(dirname(target), { recursive: true });
      // Loaded in the action so that `--help` does not load the native module.
      const { default: BetterSqlite3 } = await import('better-sqlite3');
      let db: BetterSqlite3.Database;
      try {
        db = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
      } catch (err) {
        throw new Error(
          `cannot open ${source}: ${(err as Error).message}; pass --data-dir or set SWITCHBOARD_DATA_DIR`,
        );
      }
      try {
        await db.backup(target);
      } finally {
        db.close();
      }
      const copy = new BetterSqlite3(target, { readonly: true });
      const check = copy.pragma('integrity_check', { simple: true });
      copy.close();
      if (check !== 'ok') throw new Error(`backup ${target} failed its integrity check: ${String(check)}`);
      const bytes = statSync(target).size;
      return {
        json: { file: target, bytes, integrity: 'ok' },
        text: `Backed up ${source} to ${target} (${bytes} bytes, integrity ok).`,
      };
    }),
  );

  withLocalOptions(
    program
      .command('retention')
      .description('archive or delete messages and task events older than --days (see SWITCHBOARD_RETENTION_*)')
      .option('--days <n>', 'age in days (default SWITCHBOARD_RETENTION_DAYS)', process.env.SWITCHBOARD_RETENTION_DAYS)
      .option('--mode <mode>', 'archive or delete', process.env.SWITCHBOARD_RETENTION_MODE ?? 'archive')
      .option('--dry-run', 'only count what would go'),
  ).action(
    localAction(async (o) => {
      const days = Number(o.days);
      if (!Number.isInteger(days) || days < 1) {
        throw Object.assign(new Error('give --days N (a whole number of days, at least 1)'), { code: 'invalid' });
      }
      const { applyRetention } = await import('../../server/ops/retention.js');
      const r = await withLocalDb(o, (ctx) =>
        applyRetention(ctx, { olderThanDays: days, mode: o.mode, dryRun: o.dryRun === true }),
      );
      const verb = r.dryRun ? 'would be' : '';
      const done = r.mode === 'archive' ? 'archived' : 'deleted';
      const text = `${r.messages} messages in ${r.threads} threads and ${r.taskEvents} task events older than ${r.cutoff} ${verb ? `${verb} ${done}` : `${done}`}${r.threadsKeptUnread ? `; ${r.threadsKeptUnread} quiet threads kept for unread or unacknowledged mail` : ''}.`;
      return { json: r, text };
    }),
  );
}
