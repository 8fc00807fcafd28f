/**
 * The JSON API's one error envelope and status table:
 * `{ "error": { "code": "conflict", "message": "…", "details": { … } } }`.
 *
 * | code | status | | code | status |
 * |---|---|---|---|---|
 * | invalid | 400 | | conflict | 409 |
 * | unauthorized | 401 | | too_large | 413 |
 * | forbidden | 403 | | rate_limited | 429 |
 * | not_found | 404 | | unavailable | 503 |
 * | internal | 500 | | | |
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { type ErrorCode, isDomainError } from './errors.js';

export const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

/** Maps any thrown value to the envelope; unknown errors are logged and shown as "internal error". */
export function errorResponse(c: Context, err: unknown, logger: Logger): Response {
  if (isDomainError(err)) {
    const status = STATUS[err.code];
    if (status === 401) c.header('WWW-Authenticate', 'Bearer realm="switchboard"');
    const retry = err.details.retryAfterMs;
    if (typeof retry === 'number') c.header('Retry-After', String(Math.ceil(retry / 1000)));
    const body: ErrorEnvelope = { error: { code: err.code, message: err.message, details: err.details } };
    return c.json(body, status);
  }
  logger.error({ err, reqId: c.get('requestId') }, 'request failed');
  const body: ErrorEnvelope = { error: { code: 'internal', message: 'internal error' } };
  return c.json(body, 500);
}
