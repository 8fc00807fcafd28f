/**
 * A fresh, migrated PostgreSQL database per test world (SWITCHBOARD_TEST_DIALECT=postgres).
 * A test file copies the run's template database (pg-global-setup.ts) once per world open at
 * a time; a closed world's database is emptied back to the template's rows (milliseconds)
 * and handed to the next world. The file's databases are dropped after its last test.
 */
import { afterAll, inject } from 'vitest';
import { openPostgresDatabase, type PostgresDatabase } from '../../server/db/postgres.js';
import { createDatabase, databaseUrl, dropDatabases, TEST_DB_SETTINGS, uniqueName } from './pg-admin.js';
import type { PgTemplate } from './pg-global-setup.js';

interface Held {
  name: string;
  opened: PostgresDatabase;
}

const all: Held[] = [];
const idle: Held[] = [];
/** Databases kept with their data under a key (a test server's data directory) until released. */
const kept = new Map<string, Held>();

afterAll(async () => {
  if (all.length === 0) return;
  await Promise.all(all.map((h) => h.opened.close()));
  await dropDatabases({ names: all.splice(0).map((h) => h.name) });
  idle.length = 0;
  kept.clear();
});

function template(): PgTemplate {
  const tpl = inject('pgTemplate');
  if (!tpl) {
    throw new Error(
      'no PostgreSQL template for this run: run the tests under the "postgres" vitest project (npx vitest run --project postgres), whose global setup creates the template',
    );
  }
  if ('error' in tpl) throw new Error(`no PostgreSQL for the tests: ${tpl.error}`);
  return tpl;
}

/** An idle database of this file, or a new copy of the template. */
async function acquire(tpl: PgTemplate): Promise<Held> {
  const reused = idle.pop();
  if (reused) return reused;
  const name = uniqueName(tpl.run);
  await createDatabase(name, tpl.template, TEST_DB_SETTINGS);
  const held = { name, opened: await openPostgresDatabase(databaseUrl(name), { migrate: false }) };
  all.push(held);
  return held;
}

/** Empties `h` back to the template's rows and makes it available to the next open. */
async function release(tpl: PgTemplate, h: Held): Promise<void> {
  await h.opened.pool.query(tpl.reset);
  idle.push(h);
}

/**
 * A migrated database holding only what the migrations seed (the default team), on its own
 * pool. `close()` empties it for reuse by this file's next test; it is dropped after the file.
 * Errors: when the run is not the "postgres" vitest project (its global setup makes the
 * template), or PostgreSQL is down.
 */
export async function openTestPostgres(): Promise<PostgresDatabase> {
  const tpl = template();
  const h = await acquire(tpl);
  let closed = false;
  return {
    ...h.opened,
    close: async () => {
      if (closed) return;
      closed = true;
      await release(tpl, h);
    },
  };
}

/**
 * The database kept under `key` (a test server's data directory): a fresh one the first time,
 * then the same one with its data, as a restarted server finds its SQLite file. `close()`
 * keeps the data; `releaseKeptPostgres(key)` empties it for reuse.
 */
export async function openKeptPostgres(key: string): Promise<PostgresDatabase> {
  let h = kept.get(key);
  if (!h) {
    h = await acquire(template());
    kept.set(key, h);
  }
  // The pool stays open for the next open under this key; the file's teardown ends it.
  return { ...h.opened, close: async () => {} };
}

/** Empties the database kept under `key` (if any) and hands it to this file's next open. */
export async function releaseKeptPostgres(key: string): Promise<void> {
  const h = kept.get(key);
  if (!h) return;
  kept.delete(key);
  await release(template(), h);
}
