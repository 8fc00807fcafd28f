/**
 * The server's Prometheus metrics (prom-client), one `Registry` per app, all named
 * `switchboard_*`. Where the numbers come from:
 * - committed work (messages sent, claims won, hand-offs, reviews by verdict, lease expiries):
 *   the bus events operations emit after commit, counted by one listener here; events relayed
 *   from another server sharing the database are that server's to count;
 * - outcomes that commit nothing and mail read (claims lost, sends refused by the rate limit,
 *   deliveries by reading or waiting) and transaction time: the `Meter` the operations call
 *   through `ctx.metrics` (server/ops/context.ts), so operations never import prom-client;
 * - pushes, HTTP requests and MCP tool calls: the surfaces that make them;
 * - live sessions, waiting calls and the unread backlog: read when `/metrics` is scraped.
 * Team names label the work counters for the first `TEAM_LABEL_LIMIT` teams this process
 * counts; the rest share the label `_other`, so the number of series stays bounded.
 * Never message or task text.
 */
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Bus, BusEvent } from './bus.js';
import type { Ctx, Meter } from './ops/context.js';
import { teamNames, unreadBacklog } from './ops/team-stats.js';

/** Teams that get their own label value; later ones are counted under `OTHER_TEAMS`. */
export const TEAM_LABEL_LIMIT = 10;
export const OTHER_TEAMS = '_other';

/** Seconds; from a fast read to a long waiting call (up to 300 s). */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const TX_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export type DeliveryPath = 'push' | 'wait' | 'check';

export interface MetricsDeps {
  /** A context without an actor on the app's database, for the reads made at scrape time. */
  ctx: Ctx;
  bus: Bus;
  logger: Logger;
  dialect: 'sqlite' | 'postgres';
}

/** What the gauges read at scrape time; given by the app once its parts exist. */
export interface LiveCounts {
  /** Live MCP sessions on this server. */
  sessions: () => number;
  /** Waiting calls (`teammate_wait_for_messages`) in flight on this server. */
  waiting: () => number;
}

export interface Metrics extends Meter {
  registry: Registry;
  /** `count` messages handed to their recipient by `path`. */
  delivered: (teamId: string, path: DeliveryPath, count: number) => void;
  /** A finished HTTP request: `route` is the matched route pattern, never the raw path. */
  httpRequest: (method: string, route: string, status: number, seconds: number) => void;
  /** A finished MCP tool call: `outcome` is `ok` or the error code. */
  toolCall: (tool: string, outcome: string, seconds: number) => void;
  /** Sets where the live gauges read from. */
  watch: (live: LiveCounts) => void;
  /** The exposition text, once team-name lookups under way have finished. */
  render: () => Promise<string>;
  /** The exposition's `Content-Type`. */
  contentType: string;
  /** Stops listening to the bus. */
  close: () => void;
}

/**
 * Maps team ids to label values: the name for the first `limit` teams seen, `_other` after.
 * A name not yet known is looked up once; counts wait for it (`settled` before a scrape).
 */
function createTeamLabels(ctx: Ctx, limit: number, logger: Logger) {
  const names = new Map<string, string>();
  const looking = new Map<string, Promise<string>>();
  const place = (teamId: string, name: string | undefined): string => {
    const known = names.get(teamId);
    if (known !== undefined) return known;
    if (name === undefined || names.size >= limit) return OTHER_TEAMS;
    names.set(teamId, name);
    return name;
  };
  const of = (teamId: string): string | Promise<string> => {
    const known = names.get(teamId);
    if (known !== undefined) return known;
    if (names.size >= limit) return OTHER_TEAMS;
    let p = looking.get(teamId);
    if (!p) {
      p = teamNames(ctx, [teamId])
        .then((m) => place(teamId, m.get(teamId)))
        .catch((err) => {
          logger.warn({ err }, 'metrics: looking up a team name failed');
          return OTHER_TEAMS;
        })
        .finally(() => looking.delete(teamId));
      looking.set(teamId, p);
    }
    return p;
  };
  return {
    place,
    /** Calls `fn` with the team's label value, now if known, else after the lookup. */
    with(teamId: string, fn: (team: string) => void): void {
      const label = of(teamId);
      if (typeof label === 'string') fn(label);
      else void label.then(fn);
    },
    settled: async () => {
      await Promise.all(looking.values());
    },
  };
}

/** Builds the metrics of one app and starts counting its bus events. */
export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const teams = createTeamLabels(deps.ctx, TEAM_LABEL_LIMIT, deps.logger);
  let live: LiveCounts = { sessions: () => 0, waiting: () => 0 };

  const messagesSent = new Counter({
    name: 'switchboard_messages_sent_total',
    help: 'Messages stored (each once, whatever the number of recipients), by team and kind.',
    labelNames: ['team', 'kind'] as const,
    registers,
  });
  const deliveries = new Counter({
    name: 'switchboard_deliveries_total',
    help: 'Messages handed to a recipient, by path: push (a live MCP session), wait (a waiting call), check (reading the inbox).',
    labelNames: ['team', 'path'] as const,
    registers,
  });
  const rateLimited = new Counter({
    name: 'switchboard_sends_rate_limited_total',
    help: 'Sends refused by the per-agent rate limit.',
    labelNames: ['team'] as const,
    registers,
  });
  const claims = new Counter({
    name: 'switchboard_claims_total',
    help: 'Claims by outcome: won, or lost (the conditional update missed: held, blocked, reserved or finished).',
    labelNames: ['team', 'outcome'] as const,
    registers,
  });
  const handoffs = new Counter({
    name: 'switchboard_handoffs_total',
    help: 'Hand-offs by step: offered, accepted, declined; and delegations.',
    labelNames: ['team', 'step'] as const,
    registers,
  });
  const reviews = new Counter({
    name: 'switchboard_reviews_total',
    help: 'Reviews submitted, by verdict.',
    labelNames: ['team', 'verdict'] as const,
    registers,
  });
  const leaseExpiries = new Counter({
    name: 'switchboard_lease_expiries_total',
    help: 'Claims whose lease ran out (the task went back to open).',
    labelNames: ['team'] as const,
    registers,
  });
  new Gauge({
    name: 'switchboard_mcp_sessions',
    help: 'Live MCP sessions on this server.',
    registers,
    collect() {
      this.set(live.sessions());
    },
  });
  new Gauge({
    name: 'switchboard_waiting_calls',
    help: 'Waiting calls (teammate_wait_for_messages) in flight on this server.',
    registers,
    collect() {
      this.set(live.waiting());
    },
  });
  new Gauge({
    name: 'switchboard_unread_messages',
    help: 'Unread mail (deliveries not yet read) in the database, by team; read at scrape time.',
    labelNames: ['team'] as const,
    registers,
    async collect() {
      this.reset();
      try {
        const sums = new Map<string, number>();
        for (const b of await unreadBacklog(deps.ctx)) {
          const team = teams.place(b.teamId, b.team);
          sums.set(team, (sums.get(team) ?? 0) + b.unread);
        }
        for (const [team, n] of sums) this.set({ team }, n);
      } catch (err) {
        deps.logger.warn({ err }, 'metrics: reading the unread backlog failed');
      }
    },
  });
  const httpDuration = new Histogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'HTTP requests until the response starts, by method, route pattern and status (a stream counts until it opens).',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const toolDuration = new Histogram({
    name: 'switchboard_mcp_tool_call_duration_seconds',
    help: 'MCP tool calls by tool and outcome (ok, or the error code).',
    labelNames: ['tool', 'outcome'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const txDuration = new Histogram({
    name: 'switchboard_db_transaction_duration_seconds',
    help: 'Database transactions from BEGIN to COMMIT or rollback, by dialect and outcome.',
    labelNames: ['dialect', 'outcome'] as const,
    buckets: TX_BUCKETS,
    registers,
  });

  const onTaskEvent = (e: Extract<BusEvent, { type: 'task.changed' }>) => {
    switch (e.event) {
      case 'claimed':
        return teams.with(e.teamId, (team) => claims.inc({ team, outcome: 'won' }));
      case 'handoff_offered':
      case 'handoff_accepted':
      case 'handoff_declined':
        return teams.with(e.teamId, (team) => handoffs.inc({ team, step: e.event.slice('handoff_'.length) }));
      case 'delegated':
        return teams.with(e.teamId, (team) => handoffs.inc({ team, step: 'delegated' }));
      case 'review_submitted':
        return teams.with(e.teamId, (team) => reviews.inc({ team, verdict: e.verdict ?? 'unknown' }));
      case 'lease_expired':
        return teams.with(e.teamId, (team) => leaseExpiries.inc({ team }));
    }
  };
  const unsubscribe = deps.bus.subscribe((e, source) => {
    if (source) return;
    if (e.type === 'message.created') {
      const kind = e.message?.kind ?? 'message';
      teams.with(e.teamId, (team) => messagesSent.inc({ team, kind }));
    } else if (e.type === 'task.changed') {
      onTaskEvent(e);
    }
  });

  return {
    registry,
    contentType: registry.contentType,
    claimLost: (teamId) => teams.with(teamId, (team) => claims.inc({ team, outcome: 'lost' })),
    sendRateLimited: (teamId) => teams.with(teamId, (team) => rateLimited.inc({ team })),
    delivered: (teamId, path, count) => teams.with(teamId, (team) => deliveries.inc({ team, path }, count)),
    transaction: (seconds, outcome) => txDuration.observe({ dialect: deps.dialect, outcome }, seconds),
    httpRequest: (method, route, status, seconds) =>
      httpDuration.observe({ method, route, status: String(status) }, seconds),
    toolCall: (tool, outcome, seconds) => toolDuration.observe({ tool, outcome }, seconds),
    watch: (l) => {
      live = l;
    },
    render: async () => {
      await teams.settled();
      return registry.metrics();
    },
    close: unsubscribe,
  };
}
