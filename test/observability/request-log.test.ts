/**
 * Request ids and the request log on a real server: `X-Request-Id` is echoed when sane,
 * generated when absent, replaced when hostile, and the server's JSON log line for the request
 * carries the same id with the agent, team, route, status and duration (captured from the
 * logger's destination). MCP lines name the JSON-RPC method and the tool.
 */
import { Writable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_REQUEST_ID_CHARS } from '../../server/middleware/request-log.js';
import { joinOverApi, startServer, type TestServer } from '../helpers/server.js';

type LogLine = Record<string, unknown>;

/** A logger at `info` whose JSON lines land in `lines`. */
function capturedLogger() {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids and log lines', () => {
  let s: TestServer | undefined;
  afterEach(async () => {
    await s?.destroy();
    s = undefined;
  });

  async function start() {
    const log = capturedLogger();
    s = await startServer({ logger: log.logger });
    const byId = (id: string) => log.lines.filter((l) => l.reqId === id);
    return { s, lines: log.lines, byId };
  }

  it('echoes a sane id, generates one when absent, and replaces hostile ones', async () => {
    const { s, byId } = await start();
    const given = 'trace-42_Ab=';
    const echoed = await fetch(`${s.url}/healthz`, { headers: { 'x-request-id': given } });
    expect(echoed.headers.get('x-request-id')).toBe(given);
    const [line] = byId(given);
    expect(line).toMatchObject({ msg: 'request', method: 'GET', path: '/healthz', route: '/healthz', status: 200 });
    expect(typeof line?.responseTime).toBe('number');

    const fresh = await fetch(`${s.url}/healthz`);
    const generated = fresh.headers.get('x-request-id') ?? '';
    expect(generated).toMatch(UUID);
    expect(byId(generated)).toHaveLength(1);

    for (const hostile of ['a'.repeat(MAX_REQUEST_ID_CHARS + 1), 'two words', '<script>', 'a;b', '../../etc']) {
      const res = await fetch(`${s.url}/healthz`, { headers: { 'x-request-id': hostile } });
      const id = res.headers.get('x-request-id') ?? '';
      expect(id).toMatch(UUID);
      expect(byId(id)).toHaveLength(1);
      expect(byId(hostile)).toHaveLength(0);
    }
    const longest = 'b'.repeat(MAX_REQUEST_ID_CHARS);
    expect(
      (await fetch(`${s.url}/healthz`, { headers: { 'x-request-id': longest } })).headers.get('x-request-id'),
    ).toBe(longest);
  });

  it('ties a JSON API response to its log line: agent, team, route pattern, status, duration; no body', async () => {
    const { s, byId } = await start();
    await joinOverApi(s, [
      ['alice', 'dev'],
      ['bob', 'dev'],
    ]);
    const res = await fetch(`${s.url}/api/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-switchboard-agent': 'alice', 'x-request-id': 'send-1' },
      body: JSON.stringify({ to: 'bob', message: 'deploy at noon' }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('send-1');
    const lines = byId('send-1');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      method: 'POST',
      path: '/api/v1/messages',
      route: '/api/v1/messages',
      status: 201,
      agent: 'alice',
      team: 'default',
    });
    expect(typeof lines[0]?.responseTime).toBe('number');
    const raw = JSON.stringify(lines[0]);
    expect(raw).not.toContain('deploy at noon');
    expect(raw).not.toContain('x-switchboard-agent');

    // A route with a parameter logs its pattern; a refusal before any route still has its id.
    await fetch(`${s.url}/api/v1/tasks/42`, { headers: { 'x-switchboard-agent': 'bob', 'x-request-id': 'get-42' } });
    expect(byId('get-42')[0]).toMatchObject({ route: '/api/v1/tasks/:ref', status: 404, agent: 'bob' });
    const refused = await fetch(`${s.url}/api/v1/messages`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json', 'x-request-id': 'evil-1' },
      body: '{}',
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('x-request-id')).toBe('evil-1');
    expect(byId('evil-1')[0]).toMatchObject({ status: 403, path: '/api/v1/messages' });
  });

  it('names the JSON-RPC method and the tool on MCP lines', async () => {
    const { s, lines } = await start();
    const url = new URL(`${s.url}/mcp`);
    url.searchParams.set('agent', 'alice');
    let n = 0;
    const transport = new StreamableHTTPClientTransport(url, {
      // Each request its own id, as a tracing proxy would give.
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        n += 1;
        headers.set('x-request-id', `mcp-${n}`);
        return fetch(input, { ...init, headers });
      },
    });
    const client = new Client({ name: 'log-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      await client.callTool({ name: 'teammate_whoami', arguments: {} });
      const init = lines.find((l) => l.rpc === 'initialize');
      expect(init).toMatchObject({ method: 'POST', route: '/mcp', status: 200, agent: 'alice', team: 'default' });
      expect(String(init?.reqId)).toMatch(/^mcp-\d+$/);
      const call = lines.find((l) => l.tool === 'teammate_whoami');
      expect(call).toMatchObject({
        rpc: 'tools/call',
        route: '/mcp',
        status: 200,
        agent: 'alice',
        team: 'default',
      });
      expect(String(call?.reqId)).toMatch(/^mcp-\d+$/);
      expect(call?.reqId).not.toBe(init?.reqId);
    } finally {
      await transport.terminateSession().catch(() => {});
      await client.close();
    }
  });
});
