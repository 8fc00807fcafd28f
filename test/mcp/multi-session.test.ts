/**
 * One agent, several live MCP sessions (local mode, named in the URL or by teammate_join):
 * sessions opened in parallel, a client that reconnects before its old stream is gone, pushes
 * and waits on any session, the one-time "others use this name" notice, and the roster's
 * session counts and clients. The limit on sessions per agent is in test/security/limits.test.ts.
 */
import type { Notification } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHANNEL_METHOD } from '../../mcp/push.js';
import { baseCtx } from '../../server/identity.js';
import { mintToken } from '../../server/ops/tokens.js';
import { type AgentClient, connectAgent, startServer, type TestServer, textOf } from '../helpers/server.js';

/** Records the channel notifications a client receives; `next(id)` resolves with the one for message `id`. */
function channelPushes(agent: AgentClient) {
  const seen: Notification[] = [];
  const waiters: (() => void)[] = [];
  agent.client.fallbackNotificationHandler = async (n) => {
    seen.push(n);
    for (const w of waiters.splice(0)) w();
  };
  const next = (id: string): Promise<Notification> =>
    new Promise((resolve) => {
      const check = () => {
        const n = seen.find((x) => x.method === CHANNEL_METHOD && (x.params?.meta as any)?.message_id === id);
        if (n) resolve(n);
        else waiters.push(check);
      };
      check();
    });
  return { next };
}

const SHARED = /sessions are connected as/;

describe('several live sessions of one agent', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer({ sessionGraceMs: 200 });
  });
  afterEach(async () => {
    await server.destroy();
  });

  it('two sessions opened in parallel under one name both work, and both get a push of mail to that name', async () => {
    const [a1, a2] = await Promise.all([
      connectAgent(server, { agent: 'alice', clientName: 'claude-code', clientVersion: '2.1.3' }),
      connectAgent(server, { agent: 'alice', clientName: 'codex', clientVersion: '0.169.0' }),
    ]);
    expect(a1.transport.sessionId).not.toBe(a2.transport.sessionId);
    const pushes = [channelPushes(a1), channelPushes(a2)];
    const [w1, w2] = await Promise.all([a1.call('teammate_whoami'), a2.call('teammate_whoami')]);
    expect(w1.data.name).toBe('alice');
    expect(w2.data.id).toBe(w1.data.id);

    const bob = await connectAgent(server, { agent: 'bob' });
    const sent = await bob.call('teammate_send_message', { to: 'alice', message: 'both windows see this' });
    expect(textOf(sent)).toContain('Sent to alice (connected: told now)');
    const id = sent.data.message.id as string;
    const pushed = await Promise.all(pushes.map((p) => p.next(id)));
    expect(pushed.map((n) => n.params?.content)).toEqual([
      expect.stringContaining('> both windows see this'),
      expect.stringContaining('> both windows see this'),
    ]);

    // The mailbox is shared: read on one session, then a waiting call on the other gets the next mail.
    expect(textOf(await a1.call('teammate_check_messages'))).toContain('> both windows see this');
    const waiting = a2.call('teammate_wait_for_messages', { timeout: 30 });
    await new Promise((r) => setTimeout(r, 50));
    await bob.call('teammate_send_message', { to: 'alice', message: 'second note' });
    const woke = await waiting;
    expect(textOf(woke)).toContain('> second note');
    expect(textOf(woke)).not.toContain('both windows');
    for (const c of [a1, a2, bob]) await c.close();
  });

  it('a client that reconnects before its old stream has timed out works at once; the old session goes later', async () => {
    const old = await connectAgent(server, { agent: 'alice' });
    const oldId = old.transport.sessionId as string;
    // The old session has its event stream open: it is live, not departed.
    for (let i = 0; i < 200 && !server.sb.mcp.sessions.get(oldId)?.hadStream; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(server.sb.mcp.sessions.get(oldId)?.open).toBeGreaterThan(0);

    const fresh = await connectAgent(server, { agent: 'alice' });
    const who = await fresh.call('teammate_whoami');
    expect(who.data).toMatchObject({ name: 'alice', sessions: 2, presence: 'online' });
    expect(server.sb.mcp.sessions.has(oldId)).toBe(true);

    // The old client is gone for good (no DELETE): its session closes after the grace period.
    await old.client.close();
    for (let i = 0; i < 200 && (server.sb.mcp.sessions.get(oldId)?.open ?? 0) > 0; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 250));
    expect(await server.sb.mcp.sweep()).toBe(1);
    expect(server.sb.mcp.sessions.has(oldId)).toBe(false);
    const after = await fresh.call('teammate_whoami');
    expect(after.data).toMatchObject({ sessions: 1, presence: 'online' });
    await fresh.close();
  });

  it('tells a session once, in its first result, that others use its name; whoami and the roster count sessions and clients', async () => {
    const first = await connectAgent(server, { agent: 'alice', clientName: 'claude-code', clientVersion: '2.1.3' });
    const alone = await first.call('teammate_whoami');
    expect(textOf(alone)).not.toMatch(SHARED);
    expect(textOf(alone)).toContain('1 session (claude-code 2.1.3)');

    const second = await connectAgent(server, { agent: 'alice', clientName: 'codex', clientVersion: '0.169.0' });
    const notice =
      '2 sessions are connected as alice (claude-code 2.1.3, this one codex 0.169.0); if that is not you, ask your user for another name (?agent=NAME in the Switchboard URL).';
    const r1 = await second.call('teammate_list');
    expect(textOf(r1).startsWith(`${notice}\n\n`)).toBe(true);
    expect(textOf(r1)).toContain('Teammates');
    expect(r1.data.teammates).toHaveLength(1);
    const r2 = await second.call('teammate_list');
    expect(textOf(r2)).not.toMatch(SHARED);
    // The session that was there first is not told.
    expect(textOf(await first.call('teammate_whoami'))).not.toMatch(SHARED);

    const who = await second.call('teammate_whoami');
    expect(who.data).toMatchObject({ sessions: 2, clients: ['claude-code 2.1.3', 'codex 0.169.0'] });
    expect(textOf(who)).toContain('You are alice in team default; 2 sessions (claude-code 2.1.3, codex 0.169.0);');
    expect(textOf(r2)).toContain('- alice [other, online, 2 sessions (claude-code 2.1.3, codex 0.169.0), reach by');
    const api = await fetch(`${server.url}/api/v1/teammates`, { headers: { 'x-switchboard-agent': 'alice' } });
    expect(((await api.json()) as any).teammates[0]).toMatchObject({
      name: 'alice',
      sessions: 2,
      clients: ['claude-code 2.1.3', 'codex 0.169.0'],
    });
    for (const c of [first, second]) await c.close();
  });

  it('a session that joins a name in use hears it in the join result; an error result carries it too, once', async () => {
    const first = await connectAgent(server, { agent: 'alice', clientName: 'claude-code', clientVersion: '2.1.3' });
    const anon = await connectAgent(server, { clientName: 'codex', clientVersion: '0.169.0' });
    const joined = await anon.call('teammate_join', { name: 'alice' });
    expect(textOf(joined)).toMatch(
      /^2 sessions are connected as alice \(claude-code 2\.1\.3, this one codex 0\.169\.0\); if that is not you, open a new session and pick another name with teammate_join\.\n\nYou are alice/,
    );
    expect(textOf(await anon.call('teammate_whoami'))).not.toMatch(SHARED);

    // A URL-named session whose first call fails still hears it, in that error result.
    const third = await connectAgent(server, { agent: 'alice' });
    const failed = await third.fail('task_get', { task: 99 });
    expect(textOf(failed)).toMatch(
      /^3 sessions are connected as alice \(claude-code 2\.1\.3, codex 0\.169\.0, this one/,
    );
    expect(failed.data.error.code).toBe('not_found');
    expect(textOf(await third.fail('task_get', { task: 99 }))).not.toMatch(SHARED);
    for (const c of [first, anon, third]) await c.close();
  });

  it('token sessions are not told (a token proves who they are) but are counted', async () => {
    const { token } = await mintToken(baseCtx(server.deps), { agent: 'bob' });
    const b1 = await connectAgent(server, { token });
    const b2 = await connectAgent(server, { token });
    const r = await b2.call('teammate_whoami');
    expect(textOf(r)).not.toMatch(SHARED);
    expect(r.data.sessions).toBe(2);
    for (const c of [b1, b2]) await c.close();
  });
});
