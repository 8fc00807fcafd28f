/**
 * Board test helpers: the real app on a fresh database of the run's dialect (test/helpers/db.ts),
 * driven with `app.request()` like a browser would (cookies kept, CSRF token taken from the
 * page, same-origin headers).
 */
import { pino } from 'pino';
import { createApp, type SwitchboardApp } from '../../server/app.js';
import { createBus } from '../../server/bus.js';
import type { OpenedDb } from '../../server/db/open.js';
import type { AppDeps } from '../../server/deps.js';
import { upsertAgent } from '../../server/ops/agents.js';
import { createCtx } from '../../server/ops/context.js';
import type { Agent } from '../../server/ops/model.js';
import type { AgentKind } from '../../server/ops/schemas.js';
import { openTestDatabase } from '../helpers/db.js';

export const ORIGIN = 'http://127.0.0.1:7800';

export interface BoardWorld {
  deps: AppDeps;
  sb: SwitchboardApp;
  opened: OpenedDb;
  clock: { now: number };
  /** Creates (or updates) a teammate. */
  agent: (name: string, opts?: { team?: string; role?: string; kind?: AgentKind }) => Promise<Agent>;
  /** A context acting as `agent`. */
  as: (agent: Agent) => ReturnType<typeof createCtx>;
  close: () => Promise<void>;
}

export async function boardWorld(opts: { auth?: 'local' | 'token'; boardName?: string } = {}): Promise<BoardWorld> {
  const opened = await openTestDatabase();
  const clock = { now: Date.UTC(2026, 0, 1, 12, 0, 0) };
  const deps: AppDeps = {
    db: opened.db,
    bus: createBus(),
    logger: pino({ level: 'silent' }),
    auth: opts.auth ?? 'local',
    limits: {},
    sessionIdleMs: 60_000,
    now: () => clock.now,
    boardName: opts.boardName ?? null,
  };
  const sb = createApp(deps);
  return {
    deps,
    sb,
    opened,
    clock,
    agent: async (name, o = {}) =>
      (
        await upsertAgent(createCtx(deps, null), {
          name,
          team: o.team ?? 'default',
          ...(o.role && { role: o.role }),
          ...(o.kind && { kind: o.kind }),
        })
      ).agent,
    as: (agent) => createCtx(deps, agent),
    close: async () => {
      await sb.close();
      await opened.close();
    },
  };
}

/** A browser-like client: keeps cookies, knows its CSRF token, sends same-origin headers. */
export class Browser {
  cookies = new Map<string, string>();
  constructor(private sb: SwitchboardApp) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = (pair ?? '').indexOf('=');
      const name = (pair ?? '').slice(0, eq);
      const value = (pair ?? '').slice(eq + 1);
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await this.sb.app.request(`${ORIGIN}${path}`, {
      headers: { cookie: this.cookieHeader(), ...headers },
    });
    this.keep(res);
    return res;
  }

  /** GET as htmx does (a fragment). */
  fragment(path: string): Promise<Response> {
    return this.get(path, { 'hx-request': 'true' });
  }

  async post(
    path: string,
    fields: Record<string, string>,
    opts: { htmx?: boolean; origin?: string | null; csrf?: string | null } = {},
  ): Promise<Response> {
    const csrf = opts.csrf === undefined ? this.cookies.get('sb_csrf') : opts.csrf;
    const headers: Record<string, string> = {
      cookie: this.cookieHeader(),
      'content-type': 'application/x-www-form-urlencoded',
    };
    if (opts.origin !== null) headers.origin = opts.origin ?? ORIGIN;
    if (opts.htmx !== false) headers['hx-request'] = 'true';
    if (csrf && opts.htmx !== false) headers['x-csrf-token'] = csrf;
    const body = new URLSearchParams(fields);
    if (csrf && opts.htmx === false) body.set('_csrf', csrf);
    const res = await this.sb.app.request(`${ORIGIN}${path}`, { method: 'POST', headers, body: body.toString() });
    this.keep(res);
    return res;
  }

  /**
   * Picks a name on the welcome form (local mode) after loading a page for the CSRF cookie,
   * then opens `team`'s board (which joins it), unless `team` is null.
   */
  async join(name: string, team: string | null = 'default'): Promise<void> {
    await this.get('/welcome');
    const res = await this.post('/welcome', { name, next: '/' }, { htmx: false });
    if (res.status !== 303) throw new Error(`welcome failed: ${res.status} ${await res.text()}`);
    if (team !== null) await this.get(`/t/${team}`);
  }
}
