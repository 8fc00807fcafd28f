/**
 * Who is looking at the board: choose a name (local mode) or log in with a token (token mode),
 * and forget the name or log out. Public routes; every POST checks origin and CSRF token.
 * `web/viewer.ts` reads the cookies these set.
 *
 * | Route | What |
 * |---|---|
 * | GET, POST /welcome | choose a teammate name (local mode) |
 * | POST /welcome/forget | forget the name |
 * | GET, POST /login | log in with a token (token mode) |
 * | POST /logout | log out |
 */
import { Hono } from 'hono';
import { deleteCookie } from 'hono/cookie';
import type { AppDeps } from '../../server/deps.js';
import { DomainError } from '../../server/errors.js';
import { baseCtx } from '../../server/identity.js';
import { AgentName } from '../../server/ops/schemas.js';
import { authenticateToken } from '../../server/ops/tokens.js';
import { LoginForm, NameForm } from '../components/auth.js';
import { teamUrl } from '../components/common.js';
import { type Form, field, safeNext } from '../forms.js';
import { page } from '../page.js';
import { checkSameOrigin, csrfToken, setBoardCookie } from '../security.js';
import { NAME_COOKIE, TOKEN_COOKIE } from '../viewer.js';

export function identityRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  const form = (title: string) => ({ mode: deps.auth, title, nav: null, who: null, live: null }) as const;

  app.get('/welcome', async (c) => {
    const next = safeNext(c.req.query('next'));
    if (deps.auth === 'token') return c.redirect(`/login?next=${encodeURIComponent(next)}`, 303);
    return page(c, <NameForm csrf={csrfToken(c)} next={next} />, form('Welcome'));
  });

  app.post('/welcome', async (c) => {
    await checkSameOrigin(c);
    if (deps.auth === 'token') throw new DomainError('forbidden', 'this server uses token logins: log in at /login');
    const body = (await c.req.parseBody()) as Form;
    const next = safeNext(field(body, 'next'));
    const parsed = AgentName.safeParse(field(body, 'name') ?? '');
    if (!parsed.success) {
      const msg = `name: ${parsed.error.issues[0]?.message ?? 'invalid'}`;
      c.status(400);
      return page(c, <NameForm csrf={csrfToken(c)} next={next} error={msg} />, form('Welcome'));
    }
    setBoardCookie(c, NAME_COOKIE, parsed.data, 60 * 60 * 24 * 365);
    return c.redirect(next, 303);
  });

  app.post('/welcome/forget', async (c) => {
    await checkSameOrigin(c);
    deleteCookie(c, NAME_COOKIE, { path: '/' });
    return c.redirect('/welcome', 303);
  });

  app.get('/login', async (c) => {
    const next = safeNext(c.req.query('next'));
    if (deps.auth !== 'token') return c.redirect(next, 303);
    return page(c, <LoginForm csrf={csrfToken(c)} next={next} />, form('Log in'));
  });

  app.post('/login', async (c) => {
    await checkSameOrigin(c);
    const body = (await c.req.parseBody()) as Form;
    const next = safeNext(field(body, 'next'));
    const token = field(body, 'token') ?? '';
    try {
      const { agent } = await authenticateToken(baseCtx(deps), token);
      setBoardCookie(c, TOKEN_COOKIE, token, 60 * 60 * 24 * 30);
      return c.redirect(next === '/' ? teamUrl(agent.team) : next, 303);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      c.status(401);
      return page(c, <LoginForm csrf={csrfToken(c)} next={next} error={err.message} />, form('Log in'));
    }
  });

  app.post('/logout', async (c) => {
    await checkSameOrigin(c);
    deleteCookie(c, TOKEN_COOKIE, { path: '/' });
    return c.redirect('/login', 303);
  });

  return app;
}
