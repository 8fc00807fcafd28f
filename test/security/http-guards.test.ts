/**
 * Requests a browser or a broken client could send: DNS-rebinding `Host` headers, cross-site
 * `Origin`s and `Sec-Fetch-Site`, non-JSON content types, oversized, badly encoded and deeply
 * nested bodies. Each is refused with a clear error before any handler runs, and changes nothing.
 */
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../server/middleware/body.js';
import { harness, initializeBody, MCP_HEADERS, seed, snapshot } from './fixture.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

/** A raw HTTP request with any Host header (fetch would not let us set it). */
function raw(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean },
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: opts.method ?? 'GET',
        headers: opts.headers,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) {
      if (opts.chunked) {
        // Two writes without Content-Length: the body arrives chunked.
        const b = Buffer.from(opts.body);
        req.write(b.subarray(0, b.length >> 1));
        req.write(b.subarray(b.length >> 1));
      } else req.write(opts.body);
    }
    req.end();
  });
}

describe('Host header (DNS rebinding)', () => {
  it('refuses names that are not this server on every surface, over real HTTP', async () => {
    const h = await harness({ serve: true });
    try {
      const port = new URL(h.url).port;
      for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1.evil.example:${port}`, 'localhost.:80']) {
        for (const path of ['/healthz', '/api/v1/me', '/mcp', '/']) {
          const r = await raw(`${h.url}${path}`, { headers: { host, 'x-switchboard-agent': 'alice' } });
          expect(r.status, `${host} ${path}`).toBe(403);
          expect(JSON.parse(r.body).error.message).toMatch(/DNS rebinding/);
        }
      }
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `127.0.0.2:${port}`]) {
        const r = await raw(`${h.url}/healthz`, { headers: { host } });
        expect(r.status, host).toBe(200);
      }
    } finally {
      await h.close();
    }
  });

  it('accepts hosts and origins listed in the configuration', async () => {
    const h = await harness({ origins: { hosts: ['switchboard.internal'], origins: ['https://board.example.com'] } });
    try {
      expect((await h.sb.app.request('http://switchboard.internal/healthz')).status).toBe(200);
      expect((await h.sb.app.request('http://other.internal/healthz')).status).toBe(403);
      const ok = await h.request('/healthz', { headers: { origin: 'https://board.example.com' } });
      expect(ok.status).toBe(200);
    } finally {
      await h.close();
    }
  });
});

describe('Origin and Sec-Fetch-Site (drive-by pages)', () => {
  it('refuses cross-origin MCP session opens and API writes, and changes nothing', async () => {
    const h = await harness({ serve: true });
    try {
      await seed(h.deps);
      const before = await snapshot(h.opened.db);
      for (const origin of ['http://evil.example', 'null', 'http://localhost:3000', 'http://127.0.0.1:1', 'file://']) {
        const init = await fetch(`${h.url}/mcp?agent=alice`, {
          method: 'POST',
          headers: { ...MCP_HEADERS, origin },
          body: JSON.stringify(initializeBody()),
        });
        expect(init.status, origin).toBe(403);
        expect(((await init.json()) as any).error.message).toMatch(/cross-origin/);
        const send = await fetch(`${h.url}/api/v1/messages`, {
          method: 'POST',
          headers: { ...JSON_HEADERS, origin, 'x-switchboard-agent': 'alice' },
          body: JSON.stringify({ to: 'bob', message: 'drive-by' }),
        });
        expect(send.status, origin).toBe(403);
      }
      expect(h.sb.mcp.sessions.size).toBe(0);
      expect(await snapshot(h.opened.db)).toBe(before);
      // The server's own origin is fine.
      const own = await fetch(`${h.url}/api/v1/me`, { headers: { origin: h.url, 'x-switchboard-agent': 'alice' } });
      expect(own.status).toBe(200);
    } finally {
      await h.close();
    }
  });

  it('refuses cross-site and same-site browser requests without an Origin where they could do harm', async () => {
    const h = await harness();
    try {
      await seed(h.deps);
      const before = await snapshot(h.opened.db);
      for (const site of ['cross-site', 'same-site']) {
        const post = await h.request('/api/v1/messages', {
          method: 'POST',
          headers: { ...JSON_HEADERS, 'sec-fetch-site': site, 'x-switchboard-agent': 'alice' },
          body: JSON.stringify({ to: 'bob', message: 'x' }),
        });
        expect(post.status).toBe(403);
        const read = await h.request('/api/v1/inbox', {
          headers: { 'sec-fetch-site': site, 'x-switchboard-agent': 'bob' },
        });
        expect(read.status).toBe(403);
        const board = await h.request('/t/default/tasks', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': site },
          body: 'title=planted',
        });
        expect(board.status).toBe(403);
      }
      expect(await snapshot(h.opened.db)).toBe(before);
      // A link followed from another site to a board page is a plain navigation: not refused by the guard.
      const nav = await h.request('/healthz', { headers: { 'sec-fetch-site': 'cross-site' } });
      expect(nav.status).toBe(200);
      const same = await h.request('/api/v1/me', {
        headers: { 'sec-fetch-site': 'same-origin', 'x-switchboard-agent': 'alice' },
      });
      expect(same.status).toBe(200);
    } finally {
      await h.close();
    }
  });

  it('refuses a cross-site board form post (Origin of another site)', async () => {
    const h = await harness();
    try {
      await seed(h.deps);
      const before = await snapshot(h.opened.db);
      const r = await h.request('/t/default/tasks', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
        body: 'title=planted',
      });
      expect(r.status).toBe(403);
      expect(await snapshot(h.opened.db)).toBe(before);
    } finally {
      await h.close();
    }
  });
});

describe('JSON bodies only', () => {
  it('requires Content-Type application/json on API and MCP writes (415 naming what was sent)', async () => {
    const h = await harness();
    try {
      await seed(h.deps);
      const before = await snapshot(h.opened.db);
      const body = JSON.stringify({ to: 'bob', message: 'x' });
      for (const type of [
        undefined,
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=latin1',
      ]) {
        const headers: Record<string, string> = {
          'x-switchboard-agent': 'alice',
          ...(type && { 'content-type': type }),
        };
        const r = await h.request('/api/v1/messages', { method: 'POST', headers, body });
        expect(r.status, String(type)).toBe(415);
        expect(((await r.json()) as any).error.message).toMatch(/Content-Type must be application\/json/);
        const m = await h.request('/mcp?agent=alice', {
          method: 'POST',
          headers: { accept: MCP_HEADERS.accept, ...(type && { 'content-type': type }) },
          body: JSON.stringify(initializeBody()),
        });
        expect(m.status, String(type)).toBe(415);
      }
      expect(await snapshot(h.opened.db)).toBe(before);
      const ok = await h.request('/api/v1/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=UTF-8', 'x-switchboard-agent': 'alice' },
        body,
      });
      expect(ok.status).toBe(201);
    } finally {
      await h.close();
    }
  });

  it('refuses bodies that are not valid UTF-8, and JSON nested deeper than the limit', async () => {
    const h = await harness();
    try {
      await seed(h.deps);
      const before = await snapshot(h.opened.db);
      const headers = { ...JSON_HEADERS, 'x-switchboard-agent': 'alice' };
      for (const bad of [
        [0xff, 0xfe],
        [0xc3, 0x28],
        [0xed, 0xa0, 0x80],
        [0xf4, 0x90, 0x80, 0x80],
      ]) {
        const bytes = Buffer.concat([Buffer.from('{"to":"bob","message":"'), Buffer.from(bad), Buffer.from('"}')]);
        const r = await h.request('/api/v1/messages', { method: 'POST', headers, body: bytes });
        expect(r.status).toBe(400);
        expect(((await r.json()) as any).error.message).toMatch(/not valid UTF-8/);
      }
      const nest = (n: number) => `{"to":"bob","message":"x","subject":${'['.repeat(n)}${']'.repeat(n)}}`;
      const deep = await h.request('/api/v1/messages', { method: 'POST', headers, body: nest(MAX_JSON_DEPTH) });
      expect(deep.status).toBe(400);
      expect(((await deep.json()) as any).error.message).toMatch(`deeper than ${MAX_JSON_DEPTH} levels`);
      // At the limit the guard lets it through; the operation's schema then refuses the shape.
      const atLimit = await h.request('/api/v1/messages', { method: 'POST', headers, body: nest(MAX_JSON_DEPTH - 1) });
      expect(atLimit.status).toBe(400);
      expect(((await atLimit.json()) as any).error.message).toMatch(/subject/);
      // Brackets inside strings do not count.
      const inString = await h.request('/api/v1/messages', {
        method: 'POST',
        headers,
        body: JSON.stringify({ to: 'bob', message: '['.repeat(500) }),
      });
      expect(inString.status).toBe(201);
      const afterOk = await snapshot(h.opened.db);
      expect(afterOk).not.toBe(before);
    } finally {
      await h.close();
    }
  });

  it('limits request size at the configured number of bytes, with or without Content-Length', async () => {
    const h = await harness({ serve: true, limits: { maxRequestBytes: 2048 } });
    try {
      await seed(h.deps);
      const envelope = (n: number) => {
        const head = '{"to":"bob","message":"';
        const tail = '"}';
        return head + 'a'.repeat(n - head.length - tail.length) + tail;
      };
      const headers = { ...JSON_HEADERS, 'x-switchboard-agent': 'alice', host: new URL(h.url).host };
      const exact = await raw(`${h.url}/api/v1/messages`, { method: 'POST', headers, body: envelope(2048) });
      expect(exact.status).toBe(201);
      const before = await snapshot(h.opened.db);
      const over = await raw(`${h.url}/api/v1/messages`, { method: 'POST', headers, body: envelope(2049) });
      expect(over.status).toBe(413);
      expect(JSON.parse(over.body).error).toMatchObject({ code: 'too_large', message: /2048 bytes/ });
      const chunked = await raw(`${h.url}/api/v1/messages`, {
        method: 'POST',
        headers,
        body: envelope(5000),
        chunked: true,
      });
      expect(chunked.status).toBe(413);
      const mcp = await raw(`${h.url}/mcp?agent=alice`, {
        method: 'POST',
        headers: { ...MCP_HEADERS, host: new URL(h.url).host },
        body: JSON.stringify({ ...initializeBody(), pad: 'x'.repeat(3000) }),
      });
      expect(mcp.status).toBe(413);
      expect(await snapshot(h.opened.db)).toBe(before);
      expect(h.sb.mcp.sessions.size).toBe(0);
    } finally {
      await h.close();
    }
  });
});
