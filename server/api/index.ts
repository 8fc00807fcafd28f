/** The JSON API, `/api/v1/…`: one sub-app per area, each a thin adapter over the operations. */
import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import { reservationRoutes } from './reservations.js';
import { searchRoutes } from './search.js';
import { taskRoutes } from './tasks.js';
import { teammateRoutes } from './teammates.js';

export function apiRoutes(deps: AppDeps): Hono {
  const api = new Hono();
  api.route('/', teammateRoutes(deps));
  api.route('/', taskRoutes(deps));
  api.route('/', reservationRoutes(deps));
  api.route('/', searchRoutes(deps));
  return api;
}
