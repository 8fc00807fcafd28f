/**
 * Durability with a real server process: a burst of sends from several clients (MCP and the
 * JSON API) is cut by SIGKILL; after a restart every send that returned success is on disk
 * exactly once, and retrying the unanswered ones with their idempotency keys completes the
 * set without duplicates. Then a graceful SIGTERM: calls in flight finish, a waiting call is
 * woken, sessions are closed, the WAL is checkpointed, and the exit code is 0.
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDataDir } from '../helpers/server.js';
import { codeOf, connect, MCP_HEADERS, type McpAgent, rpcBody } from './fixture.js';
import { type ServerProcess, startServerProcess } from './process.js';

const dirs: string[] = [];
const procs: ServerProcess[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const p = await startServerProcess({ SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_SENDS_PER_MINUTE: '100000', ...env });
  procs.push(p);
  return p;
}

/** One client's view of its sends: which it saw succeed, and which were cut off unanswered. */
interface Sender {
  name: string;
  acked: Set<number>;
  unanswered: Set<number>;
  send: (i: number) => Promise<'ok' | 'failed'>;
}

const body = (name: string, i: number) => `burst ${name} #${i}`;
const key = (name: string, i: number) => `${name}-${i}`;

function mcpSender(name: string, client: () => McpAgent): Sender {
  return {
    name,
    acked: new Set(),
    unanswered: new Set(),
    send: async (i) => {
      const r = await client().call('teammate_send_message', {
        to: 'sink',
        message: body(name, i),
        idempotencyKey: key(name, i),
      });
      return codeOf(r) === null ? 'ok' : 'failed';
    },
  };
}

function apiSender(name: string, url: () => string): Sender {
  return {
    name,
    acked: new Set(),
    unanswered: new Set(),
    send: async (i) => {
      const res = await fetch(`${url()}/api/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-switchboard-agent': name },
        body: JSON.stringify({ to: 'sink', message: body(name, i), idempotencyKey: key(name, i) }),
      });
      return res.status === 201 ? 'ok' : 'failed';
    },
  };
}

/** Bodies stored, with how many times each appears, read straight from the file. */
function storedBodies(dataDir: string): Map<string, number> {
  const db = new BetterSqlite3(join(dataDir, 'switchboard.db'), { readonly: true });
  const rows = db.prepare("SELECT body, count(*) AS n FROM messages WHERE body LIKE 'burst %' GROUP BY body").all() as {
    body: string;
    n: number;
  }[];
  db.close();
  return new Map(rows.map((r) => [r.body, r.n]));
}

describe('crash safety (real process, SIGKILL)', () => {
  it('keeps every acknowledged send exactly once across a SIGKILL mid-burst; retries by key complete the set', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    let server = await start(dataDir);
    // Recipients exist first; two senders speak MCP, two the JSON API.
    for (const name of ['sink', 'api-1', 'api-2']) {
      await fetch(`${server.url}/api/v1/join`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
    }
    const clients = new Map<string, McpAgent>();
    for (const name of ['mcp-1', 'mcp-2']) clients.set(name, await connect(server.url, { agent: name }));
    const senders = [
      mcpSender('mcp-1', () => clients.get('mcp-1') as McpAgent),
      mcpSender('mcp-2', () => clients.get('mcp-2') as McpAgent),
      apiSender('api-1', () => server.url),
      apiSender('api-2', () => server.url),
    ];

    const KILL_AFTER = 60;
    let total = 0;
    let killed = false;
    const burst = senders.map(async (s) => {
      for (let i = 0; ; i++) {
        try {
          const r = await s.send(i);
          if (r === 'failed') throw new Error('refused');
          s.acked.add(i);
          total += 1;
          if (total >= KILL_AFTER && !killed) {
            killed = true;
            server.child.kill('SIGKILL');
          }
        } catch {
          s.unanswered.add(i);
          return;
        }
      }
    });
    await Promise.all(burst);
    expect(await server.exited).toBe('SIGKILL');
    for (const c of clients.values()) await c.client.close().catch(() => {});

    const acked = senders.reduce((n, s) => n + s.acked.size, 0);
    expect(acked).toBeGreaterThanOrEqual(KILL_AFTER);
    const afterCrash = storedBodies(dataDir);
    for (const s of senders) {
      for (const i of s.acked) expect(afterCrash.get(body(s.name, i)), body(s.name, i)).toBe(1);
    }
    for (const n of afterCrash.values()) expect(n).toBe(1);
    // Nothing beyond what was sent: the stored set is the acknowledged ones plus at most the one in flight per sender.
    expect(afterCrash.size).toBeLessThanOrEqual(acked + senders.length);

    // Restart on the same data directory (the crashed process's lock is gone with it) and retry.
    server = await start(dataDir);
    for (const name of ['mcp-1', 'mcp-2']) clients.set(name, await connect(server.url, { agent: name }));
    for (const s of senders) {
      for (const i of s.unanswered) expect(await s.send(i)).toBe('ok');
      // A retry of an acknowledged send is recognised as the same send.
      const again = await s.send(0);
      expect(again).toBe('ok');
    }
    for (const c of clients.values()) await c.close();
    const finalBodies = storedBodies(dataDir);
    for (const s of senders) {
      for (const i of [...s.acked, ...s.unanswered]) expect(finalBodies.get(body(s.name, i)), body(s.name, i)).toBe(1);
    }
    expect(finalBodies.size).toBe(senders.reduce((n, s) => n + s.acked.size + s.unanswered.size, 0));
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    // Two real server processes start here; on a loaded 2-core machine that alone can take 20 s.
  }, 90_000);
});

describe('graceful shutdown (real process, SIGTERM)', () => {
  it('finishes calls in flight, wakes waiting calls, closes sessions, checkpoints, exits 0', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    // A long grace period: the process could only exit quickly if the waiting call was woken.
    const server = await start(dataDir, { SWITCHBOARD_SHUTDOWN_GRACE_MS: '120000', SWITCHBOARD_LOG_LEVEL: 'info' });
    const waiter = await connect(server.url, { agent: 'waiter' });
    const sender = await connect(server.url, { agent: 'sender' });
    await fetch(`${server.url}/api/v1/join`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sink' }),
    });
    // A waiting call, sent raw: its response headers (an SSE stream) arrive once the server is
    // running the call, so the signal below surely lands while it waits.
    const waitRes = await fetch(`${server.url}/mcp?agent=waiter`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': waiter.transport.sessionId as string },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 42,
        method: 'tools/call',
        params: { name: 'teammate_wait_for_messages', arguments: { timeout: 300 } },
      }),
    });
    expect(waitRes.status).toBe(200);
    const waiting = rpcBody(waitRes).then(
      (r) => r,
      (err: Error) => ({ thrown: err.message }),
    );
    const sends = Array.from({ length: 30 }, (_, i) =>
      fetch(`${server.url}/api/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-switchboard-agent': 'sender' },
        body: JSON.stringify({ to: 'sink', message: `burst graceful #${i}` }),
      }).then(
        (r) => r.status,
        () => 0,
      ),
    );
    // Let the first sends reach the server, then ask it to stop while the rest are in flight.
    await sends[0];
    server.child.kill('SIGTERM');
    const statuses = await Promise.all(sends);
    const wait = await waiting;
    expect(await server.exited).toBe(0);

    // Each send either succeeded, was refused because the server was stopping, or could not connect.
    for (const s of statuses) expect([201, 503, 0]).toContain(s);
    expect(statuses[0]).toBe(201);
    // The waiting call was answered (woken by the shutdown), not cut off.
    expect(wait).not.toHaveProperty('thrown');
    expect(wait).toMatchObject({ id: 42, result: { _meta: { 'switchboard/result': { messages: [] } } } });
    expect(wait.result.isError).toBeFalsy();
    expect(server.stderr()).toMatch(/shut down cleanly/);
    await sender.client.close().catch(() => {});
    await waiter.client.close().catch(() => {});

    const wal = join(dataDir, 'switchboard.db-wal');
    expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true);
    const db = new BetterSqlite3(join(dataDir, 'switchboard.db'), { readonly: true });
    const open = db.prepare('SELECT count(*) AS n FROM sessions WHERE ended_at IS NULL').get() as { n: number };
    expect(open.n).toBe(0);
    const stored = db.prepare("SELECT count(*) AS n FROM messages WHERE body LIKE 'burst graceful %'").get() as {
      n: number;
    };
    db.close();
    expect(stored.n).toBe(statuses.filter((s) => s === 201).length);
  });
});
