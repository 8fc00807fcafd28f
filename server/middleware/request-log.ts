/**
 * Request ids, the request log and the HTTP duration metric, before every other middleware:
 * - `X-Request-Id` (hono/request-id): the client's id when it is at most 128 characters of
 *   `[A-Za-z0-9_=-]`, else a new UUID; echoed on every response, refusals included;
 * - one JSON log line per request (hono-pino on the server's pino logger) when the log level
 *   is `info` or lower: `reqId`, `method`, `path`, `route` (the matched pattern), `status`,
 *   `responseTime` (ms), and what the surfaces add with `noteRequest` (`agent`, `team`; on
 *   `/mcp` the JSON-RPC `rpc` method and `tool`). No bodies, no headers, no query strings;
 * - `switchboard_http_request_duration_seconds` by method, route pattern and status.
 */
import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { requestId } from 'hono/request-id';
import { routePath } from 'hono/route';
import { pinoLogger } from 'hono-pino';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';

/** What a surface adds to its request's log line once it knows it. */
export interface RequestNotes {
  /** The acting teammate and its team. */
  agent?: string;
  team?: string;
  /** `/mcp`: the JSON-RPC method (`tools/call`, `initialize`, …; a batch joins them with commas). */
  rpc?: string;
  /** `/mcp` `tools/call`: the tool's name. */
  tool?: string;
}

declare module 'hono' {
  interface ContextVariableMap {
    requestNotes: RequestNotes;
  }
}

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** Longest request id taken from a client; longer ones are replaced. */
export const MAX_REQUEST_ID_CHARS = 128;

const NO_BINDINGS = Object.freeze({});
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Adds `notes` to the request's log line (a no-op cost when nothing logs). */
export function noteRequest(c: Context, notes: RequestNotes): void {
  const mine = c.get('requestNotes');
  if (mine) Object.assign(mine, notes);
  else c.set('requestNotes', { ...notes });
}

/** The matched route pattern (`/api/v1/tasks/:ref`), never the raw path: bounded label values. */
const routeOf = (c: Context) => routePath(c) || 'unmatched';

/**
 * The middleware to mount first on `*`, in order: request id, request log (only when `logger`
 * writes `info`), then timing into `metrics` and the id on responses that replaced Hono's.
 */
export function requestLog(deps: { logger: Logger; metrics?: Metrics }): MiddlewareHandler[] {
  const chain: MiddlewareHandler[] = [
    requestId({ headerName: REQUEST_ID_HEADER, limitLength: MAX_REQUEST_ID_CHARS, generator: () => randomUUID() }),
  ];
  // hono-pino makes child loggers per request: skip it entirely when request lines are not written.
  if (deps.logger.isLevelEnabled('info')) {
    chain.push(
      pinoLogger({
        pino: deps.logger,
        http: {
          // Everything goes on the one response line; no bindings for the request's child logger.
          onReqBindings: () => NO_BINDINGS,
          onResBindings: (c) => ({
            method: c.req.method,
            path: c.req.path,
            route: routeOf(c),
            status: c.res.status,
            ...c.get('requestNotes'),
          }),
          onResLevel: (c) => (c.res.status >= 500 ? 'error' : 'info'),
          onResMessage: () => 'request',
        },
      }),
    );
  }
  const metrics = deps.metrics;
  chain.push(async (c, next) => {
    const started = metrics ? performance.now() : 0;
    await next();
    // A handler that returns its own Response (the MCP transport) drops headers set before it.
    if (!c.res.headers.has(REQUEST_ID_HEADER)) c.header(REQUEST_ID_HEADER, c.get('requestId'));
    if (metrics) {
      const method = METHODS.has(c.req.method) ? c.req.method : 'OTHER';
      metrics.httpRequest(method, routeOf(c), c.res.status, (performance.now() - started) / 1000);
    }
  });
  return chain;
}
