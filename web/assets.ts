/**
 * Static files of the board, served from the process (no CDN: the machines reach only package
 * registries): htmx and its SSE extension straight from `node_modules` (resolved as packages),
 * the board's CSS and script from `web/static/` (found from the package root, so the compiled
 * build in dist/ finds them too). Read once, served with an ETag and a short cache lifetime.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Hono } from 'hono';
import { packagePath } from '../server/package-root.js';

const require = createRequire(import.meta.url);

interface Asset {
  body: string;
  type: string;
  etag: string;
}

const SOURCES: Record<string, { path: () => string; type: string }> = {
  'htmx.min.js': { path: () => require.resolve('htmx.org/dist/htmx.min.js'), type: 'text/javascript' },
  'sse.js': { path: () => require.resolve('htmx-ext-sse/dist/sse.min.js'), type: 'text/javascript' },
  'board.js': { path: () => packagePath('web', 'static', 'board.js'), type: 'text/javascript' },
  'board.css': { path: () => packagePath('web', 'static', 'board.css'), type: 'text/css' },
};

/** `/static/:file` for the files above; anything else is 404. */
export function assetRoutes(): Hono {
  const cache = new Map<string, Asset>();
  const load = (name: string): Asset | null => {
    const src = SOURCES[name];
    if (!src) return null;
    let a = cache.get(name);
    if (!a) {
      const body = readFileSync(src.path(), 'utf8');
      a = { body, type: src.type, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
      cache.set(name, a);
    }
    return a;
  };
  const app = new Hono();
  app.get('/static/:file', (c) => {
    const a = load(c.req.param('file'));
    if (!a) return c.text('not found', 404);
    if (c.req.header('if-none-match') === a.etag) return c.body(null, 304);
    return c.body(a.body, 200, {
      'content-type': `${a.type}; charset=utf-8`,
      'cache-control': 'public, max-age=300',
      etag: a.etag,
    });
  });
  return app;
}
