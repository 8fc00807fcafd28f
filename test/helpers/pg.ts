/**
 * A fresh, migrated PostgreSQL database per test world (SWITCHBOARD_TEST_DIALECT=postgres).
 * A test file copies the run's template database (pg-global-setup.ts) once per world open at
 * a time; a closed world's database is emptied back to the template's rows (milliseconds)
 * and handed to the next world. The file's databases are dropped after its last test.
 */
import { afterAll, inject } from 'vitest';
import { openPostgresDatabase, type PostgresDatabase } from '../../server/db/postgres.js';
import { createDatabase, databaseUrl, dropDatabases, uniqueName } from './pg-admin.js';

interface Held {
  name: string;
  opened: PostgresDatabase;
}

const all: Held[] = [];
const idle: Held[] = [];

afterAll(async () => {
  if (all.length === 0) return;
  await Promise.all(all.map((h) => h.opened.close()));
  await dropDatabases({ names: all.splice(0).map((h) => h.name) });
  idle.length = 0;
});

/**
 * A migrated database holding only what the migrations seed (the default team), on its own
 * pool. `close()` empties it for reuse by this file's next test; it is dropped after the file.
 * Errors: when the run was not started with SWITCHBOARD_TEST_DIALECT=postgres under this
 * repository's vitest config (its global setup makes the template), or PostgreSQL is down.
 */
export async function openTestPostgres(): Promise<PostgresDatabase> {
  const tpl = inject('pgTemplate');
  if (!tpl) {
    throw new Error(
      'no PostgreSQL template for this run: set SWITCHBOARD_TEST_DIALECT=postgres before vitest starts (its global setup creates the template)',
    );
  }
  let held = idle.pop();
  if (!held) {
    const name = uniqueName(tpl.run);
    await createDatabase(name, tpl.template);
    held = { name, opened: await openPostgresDatabase(databaseUrl(name), { migrate: false }) };
    all.push(held);
  }
  const h = held;
  let closed = false;
  return {
    ...h.opened,
    close: async () => {
      if (closed) return;
      closed = true;
      await h.opened.pool.query(tpl.reset);
      idle.push(h);
    },
  };
}
