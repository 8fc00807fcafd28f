/**
 * `GET /metrics`: the Prometheus exposition of this server's metrics (server/metrics.ts).
 * Local mode: open, like the rest of a loopback-only server. Token mode: a team-admin bearer
 * token is required (`switchboard token create NAME --admin`), since a client's address says
 * nothing once a proxy sits in front; the numbers are counts only, labelled with up to
 * `TEAM_LABEL_LIMIT` team names.
 */
import { Hono } from 'hono';
import type { AppDeps } from './deps.js';
import { DomainError } from './errors.js';
import { resolveIdentity } from './identity.js';
import type { Metrics } from './metrics.js';

/**
 * The `/metrics` sub-app. Errors (to the app's `onError`): token mode `unauthorized` without a
 * valid token, `forbidden` for a token that is not a team admin's.
 */
export function metricsRoutes(deps: AppDeps, metrics: Metrics): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    if (deps.auth === 'token') {
      const identity = await resolveIdentity(deps, c.req.raw, { autoJoin: false });
      if (!identity.admin) {
        throw new DomainError('forbidden', '/metrics needs a team-admin token (switchboard token create NAME --admin)');
      }
    }
    return c.body(await metrics.render(), 200, { 'content-type': metrics.contentType });
  });
  return app;
}
