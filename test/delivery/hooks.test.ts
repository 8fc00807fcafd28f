import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { connectAgent, startServer, type TestServer } from '../helpers/server.js';

describe('switchboard hook (unread mail for agent hooks)', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.destroy();
  });

  const hook = (args: string[], input?: string) =>
    runCli(['hook', ...args, '--url', server.url, '--agent', 'bob'], input === undefined ? {} : { input });

  it('adds mail as context on UserPromptSubmit, marks it read, then prints nothing', async () => {
    const alice = await connectAgent(server, { agent: 'alice' });
    const bob = await connectAgent(server, { agent: 'bob' });
    await alice.call('teammate_send_message', { to: 'bob', message: 'the API moved to /v2', subject: 'heads up' });

    const r = await hook(['claude'], JSON.stringify({ hook_event_name: 'UserPromptSubmit', prompt: 'go on' }));
    expect(r.code).toBe(0);
    const out = r.json();
    expect(out.hookSpecificOutput.hookEventName).toBe('UserPromptSubmit');
    expect(out.hookSpecificOutput.additionalContext).toContain('From alice, "heads up"');
    expect(out.hookSpecificOutput.additionalContext).toContain('> the API moved to /v2');
    expect((await bob.call('teammate_whoami')).data.unread).toBe(0);

    const again = await hook(['claude'], JSON.stringify({ hook_event_name: 'UserPromptSubmit' }));
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
    await alice.close();
    await bob.close();
  });

  it('blocks a Stop with the mail as the reason, so the agent reads it', async () => {
    const alice = await connectAgent(server, { agent: 'alice' });
    const bob = await connectAgent(server, { agent: 'bob' });
    const empty = await hook(['claude'], JSON.stringify({ hook_event_name: 'Stop', stop_hook_active: false }));
    expect(empty.stdout).toBe('');
    await alice.call('teammate_send_message', { to: 'bob', message: 'one more thing' });
    const r = await hook(['claude'], JSON.stringify({ hook_event_name: 'Stop', stop_hook_active: false }));
    expect(r.json()).toMatchObject({ decision: 'block' });
    expect(r.json().reason).toContain('> one more thing');
    await alice.close();
    await bob.close();
  });

  it('takes Codex notify’s JSON argument and prints a summary without marking mail read', async () => {
    const alice = await connectAgent(server, { agent: 'alice' });
    const bob = await connectAgent(server, { agent: 'bob' });
    await alice.call('teammate_send_message', { to: 'bob', message: 'first' });
    await alice.call('teammate_send_message', { to: 'bob', message: 'second' });
    const event = JSON.stringify({ type: 'agent-turn-complete', 'turn-id': '1', 'last-assistant-message': 'done' });
    const r = await hook(['codex-notify', event]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('Switchboard: 2 unread message(s) (from alice).');
    expect((await bob.call('teammate_whoami')).data.unread).toBe(2);
    await alice.close();
    await bob.close();
  });

  it('never fails the turn: an unreachable server is reported on stderr with exit code 0', async () => {
    const r = await runCli(['hook', 'claude', '--url', 'http://127.0.0.1:9', '--agent', 'bob'], {
      input: JSON.stringify({ hook_event_name: 'UserPromptSubmit' }),
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('cannot reach Switchboard');
  });
});
