/**
 * The web board: server-rendered pages (hono/jsx) made live with htmx and server-sent events,
 * composed from sub-apps mounted with `app.route()`: static files, identity (name, login),
 * pages (GET views) and actions (POST forms). One `onError` for all of them: `errorView`.
 *
 * htmx major: 2 (htmx.org@2 with htmx-ext-sse@2), chosen over 4 on purpose: 2.x is the
 * long-term stable line its authors keep supporting, the SSE extension we use is written and
 * tested for it (it lists htmx.org ^2 as its dependency), and the board needs nothing that 4
 * adds, while 4 changes attribute inheritance and event names and is new enough that its
 * extensions are still moving. Both files are served from node_modules, never a CDN.
 */
import { Hono } from 'hono';
import type { AppDeps } from '../../server/deps.js';
import { assetRoutes } from '../assets.js';
import { errorView } from '../errors.js';
import { CSP } from '../security.js';
import { actionRoutes } from './actions.js';
import { identityRoutes } from './identity.js';
import { pageRoutes } from './pages.js';

/** The board's routes, to mount at `/`. */
export function boardRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  // Registered first, static files answer before (and so without) the page headers below.
  app.route('/', assetRoutes());
  app.use('*', async (c, next) => {
    await next();
    if (!c.res.headers.has('content-security-policy')) c.header('content-security-policy', CSP);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'same-origin');
  });
  app.onError((err, c) => errorView(c, err, deps.logger, deps.auth));
  app.route('/', identityRoutes(deps));
  app.route('/', pageRoutes(deps));
  app.route('/', actionRoutes(deps));
  return app;
}
