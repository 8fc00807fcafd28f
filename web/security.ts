/**
 * Cross-site request protection and response hardening for the board.
 * - Every POST must come from this origin (`Origin`, or `Sec-Fetch-Site` when no Origin is
 *   sent) and carry the per-browser CSRF token (header `X-CSRF-Token` from htmx, or the form
 *   field `_csrf`) matching the `sb_csrf` cookie (double submit; SameSite=Strict cookie).
 * - Pages carry a Content-Security-Policy that allows scripts and styles only from this
 *   origin, so even text that slipped through escaping could not run.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { DomainError } from '../server/errors.js';

export const CSRF_COOKIE = 'sb_csrf';

export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/** Whether the request arrived over TLS (directly or as told by the URL). */
export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:';
}

/** Sets a cookie the way the board's cookies are set: HttpOnly, SameSite=Strict, path `/`. */
export function setBoardCookie(c: Context, name: string, value: string, maxAgeSeconds?: number): void {
  setCookie(c, name, value, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    secure: isHttps(c),
    ...(maxAgeSeconds !== undefined && { maxAge: maxAgeSeconds }),
  });
}

const minted = new WeakMap<Request, string>();

/** The browser's CSRF token, minted and set as a cookie on first sight (once per request). */
export function csrfToken(c: Context): string {
  const existing = getCookie(c, CSRF_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{20,100}$/.test(existing)) return existing;
  const already = minted.get(c.req.raw);
  if (already) return already;
  const token = randomBytes(24).toString('base64url');
  minted.set(c.req.raw, token);
  setBoardCookie(c, CSRF_COOKIE, token, 60 * 60 * 24 * 365);
  return token;
}

/**
 * Refuses a state-changing request that is not provably from this board.
 * Errors: `forbidden` for a foreign origin or a missing or wrong token.
 */
export async function checkSameOrigin(c: Context): Promise<void> {
  const url = new URL(c.req.url);
  const origin = c.req.header('origin');
  if (origin !== undefined) {
    if (origin !== url.origin) throw new DomainError('forbidden', `cross-site request refused (origin ${origin})`);
  } else {
    const site = c.req.header('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      throw new DomainError('forbidden', 'cross-site request refused');
    }
  }
  const cookie = getCookie(c, CSRF_COOKIE) ?? '';
  let sent = c.req.header('x-csrf-token');
  if (sent === undefined) {
    const type = c.req.header('content-type') ?? '';
    if (type.includes('form')) {
      const body = await c.req.parseBody();
      sent = typeof body._csrf === 'string' ? body._csrf : undefined;
    }
  }
  const a = Buffer.from(cookie);
  const b = Buffer.from(sent ?? '');
  if (a.length === 0 || a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new DomainError('forbidden', 'missing or stale form token: reload the page and try again');
  }
}
