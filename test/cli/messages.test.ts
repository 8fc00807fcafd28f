import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { baseCtx } from '../../server/identity.js';
import { mintToken } from '../../server/ops/tokens.js';
import { runCli } from '../helpers/cli.js';
import { connectAgent, joinOverApi, startServer, type TestServer } from '../helpers/server.js';

// Every step spawns the real CLI (about 0.3 s each, more on a busy machine): a generous timeout.
describe('switchboard CLI: teammates and messages', { timeout: 120_000 }, () => {
  // Each test gets its own server and database, with alice, bob and rita joined.
  let server: TestServer;
  let cli: (args: string[], input?: string, env?: Record<string, string>) => ReturnType<typeof runCli>;
  beforeEach(async () => {
    server = await startServer();
    cli = (args, input, env = {}) =>
      runCli(args, { env: { SWITCHBOARD_URL: server.url, ...env }, ...(input !== undefined && { input }) });
    await joinOverApi(server, [
      ['alice', 'lead'],
      ['bob', 'backend'],
      ['rita', 'reviewer'],
    ]);
  });
  afterEach(async () => {
    await server.destroy();
  });

  it('joins, then shows who I am and the roster', async () => {
    const join = await cli(['join', 'dora', '--summary', 'writing docs']);
    expect(join.code).toBe(0);
    expect(join.stdout).toContain('Joined team default as dora');
    const again = await cli(['join', 'dora', '--json']);
    expect(again.json().created).toBe(false);
    // With SWITCHBOARD_AGENT set (as in a shell that acts as someone), join takes the name from it.
    const fromEnv = await cli(['join', '--json'], undefined, { SWITCHBOARD_AGENT: 'erin' });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(fromEnv.json()).toMatchObject({ created: true, agent: { name: 'erin' } });

    const me = await cli(['whoami', '--agent', 'dora', '--json']);
    expect(me.code).toBe(0);
    expect(me.json()).toMatchObject({ name: 'dora', team: 'default', summary: 'writing docs', unread: 0 });

    const roster = await cli(['teammates', '--agent', 'dora']);
    expect(roster.code).toBe(0);
    for (const n of ['alice (lead)', 'bob (backend)', 'rita (reviewer)', 'dora']) expect(roster.stdout).toContain(n);

    const summary = await cli(['summary', 'reviewing the README', '--agent', 'dora', '--json']);
    expect(summary.json().summary).toBe('reviewing the README');
  });

  it('sends with -m and from stdin; inbox peeks, --read marks read; ack; thread', async () => {
    const sent = await cli(['send', 'bob', '-m', 'Can you take the API?', '--ack', '--agent', 'alice']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/^Sent \S+ in thread \S+: queued for offline bob\.$/m);

    const piped = await cli(['send', 'bob', '-s', 'notes', '--agent', 'alice', '--json'], 'line one\nline two\n');
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.json().message).toMatchObject({ body: 'line one\nline two', subject: 'notes', from: 'alice' });

    const peek = await cli(['inbox', '--agent', 'bob', '--json']);
    expect(peek.json().messages.map((m: any) => m.body)).toEqual(['Can you take the API?', 'line one\nline two']);
    expect(peek.json().messages.every((m: any) => m.readAt === null)).toBe(true);
    const peekAgain = await cli(['inbox', '--agent', 'bob']);
    expect(peekAgain.stdout).toContain('Can you take the API?');
    expect(peekAgain.stdout).toContain('2 unread.');

    const read = await cli(['inbox', '--read', '--agent', 'bob']);
    expect(read.code).toBe(0);
    expect(read.stdout).toContain('line two');
    expect((await cli(['inbox', '--agent', 'bob'])).stdout.trim()).toBe('No mail.');

    const first = peek.json().messages[0];
    const ack = await cli(['ack', first.id, '--agent', 'bob']);
    expect(ack.code).toBe(0);
    expect(ack.stdout.trim()).toBe(`Acknowledged ${first.id}.`);
    const all = await cli(['inbox', '--all', '--agent', 'bob', '--json']);
    expect(all.json().messages.find((m: any) => m.id === first.id).ackedAt).not.toBeNull();

    const reply = await cli(['send', '--thread', first.threadId, '-m', 'On it.', '--agent', 'bob', '--json']);
    expect(reply.json().recipients.map((r: any) => r.name)).toEqual(['alice']);
    const thread = await cli(['thread', first.threadId, '--agent', 'alice']);
    expect(thread.code).toBe(0);
    const order = ['Can you take the API?', 'line two', 'On it.'].map((t) => thread.stdout.indexOf(t));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('broadcasts to the team and reports who is live', async () => {
    const bob = await connectAgent(server, { agent: 'bob' });
    const r = await cli(['broadcast', '-m', 'standup in 5', '--agent', 'rita', '--json']);
    await bob.close();
    expect(r.code, r.stderr).toBe(0);
    const recipients = Object.fromEntries(r.json().recipients.map((x: any) => [x.name, x.queued]));
    expect(recipients).toMatchObject({ alice: true, bob: false });
    expect(recipients.rita).toBeUndefined();
  });

  it('acts as the token holder with --token or SWITCHBOARD_TOKEN', async () => {
    const { token } = await mintToken(baseCtx(server.deps), { agent: 'tess' });
    const me = await cli(['whoami', '--token', token, '--json']);
    expect(me.json().name).toBe('tess');
    const viaEnv = await runCli(['whoami', '--json'], {
      env: { SWITCHBOARD_URL: server.url, SWITCHBOARD_TOKEN: token },
    });
    expect(viaEnv.json().name).toBe('tess');
    const bad = await cli(['whoami', '--token', 'sb_nope']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('unauthorized: invalid or revoked token');
  });

  it('prints the error envelope and exits with the code of the error', async () => {
    const unknown = await cli(['send', 'carol', '-m', 'hi', '--agent', 'alice']);
    expect(unknown.code).toBe(4);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain('switchboard: not_found: no teammate named "carol"');

    const asJson = await cli(['ack', 'NOPE', '--agent', 'bob', '--json']);
    expect(asJson.code).toBe(4);
    expect(JSON.parse(asJson.stderr)).toEqual({
      error: { code: 'not_found', message: expect.stringContaining('NOPE'), details: { missing: ['NOPE'] } },
    });

    const anonymous = await cli(['whoami']);
    expect(anonymous.code).toBe(3);
    expect(anonymous.stderr).toContain('--agent NAME');

    const stranger = await cli(['inbox', '--agent', 'zed']);
    expect(stranger.code).toBe(3);
    expect(stranger.stderr).toContain('no teammate "zed"');

    const empty = await cli(['send', 'bob', '--agent', 'alice']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('-m TEXT');

    const usage = await cli(['send', 'bob', '-m', 'x', '--priority', 'hot', '--agent', 'alice']);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('Allowed choices are low, normal, high, urgent');
  });

  it('says so when no server answers', async () => {
    const r = await runCli(['whoami', '--agent', 'alice', '--url', 'http://127.0.0.1:9']);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('cannot reach Switchboard at http://127.0.0.1:9');
  });
});
