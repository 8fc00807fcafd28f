/** The page frame: header with the team's navigation, the live connection, the main column. */
import type { Child, FC } from 'hono/jsx';
import { teamUrl } from './common.js';
import { HeaderSearch } from './search.js';

/**
 * htmx settings: swap 4xx/5xx responses too (they carry the error fragment), no eval, no
 * inline scripts or indicator styles (the CSP forbids them), no history cache in storage.
 */
export const HTMX_CONFIG = JSON.stringify({
  allowEval: false,
  allowScriptTags: false,
  includeIndicatorStyles: false,
  historyCacheSize: 0,
  selfRequestsOnly: true,
  responseHandling: [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '[45]..', swap: true, error: true },
  ],
});

export type NavKey = 'board' | 'agents' | 'threads' | 'reviews' | 'flow' | 'task' | 'search' | null;

export interface LayoutProps {
  title: string;
  csrf: string;
  /** The viewer's name, shown in the header. */
  who: string | null;
  mode: 'local' | 'token';
  team?: string;
  nav?: NavKey;
  /** SSE stream the page listens to (none for login pages). */
  live?: string | null;
  children?: Child;
}

export const Layout: FC<LayoutProps> = (p) => {
  const live = p.live === undefined ? (p.team ? teamUrl(p.team, '/events') : '/events') : p.live;
  const link = (key: NavKey, path: string, label: string) =>
    p.team ? (
      <a href={teamUrl(p.team, path)} class={p.nav === key ? 'current' : ''}>
        {label}
      </a>
    ) : null;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content={HTMX_CONFIG} />
        <title>{p.title} · Switchboard</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/static/board.css" />
        <script src="/static/htmx.min.js" />
        <script src="/static/sse.js" />
        <script src="/static/board.js" defer />
      </head>
      <body hx-headers={JSON.stringify({ 'x-csrf-token': p.csrf })}>
        <header class="top">
          <a class="brand" href="/">
            <span class="dot" title="live updates" /> Switchboard
          </a>
          {p.team && (
            <nav>
              <span class="team">{p.team}</span>
              {link('board', '', 'Board')}
              {link('agents', '/agents', 'Agents')}
              {link('threads', '/threads', 'Threads')}
              {link('reviews', '/reviews', 'Reviews')}
              {link('flow', '/flow', 'Flow')}
            </nav>
          )}
          {p.team && <HeaderSearch team={p.team} />}
          <div class="me">
            {p.who && (
              <>
                <span>
                  you are <strong>{p.who}</strong>
                </span>
                <form method="post" action={p.mode === 'token' ? '/logout' : '/welcome/forget'}>
                  <input type="hidden" name="_csrf" value={p.csrf} />
                  <button type="submit" class="link">
                    {p.mode === 'token' ? 'log out' : 'change name'}
                  </button>
                </form>
              </>
            )}
          </div>
        </header>
        <div id="flash" class="flash" aria-live="polite" />
        <main id="main" {...(live ? { 'hx-ext': 'sse', 'sse-connect': live } : {})}>
          {p.children}
        </main>
      </body>
    </html>
  );
};
