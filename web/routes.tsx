/**
 * The web board: server-rendered pages (hono/jsx) made live with htmx and server-sent events.
 *
 * Every page is a full HTML document for a plain request and only its live panel for an htmx
 * request (`HX-Request`), rendered by the same component, so a panel refreshes itself by
 * fetching its own URL when the team's SSE stream names a change it shows. Every action form
 * posts to a route that checks origin and CSRF token, builds the viewer's context and calls the
 * same operation as the matching MCP tool; errors come back as the same messages.
 *
 * htmx major: 2 (htmx.org@2 with htmx-ext-sse@2), chosen over 4 on purpose: 2.x is the
 * long-term stable line its authors keep supporting, the SSE extension we use is written and
 * tested for it (it lists htmx.org ^2 as its dependency), and the board needs nothing that 4
 * adds, while 4 changes attribute inheritance and event names and is new enough that its
 * extensions are still moving. Both files are served from node_modules, never a CDN.
 *
 * | Route | Page or action | Operation |
 * |---|---|---|
 * | GET / | teams overview | teamsOverview |
 * | GET /t/:team | board columns (agent, label, text filters; Done paged) | boardColumns |
 * | GET /t/:team/tasks/:ref | task page | getTask |
 * | GET /t/:team/agents | roster | rosterOf |
 * | GET /t/:team/threads, /threads/:id | threads, one thread | listTeamThreads, readThread |
 * | GET /t/:team/reviews | review queue | reviewQueue |
 * | GET /t/:team/events, /events | SSE stream | bus |
 * | POST /t/:team/tasks | create a task | createTask |
 * | POST /t/:team/tasks/:ref/comment, delegate, release, cancel | | commentOnTask, delegateTask, releaseTask, cancelTask |
 * | POST /t/:team/reviews/:id | approve / request changes | submitReview |
 * | POST /t/:team/messages, /threads/:id/reply | message someone / reply | sendMessage |
 */
import { type Context, Hono } from 'hono';
import { deleteCookie } from 'hono/cookie';
import { html } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { AppDeps } from '../server/deps.js';
import { DomainError } from '../server/errors.js';
import { baseCtx } from '../server/identity.js';
import { rosterOf, touchActivity } from '../server/ops/agents.js';
import {
  boardColumns,
  heldTasks,
  listTeamThreads,
  pendingReviewCounts,
  reviewQueue,
  teamMembers,
  teamsOverview,
} from '../server/ops/board.js';
import { readThread, sendMessage } from '../server/ops/messages.js';
import { submitReview } from '../server/ops/reviews.js';
import { AgentName } from '../server/ops/schemas.js';
import { cancelTask, commentOnTask, createTask, delegateTask, getTask, releaseTask } from '../server/ops/tasks.js';
import { authenticateToken } from '../server/ops/tokens.js';
import { assetRoutes } from './assets.js';
import { RosterPanel, type RosterRow } from './components/agents.js';
import { LoginForm, NameForm } from './components/auth.js';
import { BoardFilters, Columns, CreateTaskForm } from './components/board.js';
import { Notice, teamUrl } from './components/common.js';
import { Layout, type NavKey } from './components/layout.js';
import { TeamsPanel } from './components/overview.js';
import { ReviewQueue } from './components/reviews.js';
import { TaskActions, TaskPanel } from './components/task.js';
import { ReplyForm, SendForm, ThreadPanel, ThreadsPanel } from './components/threads.js';
import { errorView, wantsFragment } from './errors.js';
import { liveStream } from './live.js';
import { CSP, checkSameOrigin, csrfToken, setBoardCookie } from './security.js';
import { boardUser, NAME_COOKIE, type TeamViewer, TOKEN_COOKIE, teamViewer } from './viewer.js';

type Form = Record<string, string | File | (string | File)[]>;

/** A form field as trimmed text; empty or missing is undefined so operation defaults apply. */
function field(form: Form, name: string): string | undefined {
  const v = form[name];
  const s = Array.isArray(v) ? v[v.length - 1] : v;
  if (typeof s !== 'string') return undefined;
  const t = s.trim();
  return t === '' ? undefined : t;
}

/** A multi-line body field as typed (only surrounding blank lines trimmed). */
function body(form: Form, name: string): string | undefined {
  const v = form[name];
  const s = Array.isArray(v) ? v[v.length - 1] : v;
  if (typeof s !== 'string') return undefined;
  const t = s.replace(/^\s*\n|\s+$/g, '');
  return t === '' ? undefined : t;
}

/** A comma- or space-separated list field (`backend, api`, `#3 #7`). */
function list(form: Form, name: string): string[] | undefined {
  const s = field(form, name);
  return s ? s.split(/[\s,]+/).filter(Boolean) : undefined;
}

/** A number from the query string, or undefined (a malformed one is passed on for the schema to refuse). */
function queryNumber(c: Context, name: string): number | string | undefined {
  const v = c.req.query(name);
  if (v === undefined || v === '') return undefined;
  return /^\d+$/.test(v) ? Number(v) : v;
}

/** A same-site path to return to: one leading slash, not followed by another slash or a backslash. */
const safeNext = (next: string | undefined) => (next && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/');

export function boardRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  const now = () => (deps.now ?? Date.now)();

  app.route('/', assetRoutes());
  app.use('*', async (c, next) => {
    await next();
    if (!c.res.headers.has('content-security-policy')) c.header('content-security-policy', CSP);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'same-origin');
  });
  app.onError((err, c) => errorView(c, err, deps.logger, deps.auth));

  /** A full page in the layout, or only `panel` for an htmx request. */
  async function page(
    c: Context,
    v: { team?: TeamViewer; who: string | null; live?: null },
    title: string,
    nav: NavKey,
    panel: Child,
    around?: (panel: Child) => Child,
  ) {
    if (wantsFragment(c)) return c.html(panel as string);
    const doc = (
      <Layout
        title={title}
        csrf={csrfToken(c)}
        who={v.who}
        mode={deps.auth}
        {...(v.team && { team: v.team.team.name })}
        nav={nav}
        {...(v.live === null && { live: null })}
      >
        {around ? around(panel) : panel}
      </Layout>
    );
    return c.html(html`<!DOCTYPE html>${doc}`);
  }

  /** The roster's names, for the forms' choices. */
  async function names(v: TeamViewer): Promise<{ agents: string[]; roles: string[] }> {
    const members = await teamMembers(v.ctx, v.team.id);
    const agents = members.map((a) => a.name);
    const roles = [...new Set(members.map((a) => a.role?.toLowerCase()).filter((r): r is string => !!r))].sort();
    return { agents, roles };
  }

  /**
   * Runs a board action: same-origin and token check, the viewer's context (activity recorded),
   * then `run`. An htmx request gets a notice and an `sb-refresh` trigger; a plain form post
   * is redirected to `back`.
   */
  async function act(
    c: Context,
    back: (v: TeamViewer) => string,
    run: (v: TeamViewer, form: Form) => Promise<string>,
  ): Promise<Response> {
    await checkSameOrigin(c);
    const v = await teamViewer(deps, c, c.req.param('team') as string);
    const form = (await c.req.parseBody({ all: true })) as Form;
    await touchActivity(v.ctx);
    const done = await run(v, form);
    if (!wantsFragment(c)) return c.redirect(back(v), 303);
    // The notice goes to the page's status line: the form itself may be re-rendered away.
    c.header('hx-trigger', 'sb-refresh');
    c.header('hx-retarget', '#flash');
    c.header('hx-reswap', 'innerHTML');
    return c.html(<Notice>{done}</Notice>);
  }

  // ------------------------------------------------------------------------------------------
  // Identity: choose a name (local mode), log in with a token (token mode)

  app.get('/welcome', async (c) => {
    const next = safeNext(c.req.query('next'));
    if (deps.auth === 'token') return c.redirect(`/login?next=${encodeURIComponent(next)}`, 303);
    return page(c, { who: null, live: null }, 'Welcome', null, <NameForm csrf={csrfToken(c)} next={next} />);
  });
  app.post('/welcome', async (c) => {
    await checkSameOrigin(c);
    if (deps.auth === 'token') throw new DomainError('forbidden', 'this server uses token logins: log in at /login');
    const form = (await c.req.parseBody()) as Form;
    const next = safeNext(field(form, 'next'));
    const parsed = AgentName.safeParse(field(form, 'name') ?? '');
    if (!parsed.success) {
      const msg = `name: ${parsed.error.issues[0]?.message ?? 'invalid'}`;
      c.status(400);
      return page(
        c,
        { who: null, live: null },
        'Welcome',
        null,
        <NameForm csrf={csrfToken(c)} next={next} error={msg} />,
      );
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
    return page(c, { who: null, live: null }, 'Log in', null, <LoginForm csrf={csrfToken(c)} next={next} />);
  });
  app.post('/login', async (c) => {
    await checkSameOrigin(c);
    const form = (await c.req.parseBody()) as Form;
    const next = safeNext(field(form, 'next'));
    const token = field(form, 'token') ?? '';
    try {
      const { agent } = await authenticateToken(baseCtx(deps), token);
      setBoardCookie(c, TOKEN_COOKIE, token, 60 * 60 * 24 * 30);
      return c.redirect(next === '/' ? teamUrl(agent.team) : next, 303);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      c.status(401);
      return page(
        c,
        { who: null, live: null },
        'Log in',
        null,
        <LoginForm csrf={csrfToken(c)} next={next} error={err.message} />,
      );
    }
  });
  app.post('/logout', async (c) => {
    await checkSameOrigin(c);
    deleteCookie(c, TOKEN_COOKIE, { path: '/' });
    return c.redirect('/login', 303);
  });

  // ------------------------------------------------------------------------------------------
  // Overview

  app.get('/', async (c) => {
    const user = await boardUser(deps, c);
    if (user.mode === 'local' && !user.name) return c.redirect('/welcome', 303);
    const teams = await teamsOverview(baseCtx(deps), user.token ? { teamIds: [user.token.agent.teamId] } : {});
    return page(c, { who: user.name }, 'Teams', null, <TeamsPanel teams={teams} />, (panel) => (
      <>
        <h1>Teams</h1>
        {panel}
      </>
    ));
  });
  app.get('/events', async (c) => {
    const user = await boardUser(deps, c);
    return liveStream(c, deps.bus, user.token ? user.token.agent.teamId : null, deps.guards?.shutdown.signal);
  });

  // ------------------------------------------------------------------------------------------
  // A team's pages

  app.get('/t/:team/events', async (c) => {
    const v = await teamViewer(deps, c, c.req.param('team'));
    return liveStream(c, deps.bus, v.team.id, deps.guards?.shutdown.signal);
  });

  app.get('/t/:team', async (c) => {
    const v = await teamViewer(deps, c, c.req.param('team'));
    const board = await boardColumns(v.ctx, v.team.id, {
      agent: c.req.query('agent') || undefined,
      label: c.req.query('label') || undefined,
      text: c.req.query('text') || undefined,
      limit: queryNumber(c, 'limit'),
      doneOffset: queryNumber(c, 'done'),
    });
    const panel = <Columns team={v.team.name} board={board} now={now()} />;
    if (wantsFragment(c)) return c.html(panel);
    const { agents } = await names(v);
    return page(c, { team: v, who: v.agent.name }, `${v.team.name} board`, 'board', panel, (p) => (
      <>
        <div class="toolbar">
          <BoardFilters team={v.team.name} board={board} agents={agents} />
          <CreateTaskForm team={v.team.name} csrf={csrfToken(c)} agents={agents} />
        </div>
        {p}
      </>
    ));
  });

  app.get('/t/:team/tasks/:ref', async (c) => {
    const v = await teamViewer(deps, c, c.req.param('team'));
    const d = await getTask(v.ctx, { task: c.req.param('ref'), threadLimit: 200 });
    const panel = <TaskPanel team={v.team.name} d={d} now={now()} csrf={csrfToken(c)} />;
    if (wantsFragment(c)) return c.html(panel);
    const { agents } = await names(v);
    return page(c, { team: v, who: v.agent.name }, `#${d.task.number} ${d.task.title}`, 'task', panel, (p) => (
      <div class="task-layout">
        {p}
        <TaskActions team={v.team.name} number={d.task.number} csrf={csrfToken(c)} agents={agents} />
      </div>
    ));
  });

  app.get('/t/:team/agents', async (c) => {
    const v = await teamViewer(deps, c, c.req.param('team'));
    const [roster, held, reviews] = await Promise.all([
      rosterOf(v.ctx, v.team.id, v.team.name),
      heldTasks(v.ctx, v.team.id),
      pendingReviewCounts(v.ctx, v.team.id),
    ]);
    const order = { online: 0, idle: 1, offline: 2 } as const;
    const rows: RosterRow[] = roster
      .sort((a, b) => order[a.presence] - order[b.presence] || a.name.localeCompare(b.name))
      .map((a) => ({
        ...a,
        held: held.get(a.id) ?? [],
        pendingReviews:
          (reviews.byAgent.get(a.id) ?? 0) + (a.role ? (reviews.byRole.get(a.role.toLowerCase()) ?? 0) : 0),
      }));
    const panel = <RosterPanel team={v.team.name} rows={rows} now={now()} />;
    return page(c, { team: v, who: v.agent.name }, `${v.team.name} agents`, 'agents', panel, (p) => (
      <>
        <h1>Agents</h1>
        {p}
      </>
    ));
  });

  app.get('/t/:team/threads', async (c) => {
    const v = await teamViewer(deps, c, c.req.param('team'));
    const offset = queryNumber(c, 'offset');
    const list = await listTeamThreads(v.ctx, v.team.id, { offset });
    const panel = (
      <ThreadsPanel
        team={v.team.name}
        threads={list.threads}
        nextOffset={list.nextOffset}
        offset={typeof offset === 'number' ? offset : 0}
        now={now()}
      />
    );
    if (wantsFragment(c)) return c.html(panel);
    const { agents, roles } = await names(v);
    const to = c.req.query('to');
    return page(c, { team: v, who: v.agent.name }, `${v.team.name} threads`, 'threads', panel, (p) => (
      <div class="threads-layout">
        <div>
          <h1>Threads</h1>
          {p}
        </div>
        <SendForm
          team={v.team.name}
          csrf={csrfToken(c)}
          agents={agents.filter((a) => a !== v.agent.name)}
          roles={roles}
          {...(to && { to })}
        />
      </div>
    ));
  });

  app.get('/t/:team/threads/:id', async (c) => {
    const v = await teamViewer(deps, c, c.req.param('team'));
    const view = await readThread(v.ctx, { thread: c.req.param('id'), limit: 200 });
    const panel = <ThreadPanel team={v.team.name} view={view} now={now()} />;
    return page(c, { team: v, who: v.agent.name }, view.thread.subject ?? 'Thread', 'threads', panel, (p) => (
      <>
        {p}
        <ReplyForm team={v.team.name} threadId={view.thread.id} csrf={csrfToken(c)} />
      </>
    ));
  });

  app.get('/t/:team/reviews', async (c) => {
    const v = await teamViewer(deps, c, c.req.param('team'));
    const reviews = await reviewQueue(v.ctx, v.team.id);
    const panel = <ReviewQueue team={v.team.name} reviews={reviews} now={now()} csrf={csrfToken(c)} />;
    return page(c, { team: v, who: v.agent.name }, `${v.team.name} reviews`, 'reviews', panel, (p) => (
      <>
        <h1>Review queue</h1>
        {p}
      </>
    ));
  });

  // ------------------------------------------------------------------------------------------
  // Actions: each one operation, the same as the MCP tool of the same name

  const taskPage = (c: Context) => (v: TeamViewer) => teamUrl(v.team.name, `/tasks/${c.req.param('ref')}`);

  app.post('/t/:team/tasks', (c) =>
    act(
      c,
      (v) => teamUrl(v.team.name),
      async (v, form) => {
        const t = await createTask(v.ctx, {
          title: field(form, 'title'),
          description: body(form, 'description'),
          priority: field(form, 'priority'),
          labels: list(form, 'labels'),
          assignee: field(form, 'assignee'),
          dependsOn: list(form, 'dependsOn'),
        });
        return `Created #${t.number}.`;
      },
    ),
  );
  app.post('/t/:team/tasks/:ref/comment', (c) =>
    act(c, taskPage(c), async (v, form) => {
      await commentOnTask(v.ctx, { task: c.req.param('ref'), message: body(form, 'message') });
      return 'Comment posted.';
    }),
  );
  app.post('/t/:team/tasks/:ref/delegate', (c) =>
    act(c, taskPage(c), async (v, form) => {
      const t = await delegateTask(v.ctx, {
        task: c.req.param('ref'),
        to: field(form, 'to'),
        note: field(form, 'note'),
      });
      return `Delegated #${t.number} to ${t.assignee}.`;
    }),
  );
  app.post('/t/:team/tasks/:ref/release', (c) =>
    act(c, taskPage(c), async (v, form) => {
      const t = await releaseTask(v.ctx, { task: c.req.param('ref'), note: field(form, 'note') });
      return `Released #${t.number}; it is open again.`;
    }),
  );
  app.post('/t/:team/tasks/:ref/cancel', (c) =>
    act(c, taskPage(c), async (v, form) => {
      const t = await cancelTask(v.ctx, { task: c.req.param('ref'), reason: field(form, 'reason') });
      return `Cancelled #${t.number}.`;
    }),
  );
  app.post('/t/:team/reviews/:id', (c) =>
    act(
      c,
      (v) => teamUrl(v.team.name, '/reviews'),
      async (v, form) => {
        const r = await submitReview(v.ctx, {
          review: c.req.param('id'),
          verdict: field(form, 'verdict'),
          comments: body(form, 'comments'),
        });
        return r.review.status === 'approved'
          ? `Approved: #${r.task.number} is done.`
          : `Changes requested: #${r.task.number} is back with ${r.task.owner ?? 'its owner'}.`;
      },
    ),
  );
  app.post('/t/:team/messages', (c) =>
    act(
      c,
      (v) => teamUrl(v.team.name, '/threads'),
      async (v, form) => {
        const r = await sendMessage(v.ctx, {
          to: field(form, 'to'),
          subject: field(form, 'subject'),
          message: body(form, 'message'),
        });
        const queued = r.recipients.filter((x) => x.queued).map((x) => x.name);
        return `Sent to ${r.recipients.map((x) => x.name).join(', ')}${queued.length ? ` (queued for offline ${queued.join(', ')})` : ''}.`;
      },
    ),
  );
  app.post('/t/:team/threads/:id/reply', (c) =>
    act(
      c,
      (v) => teamUrl(v.team.name, `/threads/${c.req.param('id')}`),
      async (v, form) => {
        const r = await sendMessage(v.ctx, { thread: c.req.param('id'), message: body(form, 'message') });
        return `Sent to ${r.recipients.map((x) => x.name).join(', ')}.`;
      },
    ),
  );

  return app;
}
