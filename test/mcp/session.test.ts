import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectAgent, startServer, type TestServer, textOf } from '../helpers/server.js';

describe('MCP sessions over Streamable HTTP', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.destroy();
  });

  it('binds the agent named in the URL and lists the tools with annotations', async () => {
    const alice = await connectAgent(server, { agent: 'alice' });
    const who = await alice.call('teammate_whoami');
    expect(who.data.name).toBe('alice');
    expect(who.data.team).toBe('default');
    const { tools } = await alice.client.listTools();
    const send = tools.find((t) => t.name === 'teammate_send_message');
    expect(send?.annotations?.readOnlyHint).toBe(false);
    expect(tools.find((t) => t.name === 'teammate_list')?.annotations?.readOnlyHint).toBe(true);
    expect(alice.client.getInstructions()).toContain('teammate_join');
    await alice.close();
  });

  it('requires teammate_join before acting when the URL names nobody, then binds the session', async () => {
    const anon = await connectAgent(server);
    const err = await anon.fail('teammate_whoami');
    expect(textOf(err)).toContain('teammate_join');
    await anon.call('teammate_join', { name: 'bob', role: 'reviewer' });
    const who = await anon.call('teammate_whoami');
    expect(who.data).toMatchObject({ name: 'bob', role: 'reviewer' });
    const again = await anon.fail('teammate_join', { name: 'mallory' });
    expect(textOf(again)).toContain('already bob');
    const roster = await anon.call('teammate_list');
    expect(roster.data.teammates.map((t: { name: string }) => t.name)).toEqual(['bob']);
    await anon.close();
  });

  it('answers 404 for an unknown session id and ends a session on DELETE', async () => {
    const res = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': 'nope',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(404);
    const alice = await connectAgent(server, { agent: 'alice' });
    const id = alice.transport.sessionId as string;
    expect(server.sb.mcp.sessions.has(id)).toBe(true);
    await alice.close();
    expect(server.sb.mcp.sessions.has(id)).toBe(false);
    const row = await server.opened.db
      .selectFrom('sessions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.ended_at).not.toBeNull();
  });

  it('appends an unread notice to every result while mail is unread', async () => {
    const alice = await connectAgent(server, { agent: 'alice' });
    const bob = await connectAgent(server, { agent: 'bob' });
    await alice.call('teammate_send_message', { to: 'bob', message: 'ping' });
    const r = await bob.call('teammate_whoami');
    expect(textOf(r)).toMatch(/1 unread message: call teammate_check_messages/);
    expect(r.data.unread).toBe(1);
    const inbox = await bob.call('teammate_check_messages');
    expect(textOf(inbox)).toContain('From alice');
    expect(textOf(inbox)).toContain('> ping');
    const after = await bob.call('teammate_whoami');
    expect(textOf(after)).not.toContain('unread message');
    await alice.close();
    await bob.close();
  });

  it('closes sessions that vanished without DELETE once idle past the limit, keeping live ones', async () => {
    const s2 = await startServer({ sessionIdleMs: 1000 });
    try {
      const alice = await connectAgent(s2, { agent: 'alice' });
      const bob = await connectAgent(s2, { agent: 'bob' });
      expect(s2.sb.mcp.sessions.size).toBe(2);
      // alice vanishes without DELETE (its streams drop); bob keeps his GET stream open.
      await alice.client.close();
      await new Promise((r) => setTimeout(r, 1200));
      expect(await s2.sb.mcp.sweep()).toBe(1);
      expect([...s2.sb.mcp.sessions.values()].map((s) => s.state.actor?.name)).toEqual(['bob']);
      await bob.close();
    } finally {
      await s2.destroy();
    }
  });
});
