import type { Notification } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHANNEL_METHOD } from '../../mcp/push.js';
import { INBOX_URI } from '../../mcp/resources.js';
import { type AgentClient, connectAgent, startServer, type TestServer, textOf } from '../helpers/server.js';

/** Records every notification a client receives and lets a test wait for one. */
function recordNotifications(agent: AgentClient) {
  const seen: Notification[] = [];
  const waiters: { match: (n: Notification) => boolean; resolve: (n: Notification) => void }[] = [];
  agent.client.fallbackNotificationHandler = async (n) => {
    seen.push(n);
    for (const w of [...waiters]) {
      if (w.match(n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(n);
      }
    }
  };
  const next = (match: (n: Notification) => boolean) =>
    new Promise<Notification>((resolve) => {
      const found = seen.find(match);
      if (found) resolve(found);
      else waiters.push({ match, resolve });
    });
  return { seen, next };
}

/** Waits until `fn` returns something truthy (for effects that land asynchronously). */
async function until<T>(fn: () => Promise<T> | T): Promise<T> {
  for (;;) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('push to live MCP sessions', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.destroy();
  });

  it('declares the claude/channel capability and the inbox resource', async () => {
    const bob = await connectAgent(server, { agent: 'bob' });
    expect(bob.client.getServerCapabilities()?.experimental?.['claude/channel']).toEqual({});
    expect(bob.client.getServerCapabilities()?.resources?.subscribe).toBe(true);
    const { resources } = await bob.client.listResources();
    expect(resources.map((r) => r.uri)).toEqual([INBOX_URI]);
    // A URI the server does not serve is "Resource not found" (-32002), for reads and subscriptions.
    await expect(bob.client.readResource({ uri: 'switchboard://outbox' })).rejects.toMatchObject({
      code: -32002,
      data: { uri: 'switchboard://outbox' },
    });
    await expect(bob.client.subscribeResource({ uri: 'switchboard://outbox' })).rejects.toMatchObject({ code: -32002 });
    await bob.close();
  });

  it('pushes a channel notification, a log notification and an inbox update to every session of the recipient', async () => {
    const alice = await connectAgent(server, { agent: 'alice' });
    // Two live sessions under one name (two windows of one agent, or a reconnect).
    const bob1 = await connectAgent(server, { agent: 'bob' });
    const bob2 = await connectAgent(server, { agent: 'bob' });
    const carol = await connectAgent(server, { agent: 'carol' });
    const n1 = recordNotifications(bob1);
    const n2 = recordNotifications(bob2);
    const nc = recordNotifications(carol);
    await bob1.client.subscribeResource({ uri: INBOX_URI });

    const sent = await alice.call('teammate_send_message', {
      to: 'bob',
      message: 'build is green',
      subject: 'CI',
      ackRequired: true,
    });
    const id = sent.data.message.id as string;

    const channel = await n1.next((n) => n.method === CHANNEL_METHOD);
    expect(channel.params?.meta).toMatchObject({
      from: 'alice',
      message_id: id,
      thread_id: sent.data.message.threadId,
      subject: 'CI',
      ack_required: 'true',
    });
    expect(channel.params?.content).toContain('> build is green');
    const log = await n1.next((n) => n.method === 'notifications/message');
    expect(String(log.params?.data)).toContain(id);
    const updated = await n1.next((n) => n.method === 'notifications/resources/updated');
    expect(updated.params?.uri).toBe(INBOX_URI);

    // The second session of bob is told too, but it did not subscribe to the inbox resource.
    await n2.next((n) => n.method === CHANNEL_METHOD && (n.params?.meta as any)?.message_id === id);
    await n2.next((n) => n.method === 'notifications/message');
    expect(n2.seen.some((n) => n.method === 'notifications/resources/updated')).toBe(false);

    // Reading the subscribed resource shows the mail without marking it read.
    const inbox = await bob1.client.readResource({ uri: INBOX_URI });
    expect((inbox.contents[0] as { text: string }).text).toContain('> build is green');
    const who = await bob1.call('teammate_whoami');
    expect(who.data.unread).toBe(1);

    // Pushed mail is delivered (handed to a live session), not read.
    const row = await until(() =>
      server.opened.db
        .selectFrom('deliveries')
        .selectAll()
        .where('message_id', '=', id)
        .where('delivered_at', 'is not', null)
        .executeTakeFirst(),
    );
    expect(row?.read_at).toBeNull();
    // Nobody else was told.
    expect(nc.seen.filter((n) => n.method === CHANNEL_METHOD)).toEqual([]);
    for (const c of [alice, bob1, bob2, carol]) await c.close();
  });

  it('tells a session about a message id once, however often it is announced', async () => {
    const alice = await connectAgent(server, { agent: 'alice' });
    const bob = await connectAgent(server, { agent: 'bob' });
    const n = recordNotifications(bob);
    const sent = await alice.call('teammate_send_message', { to: 'bob', message: 'once' });
    const m = sent.data.message;
    await n.next((x) => x.method === CHANNEL_METHOD);
    const again = {
      type: 'message.created' as const,
      teamId: '00000000000000000000000000',
      messageId: m.id,
      threadId: m.threadId,
      senderId: 'x',
      recipientIds: [...server.sb.mcp.sessions.values()].map((s) => s.state.actor?.id as string),
    };
    server.deps.bus.emit(again);
    server.deps.bus.emit(again);
    // A later, different message proves the repeats had their chance to arrive first.
    await alice.call('teammate_send_message', { to: 'bob', message: 'twice' });
    await n.next((x) => x.method === CHANNEL_METHOD && String(x.params?.content).includes('twice'));
    const channels = n.seen.filter((x) => x.method === CHANNEL_METHOD);
    expect(channels.map((x) => (x.params as any).meta.message_id)).toEqual([m.id, expect.any(String)]);
    expect(textOf(await bob.call('teammate_check_messages'))).toContain('> once');
    await alice.close();
    await bob.close();
  });
});
