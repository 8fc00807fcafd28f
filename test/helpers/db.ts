/**
 * The test database of this run's dialect, and reads that work on either. The vitest project
 * sets SWITCHBOARD_TEST_DIALECT (vitest.config.ts): `sqlite` (an in-memory copy) or `postgres`
 * (a fresh database copied from the run's template, test/helpers/pg.ts).
 */
import { openMemoryDatabase } from '../../server/db/connection.js';
import type { Db, OpenedDb } from '../../server/db/open.js';
import { openTestPostgres } from './pg.js';

/** The dialect the tests of this worker run on. */
export const TEST_DIALECT: 'sqlite' | 'postgres' =
  process.env.SWITCHBOARD_TEST_DIALECT === 'postgres' ? 'postgres' : 'sqlite';

/** A fresh migrated database holding only the migrations' seed (the default team). */
export async function openTestDatabase(): Promise<OpenedDb> {
  return TEST_DIALECT === 'postgres' ? openTestPostgres() : openMemoryDatabase();
}

/**
 * Columns a failed call may still change: activity stamps (a failed call counts as activity,
 * which renews claims' leases and file reservations' `expires_at`).
 */
const ACTIVITY_COLUMNS = new Set(['last_seen_at', 'lease_expires_at', 'last_used_at', 'expires_at']);

/**
 * The database's data as one string, for "nothing changed" assertions: every table's rows
 * (activity columns left out) as JSON, rows sorted by their JSON so neither dialect's row
 * order matters. Connection bookkeeping (`sessions`, `mcp_*`) is left out.
 */
export async function snapshot(db: Db): Promise<string> {
  const tables = await dataTables(db);
  const rows = await Promise.all(
    tables.map(async (t) => {
      const all = (await db
        .selectFrom(t as never)
        .selectAll()
        .execute()) as Record<string, unknown>[];
      return all.map((r) => JSON.stringify(Object.entries(r).filter(([k]) => !ACTIVITY_COLUMNS.has(k)))).sort();
    }),
  );
  return JSON.stringify(Object.fromEntries(tables.map((t, i) => [t, rows[i]])));
}

/** The tables `snapshot` reads, looked up once per database (the schema does not change in a test). */
const tablesOf = new WeakMap<Db, Promise<string[]>>();
function dataTables(db: Db): Promise<string[]> {
  let tables = tablesOf.get(db);
  if (!tables) {
    tables = db.introspection.getTables().then((all) =>
      all
        .filter((t) => !t.isView && t.name !== 'sessions' && !t.name.startsWith('mcp_'))
        .map((t) => t.name)
        .sort(),
    );
    tablesOf.set(db, tables);
  }
  return tables;
}

/** `count(*)` of `table`'s rows matching `where` (column → value, all equal). */
export async function countRows(db: Db, table: string, where: Record<string, unknown> = {}): Promise<number> {
  let q = db.selectFrom(table as never).select((eb) => eb.fn.countAll<number>().as('n'));
  for (const [k, v] of Object.entries(where)) q = q.where(k as never, '=', v as never);
  const row = (await q.executeTakeFirstOrThrow()) as { n: number | string };
  return Number(row.n);
}
