/**
 * Board routes through `app.request()` on the real app and a fresh database per test:
 * full pages vs fragments, identity (name or token login), actions through the operations,
 * error fragments with the operations' messages, CSRF, escaping, filters and paging, SSE.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findAgent } from '../../server/ops/agents.js';
import { createCtx } from '../../server/ops/context.js';
import { sendMessage } from '../../server/ops/messages.js';
import { touchActivity } from '../../server/ops/presence.js';
import { createReservations } from '../../server/ops/reservations.js';
import { listReviews, requestReview, submitReview } from '../../server/ops/reviews.js';
import { setSessionPushPaused, startSession } from '../../server/ops/sessions.js';
import { cancelTask, claimTask, completeTask, createTask, getTask } from '../../server/ops/tasks.js';
import { mintToken } from '../../server/ops/tokens.js';
import { type BoardWorld, Browser, boardWorld, ORIGIN } from './helpers.js';

/** The message a failing operation throws, to compare with what the board shows. */
async function opError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('operation unexpectedly succeeded');
}

/** Text as hono/jsx escapes it in element content. */
const escaped = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

describe('board routes (local mode)', () => {
  let w: BoardWorld;
  let b: Browser;
  beforeEach(async () => {
    w = await boardWorld();
    b = new Browser(w.sb);
  });
  afterEach(async () => {
    await w.close();
  });

  it('asks for a name on first visit and joins the team as a human teammate', async () => {
    const first = await b.get('/t/default');
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/welcome?next=%2Ft%2Fdefault');
    const bad = await (async () => {
      await b.get('/welcome');
      return b.post('/welcome', { name: 'Not A Name!', next: '/' }, { htmx: false });
    })();
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('name: must be 1-40 chars');
    await b.join('pat');
    const page = await b.get('/t/default');
    expect(page.status).toBe(200);
    const me = await findAgent(createCtx(w.deps, null), 'default', 'pat');
    expect(me?.kind).toBe('human');
  });

  it('uses the configured board name until the person picks one', async () => {
    const named = await boardWorld({ boardName: 'lead-human' });
    try {
      const page = await new Browser(named.sb).get('/t/default');
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('lead-human');
      const me = await findAgent(createCtx(named.deps, null), 'default', 'lead-human');
      expect(me?.kind).toBe('human');
    } finally {
      await named.close();
    }
  });

  it('returns only to paths on this site after choosing a name', async () => {
    await b.get('/welcome');
    for (const next of ['//evil.example/x', '/\\evil.example', 'https://evil.example']) {
      const res = await b.post('/welcome', { name: 'pat', next }, { htmx: false });
      expect(res.headers.get('location'), next).toBe('/');
    }
    const ok = await b.post('/welcome', { name: 'pat', next: '/t/default/reviews' }, { htmx: false });
    expect(ok.headers.get('location')).toBe('/t/default/reviews');
  });

  it('refuses a board name that belongs to an agent', async () => {
    await w.agent('alice', { kind: 'claude-code' });
    await b.join('alice', null);
    const res = await b.get('/t/default');
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('&quot;alice&quot; is a claude-code teammate');
    expect((await findAgent(createCtx(w.deps, null), 'default', 'alice'))?.kind).toBe('claude-code');
  });

  it('serves a full page for a plain request and only the panel for htmx', async () => {
    const alice = await w.agent('alice');
    await createTask(w.as(alice), { title: 'Write the docs' });
    await b.join('pat');
    const full = await (await b.get('/t/default')).text();
    expect(full.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(full).toContain('<section id="columns"');
    expect(full).toContain('sse-connect="/t/default/events"');
    expect(full).toContain('name="title"');
    const res = await b.fragment('/t/default');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const frag = await res.text();
    expect(frag.startsWith('<section id="columns"')).toBe(true);
    expect(frag).not.toContain('<html');
    expect(frag).toContain('Write the docs');
    for (const path of ['/t/default/agents', '/t/default/threads', '/t/default/reviews', '/t/default/tasks/1', '/']) {
      const f = await (await b.fragment(path)).text();
      expect(f, path).toMatch(/^<section id="(roster|threads|review-queue|task|teams)"/);
      const p = await (await b.get(path)).text();
      expect(p.startsWith('<!DOCTYPE html>'), path).toBe(true);
    }
  });

  it('escapes task titles and message bodies and drops unsafe links', async () => {
    const mallory = await w.agent('mallory');
    await w.agent('eve');
    const title = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const body = '<img src=x onerror=alert(3)> [click](javascript:alert(4)) <script>alert(5)</script>';
    const t = await createTask(w.as(mallory), { title, description: body, assignee: 'eve' });
    await sendMessage(w.as(mallory), { thread: t.threadId, message: body });
    await b.join('pat');
    for (const path of ['/t/default', '/t/default/tasks/1', '/t/default/threads', `/t/default/threads/${t.threadId}`]) {
      const html = await (await b.get(path)).text();
      expect(html, path).not.toContain('<script>alert');
      expect(html, path).not.toContain('<img src=x');
      expect(html, path).not.toContain('href="javascript');
    }
    const page = await (await b.get('/t/default/tasks/1')).text();
    expect(page).toContain(escaped(title));
    expect(page).toContain('&#60;img src=x onerror=alert(3)&#62;');
    expect(page).toContain(
      '<p>&#60;img src=x onerror=alert(3)&#62; click &#60;script&#62;alert(5)&#60;/script&#62;</p>',
    );
  });

  it('creates a task from the board through createTask, and shows its errors as fragments', async () => {
    await w.agent('alice');
    await b.join('pat');
    const ok = await b.post('/t/default/tasks', {
      title: 'Ship it',
      description: 'Now.',
      priority: 'high',
      labels: 'api, web',
      assignee: 'alice',
      dependsOn: '',
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('hx-trigger')).toBe('sb-refresh');
    expect(await ok.text()).toContain('Created #1.');
    const pat = (await findAgent(createCtx(w.deps, null), 'default', 'pat'))!;
    const d = await getTask(w.as(pat), { task: 1 });
    expect(d.task).toMatchObject({ title: 'Ship it', priority: 'high', labels: ['api', 'web'], assignee: 'alice' });
    expect(d.task.creator).toBe('pat');

    const missing = await b.post('/t/default/tasks', { title: 'x', assignee: 'nobody-here' });
    expect(missing.status).toBe(404);
    const expected = await opError(createTask(w.as(pat), { title: 'x', assignee: 'nobody-here' }));
    const frag = await missing.text();
    expect(frag).toMatch(/^<div class="error" role="alert" data-code="not_found">/);
    expect(frag).toContain(escaped(expected));

    const noTitle = await b.post('/t/default/tasks', { title: '' });
    expect(noTitle.status).toBe(400);
    expect(await noTitle.text()).toContain(escaped(await opError(createTask(w.as(pat), {}))));
  });

  it('falls back to a redirect for a form posted without htmx, and to an error page', async () => {
    await b.join('pat');
    const ok = await b.post('/t/default/tasks', { title: 'Plain form' }, { htmx: false });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/t/default');
    const bad = await b.post('/t/default/tasks/99/cancel', {}, { htmx: false });
    expect(bad.status).toBe(404);
    const html = await bad.text();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('no task #99 in your team');
  });

  it('refuses cross-site posts: foreign origin, cross-site fetch, missing or wrong token', async () => {
    await b.join('pat');
    const foreign = await b.post('/t/default/tasks', { title: 'x' }, { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    const noToken = await b.post('/t/default/tasks', { title: 'x' }, { csrf: null });
    expect(noToken.status).toBe(403);
    expect(await noToken.text()).toContain('missing or stale form token');
    const wrong = await b.post('/t/default/tasks', { title: 'x' }, { csrf: 'A'.repeat(32) });
    expect(wrong.status).toBe(403);
    const res = await w.sb.app.request(`${ORIGIN}/t/default/tasks`, {
      method: 'POST',
      headers: {
        cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'cross-site',
      },
      body: `title=x&_csrf=${b.cookies.get('sb_csrf')}`,
    });
    expect(res.status).toBe(403);
    const pat = (await findAgent(createCtx(w.deps, null), 'default', 'pat'))!;
    await expect(getTask(w.as(pat), { task: 1 })).rejects.toThrow('no task #1');
  });

  it('comments, delegates, releases and cancels through the task operations', async () => {
    const alice = await w.agent('alice');
    const bob = await w.agent('bob');
    const t = await createTask(w.as(alice), { title: 'Fix the flaky test' });
    await claimTask(w.as(alice), { task: t.number });
    await b.join('pat');
    const pat = (await findAgent(createCtx(w.deps, null), 'default', 'pat'))!;

    expect((await b.post('/t/default/tasks/1/comment', { message: 'Any **news**?' })).status).toBe(200);
    expect((await b.post('/t/default/tasks/1/release', { note: 'stuck for a day' })).status).toBe(200);
    let d = await getTask(w.as(pat), { task: 1 });
    expect(d.task.status).toBe('open');
    expect(d.task.owner).toBeNull();
    expect(d.thread.map((m) => m.body)).toContain('Any **news**?');

    expect((await b.post('/t/default/tasks/1/delegate', { to: 'bob', note: 'yours now' })).status).toBe(200);
    d = await getTask(w.as(bob), { task: 1 });
    expect(d.task.assignee).toBe('bob');
    expect(d.events.map((e) => e.type)).toEqual(['created', 'claimed', 'commented', 'released', 'delegated']);

    const page = await (await b.get('/t/default/tasks/1')).text();
    expect(page).toContain('<strong>news</strong>');
    expect(page).toContain('delegated it to bob: yours now');

    expect((await b.post('/t/default/tasks/1/cancel', { reason: 'not needed' })).status).toBe(200);
    expect((await getTask(w.as(pat), { task: 1 })).task.status).toBe('cancelled');
    const again = await b.post('/t/default/tasks/1/cancel', {});
    expect(again.status).toBe(409);
    expect(await again.text()).toContain(escaped(await opError(cancelTask(w.as(pat), { task: 1 }))));
  });

  it('approves and requests changes on reviews, with the operation rules and messages', async () => {
    const alice = await w.agent('alice');
    const t = await createTask(w.as(alice), { title: 'Rate limits' });
    await claimTask(w.as(alice), { task: t.number });
    const r = await requestReview(w.as(alice), { task: t.number, note: 'see PR 12' });
    await b.join('pat');
    const queue = await (await b.get('/t/default/reviews')).text();
    expect(queue).toContain(`id="review-${r.id}"`);
    expect(queue).toContain('see PR 12');

    const noComments = await b.post(`/t/default/reviews/${r.id}`, { verdict: 'changes_requested' });
    expect(noComments.status).toBe(400);
    const pat = (await findAgent(createCtx(w.deps, null), 'default', 'pat'))!;
    expect(await noComments.text()).toContain(
      escaped(await opError(submitReview(w.as(pat), { review: r.id, verdict: 'changes_requested' }))),
    );

    const changes = await b.post(`/t/default/reviews/${r.id}`, {
      verdict: 'changes_requested',
      comments: 'Add a test',
    });
    expect(changes.status).toBe(200);
    expect(await changes.text()).toContain('is back with alice');
    expect((await getTask(w.as(alice), { task: 1 })).task.status).toBe('in_progress');

    const r2 = await requestReview(w.as(alice), { task: 1 });
    const ok = await b.post(`/t/default/reviews/${r2.id}`, { verdict: 'approved', comments: 'Good.' });
    expect(ok.status).toBe(200);
    const seen = await listReviews(w.as(alice), { status: 'approved' });
    expect(seen.reviews[0]).toMatchObject({ id: r2.id, submittedBy: 'pat', comments: 'Good.' });
    expect((await (await b.get('/t/default/reviews')).text()).includes(`review-${r2.id}`)).toBe(false);
  });

  it('shows a pending plan on the board, and a person approves it there: the task stays in progress', async () => {
    const alice = await w.agent('alice');
    const t = await createTask(w.as(alice), { title: 'Rate limits' });
    await claimTask(w.as(alice), { task: t.number });
    const r = await requestReview(w.as(alice), { task: t.number, kind: 'plan', note: 'Token bucket per agent' });
    await b.join('pat');
    const board = await (await b.get('/t/default')).text();
    expect(board).toMatch(/<p class="card-plan"><span class="badge badge-pending">plan pending<\/span><\/p>/);
    expect(board).not.toContain('class="card-review"');
    const page = await (await b.get('/t/default/tasks/1')).text();
    expect(page).toContain('<span class="badge badge-pending">plan pending</span>');
    expect(page).toContain('Plan review: </strong>');
    expect(page).toContain('asked anyone to approve a plan');
    const queue = await (await b.get('/t/default/reviews')).text();
    expect(queue).toContain('plan review (the task stays in progress)');
    expect(queue).toContain('Token bucket per agent');

    const changes = await b.post(`/t/default/reviews/${r.id}`, { verdict: 'changes_requested', comments: 'Shared DB' });
    expect(changes.status).toBe(200);
    expect(await changes.text()).toContain('Changes requested on the plan: #1 stays with alice.');
    expect((await getTask(w.as(alice), { task: 1 })).task).toMatchObject({
      status: 'in_progress',
      plan: 'changes_requested',
    });
    expect(await (await b.get('/t/default')).text()).toContain('plan: changes requested');

    const r2 = await requestReview(w.as(alice), { task: 1, kind: 'plan', note: 'Bucket in the database' });
    const ok = await b.post(`/t/default/reviews/${r2.id}`, { verdict: 'approved' });
    expect(await ok.text()).toContain('Plan approved: #1 stays in progress with alice.');
    expect((await getTask(w.as(alice), { task: 1 })).task).toMatchObject({
      status: 'in_progress',
      owner: 'alice',
      plan: 'approved',
    });
    expect(await (await b.get('/t/default/tasks/1')).text()).toContain('approved the plan');
  });

  it('messages one teammate, a role or the whole team, and replies in a thread', async () => {
    const alice = await w.agent('alice', { role: 'reviewer' });
    await w.agent('bob');
    await b.join('pat');
    const one = await b.post('/t/default/messages', { to: 'alice', subject: 'hi', message: 'Hello alice' });
    expect(await one.text()).toContain('Sent to alice (queued for offline alice).');
    const role = await b.post('/t/default/messages', { to: 'role:reviewer', message: 'Reviewers!' });
    expect(await role.text()).toContain('Sent to alice');
    const all = await b.post('/t/default/messages', { to: '*', message: 'Team!' });
    expect(await all.text()).toContain('Sent to alice, bob');
    const unknown = await b.post('/t/default/messages', { to: 'alicia', message: 'x' });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('Did you mean &quot;alice&quot;');

    const list = await (await b.get('/t/default/threads')).text();
    expect(list).toContain('Team!');
    const inbox = await sendMessage(w.as(alice), { to: 'pat', message: 'Back at you' });
    const reply = await b.post(`/t/default/threads/${inbox.message.threadId}/reply`, { message: 'Thanks' });
    expect(await reply.text()).toContain('Sent to alice');
    const thread = await (await b.get(`/t/default/threads/${inbox.message.threadId}`)).text();
    expect(thread.indexOf('Back at you')).toBeLessThan(thread.indexOf('Thanks'));
  });

  it('filters the board by agent, label and text, and pages the done column', async () => {
    const alice = await w.agent('alice');
    const bob = await w.agent('bob');
    await createTask(w.as(alice), { title: 'Alpha api', labels: ['api'], assignee: 'bob' });
    await createTask(w.as(alice), { title: 'Beta web', labels: ['web'] });
    await createTask(w.as(alice), { title: 'Gamma 100% api', labels: ['api'] });
    for (let i = 0; i < 25; i++) {
      const t = await createTask(w.as(bob), { title: `Done ${i}` });
      await claimTask(w.as(bob), { task: t.number });
      await completeTask(w.as(bob), { task: t.number });
      w.clock.now += 1000;
    }
    await b.join('pat');
    const cards = (html: string) => [...html.matchAll(/id="card-(\d+)"/g)].map((m) => Number(m[1]));
    expect(cards(await (await b.fragment('/t/default?agent=bob')).text()).slice(0, 1)).toEqual([1]);
    expect(cards(await (await b.fragment('/t/default?label=api')).text())).toEqual([1, 3]);
    expect(cards(await (await b.fragment('/t/default?text=100%25')).text())).toEqual([3]);
    const first = await (await b.fragment('/t/default?label=')).text();
    expect(cards(first).filter((n) => n > 3)).toHaveLength(20);
    expect(cards(first)).toContain(28);
    expect(first).toContain('href="/t/default?done=20"');
    const older = cards(await (await b.fragment('/t/default?done=20')).text()).filter((n) => n > 3);
    expect(older).toEqual([8, 7, 6, 5, 4]);
    const bad = await b.fragment('/t/default?limit=0');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('limit');
  });

  it('shows counts on the overview, presence and held tasks on the roster', async () => {
    const alice = await w.agent('alice', { role: 'backend' });
    await w.agent('zed', { team: 'other' });
    const t = await createTask(w.as(alice), { title: 'One' });
    await claimTask(w.as(alice), { task: t.number });
    await createTask(w.as(alice), { title: 'Two' });
    await w.agent('bob');
    await sendMessage(w.as(alice), { to: 'bob', message: 'unread until bob checks' });
    w.clock.now += 2 * 60_000;
    await touchActivity(w.as(alice));
    await claimTask(w.as(alice), { task: 2 }).then((x) => completeTask(w.as(alice), { task: x.number }));
    await b.join('pat');
    const overview = await (await b.fragment('/')).text();
    const row = /<a href="\/t\/default">default<\/a><\/td><td>(.*?)<\/tr>/.exec(overview)?.[1] ?? '';
    expect(row.replace(/<[^>]+>/g, '|').replace(/\|+/g, '|')).toBe('|2 / 3|0|1|0|1|1|');
    expect(overview).toContain('<a href="/t/other">other</a>');
    const roster = await (await b.fragment('/t/default/agents')).text();
    expect(roster).toContain('id="agent-alice"');
    expect(roster).toContain('href="/t/default/tasks/1"');
    expect(roster).toContain('<span class="presence online">online</span>');
  });

  it('shows file reservations per teammate on the roster and per task on its page, escaped', async () => {
    const alice = await w.agent('alice');
    await w.agent('bob');
    const t = await createTask(w.as(alice), { title: 'API refactor' });
    await claimTask(w.as(alice), { task: t.number });
    await createReservations(w.as(alice), { paths: ['src/api/**'], task: t.id, reason: '<b>moving</b> routes' });
    await createReservations(w.as(alice), { paths: ['docs/**'], exclusive: false });
    await b.join('pat');
    const roster = await (await b.fragment('/t/default/agents')).text();
    const row = (name: string) => new RegExp(`id="agent-${name}">(.*?)</tr>`, 's').exec(roster)?.[1] ?? '';
    expect(row('alice')).toContain('<code>docs/**</code> <span class="small">shared</span>');
    expect(row('alice')).toContain('<code>src/api/**</code> <span class="small">exclusive</span>');
    expect(row('alice')).toContain('<a href="/t/default/tasks/1">#1</a>');
    expect(row('alice')).toContain('&lt;b&gt;moving&lt;/b&gt; routes');
    expect(row('alice')).toContain('· ends in 1h');
    expect(row('bob')).not.toContain('<code>');
    const page = await (await b.fragment('/t/default/tasks/1')).text();
    expect(page).toContain('<h2>Reserved files</h2>');
    expect(page).toMatch(/<code>src\/api\/\*\*<\/code> <span class="small">exclusive<\/span> by alice/);
    expect(page).not.toContain('docs/**');
    await completeTask(w.as(alice), { task: t.number });
    const after = await (await b.fragment('/t/default/tasks/1')).text();
    expect(after).toContain('No files are reserved for this task.');
  });

  it('shows how many live sessions each teammate has and from which clients', async () => {
    const alice = await w.agent('alice');
    await w.agent('bob');
    const ctx = createCtx(w.deps, null);
    for (const [id, clientName, clientVersion] of [
      ['s1', 'claude-code', '2.1.3'],
      ['s2', 'codex', '0.169.0'],
    ] as const) {
      await startSession(ctx, {
        id,
        teamId: alice.teamId,
        agentId: alice.id,
        transport: 'http',
        clientName,
        clientVersion,
      });
    }
    await b.join('pat');
    const roster = await (await b.fragment('/t/default/agents')).text();
    const row = (name: string) => new RegExp(`id="agent-${name}">(.*?)</tr>`, 's').exec(roster)?.[1] ?? '';
    expect(row('alice')).toContain('2 sessions (claude-code 2.1.3, codex 0.169.0)');
    expect(row('bob')).not.toContain('session');
    expect(roster).not.toContain('push paused');
    // A session that stops reading its stream: the roster says push to it is paused.
    await setSessionPushPaused(ctx, 's2', true);
    const paused = await (await b.fragment('/t/default/agents')).text();
    expect(/id="agent-alice">(.*?)<\/tr>/s.exec(paused)?.[1]).toContain('push paused: stream not read');
  });

  it('streams a team’s changes as server-sent events naming what changed', async () => {
    const alice = await w.agent('alice');
    await b.join('pat');
    const res = await b.get('/t/default/events');
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const r = await reader.read();
        if (r.done) break;
        text += decoder.decode(r.value);
      }
    };
    await readUntil('event: hello');
    const t = await createTask(w.as(alice), { title: 'Live one' });
    await readUntil(`event: task-${t.id}`);
    expect(text).toContain('event: task\n');
    // A reservation refreshes the roster (agent) and the page of the task it is tied to.
    text = '';
    await createReservations(w.as(alice), { paths: ['src/**'], task: t.id });
    await readUntil(`event: task-${t.id}`);
    expect(text).toContain('event: agent\n');
    // A stopping server ends the stream instead of waiting on it.
    w.sb.guards.shutdown.abort();
    for (;;) if ((await reader.read()).done) break;
  });

  it('serves htmx and its SSE extension from node_modules', async () => {
    const htmx = await w.sb.app.request(`${ORIGIN}/static/htmx.min.js`);
    expect(htmx.status).toBe(200);
    expect(htmx.headers.get('content-type')).toContain('text/javascript');
    expect(await htmx.text()).toContain('htmx');
    const sse = await w.sb.app.request(`${ORIGIN}/static/sse.js`);
    expect(await sse.text()).toContain('sse');
    expect((await w.sb.app.request(`${ORIGIN}/static/nope.js`)).status).toBe(404);
  });
});

describe('board routes (token mode)', () => {
  let w: BoardWorld;
  let b: Browser;
  beforeEach(async () => {
    w = await boardWorld({ auth: 'token' });
    b = new Browser(w.sb);
  });
  afterEach(async () => {
    await w.close();
  });

  it('requires a token login and keeps the person to the token’s team', async () => {
    const { token } = await mintToken(createCtx(w.deps, null), { agent: 'boss', scope: 'admin' });
    await mintToken(createCtx(w.deps, null), { agent: 'zed', team: 'other' });
    const first = await b.get('/t/default');
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/login?next=%2Ft%2Fdefault');
    const htmx = await b.fragment('/t/default');
    expect(htmx.headers.get('hx-redirect')).toBe('/login?next=%2Ft%2Fdefault');

    await b.get('/login');
    const wrong = await b.post('/login', { token: 'sb_wrong', next: '/' }, { htmx: false });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('invalid or revoked token');

    const ok = await b.post('/login', { token, next: '/' }, { htmx: false });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/t/default');
    const setCookie = ok.headers.getSetCookie().find((c) => c.startsWith('sb_token='));
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);

    expect((await b.get('/t/default')).status).toBe(200);
    expect((await b.get('/t/other')).status).toBe(404);
    const overview = await (await b.fragment('/')).text();
    expect(overview).toContain('/t/default');
    expect(overview).not.toContain('/t/other');
    const created = await b.post('/t/default/tasks', { title: 'From an admin' });
    expect(await created.text()).toContain('Created #1.');

    await b.post('/logout', {}, { htmx: false });
    expect((await b.get('/t/default')).status).toBe(303);
  });
});
