/**
 * `GET /metrics` on a real server and database: the counters move with the work (sends, reads,
 * claims raced by several agents, hand-offs, reviews, refused sends), the duration histograms
 * carry route patterns and tool names, and token mode asks for a team-admin token. The team
 * label cap and the skipping of relayed events are checked on the metrics themselves.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHANNEL_METHOD } from '../../mcp/push.js';
import { createBus } from '../../server/bus.js';
import { dialectOf } from '../../server/db/connection.js';
import { baseCtx } from '../../server/identity.js';
import { createMetrics, OTHER_TEAMS, TEAM_LABEL_LIMIT } from '../../server/metrics.js';
import { createCtx } from '../../server/ops/context.js';
import { mintToken } from '../../server/ops/tokens.js';
import { createWorld, type TestWorld } from '../helpers/ctx.js';
import { TEST_DIALECT } from '../helpers/db.js';
import { connectAgent, joinOverApi, startServer, type TestServer } from '../helpers/server.js';

/** The sum of the samples of `name` whose labels include `labels`; undefined when there are none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}

async function scrape(s: TestServer, token?: string): Promise<string> {
  const res = await fetch(`${s.url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  return res.text();
}

/** A JSON API call as `agent` (local mode names it in a header). */
function api(s: TestServer, agent: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${s.url}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-switchboard-agent': agent },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

describe('GET /metrics', () => {
  let s: TestServer | undefined;
  afterEach(async () => {
    await s?.destroy();
    s = undefined;
  });

  it('counts a message sent over MCP and read over the API, with its tool call, requests and transactions', async () => {
    s = await startServer();
    await joinOverApi(s, [['bob', 'dev']]);
    const alice = await connectAgent(s, { agent: 'alice' });
    try {
      expect(sample(await scrape(s), 'switchboard_messages_sent_total')).toBeUndefined();
      await alice.call('teammate_send_message', { to: 'bob', message: 'the build is green' });

      let text = await scrape(s);
      expect(sample(text, 'switchboard_messages_sent_total', { team: 'default', kind: 'message' })).toBe(1);
      expect(sample(text, 'switchboard_unread_messages', { team: 'default' })).toBe(1);
      expect(sample(text, 'switchboard_mcp_sessions')).toBe(1);
      expect(sample(text, 'switchboard_waiting_calls')).toBe(0);
      expect(
        sample(text, 'switchboard_mcp_tool_call_duration_seconds_count', {
          tool: 'teammate_send_message',
          outcome: 'ok',
        }),
      ).toBe(1);
      expect(
        sample(text, 'switchboard_http_request_duration_seconds_count', { method: 'POST', route: '/mcp' }),
      ).toBeGreaterThanOrEqual(2);
      expect(
        sample(text, 'switchboard_db_transaction_duration_seconds_count', { dialect: TEST_DIALECT, outcome: 'commit' }),
      ).toBeGreaterThan(0);
      expect(text).not.toContain('the build is green');

      const read = await api(s, 'bob', 'POST', '/inbox/check', {});
      expect(read.status).toBe(200);
      text = await scrape(s);
      expect(sample(text, 'switchboard_deliveries_total', { team: 'default', path: 'check' })).toBe(1);
      expect(sample(text, 'switchboard_unread_messages', { team: 'default' })).toBeUndefined();
      // The route pattern labels the histogram, and /metrics itself is timed like any route.
      expect(
        sample(text, 'switchboard_http_request_duration_seconds_count', {
          method: 'POST',
          route: '/api/v1/inbox/check',
          status: '200',
        }),
      ).toBe(1);
      expect(
        sample(text, 'switchboard_http_request_duration_seconds_bucket', { route: '/metrics', le: '+Inf' }),
      ).toBeGreaterThanOrEqual(2);
    } finally {
      await alice.close();
    }
  });

  it('counts deliveries by push and by a waiting call', async () => {
    s = await startServer();
    const alice = await connectAgent(s, { agent: 'alice' });
    const bob = await connectAgent(s, { agent: 'bob' });
    try {
      let pushed!: () => void;
      const push = new Promise<void>((resolve) => {
        pushed = resolve;
      });
      bob.client.fallbackNotificationHandler = async (n) => {
        if (n.method === CHANNEL_METHOD) pushed();
      };
      const waiting = bob.call('teammate_wait_for_messages', { timeout: 30, tasks: false });
      // The waiting call is registered once the gauge shows it.
      await vi.waitFor(async () => expect(sample(await scrape(s as TestServer), 'switchboard_waiting_calls')).toBe(1));
      await alice.call('teammate_send_message', { to: 'bob', message: 'ping' });
      expect((await waiting).data.messages).toHaveLength(1);
      await push;
      await vi.waitFor(async () => {
        const text = await scrape(s as TestServer);
        expect(sample(text, 'switchboard_deliveries_total', { team: 'default', path: 'push' })).toBe(1);
        expect(sample(text, 'switchboard_deliveries_total', { team: 'default', path: 'wait' })).toBe(1);
        expect(sample(text, 'switchboard_waiting_calls')).toBe(0);
        expect(sample(text, 'switchboard_mcp_sessions')).toBe(2);
      });
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  it('counts claims won and lost after a race, then the hand-off and the review verdict', async () => {
    s = await startServer();
    const racers = ['alice', 'bob', 'carol', 'dave'];
    await joinOverApi(s, [...racers.map((n): [string, string] => [n, 'dev']), ['erin', 'reviewer']]);
    expect((await api(s, 'alice', 'POST', '/tasks', { title: 'Fix the flaky test' })).status).toBe(201);

    const statuses = await Promise.all(
      racers.map(async (n) => (await api(s as TestServer, n, 'POST', '/tasks/1/claim', {})).status),
    );
    expect(statuses.filter((x) => x === 200)).toHaveLength(1);
    expect(statuses.filter((x) => x === 409)).toHaveLength(3);
    const winner = racers[statuses.indexOf(200)] as string;
    const taker = racers.find((n) => n !== winner) as string;

    expect((await api(s, winner, 'POST', '/tasks/1/handoff', { to: taker, note: 'tests pass locally' })).status).toBe(
      200,
    );
    expect((await api(s, taker, 'POST', '/tasks/1/handoff/respond', { accept: true })).status).toBe(200);
    const asked = await api(s, taker, 'POST', '/tasks/1/reviews', { reviewer: 'erin' });
    expect(asked.status).toBe(201);
    const review = (await asked.json()) as { id: string };
    const submitted = await api(s, 'erin', 'POST', `/reviews/${review.id}/submit`, {
      verdict: 'changes_requested',
      comments: 'add a regression test',
    });
    expect(submitted.status).toBe(200);

    const text = await scrape(s);
    expect(sample(text, 'switchboard_claims_total', { team: 'default', outcome: 'won' })).toBe(1);
    expect(sample(text, 'switchboard_claims_total', { team: 'default', outcome: 'lost' })).toBe(3);
    expect(sample(text, 'switchboard_handoffs_total', { team: 'default', step: 'offered' })).toBe(1);
    expect(sample(text, 'switchboard_handoffs_total', { team: 'default', step: 'accepted' })).toBe(1);
    expect(sample(text, 'switchboard_reviews_total', { team: 'default', verdict: 'changes_requested' })).toBe(1);
    expect(sample(text, 'switchboard_reviews_total', { verdict: 'approved' })).toBeUndefined();
    expect(
      sample(text, 'switchboard_http_request_duration_seconds_count', {
        route: '/api/v1/tasks/:ref/claim',
        status: '409',
      }),
    ).toBe(3);
  });

  it('counts sends refused by the rate limit', async () => {
    s = await startServer({ limits: { sendsPerMinute: 1 } });
    await joinOverApi(s, [
      ['alice', 'dev'],
      ['bob', 'dev'],
    ]);
    expect((await api(s, 'alice', 'POST', '/messages', { to: 'bob', message: 'one' })).status).toBe(201);
    expect((await api(s, 'alice', 'POST', '/messages', { to: 'bob', message: 'two' })).status).toBe(429);
    const text = await scrape(s);
    expect(sample(text, 'switchboard_sends_rate_limited_total', { team: 'default' })).toBe(1);
    expect(sample(text, 'switchboard_messages_sent_total', { team: 'default' })).toBe(1);
    // The refused send rolled back its transaction.
    expect(
      sample(text, 'switchboard_db_transaction_duration_seconds_count', { dialect: TEST_DIALECT, outcome: 'rollback' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('needs a team-admin token in token mode', async () => {
    s = await startServer({ auth: 'token' });
    const ctx = baseCtx(s.deps);
    const agent = await mintToken(ctx, { agent: 'alice' });
    const admin = await mintToken(ctx, { agent: 'ops', scope: 'admin' });

    const anonymous = await fetch(`${s.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toContain('switchboard_');
    const notAdmin = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${agent.token}` } });
    expect(notAdmin.status).toBe(403);
    expect(((await notAdmin.json()) as { error: { message: string } }).error.message).toMatch(/team-admin token/);

    expect(sample(await scrape(s, admin.token), 'switchboard_mcp_sessions')).toBe(0);
  });
});

describe('metrics labels', () => {
  let world: TestWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it(`names at most ${TEAM_LABEL_LIMIT} teams, counts the rest as ${OTHER_TEAMS}, and leaves relayed events to their server`, async () => {
    world = await createWorld();
    const bus = createBus();
    const ctx = createCtx({ db: world.opened.db, bus }, null);
    const metrics = createMetrics({ ctx, bus, logger: pino({ level: 'silent' }), dialect: dialectOf(world.opened.db) });
    const teams = [];
    for (let i = 0; i < TEAM_LABEL_LIMIT + 2; i++)
      teams.push((await world.agent('lead', { team: `team-${i}` })).teamId);
    for (const teamId of teams) {
      bus.emit({ type: 'task.changed', teamId, taskId: 't', event: 'lease_expired', actorId: null });
    }
    bus.emit(
      { type: 'task.changed', teamId: teams[0] as string, taskId: 't', event: 'lease_expired', actorId: null },
      { origin: 'another-server' },
    );
    const text = await metrics.render();
    metrics.close();
    expect(sample(text, 'switchboard_lease_expiries_total')).toBe(TEAM_LABEL_LIMIT + 2);
    expect(sample(text, 'switchboard_lease_expiries_total', { team: OTHER_TEAMS })).toBe(2);
    const named = text.match(/switchboard_lease_expiries_total\{team="team-\d+"\}/g) ?? [];
    expect(named).toHaveLength(TEAM_LABEL_LIMIT);
  });
});
