/**
 * Composes the HTTP app: `/mcp` (MCP Streamable HTTP), `/api/v1` (JSON API), `/` (board).
 * No side effects: build with `createApp(deps)`; only `server/main.ts` listens.
 */
import { Hono } from 'hono';
import { createMcpEndpoint, type McpEndpoint } from '../mcp/route.js';
import { boardRoutes } from '../web/routes/index.js';
import { apiRoutes } from './api/index.js';
import { dialectOf } from './db/connection.js';
import type { AppDeps } from './deps.js';
import { DomainError } from './errors.js';
import { errorResponse } from './http-errors.js';
import { baseCtx } from './identity.js';
import { createMetrics, type Metrics } from './metrics.js';
import { metricsRoutes } from './metrics-route.js';
import { jsonGuard, sizeGuard } from './middleware/body.js';
import { createDrain, type Drain } from './middleware/drain.js';
import { originGuard } from './middleware/origin.js';
import { requestLog } from './middleware/request-log.js';
import { createGuards, type Guards } from './ops/guards.js';
import { createWaiterRegistry } from './ops/waiters.js';

export interface SwitchboardApp {
  app: Hono;
  mcp: McpEndpoint;
  /** Closes live MCP sessions. */
  close: () => Promise<void>;
  /** The per-agent limiters the app runs with (`deps.guards`, or new ones). */
  guards: Guards;
  /** Requests in flight, and refusing new ones during shutdown. */
  drain: Drain;
  /** The app's metrics (its own prom-client registry), served at `/metrics`. */
  metrics: Metrics;
  /** The dependencies the app runs with (`guards` and `metrics` filled in): build other contexts from these. */
  deps: AppDeps;
}

export function createApp(input: AppDeps): SwitchboardApp {
  const guards = input.guards ?? createGuards();
  const metrics =
    input.metrics ??
    createMetrics({ ctx: baseCtx(input), bus: input.bus, logger: input.logger, dialect: dialectOf(input.db) });
  const deps: AppDeps = { ...input, guards, metrics };
  guards.waiters ??= createWaiterRegistry(baseCtx(deps));
  const app = new Hono();
  const drain = createDrain(deps);
  // Before any route: request id, log line and timing (so refusals have them too), shutdown
  // drain, Host/Origin checks, request size, JSON-only bodies.
  app.use('*', ...requestLog(deps), drain.middleware, originGuard(deps), sizeGuard(deps));
  app.use('/api/*', jsonGuard(deps));
  app.use('/mcp', jsonGuard(deps));
  const mcp = createMcpEndpoint(deps);

  metrics.watch({ sessions: () => mcp.sessions.size, waiting: () => guards.waiters?.size() ?? 0 });

  app.get('/healthz', (c) => c.json({ ok: true }));
  app.route('/metrics', metricsRoutes(deps, metrics));
  app.route('/mcp', mcp.app);
  app.route('/api/v1', apiRoutes(deps));
  app.route('/', boardRoutes(deps));

  app.notFound((c) =>
    errorResponse(c, new DomainError('not_found', `no route ${c.req.method} ${c.req.path}`), deps.logger),
  );
  app.onError((err, c) => errorResponse(c, err, deps.logger));

  const close = async () => {
    await mcp.closeAll();
    metrics.close();
  };
  return { app, mcp, close, guards: deps.guards as Guards, drain, metrics, deps };
}
