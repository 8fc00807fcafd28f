/** JSON API: `GET /api/v1/search?q=&in=&thread=&from=&since=&limit=`, full-text search (searchTeam). */
import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import { searchTeam } from '../ops/search.js';
import { agentRoute, queryInput } from './handler.js';

export function searchRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.get(
    '/search',
    agentRoute(deps, (ctx, c) => {
      const { q, ...filters } = queryInput(c, {
        q: 'string',
        in: 'string',
        thread: 'string',
        from: 'string',
        since: 'string',
        limit: 'number',
      });
      return searchTeam(ctx, { ...filters, query: q ?? '' });
    }),
  );
  return app;
}
