/**
 * Driver errors the operations may need to tell apart, whichever dialect raised them.
 */

/**
 * Whether `err` is a UNIQUE or PRIMARY KEY violation: SQLite's `SQLITE_CONSTRAINT_UNIQUE` /
 * `SQLITE_CONSTRAINT_PRIMARYKEY`, PostgreSQL's SQLSTATE 23505. On PostgreSQL the
 * transaction that raised it is aborted: retry the whole transaction, not the statement.
 */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
