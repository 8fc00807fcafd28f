/**
 * The authorization matrix: for every MCP tool (driven from the tool table) and every JSON API
 * route (driven from the app's route list), who may and who may not: no token, a wrong token,
 * a revoked token, another agent's token on someone's session, another teammate, another team.
 * Every refusal is checked to change nothing; every permission is checked to work.
 */
import { describe, expect, it } from 'vitest';
import { TOOLS } from '../../mcp/tools/index.js';
import type { ErrorCode } from '../../server/errors.js';
import { STATUS } from '../../server/http-errors.js';
import {
  type Actor,
  codeOf,
  connect,
  type Fixture,
  type Harness,
  type HarnessOptions,
  harness,
  initializeBody,
  MCP_HEADERS,
  PRIVATE,
  rpcBody,
  SECRET,
  seed,
  snapshot,
} from './fixture.js';

/**
 * What an actor gets: `ok`; an error code (and no change); `isolated` (succeeds, but shows
 * nothing of team `default`); `private` (succeeds, but shows nothing of alice's mail to bob).
 */
type Outcome = 'ok' | ErrorCode | 'isolated' | 'private';

interface Case {
  args: (f: Fixture) => Record<string, unknown>;
  who: Partial<Record<Actor, Outcome>>;
}

const task1 =
  (extra: Record<string, unknown> = {}) =>
  (f: Fixture) => ({ task: f.t1.id, ...extra });

/** Runs `check` once for each actor `who` permits, each on a fresh world (a permitted call changes it). */
async function eachPermitted(
  who: Partial<Record<Actor, Outcome>>,
  opts: HarnessOptions,
  check: (actor: Actor, w: Harness, f: Fixture) => Promise<void>,
): Promise<void> {
  for (const [actor, outcome] of Object.entries(who) as [Actor, Outcome][]) {
    if (outcome !== 'ok') continue;
    const w = await harness(opts);
    try {
      await check(actor, w, await seed(w.deps));
    } finally {
      await w.close();
    }
  }
}

/** Every tool: the argument that points at someone's object, and who may act on it. */
const TOOL_MATRIX: Record<string, Case> = {
  teammate_join: { args: () => ({ name: 'alice' }), who: { alice: 'ok', bob: 'conflict', mallory: 'conflict' } },
  teammate_whoami: { args: () => ({}), who: { alice: 'ok', mallory: 'isolated' } },
  teammate_list: { args: () => ({}), who: { bob: 'ok', mallory: 'isolated' } },
  teammate_set_summary: { args: () => ({ summary: 'busy' }), who: { alice: 'ok', mallory: 'isolated' } },
  teammate_send_message: {
    args: () => ({ to: 'bob', message: 'hi' }),
    who: { alice: 'ok', carol: 'ok', mallory: 'not_found' },
  },
  teammate_broadcast: { args: () => ({ message: 'all hands' }), who: { alice: 'ok', mallory: 'isolated' } },
  teammate_check_messages: {
    args: () => ({ unreadOnly: false }),
    who: { bob: 'ok', carol: 'private', alice: 'private', mallory: 'isolated' },
  },
  teammate_ack: {
    args: (f) => ({ ids: f.message }),
    who: { bob: 'ok', alice: 'not_found', carol: 'not_found', admin: 'not_found', mallory: 'not_found' },
  },
  teammate_read_thread: {
    args: (f) => ({ thread: f.direct }),
    who: { bob: 'ok', alice: 'ok', admin: 'ok', carol: 'not_found', mallory: 'not_found' },
  },
  teammate_wait_for_messages: {
    args: () => ({ timeout: 0 }),
    who: { bob: 'ok', carol: 'private', mallory: 'isolated' },
  },
  // Alice's secret task and her direct message to bob both match; carol may see only the task.
  teammate_search: {
    args: () => ({ query: SECRET }),
    who: { alice: 'ok', bob: 'ok', admin: 'ok', carol: 'private', mallory: 'isolated' },
  },
  task_create: { args: () => ({ title: 'New', assignee: 'bob' }), who: { alice: 'ok', mallory: 'not_found' } },
  task_list: { args: () => ({}), who: { bob: 'ok', mallory: 'isolated' } },
  task_get: { args: task1(), who: { bob: 'ok', mallory: 'not_found' } },
  task_claim: { args: (f) => ({ task: f.t4.id }), who: { bob: 'ok', mallory: 'not_found' } },
  task_update: {
    args: task1({ note: 'progress' }),
    who: { alice: 'ok', admin: 'ok', bob: 'forbidden', mallory: 'not_found' },
  },
  task_comment: { args: task1({ message: 'looks good' }), who: { bob: 'ok', mallory: 'not_found' } },
  task_release: { args: task1(), who: { alice: 'ok', admin: 'ok', bob: 'forbidden', mallory: 'not_found' } },
  task_delegate: {
    args: task1({ to: 'carol' }),
    who: { alice: 'ok', admin: 'ok', bob: 'forbidden', mallory: 'not_found' },
  },
  task_handoff: {
    args: task1({ to: 'bob', note: 'yours now' }),
    who: { alice: 'ok', carol: 'forbidden', mallory: 'not_found' },
  },
  task_respond_handoff: {
    args: (f) => ({ task: f.t2.id, accept: true }),
    who: { bob: 'ok', alice: 'forbidden', carol: 'forbidden', mallory: 'not_found' },
  },
  task_complete: { args: task1(), who: { alice: 'ok', admin: 'ok', bob: 'forbidden', mallory: 'not_found' } },
  task_cancel: { args: task1(), who: { alice: 'ok', admin: 'ok', bob: 'forbidden', mallory: 'not_found' } },
  review_request: {
    args: task1({ reviewer: 'rita' }),
    who: { alice: 'ok', admin: 'ok', bob: 'forbidden', mallory: 'not_found' },
  },
  review_list: { args: () => ({}), who: { rita: 'ok', mallory: 'isolated' } },
  review_submit: {
    args: (f) => ({ review: f.review, verdict: 'approved' }),
    who: { rita: 'ok', admin: 'ok', alice: 'forbidden', bob: 'forbidden', mallory: 'not_found' },
  },
  review_reassign: {
    args: (f) => ({ review: f.review, to: 'carol' }),
    who: { rita: 'ok', alice: 'ok', bob: 'forbidden', mallory: 'not_found' },
  },
  reservation_create: {
    args: () => ({ paths: ['src/secret/x.ts'] }),
    who: { alice: 'ok', bob: 'conflict', mallory: 'isolated' },
  },
  reservation_list: { args: () => ({}), who: { bob: 'ok', mallory: 'isolated' } },
  reservation_release: {
    args: (f) => ({ ids: [f.reservation] }),
    who: { alice: 'ok', admin: 'ok', bob: 'forbidden', mallory: 'not_found' },
  },
};

function expectSeen(outcome: Outcome, shown: string, f: Fixture, label: string) {
  const hidden = outcome === 'isolated' ? f.secrets : [PRIVATE, f.message];
  for (const s of hidden) expect(shown, `${label} must not show ${s}`).not.toContain(s);
}

describe('MCP authorization matrix (token mode)', () => {
  it('has a row for every tool in the tool table', () => {
    expect(Object.keys(TOOL_MATRIX).sort()).toEqual(TOOLS.map((t) => t.name).sort());
  });

  for (const tool of TOOLS) {
    it(`${tool.name}: credentials, other teammates and other teams`, async () => {
      const row = TOOL_MATRIX[tool.name];
      expect(row, `no matrix row for ${tool.name}`).toBeDefined();
      if (!row) return;
      const h = await harness({ auth: 'token', serve: true });
      try {
        const f = await seed(h.deps);
        const alice = await connect(h.url, { token: f.tokens.alice });
        const session = alice.transport.sessionId as string;
        const call = {
          jsonrpc: '2.0',
          id: 7,
          method: 'tools/call',
          params: { name: tool.name, arguments: row.args(f) },
        };
        const post = (headers: Record<string, string>, body: unknown = call) =>
          fetch(`${h.url}/mcp`, {
            method: 'POST',
            headers: { ...MCP_HEADERS, ...headers },
            body: JSON.stringify(body),
          });
        const before = await snapshot(h.opened.db);

        // No token, a made-up token, a revoked token: 401 with a challenge, on the session and for a new one.
        for (const auth of [undefined, 'Bearer sb_not-a-real-token', `Bearer ${f.revoked}`]) {
          const headers: Record<string, string> = auth ? { authorization: auth } : {};
          const onSession = await post({ ...headers, 'mcp-session-id': session });
          expect(onSession.status, `${auth ?? 'no token'} on a session`).toBe(401);
          expect(onSession.headers.get('www-authenticate')).toMatch(/^Bearer /);
          const fresh = await post(headers, initializeBody());
          expect(fresh.status, `${auth ?? 'no token'} opening a session`).toBe(401);
          expect(fresh.headers.get('www-authenticate')).toMatch(/^Bearer /);
        }
        // Another agent's valid token cannot use alice's session.
        const hijack = await post({ authorization: `Bearer ${f.tokens.bob}`, 'mcp-session-id': session });
        expect(hijack.status).toBe(403);
        expect(await snapshot(h.opened.db)).toBe(before);

        // Who may not: refused with the expected code, nothing changed; or shown nothing private.
        for (const [actor, outcome] of Object.entries(row.who) as [Actor, Outcome][]) {
          if (outcome === 'ok') continue;
          const client = actor === 'alice' ? alice : await connect(h.url, { token: f.tokens[actor] });
          const pre = await snapshot(h.opened.db);
          const r = await client.call(tool.name, row.args(f));
          if (outcome === 'isolated' || outcome === 'private') {
            expect(codeOf(r), `${actor}: ${JSON.stringify(r.content)}`).toBeNull();
            expectSeen(outcome, JSON.stringify(r), f, `${tool.name} as ${actor}`);
          } else {
            expect(codeOf(r), `${tool.name} as ${actor}: ${JSON.stringify(r.content)}`).toBe(outcome);
            expect(await snapshot(h.opened.db), `${tool.name} as ${actor} changed state`).toBe(pre);
          }
          if (client !== alice) await client.close();
        }
        await alice.close();
      } finally {
        await h.close();
      }

      // Who may: each on a fresh world (a permitted call changes it).
      await eachPermitted(row.who, { auth: 'token', serve: true }, async (actor, w, f) => {
        const client = await connect(w.url, { token: f.tokens[actor] });
        const r = await client.call(tool.name, row.args(f));
        expect(codeOf(r), `${tool.name} as ${actor}: ${JSON.stringify(r.content)}`).toBeNull();
        await client.close();
      });
    });
  }
});

describe('MCP without an identity (local mode)', () => {
  it('refuses every tool but teammate_join until the session is named, changing nothing', async () => {
    const h = await harness({ serve: true });
    try {
      const f = await seed(h.deps);
      const anon = await connect(h.url);
      const before = await snapshot(h.opened.db);
      for (const tool of TOOLS) {
        if (tool.name === 'teammate_join') continue;
        const r = await anon.call(tool.name, (TOOL_MATRIX[tool.name]?.args ?? (() => ({})))(f));
        expect(codeOf(r), tool.name).toBe('unauthorized');
      }
      expect(await snapshot(h.opened.db)).toBe(before);
      await anon.close();
    } finally {
      await h.close();
    }
  });
});

interface RouteCase {
  path: (f: Fixture) => string;
  body?: (f: Fixture) => Record<string, unknown>;
  who: Partial<Record<Actor, Outcome>>;
}

/** Every JSON API route (`METHOD /api/v1/path` as registered). */
const ROUTE_MATRIX: Record<string, RouteCase> = {
  'POST /api/v1/join': { path: () => '/api/v1/join', body: () => ({ name: 'zed' }), who: {} },
  'GET /api/v1/me': { path: () => '/api/v1/me', who: { alice: 'ok', mallory: 'isolated' } },
  'PATCH /api/v1/me': { path: () => '/api/v1/me', body: () => ({ summary: 'x' }), who: { alice: 'ok' } },
  'GET /api/v1/team/settings': { path: () => '/api/v1/team/settings', who: { bob: 'ok', mallory: 'isolated' } },
  'PATCH /api/v1/team/settings': {
    path: () => '/api/v1/team/settings',
    body: () => ({ planLabel: 'needs-plan' }),
    who: { admin: 'ok', bob: 'forbidden', mallory: 'forbidden' },
  },
  'GET /api/v1/teammates': { path: () => '/api/v1/teammates', who: { bob: 'ok', mallory: 'isolated' } },
  'POST /api/v1/messages': {
    path: () => '/api/v1/messages',
    body: () => ({ to: 'bob', message: 'hi' }),
    who: { alice: 'ok', mallory: 'not_found' },
  },
  'POST /api/v1/broadcast': {
    path: () => '/api/v1/broadcast',
    body: () => ({ message: 'hi all' }),
    who: { alice: 'ok', mallory: 'isolated' },
  },
  'GET /api/v1/inbox': {
    path: () => '/api/v1/inbox?unreadOnly=false',
    who: { bob: 'ok', carol: 'private', mallory: 'isolated' },
  },
  'POST /api/v1/inbox/check': {
    path: () => '/api/v1/inbox/check',
    body: () => ({ unreadOnly: false }),
    who: { bob: 'ok', alice: 'private', mallory: 'isolated' },
  },
  'POST /api/v1/inbox/ack': {
    path: () => '/api/v1/inbox/ack',
    body: (f) => ({ ids: [f.message] }),
    who: { bob: 'ok', carol: 'not_found', alice: 'not_found', mallory: 'not_found' },
  },
  'GET /api/v1/threads/:id': {
    path: (f) => `/api/v1/threads/${f.direct}`,
    who: { bob: 'ok', admin: 'ok', carol: 'not_found', mallory: 'not_found' },
  },
  'GET /api/v1/search': {
    path: () => `/api/v1/search?q=${SECRET}`,
    who: { bob: 'ok', admin: 'ok', carol: 'private', mallory: 'isolated' },
  },
  'GET /api/v1/tasks': { path: () => '/api/v1/tasks', who: { bob: 'ok', mallory: 'isolated' } },
  'POST /api/v1/tasks': {
    path: () => '/api/v1/tasks',
    body: () => ({ title: 'T', assignee: 'bob' }),
    who: { alice: 'ok', mallory: 'not_found' },
  },
  'POST /api/v1/tasks/claim': {
    path: () => '/api/v1/tasks/claim',
    body: () => ({}),
    who: { bob: 'ok', mallory: 'isolated' },
  },
  'GET /api/v1/tasks/:ref': {
    path: (f) => `/api/v1/tasks/${f.t1.id}`,
    who: { bob: 'ok', mallory: 'not_found' },
  },
  'PATCH /api/v1/tasks/:ref': {
    path: (f) => `/api/v1/tasks/${f.t1.id}`,
    body: () => ({ note: 'progress' }),
    who: { alice: 'ok', admin: 'ok', bob: 'forbidden', mallory: 'not_found' },
  },
  'POST /api/v1/tasks/:ref/claim': {
    path: (f) => `/api/v1/tasks/${f.t4.id}/claim`,
    body: () => ({}),
    who: { bob: 'ok', mallory: 'not_found' },
  },
  'POST /api/v1/tasks/:ref/release': {
    path: (f) => `/api/v1/tasks/${f.t1.id}/release`,
    body: () => ({}),
    who: { alice: 'ok', admin: 'ok', bob: 'forbidden', mallory: 'not_found' },
  },
  'POST /api/v1/tasks/:ref/delegate': {
    path: (f) => `/api/v1/tasks/${f.t1.id}/delegate`,
    body: () => ({ to: 'carol' }),
    who: { alice: 'ok', bob: 'forbidden', mallory: 'not_found' },
  },
  'POST /api/v1/tasks/:ref/handoff': {
    path: (f) => `/api/v1/tasks/${f.t1.id}/handoff`,
    body: () => ({ to: 'bob', note: 'n' }),
    who: { alice: 'ok', carol: 'forbidden', mallory: 'not_found' },
  },
  'POST /api/v1/tasks/:ref/handoff/respond': {
    path: (f) => `/api/v1/tasks/${f.t2.id}/handoff/respond`,
    body: () => ({ accept: true }),
    who: { bob: 'ok', carol: 'forbidden', mallory: 'not_found' },
  },
  'POST /api/v1/tasks/:ref/complete': {
    path: (f) => `/api/v1/tasks/${f.t1.id}/complete`,
    body: () => ({}),
    who: { alice: 'ok', admin: 'ok', bob: 'forbidden', mallory: 'not_found' },
  },
  'POST /api/v1/tasks/:ref/cancel': {
    path: (f) => `/api/v1/tasks/${f.t1.id}/cancel`,
    body: () => ({}),
    who: { alice: 'ok', bob: 'forbidden', mallory: 'not_found' },
  },
  'POST /api/v1/tasks/:ref/comments': {
    path: (f) => `/api/v1/tasks/${f.t1.id}/comments`,
    body: () => ({ message: 'note' }),
    who: { bob: 'ok', mallory: 'not_found' },
  },
  'POST /api/v1/tasks/:ref/reviews': {
    path: (f) => `/api/v1/tasks/${f.t1.id}/reviews`,
    body: () => ({ reviewer: 'rita' }),
    who: { alice: 'ok', bob: 'forbidden', mallory: 'not_found' },
  },
  'GET /api/v1/reviews': { path: () => '/api/v1/reviews', who: { rita: 'ok', mallory: 'isolated' } },
  'POST /api/v1/reviews/:id/submit': {
    path: (f) => `/api/v1/reviews/${f.review}/submit`,
    body: () => ({ verdict: 'approved' }),
    who: { rita: 'ok', alice: 'forbidden', bob: 'forbidden', mallory: 'not_found' },
  },
  'POST /api/v1/reviews/:id/reassign': {
    path: (f) => `/api/v1/reviews/${f.review}/reassign`,
    body: () => ({ to: 'carol' }),
    who: { rita: 'ok', bob: 'forbidden', mallory: 'not_found' },
  },
  'GET /api/v1/reservations': { path: () => '/api/v1/reservations', who: { bob: 'ok', mallory: 'isolated' } },
  'POST /api/v1/reservations': {
    path: () => '/api/v1/reservations',
    body: () => ({ paths: ['src/secret/x.ts'] }),
    who: { alice: 'ok', bob: 'conflict', mallory: 'isolated' },
  },
  'POST /api/v1/reservations/release': {
    path: () => '/api/v1/reservations/release',
    body: (f) => ({ ids: [f.reservation] }),
    who: { alice: 'ok', admin: 'ok', bob: 'forbidden', mallory: 'not_found' },
  },
  'GET /api/v1/reservations/check': {
    path: () => '/api/v1/reservations/check?path=src/secret/x.ts',
    who: { bob: 'ok', mallory: 'isolated' },
  },
};

/** `METHOD /api/v1/…` of every API route the app registers. */
async function apiRoutes(): Promise<string[]> {
  const h = await harness();
  const keys = h.sb.app.routes
    .filter((r) => r.path.startsWith('/api/') && r.method !== 'ALL')
    .map((r) => `${r.method} ${r.path}`);
  await h.close();
  return [...new Set(keys)].sort();
}

describe('JSON API authorization matrix (token mode)', () => {
  it('has a row for every API route the app registers', async () => {
    expect(Object.keys(ROUTE_MATRIX).sort()).toEqual(await apiRoutes());
  });

  for (const [key, row] of Object.entries(ROUTE_MATRIX)) {
    const method = key.split(' ')[0] as string;
    it(`${key}: credentials, other teammates and other teams`, async () => {
      const h = await harness({ auth: 'token' });
      try {
        const f = await seed(h.deps);
        const send = (auth: string | undefined, actorBody = row.body?.(f)) =>
          h.request(row.path(f), {
            method,
            headers: { 'content-type': 'application/json', ...(auth && { authorization: auth }) },
            ...(actorBody !== undefined && { body: JSON.stringify(actorBody) }),
          });
        const before = await snapshot(h.opened.db);
        for (const auth of [undefined, 'Bearer sb_not-a-real-token', `Bearer ${f.revoked}`, 'Basic YWxpY2U6eA==']) {
          const res = await send(auth);
          if (key === 'POST /api/v1/join' && auth === undefined) {
            // Joining by name is a local-mode feature: with tokens, agents come from minted tokens.
            expect(res.status).toBe(403);
            continue;
          }
          expect(res.status, `${key} with ${auth ?? 'no token'}`).toBe(key === 'POST /api/v1/join' ? 403 : 401);
          if (key !== 'POST /api/v1/join') expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
          const body = (await res.json()) as { error: { code: string } };
          expect(body.error.code).toMatch(/^(unauthorized|forbidden)$/);
        }
        expect(await snapshot(h.opened.db)).toBe(before);

        for (const [actor, outcome] of Object.entries(row.who) as [Actor, Outcome][]) {
          if (outcome === 'ok') continue;
          const pre = await snapshot(h.opened.db);
          const res = await send(`Bearer ${f.tokens[actor]}`);
          const text = await res.text();
          if (outcome === 'isolated' || outcome === 'private') {
            expect(res.status, `${key} as ${actor}: ${text}`).toBeLessThan(300);
            expectSeen(outcome, text, f, `${key} as ${actor}`);
          } else {
            expect(res.status, `${key} as ${actor}: ${text}`).toBe(STATUS[outcome]);
            expect(JSON.parse(text).error.code).toBe(outcome);
            expect(await snapshot(h.opened.db), `${key} as ${actor} changed state`).toBe(pre);
          }
        }
      } finally {
        await h.close();
      }
      await eachPermitted(row.who, { auth: 'token' }, async (actor, w, f) => {
        const res = await w.request(row.path(f), {
          method,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${f.tokens[actor]}` },
          ...(row.body && { body: JSON.stringify(row.body(f)) }),
        });
        expect(res.status, `${key} as ${actor}: ${await res.clone().text()}`).toBeLessThan(300);
      });
    });
  }
});

describe('MCP session identity', () => {
  it('binds the token that opened a session; the same session cannot be driven by a name or no credential', async () => {
    const h = await harness({ serve: true });
    try {
      const f = await seed(h.deps);
      const bob = await connect(h.url, { token: f.tokens.bob });
      const session = bob.transport.sessionId as string;
      const res = await fetch(`${h.url}/mcp?agent=alice`, {
        method: 'POST',
        headers: { ...MCP_HEADERS, 'mcp-session-id': session },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'teammate_whoami' } }),
      });
      expect(res.status).toBe(403);
      const who = await bob.call('teammate_whoami');
      expect(who.data.name).toBe('bob');
      // No tool takes an "act as" argument: a `from` field is refused as unknown.
      const spoof = await bob.call('teammate_send_message', { to: 'carol', message: 'x', from: 'alice' });
      expect(codeOf(spoof)).toBe('invalid');
      const flow = await bob.call('teammate_send_message', { toId: 'carol', payload: 'x', fromId: 'alice' });
      expect(codeOf(flow)).toBe('forbidden');
      expect(await rpcBody(res)).toMatchObject({ error: { message: /another credential/ } });
      await bob.close();
    } finally {
      await h.close();
    }
  });
});

interface BoardCase {
  path: (f: Fixture) => string;
  /** Form fields for a POST action. */
  form?: (f: Fixture) => Record<string, string>;
  who: Partial<Record<Actor, Outcome>>;
  /** A live event stream: check the status, do not read to the end. */
  stream?: boolean;
}

/** Every board route that shows or changes a team's data (`METHOD /path` as registered). */
const BOARD_MATRIX: Record<string, BoardCase> = {
  'GET /': { path: () => '/', who: { alice: 'ok', mallory: 'isolated' } },
  'GET /events': { path: () => '/events', stream: true, who: { alice: 'ok' } },
  'GET /t/:team/events': { path: () => '/t/default/events', stream: true, who: { alice: 'ok', mallory: 'not_found' } },
  'GET /t/:team': { path: () => '/t/default', who: { alice: 'ok', mallory: 'not_found' } },
  'GET /t/:team/tasks/:ref': {
    path: (f) => `/t/default/tasks/${f.t1.number}`,
    who: { bob: 'ok', mallory: 'not_found' },
  },
  'GET /t/:team/agents': { path: () => '/t/default/agents', who: { alice: 'ok', mallory: 'not_found' } },
  'GET /t/:team/threads': {
    path: () => '/t/default/threads',
    who: { alice: 'ok', carol: 'private', mallory: 'not_found' },
  },
  'GET /t/:team/threads/:id': {
    path: (f) => `/t/default/threads/${f.direct}`,
    who: { bob: 'ok', admin: 'ok', carol: 'not_found', mallory: 'not_found' },
  },
  'GET /t/:team/search': {
    path: () => `/t/default/search?q=${SECRET}`,
    who: { bob: 'ok', carol: 'private', mallory: 'not_found' },
  },
  'GET /t/:team/reviews': { path: () => '/t/default/reviews', who: { rita: 'ok', mallory: 'not_found' } },
  'GET /t/:team/flow': { path: () => '/t/default/flow', who: { alice: 'ok', mallory: 'not_found' } },
  'POST /t/:team/tasks': {
    path: () => '/t/default/tasks',
    form: () => ({ title: 'From the board' }),
    who: { alice: 'ok', mallory: 'not_found' },
  },
  'POST /t/:team/tasks/:ref/comment': {
    path: (f) => `/t/default/tasks/${f.t1.id}/comment`,
    form: () => ({ message: 'a comment' }),
    who: { bob: 'ok', mallory: 'not_found' },
  },
  'POST /t/:team/tasks/:ref/delegate': {
    path: (f) => `/t/default/tasks/${f.t1.id}/delegate`,
    form: () => ({ to: 'carol' }),
    who: { alice: 'ok', bob: 'forbidden', mallory: 'not_found' },
  },
  'POST /t/:team/tasks/:ref/release': {
    path: (f) => `/t/default/tasks/${f.t1.id}/release`,
    form: () => ({}),
    who: { alice: 'ok', admin: 'ok', bob: 'forbidden', mallory: 'not_found' },
  },
  'POST /t/:team/tasks/:ref/cancel': {
    path: (f) => `/t/default/tasks/${f.t1.id}/cancel`,
    form: () => ({}),
    who: { alice: 'ok', bob: 'forbidden', mallory: 'not_found' },
  },
  'POST /t/:team/reviews/:id': {
    path: (f) => `/t/default/reviews/${f.review}`,
    form: () => ({ verdict: 'approved' }),
    who: { rita: 'ok', alice: 'forbidden', bob: 'forbidden', mallory: 'not_found' },
  },
  'POST /t/:team/messages': {
    path: () => '/t/default/messages',
    form: () => ({ to: 'bob', message: 'from the board' }),
    who: { alice: 'ok', mallory: 'not_found' },
  },
  'POST /t/:team/threads/:id/reply': {
    path: (f) => `/t/default/threads/${f.direct}/reply`,
    form: () => ({ message: 'a reply' }),
    who: { bob: 'ok', carol: 'not_found', mallory: 'not_found' },
  },
};

/** Board routes anyone may reach: choosing a name, logging in and out, static files. */
const PUBLIC_BOARD = [
  'GET /welcome',
  'POST /welcome',
  'POST /welcome/forget',
  'GET /login',
  'POST /login',
  'POST /logout',
  'GET /static/:file',
  'GET /healthz',
];

const CSRF = 'csrf-token-for-the-authz-matrix';

describe('board authorization matrix (token mode)', () => {
  it('has a row for every board route that is not public', async () => {
    const h = await harness();
    // `/metrics` is not the board's: test/observability/metrics.test.ts checks its admin-token rule.
    const keys = h.sb.app.routes
      .filter((r) => r.method !== 'ALL' && !r.path.startsWith('/api/') && !r.path.startsWith('/mcp'))
      .filter((r) => r.path !== '/metrics')
      .map((r) => `${r.method} ${r.path}`)
      .filter((k) => !PUBLIC_BOARD.includes(k));
    await h.close();
    expect(Object.keys(BOARD_MATRIX).sort()).toEqual([...new Set(keys)].sort());
  });

  for (const [key, row] of Object.entries(BOARD_MATRIX)) {
    const method = key.split(' ')[0] as string;
    it(`${key}: login, other teammates and other teams`, async () => {
      const visit = async (h: Harness, f: Fixture, token: string | undefined) => {
        const headers: Record<string, string> = {
          cookie: `sb_csrf=${CSRF}${token ? `; sb_token=${token}` : ''}`,
          'x-csrf-token': CSRF,
          origin: 'http://127.0.0.1',
        };
        if (method === 'POST') headers['content-type'] = 'application/x-www-form-urlencoded';
        const res = await h.request(row.path(f), {
          method,
          headers,
          ...(method === 'POST' && { body: new URLSearchParams(row.form?.(f) ?? {}).toString() }),
        });
        if (row.stream && res.status === 200) {
          await res.body?.cancel();
          return { status: res.status, text: '', location: null };
        }
        return { status: res.status, text: await res.text(), location: res.headers.get('location') };
      };
      const h = await harness({ auth: 'token' });
      try {
        const f = await seed(h.deps);
        const before = await snapshot(h.opened.db);
        // Without a valid login: sent to the login page, shown nothing, nothing changed.
        for (const token of [undefined, 'sb_not-a-real-token', f.revoked]) {
          const r = await visit(h, f, token);
          expect(r.status, `${key} with ${token ?? 'no token'}`).toBe(303);
          expect(r.location).toMatch(/^\/login/);
          for (const s of f.secrets.slice(0, 8)) expect(r.text).not.toContain(s);
        }
        expect(await snapshot(h.opened.db)).toBe(before);
        for (const [actor, outcome] of Object.entries(row.who) as [Actor, Outcome][]) {
          if (outcome === 'ok') continue;
          const pre = await snapshot(h.opened.db);
          const r = await visit(h, f, f.tokens[actor]);
          if (outcome === 'isolated' || outcome === 'private') {
            expect(r.status, `${key} as ${actor}`).toBe(200);
            expectSeen(outcome, r.text, f, `${key} as ${actor}`);
          } else {
            expect(r.status, `${key} as ${actor}: ${r.text.slice(0, 300)}`).toBe(STATUS[outcome]);
            expect(await snapshot(h.opened.db), `${key} as ${actor} changed state`).toBe(pre);
          }
        }
      } finally {
        await h.close();
      }
      await eachPermitted(row.who, { auth: 'token' }, async (actor, w, f) => {
        const before = await snapshot(w.opened.db);
        const r = await visit(w, f, f.tokens[actor]);
        expect(r.status, `${key} as ${actor}: ${r.text.slice(0, 300)}`).toBe(method === 'POST' ? 303 : 200);
        if (method === 'POST') expect(await snapshot(w.opened.db), `${key} as ${actor} did nothing`).not.toBe(before);
      });
    });
  }
});
