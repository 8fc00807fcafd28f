/**
 * Creating and dropping PostgreSQL databases for tests, over the server named by
 * SWITCHBOARD_TEST_PG_URL (default: the local server, user postgres, trust auth). Every
 * database a run creates is named `sbt_<run>_…`, so the run's teardown can drop them all.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A database on the test server that is always there (used to create and drop others). */
export const TEST_PG_URL = process.env.SWITCHBOARD_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** The URL of database `name` on the test server. */
export function databaseUrl(name: string): string {
  const u = new URL(TEST_PG_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A fresh lower-case name `prefix_<random>` (a valid unquoted identifier). */
export const uniqueName = (prefix: string): string => `${prefix}_${randomBytes(5).toString('hex')}`;

/** Runs `fn` on a connection to the maintenance database. Fails saying how to start PostgreSQL. */
export async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 10_000 });
  try {
    await c.connect();
  } catch (err) {
    const u = new URL(TEST_PG_URL);
    throw new Error(
      `PostgreSQL for tests is not reachable at ${u.host} (${(err as Error).message || (err as { code?: string }).code}): start it (.ci/run does), or set SWITCHBOARD_TEST_PG_URL`,
    );
  }
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Creates database `name` (empty, or a copy of `template`, which must have no connections),
 * with `settings` as its connections' defaults (`ALTER DATABASE … SET`; a copy does not inherit them).
 */
export async function createDatabase(
  name: string,
  template?: string,
  settings: Record<string, string> = {},
): Promise<void> {
  await withAdmin(async (c) => {
    await c.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
    for (const [k, v] of Object.entries(settings)) await c.query(`ALTER DATABASE ${name} SET ${k} = ${v}`);
  });
}

/**
 * Settings for the test worlds' databases: a commit does not wait for its WAL flush. Tests
 * never crash PostgreSQL, and on a busy 2-core machine the flushes dominate their time.
 */
export const TEST_DB_SETTINGS = { synchronous_commit: 'off' };

/** Drops the databases named, or whose names start with `prefix` (connections are ended). */
export async function dropDatabases(which: { names: string[] } | { prefix: string }): Promise<void> {
  await withAdmin(async (c) => {
    const names =
      'names' in which
        ? which.names
        : (
            await c.query<{ datname: string }>(
              'SELECT datname FROM pg_database WHERE starts_with(datname, $1) AND datname <> current_database()',
              [which.prefix],
            )
          ).rows.map((r) => r.datname);
    for (const n of names) await c.query(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`);
  });
}

/**
 * SQL that puts the database at `url` back to its current contents: deletes every row
 * (children before parents, so foreign keys hold) and inserts the rows there now (the
 * migrations' seed, such as the default team). `schema_migrations` is left alone. Deleting
 * takes milliseconds where TRUNCATE or a new database takes hundreds.
 */
export async function resetScript(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const tables = (
      await c.query<{ name: string }>(
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY 1",
      )
    ).rows.map((r) => r.name);
    const edges = (
      await c.query<{ child: string; parent: string }>(
        `SELECT conrelid::regclass::text AS child, confrelid::regclass::text AS parent
           FROM pg_constraint WHERE contype = 'f' AND conrelid <> confrelid`,
      )
    ).rows;
    // Children first: a table is deleted once every table referencing it has been.
    const order: string[] = [];
    const left = new Set(tables);
    while (left.size > 0) {
      const next = [...left].filter((t) => !edges.some((e) => e.parent === t && left.has(e.child)));
      if (next.length === 0) throw new Error(`foreign-key cycle among ${[...left].join(', ')}`);
      for (const t of next) {
        order.push(t);
        left.delete(t);
      }
    }
    const inserts: string[] = [];
    for (const t of [...order].reverse()) {
      const { rows, fields } = await c.query({ text: `SELECT * FROM ${t}`, rowMode: 'array' });
      for (const row of rows as unknown[][]) {
        const values = row.map((v) => (v === null ? 'NULL' : c.escapeLiteral(String(v))));
        inserts.push(`INSERT INTO ${t} (${fields.map((f) => f.name).join(', ')}) VALUES (${values.join(', ')});`);
      }
    }
    return ['BEGIN;', ...order.map((t) => `DELETE FROM ${t};`), ...inserts, 'COMMIT;'].join('\n');
  } finally {
    await c.end();
  }
}
