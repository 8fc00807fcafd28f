/**
 * The board's pages: each GET builds the viewer's context, calls one read operation for its
 * live panel and renders it, as a full page or, for htmx, the panel alone (`web/page.tsx`).
 * A full page may call one more operation for the forms around the panel (the team's names).
 *
 * | Route | Page | Operation |
 * |---|---|---|
 * | GET / | teams overview | teamsOverview |
 * | GET /events, /t/:team/events | SSE stream | bus |
 * | GET /t/:team | board columns (agent, label, text filters; Done paged) | boardColumns |
 * | GET /t/:team/tasks/:ref | task page | getTask |
 * | GET /t/:team/agents | roster | teamRoster |
 * | GET /t/:team/threads, /threads/:id | threads, one thread | listTeamThreads, readThread |
 * | GET /t/:team/reviews | review queue | reviewQueue |
 * | GET /t/:team/flow?days= | flow charts | teamFlow, unreadBacklog |
 * | GET /t/:team/search | search (the hits alone for htmx) | searchTeam |
 */
import { Hono } from 'hono';
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { AppDeps } from '../../server/deps.js';
import { baseCtx, ctxFor } from '../../server/identity.js';
import { reviewQueue, teamMembers, teamRoster, teamsOverview } from '../../server/ops/board.js';
import { boardColumns } from '../../server/ops/board-columns.js';
import { listTeamThreads } from '../../server/ops/board-threads.js';
import { teamFlow } from '../../server/ops/flow.js';
import { unreadBacklog } from '../../server/ops/flow-mail.js';
import { readThread } from '../../server/ops/messages.js';
import { searchTeam } from '../../server/ops/search.js';
import { getTask } from '../../server/ops/tasks.js';
import { RosterPanel } from '../components/agents.js';
import { BoardFilters, Columns, CreateTaskForm } from '../components/board.js';
import { FlowDays, FlowPanel } from '../components/flow.js';
import type { NavKey } from '../components/layout.js';
import { TeamsPanel } from '../components/overview.js';
import { ReviewQueue } from '../components/reviews.js';
import { SearchForm, SearchResults } from '../components/search.js';
import { TaskPanel } from '../components/task.js';
import { TaskActions } from '../components/task-actions.js';
import { ReplyForm, SendForm, ThreadPanel, ThreadsPanel } from '../components/threads.js';
import { wantsFragment } from '../errors.js';
import { flowCache } from '../flow-cache.js';
import { boardFilterInput, queryNumber } from '../forms.js';
import { liveStream } from '../live.js';
import { type PageOptions, page } from '../page.js';
import { csrfToken } from '../security.js';
import { boardUser, type TeamViewer, teamViewer } from '../viewer.js';

export function pageRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  const now = () => (deps.now ?? Date.now)();
  const flows = flowCache(deps.bus, now);
  /** A page of the viewer's team. */
  const inTeam = (v: TeamViewer, title: string, nav: NavKey, around?: (panel: Child) => Child): PageOptions => ({
    mode: deps.auth,
    title,
    nav,
    who: v.agent.name,
    team: v.team.name,
    ...(around && { around }),
  });

  app.get('/', async (c) => {
    const user = await boardUser(deps, c);
    if (user.mode === 'local' && !user.name) return c.redirect('/welcome', 303);
    // As the token's teammate, the overview shows only its team; the loopback board shows every team.
    const ctx = user.token ? ctxFor(deps, user.token) : baseCtx(deps);
    const teams = await teamsOverview(ctx, {});
    return page(c, <TeamsPanel teams={teams} />, {
      mode: deps.auth,
      title: 'Teams',
      nav: null,
      who: user.name,
      around: (panel) => (
        <>
          <h1>Teams</h1>
          {panel}
        </>
      ),
    });
  });

  app.get('/events', async (c) => {
    const user = await boardUser(deps, c);
    return liveStream(c, deps.bus, user.token ? user.token.agent.teamId : null, deps.guards?.shutdown.signal);
  });

  app.get('/t/:team/events', async (c) => {
    const v = await teamViewer(deps, c, c.req.param('team'));
    const team = v.team.id;
    return liveStream(c, deps.bus, team, deps.guards?.shutdown.signal, (send) =>
      flows.onRedrawn((t) => {
        if (t === team) send('flow');
      }),
    );
  });

  app.get('/t/:team', async (c) => {
    const v = await teamViewer(deps, c, c.req.param('team'));
    const board = await boardColumns(
      v.ctx,
      boardFilterInput((name) => c.req.query(name)),
    );
    const panel = <Columns team={v.team.name} board={board} now={now()} />;
    if (wantsFragment(c)) return c.html(panel);
    const { agents } = await teamMembers(v.ctx, {});
    return page(
      c,
      panel,
      inTeam(v, `${v.team.name} board`, 'board', (p) => (
        <>
          <div class="toolbar">
            <BoardFilters team={v.team.name} board={board} agents={agents} />
            <CreateTaskForm team={v.team.name} csrf={csrfToken(c)} agents={agents} />
          </div>
          {p}
        </>
      )),
    );
  });

  app.get('/t/:team/tasks/:ref', async (c) => {
    const v = await teamViewer(deps, c, c.req.param('team'));
    const d = await getTask(v.ctx, { task: c.req.param('ref'), threadLimit: 200 });
    const panel = <TaskPanel team={v.team.name} d={d} now={now()} csrf={csrfToken(c)} />;
    if (wantsFragment(c)) return c.html(panel);
    const { agents } = await teamMembers(v.ctx, {});
    return page(
      c,
      panel,
      inTeam(v, `#${d.task.number} ${d.task.title}`, 'task', (p) => (
        <div class="task-layout">
          {p}
          <TaskActions team={v.team.name} number={d.task.number} csrf={csrfToken(c)} agents={agents} />
        </div>
      )),
    );
  });

  app.get('/t/:team/agents', async (c) => {
    const v = await teamViewer(deps, c, c.req.param('team'));
    const rows = await teamRoster(v.ctx, {});
    const panel = <RosterPanel team={v.team.name} rows={rows} now={now()} />;
    return page(
      c,
      panel,
      inTeam(v, `${v.team.name} agents`, 'agents', (p) => (
        <>
          <h1>Agents</h1>
          {p}
        </>
      )),
    );
  });

  app.get('/t/:team/threads', async (c) => {
    const v = await teamViewer(deps, c, c.req.param('team'));
    const offset = queryNumber(c.req.query('offset'));
    const list = await listTeamThreads(v.ctx, { offset });
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
    const { agents, roles } = await teamMembers(v.ctx, {});
    const to = c.req.query('to');
    return page(
      c,
      panel,
      inTeam(v, `${v.team.name} threads`, 'threads', (p) => (
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
      )),
    );
  });

  app.get('/t/:team/threads/:id', async (c) => {
    const v = await teamViewer(deps, c, c.req.param('team'));
    const view = await readThread(v.ctx, { thread: c.req.param('id'), limit: 200 });
    const panel = <ThreadPanel team={v.team.name} view={view} now={now()} />;
    return page(
      c,
      panel,
      inTeam(v, view.thread.subject ?? 'Thread', 'threads', (p) => (
        <>
          {p}
          <ReplyForm team={v.team.name} threadId={view.thread.id} csrf={csrfToken(c)} />
        </>
      )),
    );
  });

  app.get('/t/:team/search', async (c) => {
    const v = await teamViewer(deps, c, c.req.param('team'));
    const q = c.req.query('q') ?? '';
    const scope = c.req.query('in') ?? 'all';
    // No words yet: the page with its form, no search (an empty query is the operation's error).
    const result = q.trim() ? await searchTeam(v.ctx, { query: q, in: scope, limit: 30 }) : null;
    const panel = <SearchResults team={v.team.name} q={q} result={result} now={now()} />;
    return page(
      c,
      panel,
      inTeam(v, q.trim() ? `Search: ${q}` : 'Search', 'search', (p) => (
        <>
          <h1>Search</h1>
          <SearchForm team={v.team.name} q={q} scope={scope} />
          {p}
        </>
      )),
    );
  });

  app.get('/t/:team/reviews', async (c) => {
    const v = await teamViewer(deps, c, c.req.param('team'));
    const reviews = await reviewQueue(v.ctx, {});
    const panel = <ReviewQueue team={v.team.name} reviews={reviews} now={now()} csrf={csrfToken(c)} />;
    return page(
      c,
      panel,
      inTeam(v, `${v.team.name} reviews`, 'reviews', (p) => (
        <>
          <h1>Review queue</h1>
          {p}
        </>
      )),
    );
  });

  app.get('/t/:team/flow', async (c) => {
    const v = await teamViewer(deps, c, c.req.param('team'));
    // The operations validate days (1-90); absent, they take 30.
    const days = queryNumber(c.req.query('days'));
    const input = days === undefined ? {} : { days };
    const panel = raw(
      await flows.get(v.team.id, String(days ?? ''), async () => {
        const [flow, mail] = await Promise.all([teamFlow(v.ctx, input), unreadBacklog(v.ctx, input)]);
        return (<FlowPanel team={v.team.name} flow={flow} mail={mail} />).toString();
      }),
    );
    const shown = Number(days ?? 30);
    return page(
      c,
      panel,
      inTeam(v, `${v.team.name} flow`, 'flow', (p) => (
        <>
          <div class="flow-head">
            <h1>Flow</h1>
            <FlowDays team={v.team.name} days={shown} />
          </div>
          {p}
        </>
      )),
    );
  });

  return app;
}
