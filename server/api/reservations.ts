/** JSON API: file reservations, and the edit check the hooks ask. */
import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import { checkPath, createReservations, listReservations, releaseReservations } from '../ops/reservations.js';
import { agentRoute, jsonBody, queryInput } from './handler.js';

export function reservationRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.get(
    '/reservations',
    agentRoute(deps, (ctx, c) => listReservations(ctx, queryInput(c, { mine: 'boolean', path: 'string' }))),
  );
  app.post(
    '/reservations',
    agentRoute(deps, async (ctx, c) => createReservations(ctx, await jsonBody(c)), 201),
  );
  app.post(
    '/reservations/release',
    agentRoute(deps, async (ctx, c) => releaseReservations(ctx, await jsonBody(c))),
  );
  // May the caller edit ?path= (a file relative to the project root)? `allowed: false` names who holds it.
  app.get(
    '/reservations/check',
    agentRoute(deps, (ctx, c) => checkPath(ctx, queryInput(c, { path: 'string' }))),
  );
  return app;
}
