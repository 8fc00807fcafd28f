/**
 * Idempotency keys under concurrency: two calls with the same key at the same moment both look
 * for an earlier row, find none, and both insert; the unique index lets one through.
 */
import { isUniqueViolation } from '../db/errors.js';
import { type Ctx, withTx } from './context.js';

/**
 * `withTx(ctx, fn)` for an operation that returns the first result for a repeated idempotency
 * `key`. When the transaction fails on a unique violation and a key was given, it is run once
 * more: the other call with that key has committed by then (PostgreSQL raises the violation
 * only after the first insert commits), so the second run finds its row and returns it.
 * Inside a caller's transaction there is no retry: on PostgreSQL that transaction is aborted,
 * so the error goes to the caller, which owns the transaction.
 * Errors: whatever `fn` throws.
 */
export async function withIdempotentTx<T>(ctx: Ctx, key: string | undefined, fn: (tx: Ctx) => Promise<T>): Promise<T> {
  try {
    return await withTx(ctx, fn);
  } catch (err) {
    if (key === undefined || ctx.inTx || !isUniqueViolation(err)) throw err;
    return withTx(ctx, fn);
  }
}
