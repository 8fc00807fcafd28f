/** `GET /api/v1/search` through `app.request()`: query parameters, the hits, and errors. */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type SwitchboardApp } from '../../server/app.js';
import { createBus } from '../../server/bus.js';
import type { OpenedDb } from '../../server/db/open.js';
import { openTestDatabase } from '../helpers/db.js';

let opened: OpenedDb;
let sb: SwitchboardApp;

beforeEach(async () => {
  opened = await openTestDatabase();
  sb = createApp({
    db: opened.db,
    bus: createBus(),
    logger: pino({ level: 'silent' }),
    auth: 'local',
    limits: {},
    sessionIdleMs: 60_000,
  });
});
afterEach(async () => {
  await sb.close();
  await opened.close();
});

const as = (agent: string) => ({ 'content-type': 'application/json', 'x-switchboard-agent': agent });

async function call(method: string, path: string, agent: string, body?: unknown) {
  const res = await sb.app.request(`http://127.0.0.1${path}`, {
    method,
    headers: as(agent),
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('GET /api/v1/search', () => {
  it('finds messages and tasks the caller may see, with filters from the query string', async () => {
    for (const name of ['alice', 'bob', 'carol']) await call('POST', '/api/v1/join', '', { name });
    const task = await call('POST', '/api/v1/tasks', 'alice', { title: 'Tune the rate limiter' });
    await call('POST', '/api/v1/messages', 'alice', { to: 'bob', message: 'the rate limiter drops bursts' });
    await call('POST', '/api/v1/messages', 'bob', { to: '*', message: 'rate limiter fixed for everyone' });

    const all = await call('GET', '/api/v1/search?q=rate%20limiter', 'bob');
    expect(all.status).toBe(200);
    expect(all.body.hits).toHaveLength(3);
    expect(all.body.hits[0]).toMatchObject({ snippet: expect.stringContaining('limiter') });
    // Carol is not in alice's direct thread with bob.
    const carol = await call('GET', '/api/v1/search?q=limiter', 'carol');
    expect(carol.body.hits.map((h: any) => h.from).sort()).toEqual(['alice', 'bob']);
    expect(carol.body.hits.find((h: any) => h.kind === 'task').task.number).toBe(task.body.number);

    const filtered = await call('GET', '/api/v1/search?q=limiter&in=messages&from=bob&since=1h&limit=5', 'alice');
    expect(filtered.body.hits.map((h: any) => [h.kind, h.from])).toEqual([['message', 'bob']]);
    const inThread = await call('GET', `/api/v1/search?q=limiter&thread=${task.body.threadId}`, 'alice');
    expect(inThread.body.hits.map((h: any) => h.kind)).toEqual(['task']);
  });

  it('answers bad input with the invalid envelope', async () => {
    await call('POST', '/api/v1/join', '', { name: 'alice' });
    for (const [path, field] of [
      ['/api/v1/search', 'query'],
      ['/api/v1/search?q=', 'query'],
      [`/api/v1/search?q=${'x'.repeat(201)}`, 'query'],
      ['/api/v1/search?q=a&in=files', 'in'],
      ['/api/v1/search?q=a&limit=many', 'limit'],
      ['/api/v1/search?q=a&since=later', 'since'],
    ] as const) {
      const r = await call('GET', path, 'alice');
      expect(r.status, path).toBe(400);
      expect(r.body.error, path).toMatchObject({ code: 'invalid', message: expect.stringContaining(field) });
    }
    expect((await call('GET', '/api/v1/search?q=%22%20NEAR(%20*', 'alice')).status).toBe(200);
  });
});
