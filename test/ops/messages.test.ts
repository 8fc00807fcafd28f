import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { joinTeam, setSummary } from '../../server/ops/agents.js';
import {
  ackMessages,
  broadcast,
  checkMessages,
  readThread,
  sendMessage,
  unreadCount,
} from '../../server/ops/messages.js';
import { listTeammates, whoami } from '../../server/ops/presence.js';
import { endSession, setSessionPushPaused } from '../../server/ops/sessions.js';
import { createWorld, rejects, type TestWorld } from '../helpers/ctx.js';

let w: TestWorld;
beforeEach(async () => {
  w = await createWorld({ maxBodyChars: 1000, maxRecipients: 3 });
});
afterEach(async () => {
  await w.close();
});

describe('joining and the roster', () => {
  it('creates the agent (and a new team) on join, and updates fields on rejoin', async () => {
    const first = await joinTeam(w.as(null), { name: 'Alice', team: 'web', role: 'lead' });
    expect(first.created).toBe(true);
    expect(first.agent).toMatchObject({ name: 'alice', team: 'web', role: 'lead', kind: 'other' });
    const again = await joinTeam(w.as(null), { name: 'alice', team: 'web', summary: 'planning' });
    expect(again.created).toBe(false);
    expect(again.agent).toMatchObject({ id: first.agent.id, role: 'lead', summary: 'planning' });
  });

  it('refuses bad names and joining as someone else on a bound connection', async () => {
    await rejects(joinTeam(w.as(null), { name: '-bad' }), 'invalid', /name/);
    await rejects(joinTeam(w.as(null), { name: 'x'.repeat(41) }), 'invalid');
    const alice = await w.agent('alice');
    await rejects(joinTeam(w.as(alice), { name: 'bob' }), 'conflict', /already alice/);
  });

  it('derives presence from sessions and activity, online first', async () => {
    const alice = await w.agent('alice');
    const bob = await w.agent('bob');
    await w.opened.db
      .insertInto('sessions')
      .values({
        id: 's1',
        team_id: alice.teamId,
        agent_id: bob.id,
        transport: 'http',
        started_at: w.clock.now,
        last_seen_at: w.clock.now,
      })
      .execute();
    w.tick(2 * 60_000);
    const roster = await listTeammates(w.as(alice), {});
    expect(roster.map((t) => [t.name, t.presence, t.reachable])).toEqual([
      ['bob', 'online', 'wait'],
      ['alice', 'offline', 'poll'],
    ]);
    w.tick(10 * 60_000);
    const later = await listTeammates(w.as(alice), { includeOffline: false });
    expect(later.map((t) => [t.name, t.presence])).toEqual([['bob', 'idle']]);
  });

  it('says push is paused while a live session of the agent has not read its stream', async () => {
    const alice = await w.agent('alice');
    const bob = await w.agent('bob');
    const base = { team_id: alice.teamId, agent_id: bob.id, transport: 'http', started_at: 0, last_seen_at: 0 };
    await w.opened.db
      .insertInto('sessions')
      .values([
        { ...base, id: 's1' },
        { ...base, id: 's2' },
      ])
      .execute();
    const paused = async () =>
      Object.fromEntries((await listTeammates(w.as(alice), {})).map((t) => [t.name, t.pushPaused]));
    expect(await paused()).toEqual({ alice: false, bob: false });
    await setSessionPushPaused(w.as(null), 's2', true);
    expect(await paused()).toEqual({ alice: false, bob: true });
    expect(await whoami(w.as(bob))).toMatchObject({ pushPaused: true, sessions: 2 });
    // It is said of live sessions only, and goes when the stream is read again.
    await endSession(w.as(null), 's2');
    expect((await whoami(w.as(bob))).pushPaused).toBe(false);
    await setSessionPushPaused(w.as(null), 's1', true);
    expect((await whoami(w.as(bob))).pushPaused).toBe(true);
    await setSessionPushPaused(w.as(null), 's1', false);
    expect((await whoami(w.as(bob))).pushPaused).toBe(false);
  });

  it('sets the summary and role, and whoami reports unread mail', async () => {
    const alice = await w.agent('alice');
    const bob = await w.agent('bob');
    const updated = await setSummary(w.as(alice), { summary: 'writing tests', role: 'qa' });
    expect(updated).toMatchObject({ summary: 'writing tests', role: 'qa' });
    await sendMessage(w.as(bob), { to: 'alice', message: 'hi' });
    expect(await whoami(w.as(alice))).toMatchObject({ name: 'alice', unread: 1 });
  });
});

describe('sending', () => {
  it('addresses names, roles and the whole team, never the sender', async () => {
    const alice = await w.agent('alice');
    await w.agent('bob', { role: 'reviewer' });
    await w.agent('carol', { role: 'reviewer' });
    const byRole = await sendMessage(w.as(alice), { to: 'role:reviewer', message: 'review please' });
    expect(byRole.recipients.map((r) => r.name)).toEqual(['bob', 'carol']);
    const all = await broadcast(w.as(alice), { message: 'standup' });
    expect(all.recipients.map((r) => r.name)).toEqual(['bob', 'carol']);
    expect(all.message.to).toEqual(['*']);
    const list = await sendMessage(w.as(alice), { to: ['bob', '@carol'], message: 'both' });
    expect(list.recipients.map((r) => r.name)).toEqual(['bob', 'carol']);
  });

  it('puts two agents in one direct thread and a multi-recipient send in a new topic thread', async () => {
    const alice = await w.agent('alice');
    const bob = await w.agent('bob');
    await w.agent('carol');
    const a = await sendMessage(w.as(alice), { to: 'bob', message: '1' });
    const b = await sendMessage(w.as(bob), { to: 'alice', message: '2' });
    expect(b.message.threadId).toBe(a.message.threadId);
    const c = await sendMessage(w.as(alice), { to: ['bob', 'carol'], message: '3', subject: 'plan' });
    expect(c.message.threadId).not.toBe(a.message.threadId);
    const reply = await sendMessage(w.as(bob), { replyTo: c.message.id, message: 'ok' });
    expect(reply.message.threadId).toBe(c.message.threadId);
    expect(reply.recipients.map((r) => r.name)).toEqual(['alice', 'carol']);
  });

  it('rejects unknown names with close matches, and changes nothing', async () => {
    const alice = await w.agent('alice');
    await w.agent('backend');
    const err = await rejects(
      sendMessage(w.as(alice), { to: ['backend', 'bakend'], message: 'x' }),
      'not_found',
      /Did you mean "backend"/,
    );
    expect(err.details.suggestions).toEqual(['backend']);
    await rejects(sendMessage(w.as(alice), { to: 'role:nobody', message: 'x' }), 'not_found', /no teammate has role/);
    await rejects(sendMessage(w.as(alice), { to: 'alice', message: 'x' }), 'invalid', /yourself/);
    await rejects(sendMessage(w.as(alice), { message: 'x' }), 'invalid', /who the message is for/);
    const count = await w.opened.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it('enforces the body size and recipient limits with messages that name the limit', async () => {
    const alice = await w.agent('alice');
    for (const n of ['b', 'c', 'd', 'e']) await w.agent(n);
    await rejects(sendMessage(w.as(alice), { to: 'b', message: 'x'.repeat(1001) }), 'too_large', /limit is 1000/);
    await rejects(sendMessage(w.as(alice), { to: '*', message: 'x' }), 'too_large', /limit is 3/);
    const ok = await sendMessage(w.as(alice), { to: 'b', message: 'x'.repeat(1000) });
    expect(ok.message.body).toHaveLength(1000);
  });

  it('returns the first message for a repeated idempotency key', async () => {
    const alice = await w.agent('alice');
    await w.agent('bob');
    const a = await sendMessage(w.as(alice), { to: 'bob', message: 'once', idempotencyKey: 'k1' });
    const b = await sendMessage(w.as(alice), { to: 'bob', message: 'once', idempotencyKey: 'k1' });
    expect(b.duplicate).toBe(true);
    expect(b.message.id).toBe(a.message.id);
    const bob = await w.agent('bob');
    expect(await unreadCount(w.as(bob), bob.id)).toBe(1);
  });

  it("accepts Claude Flow's argument names and refuses a fromId or teamName that is not the caller", async () => {
    const alice = await w.agent('alice');
    await w.agent('bob');
    const r = await sendMessage(w.as(alice), {
      toId: 'bob',
      payload: { step: 2 },
      type: 'request',
      priority: 'high',
      fromId: 'alice',
      teamName: 'default',
    });
    expect(r.message).toMatchObject({ kind: 'question', priority: 'high' });
    expect(r.message.body).toContain('"step": 2');
    await rejects(sendMessage(w.as(alice), { toId: 'bob', payload: 'x', fromId: 'bob' }), 'forbidden', /not you/);
    await rejects(
      sendMessage(w.as(alice), { toId: 'bob', payload: 'x', teamName: 'other' }),
      'forbidden',
      /not your team/,
    );
  });

  it('requires an identity', async () => {
    await rejects(sendMessage(w.as(null), { to: 'bob', message: 'x' }), 'unauthorized', /teammate_join/);
  });

  it('announces a stored message on the bus after commit, not on failure', async () => {
    const alice = await w.agent('alice');
    const bob = await w.agent('bob');
    w.events.length = 0;
    await sendMessage(w.as(alice), { to: 'bob', message: 'x' });
    expect(w.events).toEqual([expect.objectContaining({ type: 'message.created', recipientIds: [bob.id] })]);
    w.events.length = 0;
    await rejects(sendMessage(w.as(alice), { to: 'nobody', message: 'x' }), 'not_found');
    expect(w.events).toEqual([]);
  });
});

describe('the inbox', () => {
  it('returns unread mail oldest first, marks it read, and deletes nothing', async () => {
    const alice = await w.agent('alice');
    const bob = await w.agent('bob');
    await sendMessage(w.as(alice), { to: 'bob', message: 'first' });
    w.tick(1000);
    await sendMessage(w.as(alice), { to: 'bob', message: 'second' });
    const peek = await checkMessages(w.as(bob), { markRead: false });
    expect(peek.messages.map((m) => m.body)).toEqual(['first', 'second']);
    expect(peek.messages[0]?.readAt).toBeNull();
    const read = await checkMessages(w.as(bob), {});
    expect(read.messages.map((m) => m.body)).toEqual(['first', 'second']);
    expect(read.messages[0]?.readAt).not.toBeNull();
    expect((await checkMessages(w.as(bob), {})).messages).toEqual([]);
    const history = await checkMessages(w.as(bob), { unreadOnly: false });
    expect(history.messages.map((m) => m.body)).toEqual(['second', 'first']);
  });

  it('pages unread mail with limit and reports what is left', async () => {
    const alice = await w.agent('alice');
    const bob = await w.agent('bob');
    for (let i = 0; i < 5; i++) await sendMessage(w.as(alice), { to: 'bob', message: `m${i}` });
    const r = await checkMessages(w.as(bob), { limit: 2 });
    expect(r.messages.map((m) => m.body)).toEqual(['m0', 'm1']);
    expect(r.unread).toBe(3);
  });

  it('acks only mail addressed to the caller, all or nothing', async () => {
    const alice = await w.agent('alice');
    const bob = await w.agent('bob');
    const carol = await w.agent('carol');
    const m1 = await sendMessage(w.as(alice), { to: 'bob', message: 'do it', ackRequired: true });
    const m2 = await sendMessage(w.as(alice), { to: 'carol', message: 'not for bob' });
    await rejects(ackMessages(w.as(bob), { ids: [m1.message.id, m2.message.id] }), 'not_found', /not in your inbox/);
    expect((await checkMessages(w.as(bob), { markRead: false })).messages[0]?.ackedAt).toBeNull();
    await ackMessages(w.as(bob), { ids: m1.message.id });
    const after = await checkMessages(w.as(bob), { unreadOnly: false });
    expect(after.messages[0]?.ackedAt).not.toBeNull();
    await rejects(ackMessages(w.as(carol), { ids: m1.message.id }), 'not_found');
  });
});

describe('threads', () => {
  it('reads a thread oldest first and pages back, changing no delivery state', async () => {
    const alice = await w.agent('alice');
    const bob = await w.agent('bob');
    const first = await sendMessage(w.as(alice), { to: 'bob', message: 'm0' });
    for (let i = 1; i < 5; i++) await sendMessage(w.as(alice), { to: 'bob', message: `m${i}` });
    const view = await readThread(w.as(bob), { thread: first.message.threadId, limit: 3 });
    expect(view.messages.map((m) => m.body)).toEqual(['m2', 'm3', 'm4']);
    expect(view.more).toBe(true);
    const older = await readThread(w.as(bob), {
      thread: first.message.threadId,
      limit: 3,
      before: view.messages[0]?.id,
    });
    expect(older.messages.map((m) => m.body)).toEqual(['m0', 'm1']);
    // Reading a thread is read-only: only check, wait and ack move mail along.
    expect(await unreadCount(w.as(bob), bob.id)).toBe(5);
    const states = await w.opened.db
      .selectFrom('deliveries')
      .select(['delivered_at', 'read_at', 'acked_at'])
      .where('recipient_id', '=', bob.id)
      .execute();
    expect(states).toEqual(Array(5).fill({ delivered_at: null, read_at: null, acked_at: null }));
    expect((await checkMessages(w.as(bob), {})).messages).toHaveLength(5);
  });

  it('keeps direct threads private to their two members and threads inside their team', async () => {
    const alice = await w.agent('alice');
    await w.agent('bob');
    const carol = await w.agent('carol');
    const human = await w.agent('pat', { kind: 'human' });
    const outsider = await w.agent('eve', { team: 'other' });
    const dm = await sendMessage(w.as(alice), { to: 'bob', message: 'secret' });
    await rejects(readThread(w.as(carol), { thread: dm.message.threadId }), 'not_found');
    await rejects(readThread(w.as(outsider), { thread: dm.message.threadId }), 'not_found');
    expect((await readThread(w.as(human), { thread: dm.message.threadId })).messages).toHaveLength(1);
    await rejects(sendMessage(w.as(carol), { thread: dm.message.threadId, message: 'hi' }), 'not_found');
  });
});
