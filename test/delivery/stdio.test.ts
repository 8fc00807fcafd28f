import { rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
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

  it('resumes the push stream after a dropped connection: a push sent meanwhile arrives once', async () => {
    const proxy = await cuttableProxy(Number(new URL(server.url).port));
    const bob = await stdioAgent(['--url', proxy.url, '--agent', 'bob', '--no-start']);
    const alice = await connectAgent(server, { agent: 'alice' });
    const pushes = () => bob.notes.filter((n) => n.method === CHANNEL_METHOD).map((n) => String(n.params?.content));
    try {
      await until(() => [...server.sb.mcp.sessions.values()].some((s) => s.state.actor?.name === 'bob' && s.hadStream));
      await alice.call('teammate_send_message', { to: 'bob', message: 'before the drop' });
      await until(() => pushes().some((c) => c.includes('before the drop')));

      proxy.cut();
      await alice.call('teammate_send_message', { to: 'bob', message: 'during the drop' });
      await until(() => pushes().some((c) => c.includes('during the drop')));
      await alice.call('teammate_send_message', { to: 'bob', message: 'after the drop' });
      await until(() => pushes().some((c) => c.includes('after the drop')));
      expect(pushes().map((c) => /before|during|after/.exec(c)?.[0])).toEqual(['before', 'during', 'after']);
      // The same session carried on: the bridge resumed its stream instead of opening a new one.
      expect(bob.stderr()).not.toContain('new session');
      expect((await bob.call('teammate_whoami')).data.name).toBe('bob');
    } finally {
      await bob.client.close();
      await alice.close();
      await proxy.close();
    }
  });
});

/** A TCP proxy to `port` whose connections the test can cut, as a network drop would. */
async function cuttableProxy(port: number) {
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as { port: number }).port}`,
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    close: () => new Promise<void>((resolve) => proxy.close(() => resolve())),
  };
}

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
