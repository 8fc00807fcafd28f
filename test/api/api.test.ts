/** The JSON API through `app.request()`: identity rules, the error envelope, and the task flow. */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type SwitchboardApp } from '../../server/app.js';
import { createBus } from '../../server/bus.js';
import type { OpenedDb } from '../../server/db/open.js';
import { createCtx } from '../../server/ops/context.js';
import { mintToken } from '../../server/ops/tokens.js';
import { openTestDatabase } from '../helpers/db.js';

let opened: OpenedDb;
let sb: SwitchboardApp;

async function build(auth: 'local' | 'token' = 'local') {
  opened = await openTestDatabase();
  sb = createApp({
    db: opened.db,
    bus: createBus(),
    logger: pino({ level: 'silent' }),
    auth,
    limits: {},
    sessionIdleMs: 60_000,
  });
}

const J = { 'content-type': 'application/json' };
const as = (agent: string) => ({ ...J, 'x-switchboard-agent': agent });

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await sb.app.request(`http://127.0.0.1${path}`, {
    method,
    headers,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

afterEach(async () => {
  await sb.close();
  await opened.close();
});

describe('JSON API in local mode', () => {
  beforeEach(() => build('local'));

  it('joins by name, then acts as the agent named in X-Switchboard-Agent', async () => {
    expect((await call('POST', '/api/v1/join', J, { name: 'alice', role: 'lead' })).status).toBe(201);
    expect((await call('POST', '/api/v1/join', J, { name: 'alice' })).status).toBe(200);
    await call('POST', '/api/v1/join', J, { name: 'bob' });
    const me = await call('GET', '/api/v1/me', as('alice'));
    expect(me.body).toMatchObject({ name: 'alice', role: 'lead', team: 'default' });
    const sent = await call('POST', '/api/v1/messages', as('alice'), { to: 'bob', message: 'hi' });
    expect(sent.status).toBe(201);
    const peek = await call('GET', '/api/v1/inbox', as('bob'));
    expect(peek.body.messages.map((m: any) => m.body)).toEqual(['hi']);
    const read = await call('POST', '/api/v1/inbox/check', as('bob'), {});
    expect(read.body.messages[0].readAt).not.toBeNull();
    expect((await call('GET', '/api/v1/inbox', as('bob'))).body.messages).toEqual([]);
    const thread = await call('GET', `/api/v1/threads/${sent.body.message.threadId}`, as('bob'));
    expect(thread.body.messages.map((m: any) => m.body)).toEqual(['hi']);
  });

  it('answers with one error envelope and the documented statuses', async () => {
    await call('POST', '/api/v1/join', J, { name: 'alice' });
    const anon = await call('GET', '/api/v1/me', J);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toContain('Bearer');
    expect(anon.body.error.code).toBe('unauthorized');
    const ghost = await call('GET', '/api/v1/me', as('ghost'));
    expect(ghost.status).toBe(401);
    const bad = await call('POST', '/api/v1/messages', as('alice'), { to: 'bob' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid', message: expect.stringContaining('message') });
    const unknown = await call('POST', '/api/v1/messages', as('alice'), { to: 'bob', message: 'x' });
    expect(unknown.status).toBe(404);
    const notJson = await sb.app.request('http://127.0.0.1/api/v1/messages', {
      method: 'POST',
      headers: as('alice'),
      body: '{oops',
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as any).error.message).toContain('JSON');
    const noRoute = await call('GET', '/api/v1/nope', as('alice'));
    expect(noRoute.status).toBe(404);
    expect(noRoute.body.error.code).toBe('not_found');
  });

  it('drives the task and review lifecycle, with conflicts as 409', async () => {
    for (const n of ['lead', 'dev', 'rita']) await call('POST', '/api/v1/join', J, { name: n });
    const created = await call('POST', '/api/v1/tasks', as('lead'), { title: 'Ship it', labels: ['be'] });
    expect(created.status).toBe(201);
    const n = created.body.number;
    expect((await call('POST', '/api/v1/tasks/claim', as('dev'), { labels: ['be'] })).body.owner).toBe('dev');
    const lost = await call('POST', `/api/v1/tasks/${n}/claim`, as('rita'), {});
    expect(lost.status).toBe(409);
    expect(lost.body.error.details.holder).toBe('dev');
    expect((await call('PATCH', `/api/v1/tasks/${n}`, as('dev'), { note: 'halfway' })).status).toBe(200);
    const review = await call('POST', `/api/v1/tasks/${n}/reviews`, as('dev'), { reviewer: 'rita' });
    expect(review.status).toBe(201);
    const queue = await call('GET', '/api/v1/reviews?mine=true', as('rita'));
    expect(queue.body.reviews.map((r: any) => r.id)).toEqual([review.body.id]);
    const verdict = await call('POST', `/api/v1/reviews/${review.body.id}/submit`, as('rita'), { verdict: 'approved' });
    expect(verdict.body.task.status).toBe('done');
    const list = await call('GET', '/api/v1/tasks?status=done&label=be', as('lead'));
    expect(list.body.tasks.map((t: any) => t.number)).toEqual([n]);
    const detail = await call('GET', `/api/v1/tasks/${n}`, as('lead'));
    expect(detail.body.events.map((e: any) => e.type)).toContain('review_submitted');
    const badLimit = await call('GET', '/api/v1/tasks?limit=lots', as('lead'));
    expect(badLimit.status).toBe(400);
  });

  it('asks for and approves a plan; the team plan label is read and set under /team/settings', async () => {
    await call('POST', '/api/v1/join', J, { name: 'lead', kind: 'human' });
    for (const n of ['dev', 'rita']) await call('POST', '/api/v1/join', J, { name: n });
    expect((await call('GET', '/api/v1/team/settings', as('dev'))).body).toEqual({ team: 'default', planLabel: null });
    const refused = await call('PATCH', '/api/v1/team/settings', as('dev'), { planLabel: 'needs-plan' });
    expect(refused.status).toBe(403);
    const badLabel = await call('PATCH', '/api/v1/team/settings', as('lead'), { planLabel: 'no spaces' });
    expect(badLabel.status).toBe(400);
    const set = await call('PATCH', '/api/v1/team/settings', as('lead'), { planLabel: 'needs-plan' });
    expect(set.body).toEqual({ team: 'default', planLabel: 'needs-plan' });

    const n = (await call('POST', '/api/v1/tasks', as('lead'), { title: 'Auth', labels: ['needs-plan'] })).body.number;
    await call('POST', `/api/v1/tasks/${n}/claim`, as('dev'), {});
    const early = await call('POST', `/api/v1/tasks/${n}/reviews`, as('dev'), { reviewer: 'rita' });
    expect(early.status).toBe(409);
    expect(early.body.error.message).toContain('Request a plan review first');
    const plan = await call('POST', `/api/v1/tasks/${n}/reviews`, as('dev'), { kind: 'plan', note: 'JWT in a cookie' });
    expect(plan.status).toBe(201);
    expect(plan.body).toMatchObject({ kind: 'plan', status: 'pending' });
    expect((await call('GET', `/api/v1/tasks/${n}`, as('lead'))).body.task.plan).toBe('pending');
    const plans = await call('GET', '/api/v1/reviews?kind=plan', as('rita'));
    expect(plans.body.reviews.map((r: any) => r.id)).toEqual([plan.body.id]);
    expect((await call('GET', '/api/v1/reviews?kind=code', as('rita'))).body.reviews).toEqual([]);
    const ok = await call('POST', `/api/v1/reviews/${plan.body.id}/submit`, as('rita'), { verdict: 'approved' });
    expect(ok.body.task).toMatchObject({ status: 'in_progress', owner: 'dev', plan: 'approved' });
    const code = await call('POST', `/api/v1/tasks/${n}/reviews`, as('dev'), { reviewer: 'rita' });
    expect(code.status).toBe(201);
    expect(code.body.kind).toBe('code');
    expect((await call('PATCH', '/api/v1/team/settings', as('lead'), { planLabel: null })).body.planLabel).toBeNull();
  });
});

describe('JSON API in token mode', () => {
  beforeEach(() => build('token'));

  it('requires a valid bearer token and ignores named agents', async () => {
    const { token } = await mintToken(createCtx({ db: opened.db, bus: createBus() }, null), { agent: 'alice' });
    expect((await call('GET', '/api/v1/me', as('alice'))).status).toBe(401);
    expect((await call('GET', '/api/v1/me', { authorization: 'Bearer sb_wrong' })).status).toBe(401);
    expect((await call('POST', '/api/v1/join', J, { name: 'mallory' })).status).toBe(403);
    const me = await call('GET', '/api/v1/me', { authorization: `Bearer ${token}` });
    expect(me.status).toBe(200);
    expect(me.body.name).toBe('alice');
  });
});
