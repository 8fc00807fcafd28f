import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult, Notification } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHANNEL_METHOD } from '../../mcp/push.js';
import { connectAgent, startServer, type TestServer, tempDataDir, textOf, withData } from '../helpers/server.js';

const BIN = fileURLToPath(new URL('../../bin/switchboard.js', import.meta.url));
type Result = CallToolResult & { data: any };

/** The environment without the machine's SWITCHBOARD_* settings. */
const cleanEnv = (extra: Record<string, string> = {}) => ({
  ...(Object.fromEntries(
    Object.entries(process.env).filter(([k, v]) => !k.startsWith('SWITCHBOARD_') && v !== undefined),
  ) as Record<string, string>),
  ...extra,
});

async function stdioAgent(args: string[], env: Record<string, string> = {}) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp', ...args],
    env: cleanEnv(env),
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d) => {
    stderr += d;
  });
  const client = new Client({ name: 'stdio-test', version: '1.0.0' });
  const notes: Notification[] = [];
  client.fallbackNotificationHandler = async (n) => {
    notes.push(n);
  };
  await client.connect(transport);
  const call = async (name: string, args: Record<string, unknown> = {}) =>
    withData((await client.callTool({ name, arguments: args })) as CallToolResult) as Result;
  return { client, transport, notes, call, stderr: () => stderr };
}

async function until<T>(fn: () => T | Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    const v = await fn();
    if (v || i > 1000) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('stdio bridge (switchboard mcp)', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.destroy();
  });

  it('relays tools and pushes to an SDK stdio client, as the agent named by flags', async () => {
    const bob = await stdioAgent(['--url', server.url, '--agent', 'bob', '--no-start']);
    expect(bob.client.getServerCapabilities()?.experimental?.['claude/channel']).toEqual({});
    const { tools } = await bob.client.listTools();
    expect(tools.map((t) => t.name)).toContain('teammate_wait_for_messages');
    expect((await bob.call('teammate_whoami')).data.name).toBe('bob');
    // The identity is the bridge's, not the client's to change.
    const other = await bob.call('teammate_join', { name: 'mallory' });
    expect(other.isError).toBe(true);

    const alice = await connectAgent(server, { agent: 'alice' });
    const waiting = bob.call('teammate_wait_for_messages', { timeout: 30, markRead: false });
    await alice.call('teammate_send_message', { to: 'bob', message: 'over stdio' });
    expect(textOf(await waiting)).toContain('> over stdio');
    const pushed = await until(() => bob.notes.find((n) => n.method === CHANNEL_METHOD));
    expect((pushed as any).params.meta.from).toBe('alice');

    // The server drops the session (as after a restart): the bridge opens a new one and carries on.
    for (const s of server.sb.mcp.sessions.values()) {
      if (s.state.actor?.name === 'bob') await s.transport.close();
    }
    expect((await bob.call('teammate_whoami')).data.name).toBe('bob');
    await alice.call('teammate_send_message', { to: 'bob', message: 'after the new session' });
    await until(() => bob.notes.find((n) => String(n.params?.content).includes('after the new session')));
    expect(bob.notes.filter((n) => n.method === CHANNEL_METHOD)).toHaveLength(2);
    await bob.client.close();
    await alice.close();
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('stdio bridge without a running server', () => {
  it('starts a server in the background and works through it', async () => {
    const dataDir = tempDataDir();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const carol = await stdioAgent(['--url', url, '--agent', 'carol'], { SWITCHBOARD_DATA_DIR: dataDir });
    const pid = Number(/pid (\d+)/.exec(carol.stderr())?.[1]);
    try {
      expect(pid).toBeGreaterThan(0);
      expect((await carol.call('teammate_whoami')).data.name).toBe('carol');
      const health = await fetch(`${url}/healthz`);
      expect(health.ok).toBe(true);
    } finally {
      await carol.client.close();
      if (pid > 0) {
        process.kill(pid, 'SIGTERM');
        await until(() => {
          try {
            process.kill(pid, 0);
            return false;
          } catch {
            return true;
          }
        });
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
