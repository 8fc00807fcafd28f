/**
 * `switchboard migrate`: applies pending migrations to the database a server would use
 * (SWITCHBOARD_DATABASE_URL, else the SQLite file in the data directory) and says what it
 * applied. The server migrates at start too; running this first lets a deploy step (or the
 * database's owner) upgrade the schema before several servers start on it.
 * Exit codes: 0 applied or up to date, 2 a malformed URL, 7 the database server did not
 * answer, 1 anything else (refused login, missing database, a schema newer than this code).
 */
import { type Command, Option } from 'commander';
import { dbFileOf } from '../local.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description(
      'apply pending database migrations (SWITCHBOARD_DATABASE_URL, else the SQLite file in the data directory)',
    )
    .addOption(new Option('--data-dir <dir>', 'data directory (default ~/.switchboard)').env('SWITCHBOARD_DATA_DIR'))
    .option('--json', 'print the result as JSON')
    .action(async (opts: { dataDir?: string; json?: boolean }) => {
      // The URL comes only from the environment, as for the server: a password on a command line shows in `ps`.
      const databaseUrl = process.env.SWITCHBOARD_DATABASE_URL || null;
      const dbFile = dbFileOf(opts);
      // Loaded in the action so that `--help` does not load the database drivers.
      const [{ migrateDb }, { isUnreachable }, { explainDatabaseError }] = await Promise.all([
        import('../../server/db/open.js'),
        import('../../server/db/postgres.js'),
        import('../../server/lifecycle.js'),
      ]);
      try {
        const r = await migrateDb({ databaseUrl, dbFile, busyTimeoutMs: 5000 });
        const text = r.applied.length
          ? `Applied ${r.applied.length} migration${r.applied.length > 1 ? 's' : ''} to ${r.database}:\n${r.applied.map((n) => `  ${n}`).join('\n')}`
          : `${r.database} is up to date (latest migration ${r.latest ?? 'none'}); nothing to apply.`;
        process.stdout.write(opts.json ? `${JSON.stringify(r, null, 2)}\n` : `${text}\n`);
      } catch (err) {
        const message = databaseUrl ? (err as Error).message : explainDatabaseError(dbFile, err).message;
        process.stderr.write(`switchboard: ${message}\n`);
        const code = (err as { code?: unknown }).code;
        process.exitCode = code === 'invalid_url' ? 2 : isUnreachable(err) ? 7 : 1;
      }
    });
}
