/** File reservations over the JSON API (`app.request()`): create, conflict, check, list, release. */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type SwitchboardApp } from '../../server/app.js';
import { createBus } from '../../server/bus.js';
import type { OpenedDb } from '../../server/db/open.js';
import { countRows, openTestDatabase } from '../helpers/db.js';

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
  for (const name of ['alice', 'bob']) await call('POST', '/api/v1/join', undefined, { name });
});
afterEach(async () => {
  await sb.close();
  await opened.close();
});

async function call(method: string, path: string, agent?: string, body?: unknown) {
  const res = await sb.app.request(`http://127.0.0.1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(agent && { 'x-switchboard-agent': agent }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('reservations over the JSON API', () => {
  it('creates, refuses an overlap with 409 naming the holder, checks a file, lists and releases', async () => {
    const made = await call('POST', '/api/v1/reservations', 'alice', {
      paths: ['src/api/**'],
      reason: 'refactoring the API',
    });
    expect(made.status).toBe(201);
    expect(made.body.reservations[0]).toMatchObject({ pattern: 'src/api/**', holder: 'alice', exclusive: true });

    const clash = await call('POST', '/api/v1/reservations', 'bob', { paths: ['src/**/*.ts', 'docs/**'] });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('conflict');
    expect(clash.body.error.message).toContain('alice holds src/api/** exclusively for "refactoring the API"');
    expect(clash.body.error.details.conflicts[0]).toMatchObject({ holder: 'alice', pattern: 'src/api/**' });
    expect(await countRows(opened.db, 'reservations')).toBe(1);

    const blocked = await call('GET', '/api/v1/reservations/check?path=src/api/users.ts', 'bob');
    expect(blocked.status).toBe(200);
    expect(blocked.body).toMatchObject({ path: 'src/api/users.ts', allowed: false });
    expect(blocked.body.reason).toContain('alice holds src/api/**');
    const own = await call('GET', '/api/v1/reservations/check?path=src/api/users.ts', 'alice');
    expect(own.body).toMatchObject({ allowed: true, reason: null });
    const bad = await call('GET', '/api/v1/reservations/check?path=../etc/passwd', 'bob');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/"\.\." is not allowed/);

    const covering = await call('GET', '/api/v1/reservations?path=src/api/users.ts', 'bob');
    expect(covering.body.reservations.map((r: any) => r.holder)).toEqual(['alice']);
    expect((await call('GET', '/api/v1/reservations?mine=true', 'bob')).body.reservations).toEqual([]);

    const forbidden = await call('POST', '/api/v1/reservations/release', 'bob', {
      ids: [made.body.reservations[0].id],
    });
    expect(forbidden.status).toBe(403);
    const released = await call('POST', '/api/v1/reservations/release', 'alice', { paths: ['src/api/**'] });
    expect(released.body.released.map((r: any) => r.pattern)).toEqual(['src/api/**']);
    expect((await call('GET', '/api/v1/reservations/check?path=src/api/users.ts', 'bob')).body.allowed).toBe(true);
  });

  it('refuses bad input with 400 and the reason, changing nothing', async () => {
    for (const body of [{ paths: ['/abs/**'] }, { paths: 'src/**' }, { paths: ['src/**'], exclusive: 'yes' }, {}]) {
      const r = await call('POST', '/api/v1/reservations', 'alice', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('invalid');
    }
    expect((await call('POST', '/api/v1/reservations/release', 'alice', {})).status).toBe(400);
    expect((await call('GET', '/api/v1/reservations/check', 'alice')).status).toBe(400);
    expect(await countRows(opened.db, 'reservations')).toBe(0);
  });
});
