import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectAgent, startServer, type TestServer, textOf, withData } from '../helpers/server.js';

type Result = CallToolResult & { data: any };

describe('teammate_wait_for_messages', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.destroy();
  });

  it('returns the moment mail arrives, marked read', async () => {
    const alice = await connectAgent(server, { agent: 'alice' });
    const bob = await connectAgent(server, { agent: 'bob' });
    let settled = false;
    const waiting = bob.call('teammate_wait_for_messages', { timeout: 60 }).finally(() => {
      settled = true;
    });
    // The call is parked on the server, not answered.
    await new Promise((r) => setTimeout(r, 100));
    expect(settled).toBe(false);
    await alice.call('teammate_send_message', { to: 'bob', message: 'wake up' });
    const r = (await waiting) as Result;
    expect(r.data.timedOut).toBe(false);
    expect(r.data.messages.map((m: { body: string }) => m.body)).toEqual(['wake up']);
    expect(textOf(r)).toContain('> wake up');
    expect((await bob.call('teammate_whoami')).data.unread).toBe(0);
    await alice.close();
    await bob.close();
  });

  it('returns empty at its timeout, with progress notifications meanwhile', async () => {
    const bob = await connectAgent(server, { agent: 'bob' });
    const progress: string[] = [];
    const r = withData(
      (await bob.client.callTool({ name: 'teammate_wait_for_messages', arguments: { timeout: 1 } }, undefined, {
        onprogress: (p) => progress.push(p.message ?? ''),
      })) as CallToolResult,
    ) as Result;
    expect(r.isError).toBeFalsy();
    expect(r.data).toMatchObject({ messages: [], timedOut: true });
    expect(r.data.waitedMs).toBeGreaterThanOrEqual(1000);
    expect(textOf(r)).toContain('Nothing new after 1s');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toContain('waiting for messages');
    await bob.close();
  });

  it('returns at once with mail already unread, and can wait on one thread only', async () => {
    const alice = await connectAgent(server, { agent: 'alice' });
    const bob = await connectAgent(server, { agent: 'bob' });
    const carol = await connectAgent(server, { agent: 'carol' });
    const first = await alice.call('teammate_send_message', { to: 'bob', message: 'in the alice thread' });
    const thread = first.data.message.threadId as string;
    const now = (await bob.call('teammate_wait_for_messages', { timeout: 60, markRead: false })) as Result;
    expect(now.data.messages).toHaveLength(1);
    await bob.call('teammate_check_messages');

    const waiting = bob.call('teammate_wait_for_messages', { timeout: 60, thread });
    await carol.call('teammate_send_message', { to: 'bob', message: 'another thread' });
    await alice.call('teammate_send_message', {
      to: 'bob',
      message: 'same thread',
      replyTo: first.data.message.id,
    });
    const r = (await waiting) as Result;
    expect(r.data.messages.map((m: { body: string }) => m.body)).toEqual(['same thread']);
    // Carol's message was left unread.
    expect(r.data.unread).toBe(1);
    for (const c of [alice, bob, carol]) await c.close();
  });

  it('returns when a task the caller holds changes', async () => {
    const alice = await connectAgent(server, { agent: 'alice' });
    const bob = await connectAgent(server, { agent: 'bob' });
    const task = (await alice.call('task_create', { title: 'Port the parser' })).data;
    await bob.call('task_claim', { task: task.id });
    const waiting = bob.call('teammate_wait_for_messages', { timeout: 60 });
    await new Promise((r) => setTimeout(r, 50));
    await alice.call('task_update', { task: task.id, title: 'Port the parser to Rust' });
    const r = (await waiting) as Result;
    expect(r.data.timedOut).toBe(false);
    expect(r.data.taskEvents[0]).toMatchObject({
      task: { id: task.id, title: 'Port the parser to Rust' },
      by: 'alice',
    });
    await alice.close();
    await bob.close();
  });

  it('wakes at once when a teammate creates work it may claim', async () => {
    const alice = await connectAgent(server, { agent: 'alice' });
    const bob = await connectAgent(server, { agent: 'bob' });
    const waiting = bob.call('teammate_wait_for_messages', { timeout: 60 });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const task = (await alice.call('task_create', { title: 'Write the migration' })).data;
    const r = (await waiting) as Result;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(r.data.timedOut).toBe(false);
    expect(r.data.taskEvents).toEqual([
      {
        task: { id: task.id, number: task.number, title: 'Write the migration', status: 'open' },
        event: 'ready to claim',
        cause: 'created',
        by: 'alice',
      },
    ]);
    await alice.close();
    await bob.close();
  });

  it('does not wake for work reserved for someone else, blocked, or without its labels', async () => {
    const alice = await connectAgent(server, { agent: 'alice' });
    const bob = await connectAgent(server, { agent: 'bob' });
    await connectAgent(server, { agent: 'carol' }).then((c) => c.close());
    const waiting = bob.call('teammate_wait_for_messages', { timeout: 1, labels: ['backend'] });
    await new Promise((r) => setTimeout(r, 100));
    await alice.call('task_create', { title: 'For carol', assignee: 'carol', labels: ['backend'] });
    await alice.call('task_create', { title: 'Frontend', labels: ['frontend'] });
    const first = (await alice.call('task_create', { title: 'First' })).data;
    await alice.call('task_create', { title: 'Then backend', labels: ['backend'], dependsOn: [first.id] });
    const r = (await waiting) as Result;
    expect(r.data).toMatchObject({ timedOut: true, taskEvents: [], messages: [] });

    // The blocked task becomes ready when its dependency is done: that wakes a waiter with the label.
    await alice.call('task_claim', { task: first.id });
    const again = bob.call('teammate_wait_for_messages', { timeout: 60, labels: ['backend'] });
    await new Promise((r) => setTimeout(r, 100));
    await alice.call('task_complete', { task: first.id });
    const woke = (await again) as Result;
    expect(woke.data.taskEvents).toEqual([
      expect.objectContaining({ task: expect.objectContaining({ title: 'Then backend' }), cause: 'unblocked' }),
    ]);
    await alice.close();
    await bob.close();
  });

  it('many parked calls all return when their mail arrives', async () => {
    const alice = await connectAgent(server, { agent: 'alice' });
    const names = Array.from({ length: 12 }, (_, i) => `w${i}`);
    const agents = await Promise.all(names.map((agent) => connectAgent(server, { agent })));
    const waits = agents.map((a) => a.call('teammate_wait_for_messages', { timeout: 60 }));
    await new Promise((r) => setTimeout(r, 100));
    await alice.call('teammate_send_message', { to: '*', message: 'all hands' });
    const results = (await Promise.all(waits)) as Result[];
    for (const r of results) expect(r.data.messages[0].body).toBe('all hands');
    for (const c of [alice, ...agents]) await c.close();
  });
});
