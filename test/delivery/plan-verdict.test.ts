/**
 * A plan verdict reaches the task's owner at once, as a code-review verdict does: pushed on its
 * live session and returned to its waiting call, over real MCP sessions.
 */
import type { Notification } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHANNEL_METHOD } from '../../mcp/push.js';
import { type AgentClient, connectAgent, startServer, type TestServer, textOf } from '../helpers/server.js';

/** Resolves with the first channel notification whose content matches `re`, seen from now on. */
function nextChannel(agent: AgentClient, re: RegExp): Promise<Notification> {
  return new Promise((resolve) => {
    agent.client.fallbackNotificationHandler = async (n) => {
      if (n.method === CHANNEL_METHOD && re.test(String(n.params?.content))) resolve(n);
    };
  });
}

describe('plan verdicts reach the owner', () => {
  let server: TestServer;
  let lead: AgentClient;
  let bob: AgentClient;
  let carol: AgentClient;
  beforeEach(async () => {
    server = await startServer();
    lead = await connectAgent(server, { agent: 'lead' });
    bob = await connectAgent(server, { agent: 'bob' });
    carol = await connectAgent(server, { agent: 'carol' });
    await lead.call('task_create', { title: 'Rate limits', labels: ['needs-plan'] });
    await bob.call('task_claim', { task: '#1' });
  });
  afterEach(async () => {
    for (const c of [lead, bob, carol]) await c.close();
    await server.destroy();
  });

  it('approval: the waiting call returns it and the session is pushed it; the task stays with the owner', async () => {
    const asked = await bob.call('review_request', {
      task: '#1',
      kind: 'plan',
      reviewer: 'carol',
      note: 'Token bucket per agent in the database.',
    });
    expect(asked.data).toMatchObject({ kind: 'plan', status: 'pending' });
    expect(textOf(asked)).toMatch(/Plan review of #1 "Rate limits" requested from carol; the task stays yours/);
    const pushed = nextChannel(bob, /approved the plan/);
    const waiting = bob.call('teammate_wait_for_messages', { timeout: 60 });
    await new Promise((r) => setTimeout(r, 50));
    const verdict = await carol.call('review_submit', { review: '#1', verdict: 'approved', comments: 'Go ahead.' });
    expect(textOf(verdict)).toMatch(/Plan approved: #1 "Rate limits" \[in_progress, owner bob, plan approved\]/);

    const channel = await pushed;
    expect(channel.params?.meta).toMatchObject({ from: 'carol' });
    expect(String(channel.params?.content)).toContain('> carol approved the plan for #1 "Rate limits"; go ahead');
    const woke = await waiting;
    const mail = textOf(woke);
    expect(mail).toMatch(/From carol .*review/);
    expect(mail).toContain('> carol approved the plan for #1 "Rate limits"; go ahead with the work');
    expect(mail).toContain('> Go ahead.');

    const got = await bob.call('task_get', { task: '#1' });
    expect(got.data.task).toMatchObject({ status: 'in_progress', owner: 'bob', plan: 'approved' });
    expect(textOf(got)).toMatch(/^#1 "Rate limits" \[in_progress, owner bob, plan approved\]/);
  });

  it('changes requested: pushed with the comments and the way to ask again', async () => {
    await bob.call('review_request', { task: '#1', kind: 'plan', note: 'Cache in memory.' });
    const pushed = nextChannel(bob, /requested changes to the plan/);
    const waiting = bob.call('teammate_wait_for_messages', { timeout: 60 });
    await new Promise((r) => setTimeout(r, 50));
    const verdict = await carol.call('review_submit', {
      review: '#1',
      verdict: 'changes_requested',
      comments: 'Several servers share one database; keep it there.',
    });
    expect(textOf(verdict)).toMatch(
      /Changes requested on the plan: .*plan: changes requested\]; bob has your comments/,
    );
    const content = String((await pushed).params?.content);
    expect(content).toContain('review_request {task: "#1", kind: "plan", note}');
    expect(content).toContain('> Several servers share one database; keep it there.');
    const woke = await waiting;
    expect(woke.data.timedOut).toBe(false);
    const got = await bob.call('task_get', { task: '#1' });
    expect(got.data.task).toMatchObject({ status: 'in_progress', owner: 'bob', plan: 'changes_requested' });
  });

  it('task_get shows the pending plan, quoted as the owner’s words, and who reviews it', async () => {
    await bob.call('review_request', { task: '#1', kind: 'plan', reviewer: 'carol', note: 'Step one.\nStep two.' });
    const view = textOf(await carol.call('task_get', { task: '#1' }));
    expect(view).toMatch(/^#1 "Rate limits" \[in_progress, owner bob, plan pending\]/);
    expect(view).toContain('Plan (by bob; their words):\n> Step one.\n> Step two.');
    expect(view).toContain('Plan review pending (reviewer carol): submit with review_submit {review: "#1", verdict}');
    expect(textOf(await carol.call('teammate_whoami'))).toContain(
      'Reviews you may submit: the plan for #1 "Rate limits" asked by bob',
    );
    const code = await bob.fail('review_request', { task: '#1' });
    expect(textOf(code)).toMatch(/Error \(conflict\): the plan review of #1 "Rate limits" is still pending/);
  });
});
