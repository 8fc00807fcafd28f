/**
 * The context every operation receives: `ctx = { db, actor, now, bus, limits }`.
 * `db` may be a transaction; `withTx` runs a function in one and emits the bus events it
 * collected only after the commit, so listeners never see uncommitted state. With a `relay`
 * (several servers on one PostgreSQL database) the same events are also written for the other
 * servers, in the transaction of the change.
 */
import { type Kysely, SqliteAdapter, sql, type Transaction } from 'kysely';
import type { Bus, BusEvent } from '../bus.js';
import type { Database } from '../db/schema.js';
import { DomainError } from '../errors.js';
import type { Guards } from './guards.js';
import type { Agent } from './model.js';

/** Configurable limits enforced by operations. Sizes in characters, durations in ms. */
export interface Limits {
  /** Largest message body or task description. */
  maxBodyChars: number;
  /** Largest title, subject, summary or note that is not a body. */
  maxTitleChars: number;
  /** Most recipients one send may resolve to. */
  maxRecipients: number;
  /** How long a claim lasts without activity by its owner. */
  leaseMs: number;
  /** Sends (messages and broadcasts) per agent per minute; also the burst size (token bucket). */
  sendsPerMinute: number;
  /** Open MCP sessions per agent. */
  maxSessionsPerAgent: number;
  /** Waiting calls (`teammate_wait_for_messages`) in flight per agent. */
  maxWaitsPerAgent: number;
  /** Largest HTTP request body, in bytes. */
  maxRequestBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxBodyChars: 64_000,
  maxTitleChars: 500,
  maxRecipients: 100,
  leaseMs: 30 * 60_000,
  sendsPerMinute: 60,
  maxSessionsPerAgent: 8,
  maxWaitsPerAgent: 4,
  maxRequestBytes: 1_048_576,
};

/**
 * Carries bus events to the other servers sharing the database (server/ops/bus-events.ts
 * `createBusRelay`). Absent with SQLite: one server, nothing to relay.
 */
export interface BusRelay {
  /** Stores `events` through `db` (the change's own transaction, before its commit) and wakes the other servers. */
  record: (db: Kysely<Database> | Transaction<Database>, events: readonly BusEvent[], now: number) => Promise<void>;
  /** Told of a failed `record` made outside a transaction (the event was emitted here all the same). */
  failed: (err: unknown) => void;
}

/**
 * What operations report for the server's metrics (server/metrics.ts implements it), for
 * outcomes no bus event tells: a change that lost or was refused commits nothing, and reading
 * mail is not announced. Absent in plain operation tests. Calls are immediate (not held until
 * commit), so they must not throw.
 */
export interface Meter {
  /** A claim's conditional update missed (another agent won, or the task was not claimable). */
  claimLost: (teamId: string) => void;
  /** A send refused by the per-agent rate limit. */
  sendRateLimited: (teamId: string) => void;
  /** `count` unread messages handed to their recipient by reading the inbox or a waiting call. */
  delivered: (teamId: string, path: 'wait' | 'check', count: number) => void;
  /** One outermost transaction, from BEGIN to COMMIT or rollback (seconds). */
  transaction: (seconds: number, outcome: 'commit' | 'rollback') => void;
}

export interface Ctx {
  db: Kysely<Database> | Transaction<Database>;
  /** The acting agent, bound from the connection's credentials; null before joining. */
  actor: Agent | null;
  /** True for a team-admin token: may act on any task or review of the actor's team. */
  admin: boolean;
  /** The clock, in UTC ms. */
  now: () => number;
  bus: Bus;
  limits: Limits;
  /** Queues (in a transaction) or emits a bus event. */
  emit: (event: BusEvent) => void;
  inTx: boolean;
  /** In-memory per-agent limiters (server/ops/guards.ts); absent in plain operation tests. */
  guards?: Guards;
  /** Writes emitted events for the other servers on the database; absent with one server. */
  relay?: BusRelay;
  /** The server's metrics; absent in plain operation tests. */
  metrics?: Meter;
}

export interface CtxDeps {
  db: Kysely<Database>;
  bus: Bus;
  now?: () => number;
  limits?: Partial<Limits>;
  guards?: Guards;
  relay?: BusRelay;
  metrics?: Meter;
}

/** Builds a context for `actor` (null for unauthenticated calls such as joining). */
export function createCtx(deps: CtxDeps, actor: Agent | null, opts: { admin?: boolean } = {}): Ctx {
  const now = deps.now ?? Date.now;
  const relay = deps.relay;
  return {
    db: deps.db,
    actor,
    admin: opts.admin ?? false,
    now,
    bus: deps.bus,
    limits: { ...DEFAULT_LIMITS, ...deps.limits },
    // Outside a transaction the change is already committed: announce here, then to the others.
    emit: relay
      ? (e) => {
          deps.bus.emit(e);
          relay.record(deps.db, [e], now()).catch(relay.failed);
        }
      : (e) => deps.bus.emit(e),
    inTx: false,
    ...(deps.guards && { guards: deps.guards }),
    ...(relay && { relay }),
    ...(deps.metrics && { metrics: deps.metrics }),
  };
}

/**
 * Runs `fn` in one transaction (or in the caller's, if already inside one). Bus events
 * emitted inside are delivered after the outermost commit and dropped on rollback; with a
 * relay they are also written for the other servers as the transaction's last statements,
 * so they commit (and become visible to them) together with the change.
 * On SQLite, transactions that arrive while another is running share one commit (see
 * `commitInGroups`); `withTx` still resolves only after the commit that stores `fn`'s work.
 */
export async function withTx<T>(ctx: Ctx, fn: (tx: Ctx) => Promise<T>): Promise<T> {
  if (ctx.inTx) return fn(ctx);
  const pending: BusEvent[] = [];
  const started = ctx.metrics ? performance.now() : 0;
  const timed = (outcome: 'commit' | 'rollback') =>
    ctx.metrics?.transaction((performance.now() - started) / 1000, outcome);
  const body = async (trx: Transaction<Database>) => {
    const r = await fn({ ...ctx, db: trx, inTx: true, emit: (e) => pending.push(e) });
    if (ctx.relay && pending.length > 0) await ctx.relay.record(trx, pending, ctx.now());
    return r;
  };
  const db = ctx.db as Kysely<Database>;
  let result: T;
  try {
    result = isSqlite(db) ? await commitInGroups(db, body) : await db.transaction().execute(body);
  } catch (err) {
    timed('rollback');
    throw err;
  }
  timed('commit');
  for (const e of pending) ctx.bus.emit(e);
  return result;
}

const isSqlite = (db: Kysely<Database>) => db.getExecutor().adapter instanceof SqliteAdapter;

interface GroupJob {
  body: (trx: Transaction<Database>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Transactions waiting for the next group, per database; `running` while a group is open. */
interface CommitGroups {
  queue: GroupJob[];
  running: boolean;
}

// Keyed by the database a context was built on: one queue per open SQLite connection.
const groupsByDb = new WeakMap<Kysely<Database>, CommitGroups>();

/**
 * Group commit for SQLite's one connection: a transaction that arrives while another runs
 * waits (it would wait for the connection anyway), and the waiting ones then run one after
 * another inside one BEGIN … COMMIT, each in its own savepoint, so a failing one is rolled
 * back alone and rejects alone. One commit then writes each shared page (the tables' last
 * leaves, the indexes' hot pages) once for the whole group. Every caller resolves or rejects
 * only after its group's commit; if the commit fails, every caller of the group gets its error.
 */
function commitInGroups<T>(db: Kysely<Database>, body: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  let groups = groupsByDb.get(db);
  if (!groups) {
    groups = { queue: [], running: false };
    groupsByDb.set(db, groups);
  }
  const g = groups;
  return new Promise<T>((resolve, reject) => {
    g.queue.push({ body, resolve: resolve as (value: unknown) => void, reject });
    if (!g.running) void runGroups(db, g);
  });
}

async function runGroups(db: Kysely<Database>, g: CommitGroups): Promise<void> {
  g.running = true;
  try {
    while (g.queue.length > 0) {
      const jobs = g.queue;
      g.queue = [];
      const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
      try {
        await db.transaction().execute(async (trx) => {
          // Alone, a job needs no savepoint: its error rolls the transaction back as before.
          if (jobs.length === 1) {
            outcomes.push({ ok: true, value: await (jobs[0] as GroupJob).body(trx) });
            return;
          }
          for (const job of jobs) {
            await sql`savepoint group_job`.execute(trx);
            try {
              const value = await job.body(trx);
              await sql`release group_job`.execute(trx);
              outcomes.push({ ok: true, value });
            } catch (error) {
              await sql`rollback to group_job`.execute(trx);
              await sql`release group_job`.execute(trx);
              outcomes.push({ ok: false, error });
            }
          }
        });
      } catch (error) {
        // Nothing of the group was stored (its commit, or a rollback, failed).
        for (const job of jobs) job.reject(error);
        continue;
      }
      jobs.forEach((job, i) => {
        const o = outcomes[i] as (typeof outcomes)[number];
        if (o.ok) job.resolve(o.value);
        else job.reject(o.error);
      });
    }
  } finally {
    g.running = false;
  }
}

/** The acting agent, or `unauthorized` telling the caller how to get one. */
export function requireActor(ctx: Ctx): Agent {
  if (!ctx.actor) {
    throw new DomainError(
      'unauthorized',
      'no teammate identity on this connection: call teammate_join with your name first (or connect with ?agent=NAME)',
    );
  }
  return ctx.actor;
}

/** Whether the actor may act on others' tasks and reviews: a team admin or a human teammate. */
export function isPrivileged(ctx: Ctx): boolean {
  return ctx.admin || ctx.actor?.kind === 'human';
}
