/**
 * Composes the HTTP app: `/mcp` (MCP Streamable HTTP), `/api/v1` (JSON API), `/` (board).
 * No side effects: build with `createApp(deps)`; only `server/main.ts` listens.
 */
import { Hono } from 'hono';
import { createMcpEndpoint, type McpEndpoint } from '../mcp/route.js';
import { boardRoutes } from '../web/routes.js';
import { errorResponse } from './api/errors.js';
import { apiRoutes } from './api/index.js';
import type { AppDeps } from './deps.js';
import { DomainError } from './errors.js';

export interface SwitchboardApp {
  app: Hono;
  mcp: McpEndpoint;
  /** Closes live MCP sessions. */
  close: () => Promise<void>;
}

export function createApp(deps: AppDeps): SwitchboardApp {
  const app = new Hono();
  const mcp = createMcpEndpoint(deps);

  app.get('/healthz', (c) => c.json({ ok: true }));
  app.route('/mcp', mcp.app);
  app.route('/api/v1', apiRoutes(deps));
  app.route('/', boardRoutes(deps));

  app.notFound((c) =>
    errorResponse(c, new DomainError('not_found', `no route ${c.req.method} ${c.req.path}`), deps.logger),
  );
  app.onError((err, c) => errorResponse(c, err, deps.logger));

  return { app, mcp, close: () => mcp.closeAll() };
}
