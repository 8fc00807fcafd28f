/**
 * Every configurable limit at its boundary: the last allowed value passes, one more is refused
 * with an error that says the limit, and the refusal changes nothing. Sessions per agent are
 * limited in token and local mode alike (in local mode several sessions may share a name).
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { acquireWaitSlot } from '../../server/ops/rate-limit.js';
import { countRows } from '../helpers/db.js';
import { codeOf, connect, harness, initializeBody, MCP_HEADERS, rpcBody, seed, snapshot } from './fixture.js';

const as = (agent: string) => ({ 'content-type': 'application/json', 'x-switchboard-agent': agent });

describe('size limits', () => {
  it('message body: the limit passes, one character more is too_large naming the limit (API and MCP)', async () => {
    const h = await harness({ serve: true, limits: { maxBodyChars: 100 } });
    try {
      await seed(h.deps);
      const ok = await h.request('/api/v1/messages', {
        method: 'POST',
        headers: as('alice'),
        body: JSON.stringify({ to: 'bob', message: 'x'.repeat(100) }),
      });
      expect(ok.status).toBe(201);
      const before = await snapshot(h.opened.db);
      const over = await h.request('/api/v1/messages', {
        method: 'POST',
        headers: as('alice'),
        body: JSON.stringify({ to: 'bob', message: 'x'.repeat(101) }),
      });
      expect(over.status).toBe(413);
      expect(((await over.json()) as any).error).toMatchObject({
        code: 'too_large',
        message: /101 characters; the limit is 100/,
        details: { limit: 100 },
      });
      const alice = await connect(h.url, { agent: 'alice' });
      const r = await alice.call('teammate_send_message', { to: 'bob', message: 'x'.repeat(101) });
      expect(codeOf(r)).toBe('too_large');
      const task = await alice.call('task_create', { title: 'T', description: 'd'.repeat(101) });
      expect(codeOf(task)).toBe('too_large');
      expect(await snapshot(h.opened.db)).toBe(before);
      expect(codeOf(await alice.call('task_create', { title: 'T', description: 'd'.repeat(100) }))).toBeNull();
      await alice.close();
    } finally {
      await h.close();
    }
  });

  it('task title: the limit passes, one more is too_large naming the limit', async () => {
    const h = await harness({ limits: { maxTitleChars: 40 } });
    try {
      await seed(h.deps);
      const before = await snapshot(h.opened.db);
      const over = await h.request('/api/v1/tasks', {
        method: 'POST',
        headers: as('alice'),
        body: JSON.stringify({ title: 't'.repeat(41) }),
      });
      expect(over.status).toBe(413);
      expect(((await over.json()) as any).error.message).toMatch(/the limit is 40/);
      expect(await snapshot(h.opened.db)).toBe(before);
      const ok = await h.request('/api/v1/tasks', {
        method: 'POST',
        headers: as('alice'),
        body: JSON.stringify({ title: 't'.repeat(40) }),
      });
      expect(ok.status).toBe(201);
    } finally {
      await h.close();
    }
  });

  it('recipients per send: the limit passes, one more is too_large naming the limit', async () => {
    const h = await harness({ limits: { maxRecipients: 3 } });
    try {
      await seed(h.deps);
      const ok = await h.request('/api/v1/messages', {
        method: 'POST',
        headers: as('alice'),
        body: JSON.stringify({ to: ['bob', 'carol', 'rita'], message: 'three' }),
      });
      expect(ok.status).toBe(201);
      const before = await snapshot(h.opened.db);
      const over = await h.request('/api/v1/messages', {
        method: 'POST',
        headers: as('alice'),
        body: JSON.stringify({ to: ['bob', 'carol', 'rita', 'admin'], message: 'four' }),
      });
      expect(over.status).toBe(413);
      expect(((await over.json()) as any).error.message).toMatch(/4 recipients; the limit is 3/);
      // A broadcast resolving to more teammates than the limit is refused the same way.
      const all = await h.request('/api/v1/broadcast', {
        method: 'POST',
        headers: as('alice'),
        body: JSON.stringify({ message: 'everyone' }),
      });
      expect(all.status).toBe(413);
      expect(await snapshot(h.opened.db)).toBe(before);
    } finally {
      await h.close();
    }
  });
});

describe('sends per agent per minute (token bucket)', () => {
  it('allows the burst, then rate_limited with Retry-After; refills with time; per agent', async () => {
    const h = await harness({ fakeClock: true, limits: { sendsPerMinute: 5 } });
    try {
      await seed(h.deps);
      // seed() sent one message as alice through the same limiter.
      const send = (agent: string, n: number) =>
        h.request('/api/v1/messages', {
          method: 'POST',
          headers: as(agent),
          body: JSON.stringify({ to: agent === 'bob' ? 'carol' : 'bob', message: `m${n}` }),
        });
      for (let i = 0; i < 4; i++) expect((await send('alice', i)).status).toBe(201);
      const before = await snapshot(h.opened.db);
      const limited = await send('alice', 99);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('12');
      const err = ((await limited.json()) as any).error;
      expect(err).toMatchObject({ code: 'rate_limited', details: { limit: 5, retryAfterMs: 12_000 } });
      expect(err.message).toMatch(/5 messages per minute/);
      expect(await snapshot(h.opened.db)).toBe(before);
      // Broadcasts draw from the same bucket.
      const b = await h.request('/api/v1/broadcast', {
        method: 'POST',
        headers: as('alice'),
        body: JSON.stringify({ message: 'x' }),
      });
      expect(b.status).toBe(429);
      // Another agent has its own bucket.
      expect((await send('bob', 1)).status).toBe(201);
      h.clock.now += 11_999;
      expect((await send('alice', 100)).status).toBe(429);
      h.clock.now += 1;
      expect((await send('alice', 101)).status).toBe(201);
      expect((await send('alice', 102)).status).toBe(429);
    } finally {
      await h.close();
    }
  });

  it('reports retryAfterMs to MCP clients', async () => {
    const h = await harness({ serve: true, limits: { sendsPerMinute: 1 } });
    try {
      await seed(h.deps);
      const bob = await connect(h.url, { agent: 'bob' });
      expect(codeOf(await bob.call('teammate_send_message', { to: 'carol', message: 'one' }))).toBeNull();
      const r = await bob.call('teammate_send_message', { to: 'carol', message: 'two' });
      expect(codeOf(r)).toBe('rate_limited');
      expect(r.data.error.details.retryAfterMs).toBeGreaterThan(0);
      expect(r.data.error.details.retryAfterMs).toBeLessThanOrEqual(60_000);
      await bob.close();
    } finally {
      await h.close();
    }
  });
});

describe('open sessions per agent', () => {
  it('admits the limit; one more is refused with 429 naming the limit; closing one makes room', async () => {
    const h = await harness({ auth: 'token', serve: true, limits: { maxSessionsPerAgent: 2 } });
    try {
      const f = await seed(h.deps);
      const a1 = await connect(h.url, { token: f.tokens.alice });
      const a2 = await connect(h.url, { token: f.tokens.alice });
      const third = await fetch(`${h.url}/mcp`, {
        method: 'POST',
        headers: { ...MCP_HEADERS, authorization: `Bearer ${f.tokens.alice}` },
        body: JSON.stringify(initializeBody()),
      });
      expect(third.status).toBe(429);
      expect((await rpcBody(third)).error.message).toMatch(
        /alice already has 2 live sessions .*; the limit is 2 per agent/,
      );
      expect(h.sb.mcp.sessions.size).toBe(2);
      // Others are not affected.
      const bob = await connect(h.url, { token: f.tokens.bob });
      await a1.close();
      const a3 = await connect(h.url, { token: f.tokens.alice });
      expect(codeOf(await a3.call('teammate_whoami'))).toBeNull();
      for (const c of [a2, a3, bob]) await c.close();
    } finally {
      await h.close();
    }
  });
});

describe('limits shared by two servers on one database', () => {
  it('counts sessions, sends and waits of both servers against one limit per agent', async () => {
    const limits = { maxSessionsPerAgent: 2, sendsPerMinute: 3, maxWaitsPerAgent: 1 };
    const h1 = await harness({ serve: true, limits });
    const h2 = await harness({ serve: true, limits, opened: { ...h1.opened, close: async () => {} } });
    try {
      await seed(h1.deps);
      const a1 = await connect(h1.url, { agent: 'alice' });
      const a2 = await connect(h2.url, { agent: 'alice' });
      for (const url of [h1.url, h2.url]) {
        const third = await fetch(`${url}/mcp?agent=alice`, {
          method: 'POST',
          headers: MCP_HEADERS,
          body: JSON.stringify(initializeBody()),
        });
        expect(third.status).toBe(429);
        expect((await rpcBody(third)).error.message).toMatch(/alice already has 2 live sessions .*the limit is 2/);
      }
      // seed() sent one message as alice: one each on the two servers uses up the three.
      expect(codeOf(await a1.call('teammate_send_message', { to: 'bob', message: 'one' }))).toBeNull();
      expect(codeOf(await a2.call('teammate_send_message', { to: 'bob', message: 'two' }))).toBeNull();
      expect(codeOf(await a1.call('teammate_send_message', { to: 'bob', message: 'three' }))).toBe('rate_limited');
      expect(codeOf(await a2.call('teammate_send_message', { to: 'bob', message: 'three' }))).toBe('rate_limited');

      const waiting = a1.call('teammate_wait_for_messages', { timeout: 30 });
      const slots = () => countRows(h1.opened.db, 'wait_slots');
      while ((await slots()) === 0) await new Promise((r) => setTimeout(r, 5));
      expect(codeOf(await a2.call('teammate_wait_for_messages', { timeout: 1 }))).toBe('rate_limited');
      const bob = await connect(h2.url, { agent: 'bob' });
      await bob.call('teammate_send_message', { to: 'alice', message: 'wake up' });
      expect(codeOf(await waiting)).toBeNull();
      // Ending a session on one server makes room on the other.
      await a1.close();
      const live = async () =>
        Number(
          (
            await h1.opened.db
              .selectFrom('sessions')
              .innerJoin('agents', 'agents.id', 'sessions.agent_id')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('agents.name', '=', 'alice')
              .where('sessions.ended_at', 'is', null)
              .executeTakeFirstOrThrow()
          ).n,
        );
      while ((await live()) !== 1) await new Promise((r) => setTimeout(r, 5));
      const a3 = await connect(h2.url, { agent: 'alice' });
      expect(codeOf(await a3.call('teammate_whoami'))).toBeNull();
      for (const c of [a2, a3, bob]) await c.close();
    } finally {
      await h2.close();
      await h1.close();
    }
  });
});

describe('waiting calls per agent', () => {
  it('allows the limit in flight; one more is rate_limited naming the limit; a returned wait frees its slot', async () => {
    const h = await harness({ serve: true, limits: { maxWaitsPerAgent: 1 } });
    try {
      await seed(h.deps);
      const carol = await connect(h.url, { agent: 'carol' });
      const pending = carol.call('teammate_wait_for_messages', { timeout: 30 });
      const slots = () => countRows(h.opened.db, 'wait_slots');
      while ((await slots()) === 0) await new Promise((r) => setTimeout(r, 5));
      // A second wait by carol (on the same session, at the same time) is over the limit.
      const extra = await fetch(`${h.url}/mcp?agent=carol`, {
        method: 'POST',
        headers: { ...MCP_HEADERS, 'mcp-session-id': carol.transport.sessionId as string },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 99,
          method: 'tools/call',
          params: { name: 'teammate_wait_for_messages', arguments: { timeout: 1 } },
        }),
      });
      const body = await rpcBody(extra);
      expect(body.result.isError).toBe(true);
      expect(body.result._meta['switchboard/error']).toMatchObject({ code: 'rate_limited', details: { limit: 1 } });
      expect(body.result._meta['switchboard/error'].message).toMatch(/the limit is 1 per agent/);
      // Mail wakes the first wait; its slot is free again.
      const alice = await connect(h.url, { agent: 'alice' });
      await alice.call('teammate_send_message', { to: 'carol', message: 'wake up' });
      const woke = await pending;
      expect(codeOf(woke)).toBeNull();
      expect(JSON.stringify(woke.data)).toContain('wake up');
      expect(await slots()).toBe(0);
      for (const c of [carol, alice]) await c.close();
    } finally {
      await h.close();
    }
  });

  it('the slot API: acquire up to the limit, release is idempotent, shutdown aborts the slot signal', async () => {
    const h = await harness({ limits: { maxWaitsPerAgent: 2 } });
    try {
      const f = await seed(h.deps);
      const ctx = f.ctx('bob');
      const slots = (agent: string) => countRows(h.opened.db, 'wait_slots', { agent_id: agent });
      const a = await acquireWaitSlot(ctx);
      const b = await acquireWaitSlot(ctx);
      await expect(acquireWaitSlot(ctx)).rejects.toThrow(/2 waiting calls .*the limit is 2 per agent/);
      const other = await acquireWaitSlot(f.ctx('carol'));
      expect(await slots(f.agents.bob.id)).toBe(2);
      await a.release();
      await a.release();
      expect(await slots(f.agents.bob.id)).toBe(1);
      const c = await acquireWaitSlot(ctx);
      expect(c.signal.aborted).toBe(false);
      h.sb.guards.shutdown.abort();
      expect(c.signal.aborted).toBe(true);
      await Promise.all([b.release(), c.release(), other.release()]);
      expect(await slots(f.agents.bob.id)).toBe(0);
    } finally {
      await h.close();
    }
  });
});

describe('sessions per agent in local mode (one name, several sessions)', () => {
  it('takes the limit from SWITCHBOARD_MAX_SESSIONS_PER_AGENT (default 8); an invalid value names the variable', () => {
    expect(loadConfig({}).limits.maxSessionsPerAgent).toBe(8);
    expect(loadConfig({ SWITCHBOARD_MAX_SESSIONS_PER_AGENT: '3' }).limits.maxSessionsPerAgent).toBe(3);
    for (const bad of ['0', 'many', '2.5']) {
      expect(() => loadConfig({ SWITCHBOARD_MAX_SESSIONS_PER_AGENT: bad })).toThrow(
        /SWITCHBOARD_MAX_SESSIONS_PER_AGENT/,
      );
    }
  });

  it('admits the limit under one name; one more is refused naming the limit, and the refusal changes nothing', async () => {
    const h = await harness({ serve: true, limits: { maxSessionsPerAgent: 2 } });
    try {
      await seed(h.deps);
      const a1 = await connect(h.url, { agent: 'alice' });
      const a2 = await connect(h.url, { agent: 'alice' });
      expect(codeOf(await a2.call('teammate_whoami'))).toBeNull();
      const anon = await connect(h.url);
      const before = await snapshot(h.opened.db);
      const sessionRows = () => countRows(h.opened.db, 'sessions');
      const rowsBefore = await sessionRows();
      const register = () => h.sb.guards.sessions.get('default/alice')?.size;
      expect(register()).toBe(2);

      const third = await fetch(`${h.url}/mcp?agent=alice`, {
        method: 'POST',
        headers: MCP_HEADERS,
        body: JSON.stringify(initializeBody()),
      });
      expect(third.status).toBe(429);
      const message = (await rpcBody(third)).error.message as string;
      expect(message).toMatch(
        /alice already has 2 live sessions \(security-test 1\.0\.0 ×2\); the limit is 2 per agent/,
      );
      expect(message).toMatch(/Close one first: .*DELETE \/mcp/);
      // teammate_join as alice on another session is refused the same way, before it writes.
      const join = await anon.call('teammate_join', { name: 'alice', role: 'impostor' });
      expect(codeOf(join)).toBe('rate_limited');
      expect(join.data.error.details).toMatchObject({ limit: 2, sessions: 2 });
      expect(codeOf(await anon.call('teammate_whoami'))).toBe('unauthorized');

      expect(await snapshot(h.opened.db)).toBe(before);
      expect(await sessionRows()).toBe(rowsBefore);
      expect(h.sb.mcp.sessions.size).toBe(3);
      expect(register()).toBe(2);
      // Another name is not affected, and the JSON API (no session) is not limited.
      expect(codeOf(await anon.call('teammate_join', { name: 'carol' }))).toBeNull();
      const api = await h.request('/api/v1/join', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'alice' }),
      });
      expect(api.status).toBe(200);

      await a1.close();
      const a3 = await connect(h.url, { agent: 'alice' });
      expect((await a3.call('teammate_whoami')).data.name).toBe('alice');
      for (const c of [a2, a3, anon]) await c.close();
    } finally {
      await h.close();
    }
  });

  it('at the limit, departed sessions make room: a lost stream at once, a quiet client after the live time', async () => {
    const h = await harness({ serve: true, fakeClock: true, limits: { maxSessionsPerAgent: 1 } });
    try {
      await seed(h.deps);
      // A client that keeps a GET stream and loses it (exits without DELETE) has departed.
      const first = await connect(h.url, { agent: 'alice' });
      const firstId = first.transport.sessionId as string;
      for (let i = 0; i < 200 && !h.sb.mcp.sessions.get(firstId)?.hadStream; i++) {
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(h.sb.mcp.sessions.get(firstId)?.hadStream).toBe(true);
      await first.client.close();
      for (let i = 0; i < 200 && (h.sb.mcp.sessions.get(firstId)?.open ?? 0) > 0; i++) {
        await new Promise((r) => setTimeout(r, 5));
      }
      const second = await connect(h.url, { agent: 'alice' });
      expect(h.sb.mcp.sessions.has(firstId)).toBe(false);

      // A client without a GET stream is live while it is active, then counts as departed.
      await second.close();
      const init = await fetch(`${h.url}/mcp?agent=alice`, {
        method: 'POST',
        headers: MCP_HEADERS,
        body: JSON.stringify(initializeBody()),
      });
      expect(init.status).toBe(200);
      const quietId = init.headers.get('mcp-session-id') as string;
      const over = await fetch(`${h.url}/mcp?agent=alice`, {
        method: 'POST',
        headers: MCP_HEADERS,
        body: JSON.stringify(initializeBody()),
      });
      expect(over.status).toBe(429);
      h.clock.now += 30_001;
      const taker = await connect(h.url, { agent: 'alice' });
      expect(h.sb.mcp.sessions.has(quietId)).toBe(false);
      const stale = await fetch(`${h.url}/mcp?agent=alice`, {
        method: 'POST',
        headers: { ...MCP_HEADERS, 'mcp-session-id': quietId },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
      });
      expect(stale.status).toBe(404);
      await taker.close();
    } finally {
      await h.close();
    }
  });
});
