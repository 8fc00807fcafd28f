/**
 * Fixed-shape queries compiled once: Kysely builds and compiles a query's operation tree on
 * every call (about 7 µs for a small query, several per send), while the SQL of a hot-path
 * statement never changes, only its parameters. `compileOnce` builds the query one time per
 * dialect with placeholder arguments, remembers where each argument lands among the compiled
 * parameters, and then runs the same SQL with the call's values (on SQLite the statement cache
 * in server/db/connection.ts then skips preparing it too). Works on a database or a transaction
 * of either dialect.
 */
import type { Compilable, CompiledQuery, Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Where a compiled parameter comes from: the call's argument `i`, or a constant of the query. */
type Slot = { arg: number } | { value: unknown };

interface Compiled {
  sql: string;
  query: CompiledQuery['query'];
  /** Kept from the compile: no plugin is installed that would tell runs apart by it. */
  queryId: CompiledQuery['queryId'];
  slots: Slot[];
}

/** Marks argument `i` while compiling: a string no real argument holds. */
const mark = (i: number) => `\u0000compile-once-arg-${i}\u0000`;

/**
 * Wraps `build` (a fixed-shape query: the same SQL whatever the arguments, so no optional
 * clauses and no lists whose length varies) into a function that runs it with `args` and
 * returns its rows. `arity` is the number of arguments `build` takes.
 * Example: `const byId = compileOnce(2, (db, id: string) => db.selectFrom('agents').selectAll().where('id', '=', id))`.
 * Errors: whatever the query raises; throws at first use if an argument does not reach the
 * SQL as a parameter (it would be baked in).
 */
export function compileOnce<A extends unknown[], R>(
  arity: A['length'],
  build: (db: Kysely<Database>, ...args: A) => Compilable<R>,
): (db: Db, ...args: A) => Promise<R[]> {
  // Keyed by the dialect's adapter, which a database and its transactions share.
  const cache = new WeakMap<object, Compiled>();
  const compile = (db: Db): Compiled => {
    const marks = Array.from({ length: arity }, (_, i) => mark(i));
    const compiled = build(db as Kysely<Database>, ...(marks as unknown as A)).compile();
    const slots = compiled.parameters.map((p): Slot => {
      const i = typeof p === 'string' ? marks.indexOf(p) : -1;
      return i >= 0 ? { arg: i } : { value: p };
    });
    for (let i = 0; i < arity; i++) {
      if (!slots.some((s) => 'arg' in s && s.arg === i))
        throw new Error(`compileOnce: argument ${i} is not a parameter`);
    }
    return { sql: compiled.sql, query: compiled.query, queryId: compiled.queryId, slots };
  };
  return async (db, ...args) => {
    const adapter = db.getExecutor().adapter;
    let c = cache.get(adapter);
    if (!c) {
      c = compile(db);
      cache.set(adapter, c);
    }
    const parameters = c.slots.map((s) => ('arg' in s ? args[s.arg] : s.value));
    const r = await db.executeQuery<R>({ sql: c.sql, query: c.query, queryId: c.queryId, parameters });
    return r.rows;
  };
}
