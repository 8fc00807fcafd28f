/**
 * End-to-end over real HTTP with real MCP SDK clients: a lead, a backend agent and a reviewer
 * coordinate a piece of work from start to finish; offline mail; restart; a claim race.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type AgentClient, connectAgent, startServer, type TestServer, textOf } from '../helpers/server.js';

let server: TestServer | undefined;
const clients: AgentClient[] = [];

async function agent(name: string, extra: { team?: string } = {}): Promise<AgentClient> {
  const c = await connectAgent(server as TestServer, { agent: name, ...extra });
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
  await server?.destroy();
  server = undefined;
});

describe('a lead, a backend agent and a reviewer ship a change through Switchboard', () => {
  it('runs the whole lifecycle with messages, hand-off and two review rounds', async () => {
    server = await startServer();
    const lead = await agent('lead');
    const backend = await agent('backend');
    const reviewer = await agent('rita');
    const helper = await agent('helper');
    await lead.call('teammate_set_summary', { summary: 'planning the auth work', role: 'lead' });
    await reviewer.call('teammate_set_summary', { summary: 'reviewing', role: 'reviewer' });

    // The lead plans two tasks; the API work depends on the schema.
    const schema = (await lead.call('task_create', { title: 'Design the auth schema', labels: ['backend'] })).data;
    const api = (
      await lead.call('task_create', {
        title: 'Build the login API',
        description: 'POST /login returning a session cookie',
        labels: ['backend'],
        priority: 'high',
        dependsOn: [schema.number],
      })
    ).data;
    expect(api.blocked).toBe(true);
    expect(api.blockedBy.map((b: { number: number }) => b.number)).toEqual([schema.number]);

    // The blocked task cannot be claimed; the error names the blocker.
    const blocked = await backend.fail('task_claim', { task: api.id });
    expect(textOf(blocked)).toContain(`blocked by #${schema.number}`);

    // "Claim next" picks the ready schema task.
    const claimed = (await backend.call('task_claim', { labels: ['backend'] })).data;
    expect(claimed).toMatchObject({ id: schema.id, status: 'in_progress', owner: 'backend' });

    // They talk: a question and an answer in the direct thread.
    const q = (
      await backend.call('teammate_send_message', { to: 'lead', message: 'UUID or ULID ids?', kind: 'question' })
    ).data;
    const leadInbox = await lead.call('teammate_check_messages');
    expect(textOf(leadInbox)).toContain('From backend');
    expect(textOf(leadInbox)).toContain('> UUID or ULID ids?');
    await lead.call('teammate_send_message', { replyTo: q.message.id, message: 'ULID, sortable.', kind: 'answer' });
    const backendInbox = (await backend.call('teammate_check_messages')).data;
    expect(backendInbox.messages.map((m: { body: string }) => m.body)).toContain('ULID, sortable.');
    expect(backendInbox.messages.find((m: { body: string }) => m.body === 'ULID, sortable.').threadId).toBe(
      q.message.threadId,
    );

    // Backend finishes the schema; the API task becomes ready and its readiness is announced.
    await backend.call('task_update', { task: schema.id, note: 'tables drafted' });
    await backend.call('task_complete', { task: schema.id, result: 'migration 0002 added' });
    const listed = (await helper.call('task_list', { ready: true })).data;
    expect(listed.tasks.map((t: { id: string }) => t.id)).toEqual([api.id]);
    const helperMail = (await helper.call('teammate_check_messages')).data;
    expect(
      helperMail.messages.some((m: { body: string }) => m.body.includes(`#${api.number}`) && m.body.includes('ready')),
    ).toBe(true);

    // Backend claims the API task, then hands it off to helper, who accepts.
    await backend.call('task_claim', { task: api.number });
    await backend.call('task_handoff', {
      task: api.id,
      to: 'helper',
      note: 'Routes stubbed in src/auth.ts; tests left.',
    });
    const offer = (await helper.call('teammate_check_messages')).data;
    expect(
      offer.messages.some((m: { kind: string; body: string }) => m.kind === 'handoff' && m.body.includes('tests left')),
    ).toBe(true);
    const accepted = (await helper.call('task_respond_handoff', { task: api.id, accept: true })).data;
    expect(accepted.owner).toBe('helper');

    // Helper asks the reviewer role; the reviewer requests changes; helper fixes; reviewer approves.
    const review1 = (
      await helper.call('review_request', { task: api.id, reviewer: 'role:reviewer', note: 'please check' })
    ).data;
    expect(review1.reviewerRole).toBe('reviewer');
    const own = await helper.fail('review_submit', { review: review1.id, verdict: 'approved' });
    expect(textOf(own)).toContain('cannot review');
    const queue = (await reviewer.call('review_list', { mine: true })).data;
    expect(queue.reviews.map((r: { id: string }) => r.id)).toEqual([review1.id]);
    const changes = (
      await reviewer.call('review_submit', {
        review: review1.id,
        verdict: 'changes_requested',
        comments: 'Add rate limiting.',
      })
    ).data;
    expect(changes.task).toMatchObject({ status: 'in_progress', owner: 'helper' });
    const fixMail = (await helper.call('teammate_check_messages')).data;
    expect(fixMail.messages.some((m: { body: string }) => m.body.includes('Add rate limiting.'))).toBe(true);

    await helper.call('task_update', { task: api.id, note: 'rate limiting added' });
    const review2 = (await helper.call('review_request', { task: api.id, reviewer: 'rita' })).data;
    const approved = (
      await reviewer.call('review_submit', { review: review2.id, verdict: 'approved', comments: 'LGTM' })
    ).data;
    expect(approved.task.status).toBe('done');

    // The lead sees it done with the full history.
    const detail = (await lead.call('task_get', { task: api.id })).data;
    expect(detail.task.status).toBe('done');
    expect(detail.events.map((e: { type: string }) => e.type)).toEqual([
      'created',
      'unblocked',
      'claimed',
      'handoff_offered',
      'handoff_accepted',
      'review_requested',
      'review_submitted',
      'status_changed',
      'progress',
      'review_requested',
      'review_submitted',
      'status_changed',
    ]);
    expect(detail.reviews.map((r: { status: string }) => r.status)).toEqual(['changes_requested', 'approved']);
    const leadMail = (await lead.call('teammate_check_messages')).data;
    expect(leadMail.messages.some((m: { body: string }) => m.body.includes('approved'))).toBe(true);
  });
});

describe('delivery to offline teammates and durability', () => {
  it('queues mail for an offline teammate and delivers it when they connect', async () => {
    server = await startServer();
    const alice = await agent('alice');
    // bob exists (joined once) but has no live session.
    const bobOnce = await connectAgent(server, { agent: 'bob' });
    await bobOnce.close();
    const sent = (await alice.call('teammate_send_message', { to: 'bob', message: 'are you there?' })).data;
    expect(sent.recipients).toEqual([expect.objectContaining({ name: 'bob', queued: true })]);
    const aliceAfter = await alice.call('teammate_whoami');
    expect(aliceAfter.data.unread).toBe(0);
    expect(textOf(aliceAfter)).not.toContain('teammate_check_messages');

    const bob = await agent('bob');
    const inbox = (await bob.call('teammate_check_messages')).data;
    expect(inbox.messages.map((m: { body: string; from: string }) => [m.from, m.body])).toEqual([
      ['alice', 'are you there?'],
    ]);
  });

  it('keeps teams, mail, tasks and history across a server restart on the same data directory', async () => {
    server = await startServer();
    const dataDir = server.dataDir;
    const alice = await agent('alice');
    await agent('bob');
    await alice.call('teammate_send_message', { to: 'bob', message: 'survive this' });
    const task = (await alice.call('task_create', { title: 'Persist me' })).data;
    await alice.call('task_claim', { task: task.id });
    for (const c of clients.splice(0)) await c.close();
    await server.stop();

    server = await startServer({ dataDir });
    const bob = await agent('bob');
    const inbox = (await bob.call('teammate_check_messages')).data;
    expect(inbox.messages.map((m: { body: string }) => m.body)).toEqual(['survive this']);
    const detail = (await bob.call('task_get', { task: task.number })).data;
    expect(detail.task).toMatchObject({ title: 'Persist me', status: 'in_progress', owner: 'alice' });
    expect(detail.events.map((e: { type: string }) => e.type)).toEqual(['created', 'claimed']);
  });
});

describe('claim races', () => {
  it('gives a task to exactly one of 20 concurrent clients; the rest get a conflict naming the holder', async () => {
    server = await startServer();
    const lead = await agent('lead');
    const task = (await lead.call('task_create', { title: 'Only one may hold this' })).data;
    const racers = await Promise.all(Array.from({ length: 20 }, (_, i) => agent(`racer-${i}`)));
    const results = await Promise.all(racers.map((r) => r.raw('task_claim', { task: task.id })));
    const winners = results.filter((r) => !r.isError);
    const losers = results.filter((r) => r.isError);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(19);
    const owner = (winners[0]!.data as { owner: string }).owner;
    for (const l of losers) {
      expect((l.data as { error: { code: string; details: { holder: string } } }).error).toMatchObject({
        code: 'conflict',
        details: { holder: owner },
      });
    }
    const detail = (await lead.call('task_get', { task: task.id })).data;
    expect(detail.events.filter((e: { type: string }) => e.type === 'claimed')).toHaveLength(1);
  });
});
