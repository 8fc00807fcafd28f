/**
 * A client that never reads its event stream costs bounded memory (mcp/stream-backlog.ts), on
 * a real server process so its RSS is its own: an agent opens its MCP GET stream over raw
 * HTTP and stops reading; 48 MB of mail is sent to it. The server's RSS grows by less than
 * 64 MB (without the bound the stream held every push, and grew about twice the mail), the
 * roster and whoami say "push paused: stream not read", the server keeps answering, every
 * message is in the inbox, and once the stream is read again push resumes and the notice goes.
 * Dialect-neutral (vitest.config.ts): the backlog is the transport's; the roster's reading of
 * a paused session on either database is covered in test/ops/messages.test.ts.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { joinOverApi, textOf } from '../helpers/server.js';
import { openStuckStream, type StuckStream } from '../helpers/stuck-stream.js';
import { connect, type McpAgent } from './fixture.js';
import { processTracker, startServerProcess } from './process.js';

const { fresh, keep, cleanup } = processTracker();
const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closing.splice(0)) await c().catch(() => {});
  cleanup();
});

/**
 * 1,500 messages of 32 KB (48 MB): more mail than the limit, in few sends (the 20,000 × 2 KB
 * figure is in `npm run bench`). Without the bound the server's RSS grew about 95 MB here.
 */
const MESSAGES = 1_500;
const BODY = 'x'.repeat(32 * 1024);
const GROWTH_LIMIT_MB = 64;

const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

async function api(url: string, agent: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { 'x-switchboard-agent': agent, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as any };
}

/** Unread mail in `agent`'s inbox, peeked (nothing is marked read). */
async function unreadOf(url: string, agent: string): Promise<number> {
  // A peek marks nothing read, so `unread` is all of it.
  return (await api(url, agent, 'GET', '/inbox?limit=1')).json.unread;
}

/** Polls `probe` until it is true (the roster is written after the stream drains, asynchronously). */
async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a client that never reads its event stream (real process)', () => {
  it('bounds the backlog, pauses push and says so, keeps the mail and serving, and resumes on read', async () => {
    const env = {
      SWITCHBOARD_DATA_DIR: fresh(),
      SWITCHBOARD_SENDS_PER_MINUTE: '1000000',
      // V8 lets its heap grow lazily under a burst of large sends (tens of MB of garbage, with or
      // without a stream); a capped old space keeps that from reading as growth. A backlog held
      // in JS objects would exhaust the cap (the server would fail), one in buffers (as the SDK's
      // stream queue held it) shows in RSS.
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=128`.trim(),
    };
    const server = await startServerProcess(env);
    keep(server);
    const pid = server.child.pid as number;
    await joinOverApi(server, [
      ['sender', 'writer'],
      ['stuck', 'reader'],
    ]);
    const other: McpAgent = await connect(server.url, { agent: 'other' });
    closing.push(other.close);
    const stuck: StuckStream = await openStuckStream(server.url, 'stuck');
    closing.push(stuck.close);
    const unreadBefore = await unreadOf(server.url, 'stuck');
    await new Promise((r) => setTimeout(r, 500));
    const before = rssMb(pid);

    let next = 0;
    let peak = before;
    const statuses = new Map<number, number>();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < MESSAGES) {
          next += 1;
          const r = await api(server.url, 'sender', 'POST', '/messages', { to: 'stuck', message: BODY });
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (next % 100 === 0) peak = Math.max(peak, rssMb(pid));
        }
      }),
    );
    expect(Object.fromEntries(statuses)).toEqual({ 201: MESSAGES });
    peak = Math.max(peak, rssMb(pid));
    expect(peak - before, `RSS ${before.toFixed(0)} → peak ${peak.toFixed(0)} MB`).toBeLessThan(GROWTH_LIMIT_MB);

    // The roster (MCP and API) and whoami (MCP, another session of the agent, and API) say so.
    const list = await other.call('teammate_list');
    expect(textOf(list)).toMatch(/- stuck \(reader\) \[[^\]]*, reach by wait \(push paused: stream not read\),/);
    expect(list.data.teammates.find((t: { name: string }) => t.name === 'stuck').pushPaused).toBe(true);
    expect(list.data.teammates.find((t: { name: string }) => t.name === 'other').pushPaused).toBe(false);
    expect((await api(server.url, 'other', 'GET', '/teammates')).json.teammates).toContainEqual(
      expect.objectContaining({ name: 'stuck', pushPaused: true }),
    );
    expect((await api(server.url, 'stuck', 'GET', '/me')).json.pushPaused).toBe(true);
    const second = await connect(server.url, { agent: 'stuck' });
    closing.push(second.close);
    expect(textOf(await second.call('teammate_whoami'))).toContain('push paused: stream not read');

    // The server keeps answering, and the mailbox has every message.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await other.call('teammate_send_message', { to: 'sender', message: 'still here' })).isError).toBeFalsy();
    expect((await unreadOf(server.url, 'stuck')) - unreadBefore).toBe(MESSAGES);

    // Read again: the backlog drains, push resumes (told how much it missed), the notice goes.
    stuck.resume();
    await stuck.waitFor('Push resumed: ');
    await until(async () => (await api(server.url, 'stuck', 'GET', '/me')).json.pushPaused === false, 'push resumes');
    await api(server.url, 'sender', 'POST', '/messages', { to: 'stuck', message: 'after the drain' });
    await stuck.waitFor('after the drain');
    expect(textOf(await other.call('teammate_list'))).not.toContain('push paused');
    expect(textOf(await second.call('teammate_whoami'))).not.toContain('push paused');
  }, 120_000);
});
