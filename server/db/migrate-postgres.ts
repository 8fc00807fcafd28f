/**
 * Applies `migrations/postgres/NNNN_name.sql` in order, each in one transaction, recording
 * them in `schema_migrations` (the same table and rules as the SQLite migrator). Several
 * servers may start at once against one database: the whole run holds a session advisory
 * lock, so exactly one applies each file and the others wait, then find nothing to do.
 */
import type pg from 'pg';
import { loadMigrations, type Migration, migrationsDir, refuseNewerSchema } from './migrate.js';

/** The advisory lock key pair held while migrating: 'SWBD' as an int4, then 1 for "migrate". */
const LOCK = '1398227524, 1';

/**
 * Applies every migration not yet recorded. Returns the names applied now.
 * Errors: the database records a migration this code does not have (a newer server's
 * database; same message as SQLite's), or a migration fails (its name and the server's
 * message; that migration is rolled back, earlier ones stay).
 */
export async function migratePostgres(
  pool: pg.Pool,
  migrations: Migration[] = loadMigrations(migrationsDir('postgres')),
): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(${LOCK})`);
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT COLLATE "C" PRIMARY KEY, applied_at BIGINT NOT NULL)',
      );
      const applied = new Set(
        (await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name),
      );
      refuseNewerSchema(applied, migrations);
      const done: string[] = [];
      for (const m of migrations) {
        if (applied.has(m.name)) continue;
        await client.query('BEGIN');
        try {
          // No parameters: the simple query protocol, which runs a file of several statements.
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)', [m.name, Date.now()]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {});
          throw Object.assign(new Error(`migration ${m.name} failed: ${(err as Error).message}`), {
            code: (err as { code?: string }).code,
          });
        }
        done.push(m.name);
      }
      return done;
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${LOCK})`).catch(() => {});
    }
  } finally {
    // Closed rather than returned to the pool: no session state (a lock, an aborted
    // transaction) can outlive the run.
    client.release(true);
  }
}
