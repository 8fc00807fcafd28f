/**
 * One way to answer a board GET: a full HTML document in the layout, or only the live panel
 * for an htmx request, rendered by the same component, so a panel refreshes itself by fetching
 * its own URL.
 */
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { AppDeps } from '../server/deps.js';
import { Layout, type NavKey } from './components/layout.js';
import { wantsFragment } from './errors.js';
import { csrfToken } from './security.js';

export interface PageOptions {
  /** The server's auth mode (`deps.auth`): the header offers log out or forget name. */
  mode: AppDeps['auth'];
  title: string;
  nav: NavKey;
  /** The viewer's name for the header, or null before one is known. */
  who: string | null;
  /** The team the page belongs to: its nav links and its live stream. */
  team?: string;
  /** null: the page listens to no live stream (the login and name forms). */
  live?: null;
  /** What surrounds the panel on a full page (a heading, forms); the panel alone by default. */
  around?: (panel: Child) => Child;
}

/** A full page in the layout, or only `panel` for an htmx request. */
export async function page(c: Context, panel: Child, o: PageOptions): Promise<Response> {
  if (wantsFragment(c)) return c.html(panel as string);
  const doc = (
    <Layout
      title={o.title}
      csrf={csrfToken(c)}
      who={o.who}
      mode={o.mode}
      {...(o.team && { team: o.team })}
      nav={o.nav}
      {...(o.live === null && { live: null })}
    >
      {o.around ? o.around(panel) : panel}
    </Layout>
  );
  return c.html(html`<!DOCTYPE html>${doc}`);
}
