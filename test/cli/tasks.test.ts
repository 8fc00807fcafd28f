import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { joinOverApi, startServer, type TestServer } from '../helpers/server.js';

// Every step spawns the real CLI (about 0.3 s each, more on a busy machine): a generous timeout.
describe('switchboard CLI: tasks and reviews', { timeout: 120_000 }, () => {
  // Each test gets its own server and database, with lead, backend and rita (role reviewer) joined.
  let server: TestServer;
  let as: (agent: string, args: string[], input?: string) => ReturnType<typeof runCli>;
  beforeEach(async () => {
    server = await startServer();
    as = (agent, args, input) =>
      runCli([...args, '--agent', agent], {
        env: { SWITCHBOARD_URL: server.url },
        ...(input !== undefined && { input }),
      });
    await joinOverApi(server, [
      ['lead', 'lead'],
      ['backend', 'backend'],
      ['rita', 'reviewer'],
    ]);
  });
  afterEach(async () => {
    await server.destroy();
  });

  it('creates, lists, claims the best ready task, and explains a lost or blocked claim', async () => {
    const first = await as('lead', [
      'task',
      'create',
      'Add rate limiting',
      '-d',
      '429 with Retry-After',
      '--priority',
      'high',
      '--label',
      'backend,api',
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe('Created #1 Add rate limiting [open, unclaimed, high]  labels: api, backend');
    const second = await as('lead', ['task', 'create', 'Document it', '--depends-on', '#1', '--json']);
    expect(second.json()).toMatchObject({ number: 2, blocked: true, blockedBy: [{ number: 1 }] });
    const piped = await as('lead', ['task', 'create', 'Spec', '-d', '-', '--json'], '# Spec\n\nfrom stdin\n');
    expect(piped.json().description).toBe('# Spec\n\nfrom stdin');

    const ready = await as('backend', ['task', 'list', '--ready', '--json']);
    expect(ready.json().tasks.map((t: any) => t.number)).toEqual([1, 3]);
    const listed = await as('backend', ['task', 'list']);
    expect(listed.stdout).toContain('#2 Document it [open, unclaimed, blocked]');

    const claimed = await as('backend', ['task', 'claim', '--label', 'backend']);
    expect(claimed.code, claimed.stderr).toBe(0);
    expect(claimed.stdout).toContain('Claimed #1 Add rate limiting [in_progress, owner backend, high]');

    const lost = await as('rita', ['task', 'claim', '1']);
    expect(lost.code).toBe(5);
    expect(lost.stderr).toContain('conflict: #1 "Add rate limiting" is already held by backend');
    const blocked = await as('rita', ['task', 'claim', '#2', '--json']);
    expect(blocked.code).toBe(5);
    expect(JSON.parse(blocked.stderr).error.message).toContain('blocked by #1');
    const missing = await as('rita', ['task', 'show', '99']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('no task #99');

    const mine = await as('backend', ['task', 'list', '--mine', '--json']);
    expect(mine.json().tasks.map((t: any) => t.number)).toEqual([1]);
  });

  it('runs a review round: changes requested, then approved; the dependent becomes ready', async () => {
    await as('lead', ['task', 'create', 'Add rate limiting']);
    await as('lead', ['task', 'create', 'Document it', '--depends-on', '1']);
    await as('backend', ['task', 'claim', '1']);
    const note = await as('backend', ['task', 'update', '1', '-m', 'Token bucket in place']);
    expect(note.code, note.stderr).toBe(0);

    const selfReview = await as('backend', ['review', 'request', '1', '--reviewer', 'backend']);
    expect(selfReview.code).toBe(2);
    const asked = await as('backend', ['review', 'request', '1', '--reviewer', 'rita', '-m', 'branch rate-limit']);
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.stdout).toMatch(
      /^Requested review \S+ {2}\[pending\] #1 Add rate limiting — reviewer rita, asked by backend/,
    );

    const queue = await as('rita', ['review', 'list', '--mine', '--json']);
    const review = queue.json().reviews[0];
    expect(queue.json().reviews).toHaveLength(1);
    expect(review).toMatchObject({ reviewer: 'rita', requestedBy: 'backend', status: 'pending' });

    const noComments = await as('rita', ['review', 'changes', review.id]);
    expect(noComments.code).toBe(1);
    const changes = await as('rita', ['review', 'changes', review.id], 'Test the Retry-After header');
    expect(changes.code, changes.stderr).toBe(0);
    expect(changes.stdout).toContain('Requested changes; #1 Add rate limiting [in_progress, owner backend]');

    await as('backend', ['review', 'request', '1', '--reviewer', 'role:reviewer']);
    const second = (await as('rita', ['review', 'list', '--json'])).json().reviews[0];
    expect(second.reviewerRole).toBe('reviewer');
    const approved = await as('rita', ['review', 'approve', second.id, '--json']);
    expect(approved.json().task).toMatchObject({ number: 1, status: 'done' });

    const shown = await as('lead', ['task', 'show', '1']);
    expect(shown.code).toBe(0);
    for (const s of ['[done, owner backend]', 'review_submitted by rita', 'Test the Retry-After header', 'Reviews:']) {
      expect(shown.stdout).toContain(s);
    }
    const ready = await as('rita', ['task', 'list', '--ready', '--json']);
    expect(ready.json().tasks.map((t: any) => t.number)).toEqual([2]);
    const done = await as('lead', ['review', 'list', '--status', 'approved']);
    expect(done.stdout).toContain('[approved by rita] #1 Add rate limiting');
  });

  it('delegates, hands off (declined, then accepted), comments, completes, fails and cancels', async () => {
    await as('lead', ['task', 'create', 'Write the docs']);
    await as('lead', ['task', 'create', 'Try Redis']);
    await as('lead', ['task', 'create', 'Old idea']);

    const delegated = await as('lead', ['task', 'delegate', '1', 'backend', '-m', 'yours']);
    expect(delegated.stdout.trim()).toBe('Delegated #1 Write the docs [open, for backend]');
    expect((await as('rita', ['task', 'claim', '1'])).code).toBe(5);
    await as('backend', ['task', 'claim', '1']);

    const offer = await as('backend', ['task', 'handoff', '1', 'rita'], 'Draft in docs/limits.md');
    expect(offer.code, offer.stderr).toBe(0);
    expect(offer.stdout).toContain('Offered #1 Write the docs to rita');
    const declined = await as('rita', ['task', 'decline', '1', '-m', 'busy', '--json']);
    expect(declined.json()).toMatchObject({ owner: 'backend', handoff: null });
    await as('backend', ['task', 'handoff', '1', 'rita', '-m', 'Draft in docs/limits.md']);
    const accepted = await as('rita', ['task', 'accept', '1', '--json']);
    expect(accepted.json().owner).toBe('rita');

    const comment = await as('lead', ['task', 'comment', '1', '-m', 'Mention the 429']);
    expect(comment.stdout).toMatch(/^Commented \S+ in thread \S+\.$/m);
    const inbox = await as('rita', ['inbox', '--json']);
    expect(inbox.json().messages.map((m: any) => m.body)).toContain('Mention the 429');

    const completed = await as('rita', ['task', 'complete', '1', '-r', 'README section added', '--json']);
    expect(completed.json()).toMatchObject({ status: 'done', result: 'README section added' });

    await as('backend', ['task', 'claim', '2']);
    const released = await as('backend', ['task', 'release', '2', '-m', 'no time']);
    expect(released.stdout).toContain('Released #2 Try Redis [open, unclaimed]');
    await as('backend', ['task', 'claim', '2']);
    const failed = await as('backend', ['task', 'fail', '2', '-r', 'Redis is not reachable here', '--json']);
    expect(failed.json().status).toBe('failed');

    const notMine = await as('rita', ['task', 'cancel', '3']);
    expect(notMine.code).toBe(3);
    const cancelled = await as('lead', ['task', 'cancel', '3', '--reason', 'superseded']);
    expect(cancelled.stdout.trim()).toBe('Cancelled #3 Old idea [cancelled, unclaimed]');

    const finished = await as('lead', ['task', 'list', '--status', 'done,failed,cancelled', '--json']);
    expect(finished.json().tasks.map((t: any) => [t.number, t.status])).toEqual([
      [1, 'done'],
      [2, 'failed'],
      [3, 'cancelled'],
    ]);
    expect((await as('lead', ['task', 'list'])).stdout.trim()).toBe('No tasks.');
  });

  it('updates fields with a version check and passes a review on', async () => {
    const created = (await as('lead', ['task', 'create', 'Tune the lease', '--json'])).json();
    const updated = await as('lead', [
      'task',
      'update',
      '1',
      '--title',
      'Tune the lease length',
      '--priority',
      'urgent',
      '--labels',
      'ops',
      '--expect-version',
      String(created.version),
      '--json',
    ]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.json()).toMatchObject({ title: 'Tune the lease length', priority: 'urgent', labels: ['ops'] });
    const stale = await as('lead', [
      'task',
      'update',
      '1',
      '--title',
      'x',
      '--expect-version',
      String(created.version),
    ]);
    expect(stale.code).toBe(5);

    await as('backend', ['task', 'claim', '1']);
    const asked = (await as('backend', ['review', 'request', '1', '--json'])).json();
    expect(asked).toMatchObject({ reviewer: null, reviewerRole: null });
    const passed = await as('backend', ['review', 'reassign', asked.id, 'rita', '-m', 'you know this code']);
    expect(passed.code, passed.stderr).toBe(0);
    expect(passed.stdout).toContain('#1 Tune the lease length — reviewer rita');
  });

  it('sets the team plan label, asks for a plan review from stdin and approves it; the task stays in progress', async () => {
    const joined = await runCli(['join', 'pat', '--kind', 'human'], { env: { SWITCHBOARD_URL: server.url } });
    expect(joined.code, joined.stderr).toBe(0);
    const shown = await as('backend', ['team', 'settings']);
    expect(shown.stdout.trim()).toBe('Team default: no plan is required before a code review.');
    const refused = await as('backend', ['team', 'settings', '--plan-label', 'needs-plan']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('only a human teammate or a team admin');
    const set = await as('pat', ['team', 'settings', '--plan-label', 'needs-plan']);
    expect(set.stdout.trim()).toBe(
      'Team default: tasks labelled "needs-plan" need an approved plan before a code review.',
    );

    await as('lead', ['task', 'create', 'Add rate limiting', '--label', 'needs-plan']);
    await as('backend', ['task', 'claim', '1']);
    const early = await as('backend', ['review', 'request', '1']);
    expect(early.code).toBe(5);
    expect(early.stderr).toContain('Request a plan review first');
    const plan = await as('backend', ['review', 'request', '1', '--plan', '--reviewer', 'rita'], '1. bucket\n2. 429\n');
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/\[pending\] plan review of #1 Add rate limiting — reviewer rita, asked by backend/);
    const listed = await as('rita', ['review', 'list', '--kind', 'plan', '--json']);
    expect(listed.json().reviews[0]).toMatchObject({ kind: 'plan', note: '1. bucket\n2. 429' });
    const ok = await as('rita', ['review', 'approve', '1']);
    expect(ok.stdout.trim()).toBe(
      'Approved the plan; #1 Add rate limiting [in_progress, owner backend, plan approved]  labels: needs-plan',
    );
    const off = await as('pat', ['team', 'settings', '--no-plan-label', '--json']);
    expect(off.json()).toEqual({ team: 'default', planLabel: null });
  });
});
