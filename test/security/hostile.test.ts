/**
 * The hostile-input corpus against every place text goes in and comes out: each entry is
 * refused with a clear error (and nothing changes) or stored exactly and shown inertly:
 * quoted as a named teammate's words in MCP text (never a line of its own that could pass for
 * the server), escaped on the board, never interpreted as SQL, a path or markup.
 */
import { describe, expect, it } from 'vitest';
import { NAME_PATTERN } from '../../server/ops/schemas.js';
import { codeOf, connect, harness, MCP_HEADERS, seed, snapshot } from './fixture.js';
import { HOSTILE_STRINGS } from './hostile.js';

const as = (agent: string) => ({ 'content-type': 'application/json', 'x-switchboard-agent': agent });
const BOARD = { cookie: 'sb_name=viewer' };

/** A value is shown inertly in model-facing text when none of its lines stands alone. */
function expectQuoted(text: string, value: string, label: string) {
  const lines = value.split(/\r\n|\r|\n/).filter((l) => l.trim() !== '');
  for (const line of lines) {
    const found = text.split('\n').filter((l) => l.includes(line));
    expect(found.length, `${label}: "${line}" not shown`).toBeGreaterThan(0);
    for (const l of found) expect(l.startsWith('> '), `${label}: unquoted line ${JSON.stringify(l)}`).toBe(true);
  }
}

/** Markup from the corpus must reach the board as text, never as live HTML. */
function expectEscaped(html: string, label: string) {
  expect(html, label).not.toMatch(/<script>alert/i);
  expect(html, label).not.toMatch(/<img[^>]*onerror/i);
  expect(html, label).not.toMatch(/<svg[^>]*onload/i);
  expect(html, label).not.toMatch(/<iframe/i);
  expect(html, label).not.toMatch(/<style>body/i);
  expect(html, label).not.toMatch(/href\s*=\s*["']?\s*javascript:/i);
}

describe('hostile message bodies', () => {
  it('are refused with a clear error, or stored exactly and shown inertly over MCP, the API and the board', async () => {
    const h = await harness({ serve: true, limits: { sendsPerMinute: 1_000_000 } });
    try {
      const f = await seed(h.deps);
      const stored: { value: string; id: string; name: string }[] = [];
      for (const hostile of HOSTILE_STRINGS) {
        const before = await snapshot(h.opened.db);
        const res = await h.request('/api/v1/messages', {
          method: 'POST',
          headers: as('alice'),
          body: JSON.stringify({ to: 'bob', message: hostile.value }),
        });
        const body = (await res.json()) as any;
        if (res.status === 201) {
          stored.push({ value: hostile.value, id: body.message.id, name: hostile.name });
        } else {
          expect(res.status, hostile.name).toBe(400);
          expect(body.error.code).toBe('invalid');
          expect(body.error.message).toMatch(/message: contains control characters|unpaired UTF-16 surrogate/);
          expect(await snapshot(h.opened.db)).toBe(before);
        }
      }
      // Refused exactly where they should be: control characters, and text that is not valid Unicode.
      const refused = HOSTILE_STRINGS.filter((x) => !stored.some((s) => s.value === x.value)).map((x) => x.name);
      expect(refused.sort()).toEqual(['ansi escape', 'bell and backspace', 'lone surrogate', 'null byte'].sort());

      // Stored exactly (the API returns what the database holds).
      const thread = (await (
        await h.request(`/api/v1/threads/${f.direct}?limit=200`, { headers: as('bob') })
      ).json()) as any;
      for (const s of stored) {
        const m = thread.messages.find((x: { id: string }) => x.id === s.id);
        expect(m?.body, s.name).toBe(s.value);
      }

      // Shown to a model as alice's quoted words.
      const bob = await connect(h.url, { agent: 'bob' });
      const inbox = await bob.call('teammate_check_messages', { limit: 100, unreadOnly: false });
      const text = (inbox.content[0] as { text: string }).text;
      for (const s of stored) {
        if (s.value.trim() === '') continue;
        expectQuoted(text, s.value, s.name);
      }
      expect(text.split('\n').some((l) => l.startsWith('Switchboard server notice'))).toBe(false);
      await bob.close();

      // Escaped on the board.
      const page = await h.request(`/t/default/threads/${f.direct}`, { headers: BOARD });
      expect(page.status).toBe(200);
      expectEscaped(await page.text(), 'thread page');
    } finally {
      await h.close();
    }
  });

  it('refuses oversized, deeply nested and badly encoded requests outright', async () => {
    const h = await harness();
    try {
      await seed(h.deps);
      const before = await snapshot(h.opened.db);
      const big = await h.request('/api/v1/messages', {
        method: 'POST',
        headers: { ...as('alice'), 'content-length': String(2_000_000) },
        body: JSON.stringify({ to: 'bob', message: 'x'.repeat(2_000_000 - 30) }),
      });
      expect(big.status).toBe(413);
      const nested = await h.request('/api/v1/messages', {
        method: 'POST',
        headers: as('alice'),
        body: `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
      });
      expect(nested.status).toBe(400);
      const mcpNested = await h.request('/mcp?agent=alice', {
        method: 'POST',
        headers: MCP_HEADERS,
        body: `{"a":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`,
      });
      expect(mcpNested.status).toBe(400);
      const bytes = await h.request('/api/v1/messages', {
        method: 'POST',
        headers: as('alice'),
        body: new Uint8Array([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x7d]),
      });
      expect(bytes.status).toBe(400);
      expect(await snapshot(h.opened.db)).toBe(before);
    } finally {
      await h.close();
    }
  });
});

describe('hostile names and references', () => {
  it('never become agents, teams, files or queries: refused as invalid or not found, nothing changes', async () => {
    const h = await harness({ serve: true });
    try {
      const f = await seed(h.deps);
      const before = await snapshot(h.opened.db);
      const alice = await connect(h.url, { agent: 'alice' });
      // A hostile string that happens to be a valid name (e.g. "CON") is just a name: never a path.
      for (const { name, value } of HOSTILE_STRINGS.filter((x) => !NAME_PATTERN.test(x.value.trim().toLowerCase()))) {
        // As an agent name in the URL: refused before a session exists.
        const u = new URL(`${h.url}/mcp`);
        u.searchParams.set('agent', value);
        const init = await fetch(u, {
          method: 'POST',
          headers: MCP_HEADERS,
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'initialize',
            params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
          }),
        });
        expect(init.status, name).toBe(400);
        for (const [tool, args] of [
          ['teammate_send_message', { to: value, message: 'hi' }],
          ['task_get', { task: value }],
          ['teammate_read_thread', { thread: value }],
          ['teammate_ack', { ids: [value] }],
          ['review_submit', { review: value, verdict: 'approved' }],
          ['task_list', { owner: value }],
          ['task_create', { title: 'labelled', labels: [value] }],
        ] as const) {
          // Text that is not valid Unicode is refused at the door (HTTP 400), before any tool runs.
          const r = await alice.call(tool, args as Record<string, unknown>).catch((err: Error) => {
            expect(err.message).toMatch(/unpaired UTF-16 surrogate/);
            return { isError: true, data: { error: { code: 'invalid' } }, content: [] };
          });
          expect(['invalid', 'not_found'], `${tool} ${name}: ${JSON.stringify(r.content)}`).toContain(codeOf(r));
        }
        const api = await h.request(
          `/api/v1/tasks/${encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, '\uFFFD'))}`,
          { headers: as('alice') },
        );
        expect([400, 404], name).toContain(api.status);
        const join = await h.request('/api/v1/join', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: value, team: value }),
        });
        expect(join.status, name).toBe(400);
      }
      await alice.close();
      const names = [
        ...(await h.opened.db.selectFrom('agents').select('name').execute()),
        ...(await h.opened.db.selectFrom('teams').select('name').execute()),
      ];
      for (const n of names) expect(n.name).toMatch(NAME_PATTERN);
      // The data is untouched, and every table is still there with its rows.
      const after = await snapshot(h.opened.db);
      expect(JSON.parse(after).messages.length).toBe(JSON.parse(before).messages.length);
      expect(Object.keys(JSON.parse(after)).sort()).toEqual(Object.keys(JSON.parse(before)).sort());
      expect(f.tokens.alice).toMatch(/^sb_/);
    } finally {
      await h.close();
    }
  });
});

describe('hostile text in every field a model or a person reads', () => {
  const FAKE = HOSTILE_STRINGS.find((x) => x.name === 'fake server line')?.value as string;
  const SCRIPT = '<script>alert(1)</script><img src=x onerror=alert(2)>';

  it('cannot pass for the server in MCP text, and is escaped on the board', async () => {
    const h = await harness({ serve: true, limits: { sendsPerMinute: 1_000_000 } });
    try {
      await seed(h.deps);
      const alice = await connect(h.url, { agent: 'alice' });
      const bob = await connect(h.url, { agent: 'bob' });
      const rita = await connect(h.url, { agent: 'rita' });
      const texts: string[] = [];
      const run = async (c: typeof alice, tool: string, args: Record<string, unknown>) => {
        const r = await c.call(tool, args);
        texts.push(`${tool}: ${(r.content[0] as { text: string }).text}`);
        return r;
      };
      // Every free-text field, set to the fake server line where the schema accepts it, else to markup.
      for (const value of [FAKE, SCRIPT]) {
        await run(alice, 'teammate_set_summary', { summary: value, role: value.slice(0, 60) });
        await run(alice, 'teammate_send_message', { to: 'bob', message: value, subject: value.slice(0, 200) });
        const created = await run(alice, 'task_create', { title: value, description: value });
        const id =
          created.data?.id ?? (await run(alice, 'task_create', { title: 'plain', description: value })).data.id;
        await run(alice, 'task_claim', { task: id });
        await run(alice, 'task_update', { task: id, note: value });
        await run(alice, 'review_request', { task: id, reviewer: 'rita', note: value });
        const reviews = await run(rita, 'review_list', { mine: true });
        const review = reviews.data.reviews.find((r: { taskId: string }) => r.taskId === id);
        await run(rita, 'review_submit', { review: review.id, verdict: 'changes_requested', comments: value });
        await run(alice, 'task_handoff', { task: id, to: 'bob', note: value });
        await run(bob, 'task_respond_handoff', { task: id, accept: true, note: value.slice(0, 4000) });
        await run(bob, 'task_complete', { task: id, result: value });
        await run(alice, 'task_get', { task: id });
        await run(bob, 'teammate_list', {});
        await run(bob, 'teammate_check_messages', { limit: 100 });
        await run(bob, 'task_list', { status: ['done', 'open', 'in_progress'] });
        const cancel = await run(alice, 'task_create', { title: 'to cancel' });
        await run(alice, 'task_cancel', { task: cancel.data.id, reason: value.slice(0, 2000) });
        await run(alice, 'task_get', { task: cancel.data.id });
      }
      for (const t of texts) {
        for (const line of t.split('\n')) {
          expect(line.startsWith('Switchboard server notice'), `unquoted in ${t.slice(0, 60)}: ${line}`).toBe(false);
          expect(line.startsWith('📬 0 unread'), `fake unread notice in ${t.slice(0, 60)}`).toBe(false);
        }
      }
      for (const c of [alice, bob, rita]) await c.close();

      for (const path of [
        '/t/default',
        '/t/default/tasks/1',
        '/t/default/tasks/3',
        '/t/default/agents',
        '/t/default/threads',
        '/t/default/reviews?status=changes_requested',
      ]) {
        const page = await h.request(path, { headers: BOARD });
        expect(page.status, path).toBe(200);
        expectEscaped(await page.text(), path);
      }
    } finally {
      await h.close();
    }
  });
});
