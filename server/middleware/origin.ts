/**
 * `Host` and `Origin` checks on every request, against DNS rebinding (a page on evil.example
 * whose name resolves to 127.0.0.1: the browser sends `Host: evil.example`) and drive-by
 * pages (a page on another origin posting to the server: the browser sends its `Origin`).
 *
 * - `Host` must be a loopback name, the bound host, or a name in `SWITCHBOARD_ALLOWED_HOSTS`
 *   (`*` accepts any: only sensible in token mode behind a proxy that checks it).
 * - `Origin`, when sent, must be this server's own origin (scheme://Host) or one listed in
 *   `SWITCHBOARD_ALLOWED_ORIGINS`; `Origin: null` (sandboxed frames, files) is refused.
 * - A browser request marked `Sec-Fetch-Site: cross-site|same-site` without an accepted
 *   `Origin` is refused when it could change something (any method but GET/HEAD) or reaches
 *   `/api` or `/mcp`.
 * Non-browser clients (MCP SDKs, the CLI, curl) send no `Origin` and pass.
 * Errors: 403 `forbidden` naming the refused header.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppDeps, OriginPolicy } from '../deps.js';
import { DomainError } from '../errors.js';
import { errorResponse } from '../http-errors.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** The hostname of a `Host` header value (`[::1]:7800` → `[::1]`, `Example.COM:80` → `example.com`). */
export function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.indexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

/** Whether `host` (a `Host` header value) names this server under `policy`. */
export function isAllowedHost(host: string, policy: OriginPolicy): boolean {
  if (policy.hosts.includes('*')) return true;
  const name = hostnameOf(host);
  if (name === '' || !/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(host.trim().toLowerCase())) return false;
  return LOOPBACK_NAMES.has(name) || /^127(\.\d{1,3}){3}$/.test(name) || policy.hosts.includes(name);
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

export function originGuard(deps: AppDeps): MiddlewareHandler {
  const policy: OriginPolicy = deps.origins ?? { hosts: [], origins: [] };
  const refuse = (c: Parameters<MiddlewareHandler>[0], message: string) =>
    errorResponse(c, new DomainError('forbidden', message), deps.logger);

  return async (c, next) => {
    const req = c.req.raw;
    // Behind @hono/node-server the URL is built from the Host header; app.request() has only the URL.
    const host = req.headers.get('host') ?? new URL(req.url).host;
    if (!isAllowedHost(host, policy)) {
      return refuse(
        c,
        `Host "${host.slice(0, 100)}" is not this server (DNS rebinding protection); add it to SWITCHBOARD_ALLOWED_HOSTS if it is`,
      );
    }
    const origin = req.headers.get('origin');
    if (origin !== null) {
      let ok = policy.origins.includes(origin);
      if (!ok && origin !== 'null') {
        try {
          const u = new URL(origin);
          ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.host === host.trim().toLowerCase();
        } catch {
          ok = false;
        }
      }
      if (!ok) {
        return refuse(
          c,
          `cross-origin request from ${origin.slice(0, 100)} refused; only pages served by this server (or SWITCHBOARD_ALLOWED_ORIGINS) may call it`,
        );
      }
      return next();
    }
    const site = req.headers.get('sec-fetch-site');
    const path = c.req.path;
    const sensitive =
      !SAFE_METHODS.has(req.method) || path.startsWith('/api/') || path === '/mcp' || path.startsWith('/mcp/');
    if ((site === 'cross-site' || site === 'same-site') && sensitive) {
      return refuse(c, `${site} request refused; only pages served by this server may call it`);
    }
    return next();
  };
}
