import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runMaintenance } from '../../server/maintenance.js';
import { type AgentClient, connectAgent, startServer, type TestServer } from '../helpers/server.js';

const AGENT_PROCESS = fileURLToPath(new URL('./fixtures/agent-process.ts', import.meta.url));

const presenceOf = async (viewer: AgentClient, name: string) => {
  const r = await viewer.call('teammate_list');
  return r.data.teammates.find((t: { name: string }) => t.name === name);
};

describe('presence', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer({ sessionGraceMs: 200 });
  });
  afterEach(async () => {
    await server.destroy();
  });

  it('a killed client’s session expires and its presence goes offline', async () => {
    const alice = await connectAgent(server, { agent: 'alice' });
    const child = spawn(process.execPath, ['--import', 'tsx', AGENT_PROCESS, server.mcpUrl, 'ghost'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = await once(child.stdout, 'data');
    expect(String(line)).toContain('ready');
    expect(await presenceOf(alice, 'ghost')).toMatchObject({ presence: 'online', sessions: 1 });

    child.kill('SIGKILL');
    await once(child, 'exit');
    // The server notices the dropped stream; after the grace period the sweep ends the session.
    let closed = 0;
    for (let i = 0; i < 300 && closed === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      closed = (await runMaintenance(server.deps, server.sb.mcp)).sessionsClosed;
    }
    expect(closed).toBe(1);
    expect(await presenceOf(alice, 'ghost')).toMatchObject({
      presence: 'offline',
      sessions: 0,
      summary: 'about to vanish',
    });
    // Alice, whose client is alive and connected, stays.
    expect(await presenceOf(alice, 'alice')).toMatchObject({ presence: 'online', sessions: 1 });
    const send = await alice.call('teammate_send_message', { to: 'ghost', message: 'are you there?' });
    expect(send.data.recipients).toEqual([{ name: 'ghost', presence: 'offline', queued: true }]);
    await alice.close();
  });

  it('an agent that ends its session (DELETE) is offline at once', async () => {
    const alice = await connectAgent(server, { agent: 'alice' });
    const bob = await connectAgent(server, { agent: 'bob' });
    await bob.call('teammate_whoami');
    expect(await presenceOf(alice, 'bob')).toMatchObject({ presence: 'online' });
    await bob.close();
    expect(await presenceOf(alice, 'bob')).toMatchObject({ presence: 'offline', sessions: 0 });
    await alice.close();
  });
});
