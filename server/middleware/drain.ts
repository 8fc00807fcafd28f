/**
 * Graceful shutdown support: counts requests in flight (until their response body is sent)
 * and, once draining starts, answers new requests with 503 `unavailable` so the server can
 * finish what it acknowledged and stop. Standing MCP streams (GET /mcp) are not counted: they
 * end when their sessions close.
 */
import type { ServerResponse } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import type { AppDeps } from '../deps.js';
import { DomainError } from '../errors.js';
import { errorResponse } from '../http-errors.js';
import { trackResponse } from './track-response.js';

export interface Drain {
  middleware: MiddlewareHandler;
  /** Requests whose response has not finished. */
  inflight: () => number;
  /** Stops taking new requests (they get 503 with `Retry-After`). */
  start: () => void;
  draining: () => boolean;
  /** Resolves true when nothing is in flight, or false after `timeoutMs`. */
  idle: (timeoutMs: number) => Promise<boolean>;
}

export function createDrain(deps: AppDeps): Drain {
  let inflight = 0;
  let draining = false;
  let waiters: (() => void)[] = [];
  const done = () => {
    inflight -= 1;
    if (inflight === 0) {
      for (const w of waiters) w();
      waiters = [];
    }
  };

  const middleware: MiddlewareHandler = async (c, next) => {
    if (draining) {
      return errorResponse(
        c,
        new DomainError('unavailable', 'the server is shutting down; retry in a moment', { retryAfterMs: 1000 }),
        deps.logger,
      );
    }
    inflight += 1;
    let tracked = false;
    try {
      await next();
      const standing = c.req.method === 'GET' && c.req.path === '/mcp';
      // On a Node server the response's close event says when it is over; reading `c.res.body`
      // and re-wrapping it would turn every cheap string response into a web stream.
      const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
      if (outgoing && !standing) {
        tracked = true;
        if (outgoing.writableFinished || outgoing.destroyed) done();
        else outgoing.once('close', done);
        return;
      }
      if (c.res.body && !standing) {
        tracked = true;
        c.res = trackResponse(c.res, done);
      }
    } finally {
      if (!tracked) done();
    }
  };

  return {
    middleware,
    inflight: () => inflight,
    start: () => {
      draining = true;
    },
    draining: () => draining,
    idle: (timeoutMs) =>
      inflight === 0
        ? Promise.resolve(true)
        : new Promise<boolean>((resolve) => {
            const t = setTimeout(() => resolve(false), timeoutMs);
            waiters.push(() => {
              clearTimeout(t);
              resolve(true);
            });
          }),
  };
}
