/**
 * The schema of a migrated database as plain data, read from SQLite's pragmas or PostgreSQL's
 * catalogs and normalized so the two dialects compare equal when they hold the same schema:
 * tables; columns with type family, nullability and default; primary keys; foreign keys with
 * their actions; unique constraints; named indexes with columns, uniqueness and partiality; a
 * full-text index (FTS5 table, GIN index) as the index `<table>_search`.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';

export interface ColumnShape {
  /** `integer`, `text`, `real`, `blob`, `boolean`, or the declared type when none fits. */
  type: string;
  notNull: boolean;
  /** The default as written, without casts (`'open'`, `0`), or null. */
  default: string | null;
}

export interface TableShape {
  columns: Record<string, ColumnShape>;
  primaryKey: string[];
  /** `cols -> table(cols) on update X on delete Y`, sorted. */
  foreignKeys: string[];
  /** Column lists of UNIQUE constraints, sorted. */
  uniques: string[];
  /** Indexes created by name (CREATE INDEX), not those behind a key or UNIQUE constraint. */
  indexes: Record<string, { columns: string[]; unique: boolean; partial: boolean }>;
}

export type SchemaShape = Record<string, TableShape>;

/** The type family of a declared type, by SQLite's affinity rules (and PostgreSQL's names). */
export function typeFamily(declared: string): string {
  const t = declared.toLowerCase();
  if (t === 'boolean' || t === 'bool') return 'boolean';
  if (t.includes('int')) return 'integer';
  if (t.includes('char') || t.includes('text') || t.includes('clob')) return 'text';
  if (t.includes('real') || t.includes('floa') || t.includes('doub')) return 'real';
  if (t.includes('blob') || t === 'bytea') return 'blob';
  return t;
}

const normalizeDefault = (d: string | null): string | null =>
  d === null ? null : d.replace(/^\((.*)\)$/, '$1').replace(/::[a-z ]+$/i, '');

const FK_ACTION: Record<string, string> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

const FULL_TEXT = { columns: ['(full-text)'], unique: false, partial: false };

/** The shape of a SQLite database (after `migrate`). */
export function sqliteShape(sqlite: BetterSqlite3.Database): SchemaShape {
  const shape: SchemaShape = {};
  const tables = sqlite
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string; sql: string }[];
  // Full-text indexes are FTS5 virtual tables here (plus their shadow tables) and GIN indexes in
  // PostgreSQL: each counts as an index `<table>_search` on the table whose content it indexes.
  const fullText = tables.filter((t) => /^CREATE VIRTUAL TABLE/i.test(t.sql));
  // `X_fts` indexes table X (its content may be X itself or a view over it).
  const searched = new Set(fullText.map((t) => t.name.replace(/_fts$/, '')));
  const isFullText = (n: string) => fullText.some((t) => n === t.name || n.startsWith(`${t.name}_`));
  for (const { name } of tables.filter((t) => !isFullText(t.name))) {
    const cols = sqlite.pragma(`table_info("${name}")`) as {
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
      pk: number;
    }[];
    const fks = sqlite.pragma(`foreign_key_list("${name}")`) as {
      id: number;
      seq: number;
      table: string;
      from: string;
      to: string;
      on_update: string;
      on_delete: string;
    }[];
    const byId = new Map<number, typeof fks>();
    for (const f of fks) byId.set(f.id, [...(byId.get(f.id) ?? []), f]);
    const t: TableShape = {
      columns: {},
      // A PRIMARY KEY column is NOT NULL in PostgreSQL; SQLite lets a non-INTEGER key hold NULL
      // unless declared NOT NULL (a legacy quirk), which Switchboard never relies on.
      primaryKey: cols
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
      foreignKeys: [...byId.values()]
        .map((parts) => {
          const p = parts.sort((a, b) => a.seq - b.seq);
          const first = p[0]!;
          return `${p.map((x) => x.from).join(',')} -> ${first.table}(${p.map((x) => x.to).join(',')}) on update ${first.on_update} on delete ${first.on_delete}`;
        })
        .sort(),
      uniques: [],
      indexes: {},
    };
    for (const c of cols) {
      t.columns[c.name] = {
        type: typeFamily(c.type),
        notNull: c.notnull === 1 || c.pk > 0,
        default: normalizeDefault(c.dflt_value),
      };
    }
    const indexes = sqlite.pragma(`index_list("${name}")`) as {
      name: string;
      unique: number;
      origin: string;
      partial: number;
    }[];
    for (const ix of indexes) {
      const columns = (sqlite.pragma(`index_info("${ix.name}")`) as { seqno: number; name: string | null }[])
        .sort((a, b) => a.seqno - b.seqno)
        .map((c) => c.name ?? '(expression)');
      if (ix.origin === 'u') t.uniques.push(columns.join(','));
      else if (ix.origin === 'c') t.indexes[ix.name] = { columns, unique: ix.unique === 1, partial: ix.partial === 1 };
    }
    t.uniques.sort();
    if (searched.has(name)) t.indexes[`${name}_search`] = FULL_TEXT;
    shape[name] = t;
  }
  return shape;
}

/** The shape of the `public` schema of a PostgreSQL database. */
export async function postgresShape(client: pg.Pool | pg.Client): Promise<SchemaShape> {
  const shape: SchemaShape = {};
  const cols = await client.query<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: string;
    column_default: string | null;
    is_identity: string;
  }>(
    `SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity
       FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  const table = (n: string): TableShape => {
    shape[n] ??= { columns: {}, primaryKey: [], foreignKeys: [], uniques: [], indexes: {} };
    return shape[n];
  };
  for (const c of cols.rows) {
    table(c.table_name).columns[c.column_name] = {
      type: typeFamily(c.data_type),
      notNull: c.is_nullable === 'NO',
      // An identity column numbers rows like SQLite's INTEGER PRIMARY KEY: no default either side.
      default: c.is_identity === 'YES' ? null : normalizeDefault(c.column_default),
    };
  }
  const constraints = await client.query<{
    table_name: string;
    contype: string;
    columns: string[];
    ref_table: string | null;
    ref_columns: string[] | null;
    upd: string;
    del: string;
  }>(
    `SELECT c.conrelid::regclass::text AS table_name, c.contype,
            ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS columns,
            c.confrelid::regclass::text AS ref_table,
            ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS ref_columns,
            c.confupdtype AS upd, c.confdeltype AS del
       FROM pg_constraint c JOIN pg_namespace ns ON ns.oid = c.connamespace
      WHERE ns.nspname = 'public' AND c.contype IN ('p', 'f', 'u')`,
  );
  for (const c of constraints.rows) {
    const t = table(c.table_name);
    if (c.contype === 'p') t.primaryKey = c.columns;
    else if (c.contype === 'u') t.uniques.push(c.columns.join(','));
    else {
      t.foreignKeys.push(
        `${c.columns.join(',')} -> ${c.ref_table}(${(c.ref_columns ?? []).join(',')}) on update ${FK_ACTION[c.upd]} on delete ${FK_ACTION[c.del]}`,
      );
    }
  }
  const indexes = await client.query<{
    table_name: string;
    index_name: string;
    columns: string[];
    unique: boolean;
    partial: boolean;
    method: string;
  }>(
    `SELECT t.relname AS table_name, i.relname AS index_name, am.amname AS method,
            ARRAY(SELECT coalesce(a.attname::text, '(expression)') FROM unnest(x.indkey) WITH ORDINALITY k(n, o)
                  LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n AND k.n > 0
                  ORDER BY k.o)::text[] AS columns,
            x.indisunique AS unique, x.indpred IS NOT NULL AS partial
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_am am ON am.oid = i.relam
       JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace ns ON ns.oid = t.relnamespace
      WHERE ns.nspname = 'public'
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u'))`,
  );
  for (const ix of indexes.rows) {
    table(ix.table_name).indexes[ix.index_name] =
      ix.method === 'gin' ? FULL_TEXT : { columns: ix.columns, unique: ix.unique, partial: ix.partial };
  }
  for (const t of Object.values(shape)) {
    t.foreignKeys.sort();
    t.uniques.sort();
  }
  return Object.fromEntries(Object.entries(shape).sort(([a], [b]) => a.localeCompare(b)));
}
