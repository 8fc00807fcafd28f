/**
 * Property-based fuzzing (fast-check) of every MCP tool (from the tool table's JSON Schemas)
 * and every JSON API route (from the app's route list): random, schema-shaped and malformed
 * input. Properties: the server never crashes or answers 500; every error is one of the domain
 * codes with a message free of internals (no stack, no SQL); a refused call changes nothing.
 * Runs are bounded (FUZZ_RUNS, default 40 per tool or route) to keep CI time small.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTools } from '../../mcp/server.js';
import {
  codeOf,
  connect,
  type Fixture,
  type Harness,
  harness,
  MCP_HEADERS,
  type McpAgent,
  seed,
  snapshot,
} from './fixture.js';
import { HOSTILE_STRINGS } from './hostile.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const DOMAIN_CODES = ['invalid', 'not_found', 'conflict', 'forbidden', 'unauthorized', 'rate_limited', 'too_large'];
// A stack frame is `at file:line:col`; the column keeps prose such as "empty at timeout" in JSON from matching.
const INTERNALS =
  /SQLITE|sqlite3|kysely|node_modules|\bat [^\s"]+:\d+:\d+|TypeError|ReferenceError|Cannot read prop|undefined is not/i;

/** Strings that sometimes point at real objects, so fuzzing reaches past the lookups. */
function refs(f: Fixture): string[] {
  return [f.t1.id, f.t4.id, f.review, f.message, f.direct, '#1', '1', 'alice', 'bob', 'carol', '*', 'role:reviewer'];
}

const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(...HOSTILE_STRINGS.map((h) => h.value)),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** An arbitrary value for a JSON Schema: usually of the right shape, sometimes junk. */
function fromSchema(schema: any, f: Fixture, key = ''): fc.Arbitrary<unknown> {
  if (key === 'timeout') {
    // Waiting for real would stall the run: only "return at once" or invalid timeouts.
    return fc.oneof(fc.constant(0), fc.integer({ min: 301 }), fc.integer({ max: -1 }), junk);
  }
  const shaped = (): fc.Arbitrary<unknown> => {
    if (schema?.enum) return fc.constantFrom(...schema.enum);
    if (schema?.const !== undefined) return fc.constant(schema.const);
    const alts = schema?.anyOf ?? schema?.oneOf;
    if (alts) return fc.oneof(...alts.map((s: any) => fromSchema(s, f, key)));
    switch (schema?.type) {
      case 'string':
        return fc.oneof(
          fc.string({ maxLength: Math.min(80, (schema.maxLength ?? 60) + 2) }),
          fc.constantFrom(...refs(f)),
          fc.constantFrom(...HOSTILE_STRINGS.map((h) => h.value)),
        );
      case 'integer':
        return fc.oneof(fc.integer({ min: -3, max: 250 }), fc.constantFrom(0, -1, 2 ** 31, Number.MAX_SAFE_INTEGER));
      case 'number':
        return fc.oneof(fc.integer({ min: -3, max: 250 }), fc.double({ noNaN: true, noDefaultInfinity: true }));
      case 'boolean':
        return fc.boolean();
      case 'array':
        return fc.array(fromSchema(schema.items ?? {}, f, key), { maxLength: 4 });
      case 'object': {
        const props = Object.entries((schema.properties ?? {}) as Record<string, unknown>);
        const record: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [k, s] of props) record[k] = fromSchema(s, f, k);
        return fc.record(record, { requiredKeys: [] });
      }
      default:
        return junk;
    }
  };
  return fc.oneof({ weight: 4, arbitrary: shaped() }, { weight: 1, arbitrary: junk });
}

function expectDomainError(error: { code: string; message: string } | undefined, label: string) {
  expect(error, label).toBeDefined();
  expect(DOMAIN_CODES, `${label}: ${JSON.stringify(error)}`).toContain(error?.code);
  expect(error?.message ?? '', label).not.toMatch(INTERNALS);
}

describe('fuzzing every MCP tool', () => {
  let h: Harness;
  let f: Fixture;
  let alice: McpAgent;
  beforeAll(async () => {
    h = await harness({ serve: true, limits: { sendsPerMinute: 1_000_000 } });
    f = await seed(h.deps);
    alice = await connect(h.url, { agent: 'alice' });
  });
  afterAll(async () => {
    await alice.close();
    await h.close();
  });

  for (const tool of listTools()) {
    it(`${tool.name}: random and malformed arguments`, async () => {
      const args = fc
        .oneof(
          { weight: 3, arbitrary: fromSchema(tool.inputSchema, f) },
          { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 })) },
        )
        // A waiting call without a timeout would wait its default 30 s: make it return at once.
        .map((a) =>
          tool.name === 'teammate_wait_for_messages' &&
          a &&
          typeof a === 'object' &&
          !Array.isArray(a) &&
          !('timeout' in a)
            ? { ...a, timeout: 0 }
            : a,
        );
      await fc.assert(
        fc.asyncProperty(args, async (a) => {
          const before = await snapshot(h.opened.db);
          const r = await alice.call(tool.name, a as Record<string, unknown>).catch((err: Error) => err);
          if (r instanceof Error) {
            // Refused before the tool: arguments that are not an object (by the protocol layer),
            // or text that is not valid Unicode (by the HTTP guard, 400).
            const notObject = Array.isArray(a) || typeof a !== 'object' || a === null;
            expect(r.message).toMatch(notObject ? /arguments|unpaired UTF-16 surrogate/ : /unpaired UTF-16 surrogate/);
            expect(await snapshot(h.opened.db)).toBe(before);
            return;
          }
          const code = codeOf(r);
          if (code !== null) {
            expectDomainError(r.data?.error, `${tool.name} ${JSON.stringify(a).slice(0, 200)}`);
            expect(await snapshot(h.opened.db), `${tool.name} changed state on ${code}`).toBe(before);
          }
        }),
        { numRuns: RUNS },
      );
      // Still serving.
      expect(codeOf(await alice.call('teammate_whoami'))).toBeNull();
    });
  }

  it('malformed JSON-RPC messages on a live session: never a 500, the session keeps working', async () => {
    const methods = [
      'tools/call',
      'tools/list',
      'initialize',
      'resources/read',
      'resources/subscribe',
      'ping',
      'nope/none',
    ];
    const message = fc.oneof(
      fc.record(
        {
          jsonrpc: fc.oneof(fc.constant('2.0'), junk),
          id: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null), junk),
          method: fc.oneof(fc.constantFrom(...methods), junk),
          params: fc.oneof(
            fc.record({ name: fc.oneof(fc.constantFrom(...listTools().map((t) => t.name)), junk), arguments: junk }),
            junk,
          ),
        },
        { requiredKeys: [] },
      ),
      fc.array(junk, { maxLength: 3 }),
      junk,
    );
    const session = alice.transport.sessionId as string;
    await fc.assert(
      fc.asyncProperty(message, async (m) => {
        const before = await snapshot(h.opened.db);
        const res = await fetch(`${h.url}/mcp?agent=alice`, {
          method: 'POST',
          headers: { ...MCP_HEADERS, 'mcp-session-id': session },
          body: JSON.stringify(m),
        });
        const text = await res.text();
        expect(res.status, text).toBeLessThan(500);
        expect(text).not.toMatch(INTERNALS);
        if (res.status >= 400) expect(await snapshot(h.opened.db)).toBe(before);
      }),
      { numRuns: RUNS * 3 },
    );
    expect(codeOf(await alice.call('teammate_whoami'))).toBeNull();
  });

  it('random bytes as a request body (MCP and API): refused with a 4xx, nothing changes', async () => {
    const before = await snapshot(h.opened.db);
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom('/mcp', '/api/v1/messages'),
        async (bytes, path) => {
          const res = await fetch(`${h.url}${path}`, {
            method: 'POST',
            headers: { ...MCP_HEADERS, 'x-switchboard-agent': 'alice' },
            body: bytes,
          });
          const text = await res.text();
          expect(res.status, text).toBeGreaterThanOrEqual(400);
          expect(res.status, text).toBeLessThan(500);
          expect(text).not.toMatch(INTERNALS);
        },
      ),
      { numRuns: RUNS * 3 },
    );
    expect(await snapshot(h.opened.db)).toBe(before);
  });
});

describe('fuzzing every JSON API route', () => {
  let h: Harness;
  let f: Fixture;
  beforeAll(async () => {
    h = await harness({ limits: { sendsPerMinute: 1_000_000 } });
    f = await seed(h.deps);
  });
  afterAll(async () => {
    await h.close();
  });

  it('covers the registered routes', () => {
    expect(apiRoutes(h).length).toBeGreaterThanOrEqual(27);
  });

  const routeArb = (path: string) => {
    // Path parameters: real ids sometimes, traversal and encoded junk otherwise.
    const param = fc.oneof(
      fc.constantFrom(...refs(f)),
      fc.constantFrom('..', '..%2F..%2Fetc%2Fpasswd', '%00', '%FF', '%E2%80%AE', "1'%20OR%201=1--", 'a'.repeat(300)),
      fc.string({ maxLength: 20 }).map(encodeURIComponent),
    );
    const segments = path.split('/').map((s) => (s.startsWith(':') ? param : fc.constant(s)));
    return fc.tuple(...segments).map((parts) => parts.join('/'));
  };
  const query = fc
    .array(
      fc.tuple(
        fc.constantFrom(
          'limit',
          'status',
          'mine',
          'ready',
          'label',
          'text',
          'cursor',
          'thread',
          'unreadOnly',
          'before',
          'x',
        ),
        fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('-1', '1e9', 'true', 'NaN', '', '%', '[]')),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => (pairs.length ? `?${new URLSearchParams(pairs).toString()}` : ''));

  it('random paths, queries and bodies on every route: never a 500, refusals change nothing', async () => {
    for (const { method, path } of apiRoutes(h)) {
      const body = fc.oneof(
        fc.dictionary(
          fc.oneof(
            fc.constantFrom(
              'to',
              'message',
              'title',
              'task',
              'ids',
              'thread',
              'summary',
              'verdict',
              'note',
              'name',
              'accept',
            ),
            fc.string({ maxLength: 10 }),
          ),
          fc.oneof(junk, fc.constantFrom(...refs(f))),
        ),
        junk,
      );
      await fc.assert(
        fc.asyncProperty(
          routeArb(path),
          query,
          body,
          fc.constantFrom('alice', 'bob', 'mallory', 'nobody'),
          async (p, q, b, who) => {
            const before = await snapshot(h.opened.db);
            const headers: Record<string, string> = { 'content-type': 'application/json', 'x-switchboard-agent': who };
            if (who === 'mallory') headers['x-switchboard-team'] = 'other';
            const res = await h.request(`${p}${q}`, {
              method,
              headers,
              ...(method !== 'GET' && { body: JSON.stringify(b) }),
            });
            const text = await res.text();
            const label = `${method} ${p}${q} as ${who}: ${text.slice(0, 300)}`;
            expect(res.status, label).toBeLessThan(500);
            if (res.status >= 400) {
              expectDomainError(JSON.parse(text).error, label);
              expect(await snapshot(h.opened.db), label).toBe(before);
            }
          },
        ),
        { numRuns: RUNS },
      );
    }
  });
});

function apiRoutes(h: Harness): { method: string; path: string }[] {
  const seen = new Set<string>();
  return h.sb.app.routes
    .filter((r) => r.path.startsWith('/api/') && r.method !== 'ALL')
    .filter((r) => !seen.has(`${r.method} ${r.path}`) && seen.add(`${r.method} ${r.path}`))
    .map((r) => ({ method: r.method, path: r.path }));
}
