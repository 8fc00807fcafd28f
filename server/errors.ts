/**
 * The one error type operations throw. Each surface maps `code` to its own form:
 * HTTP status + JSON envelope (`server/http-errors.ts`), an MCP `isError` result
 * (`mcp/results.ts`), an HTML error fragment (`web/`).
 */
import type { ZodError } from 'zod';

export type ErrorCode =
  | 'invalid'
  | 'not_found'
  | 'conflict'
  | 'forbidden'
  | 'unauthorized'
  | 'rate_limited'
  | 'too_large'
  | 'unavailable'
  | 'internal';

export class DomainError extends Error {
  readonly code: ErrorCode;
  /** Machine-readable facts about the failure (e.g. `{ holder: 'alice' }`, `{ retryAfterMs: 1200 }`). */
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

/** Turns a zod failure into an `invalid` DomainError whose message names each bad field. */
export function fromZodError(err: ZodError): DomainError {
  const issues = err.issues.map((i) => {
    const path = i.path.length ? i.path.join('.') : 'input';
    return `${path}: ${i.message}`;
  });
  return new DomainError('invalid', `invalid input — ${issues.join('; ')}`, {
    issues: err.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
  });
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}
