/**
 * The board's one error mapper: any thrown value → an HTML error fragment (for htmx requests)
 * or an error page, with the same code, message and HTTP status as the JSON API and the MCP
 * tools. Unknown errors are logged and shown only as "internal error". A request that needs a
 * login or a name is sent to that form instead.
 */
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { Logger } from 'pino';
import { type DomainError, isDomainError } from '../server/errors.js';
import { STATUS } from '../server/http-errors.js';
import { ErrorBox } from './components/common.js';
import { Layout } from './components/layout.js';
import { CSP, csrfToken } from './security.js';

/** Whether the request wants a fragment (an htmx request that is not a history restore). */
export function wantsFragment(c: Context): boolean {
  return c.req.header('hx-request') === 'true' && c.req.header('hx-history-restore-request') !== 'true';
}

/** The path and query to come back to after logging in or choosing a name (same-site only). */
export function returnPath(c: Context): string {
  const url = new URL(c.req.header('hx-current-url') ?? c.req.url, c.req.url);
  const p = `${url.pathname}${url.search}`;
  return /^\/(?![/\\])/.test(p) ? p : '/';
}

export function errorView(
  c: Context,
  err: unknown,
  logger: Logger,
  mode: 'local' | 'token',
): Response | Promise<Response> {
  let e: Pick<DomainError, 'code' | 'message' | 'details'>;
  if (isDomainError(err)) e = err;
  else {
    logger.error({ err }, 'board request failed');
    e = { code: 'internal', message: 'internal error', details: {} };
  }
  c.header('content-security-policy', CSP);
  if (e.code === 'unauthorized' && e.details.login) {
    const to = `${e.details.login === 'token' ? '/login' : '/welcome'}?next=${encodeURIComponent(returnPath(c))}`;
    if (c.req.header('hx-request') === 'true') {
      c.header('hx-redirect', to);
      return c.body(null, 204);
    }
    return c.redirect(to, 303);
  }
  const status = STATUS[e.code];
  const box = <ErrorBox code={e.code} message={e.message} />;
  if (wantsFragment(c)) return c.html(box, status);
  const page = (
    <Layout title="Error" csrf={csrfToken(c)} who={null} mode={mode} live={null}>
      <section class="error-page">
        {box}
        {e.details.chooseName === true && (
          <form method="post" action="/welcome/forget">
            <input type="hidden" name="_csrf" value={csrfToken(c)} />
            <button type="submit">Choose another name</button>
          </form>
        )}
        <p>
          <a href="/">Back to the teams</a>
        </p>
      </section>
    </Layout>
  );
  return c.html(html`<!DOCTYPE html>${page}`, status);
}
