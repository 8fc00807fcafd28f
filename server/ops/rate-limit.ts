/**
 * Per-agent rate limits on the actor: a token bucket for sends and a count of waiting calls.
 * Both live in the database (`agent_limits`, `wait_slots`), so several servers on one database
 * share them; each check is one statement or one row lock that stays race-free under
 * PostgreSQL's READ COMMITTED as under SQLite's single writer. Enforced when the context
 * carries the app's guards (server/ops/guards.ts).
 */
import { sql } from 'kysely';
import { compileOnce } from '../db/compiled.js';
import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import { type Ctx, requireActor, withTx } from './context.js';

/**
 * A waiting-call slot older than this (ms) belongs to a call that cannot still be running (the
 * longest wait is `MAX_WAIT_SECONDS`, 300 s, in delivery.ts): its process died. Such slots no
 * longer count and are deleted.
 */
export const WAIT_SLOT_TTL_MS = 10 * 60_000;

/**
 * Takes one send from the actor's token bucket (capacity and refill: `limits.sendsPerMinute`
 * per minute). Called first in `sendMessage`'s transaction (and so `broadcast`'s): a send that
 * fails later gives its token back with the rollback.
 * The bucket is stored as the time it is full again (`send_full_at`; the generic cell rate
 * algorithm's theoretical arrival time): each send moves it one interval later, from now at the
 * earliest, and passes only while it stays within `sendsPerMinute` intervals of now. The
 * interval is 60 000 / rate rounded up to whole ms, so the sums stay exact (a refill at most
 * 1 ms per interval slow). One conditional upsert: concurrent sends from several servers queue
 * on the agent's row, and at most `sendsPerMinute` pass in a burst.
 * Errors: `rate_limited` with `details.retryAfterMs` (the API turns it into `Retry-After`);
 * nothing is written.
 */
export async function chargeSend(ctx: Ctx): Promise<void> {
  const me = ctx.actor;
  if (!ctx.guards || !me) return;
  const rate = ctx.limits.sendsPerMinute;
  const interval = Math.ceil(60_000 / rate);
  const now = ctx.now();
  // The latest `send_full_at` that still leaves a token now.
  const lastFull = now + (rate - 1) * interval;
  const [taken] = await takeSendToken(ctx.db, me.id, now, interval, now + interval, lastFull);
  if (taken) return;
  const row = await ctx.db
    .selectFrom('agent_limits')
    .select('send_full_at')
    .where('agent_id', '=', me.id)
    .executeTakeFirstOrThrow();
  const retryAfterMs = Math.max(1, row.send_full_at - lastFull);
  ctx.metrics?.sendRateLimited(me.teamId);
  throw new DomainError(
    'rate_limited',
    `too many sends: the limit is ${rate} messages per minute per agent; retry in ${Math.ceil(retryAfterMs / 1000)}s`,
    { limit: rate, retryAfterMs },
  );
}

/** `chargeSend`'s conditional upsert (every send), compiled once. */
const takeSendToken = compileOnce(
  5,
  (db, agentId: string, now: number, interval: number, fullAt: number, lastFull: number) =>
    db
      .insertInto('agent_limits')
      .values({ agent_id: agentId, send_full_at: fullAt })
      .onConflict((oc) =>
        oc
          .column('agent_id')
          .doUpdateSet({
            send_full_at: sql<number>`CASE WHEN agent_limits.send_full_at > ${now} THEN agent_limits.send_full_at + ${interval} ELSE ${fullAt} END`,
          })
          .where('agent_limits.send_full_at', '<=', lastFull),
      )
      .returning('agent_id'),
);

export interface WaitSlot {
  /** Aborts when the server shuts down: the waiting call should return what it has at once. */
  signal: AbortSignal;
  /**
   * Frees the slot; idempotent, and never rejects: a slot it could not delete stops counting
   * after `WAIT_SLOT_TTL_MS`. Await it in a `finally`.
   */
  release: () => Promise<void>;
}

/**
 * Reserves one of the actor's waiting-call slots (`limits.maxWaitsPerAgent`, counted over
 * every server on the database) for a blocking call such as `teammate_wait_for_messages`:
 * `const slot = await acquireWaitSlot(ctx); try { … AbortSignal.any([session.signal, slot.signal]) … } finally { await slot.release(); }`
 * In one transaction: the agent's row is locked first, which makes a second server's count
 * wait for this one's commit (SQLite has one writer anyway); the agent's dead slots are
 * deleted; the slot row is inserted only while fewer than the limit exist.
 * Errors: `unauthorized` without an actor; `rate_limited` when every slot is taken.
 */
export async function acquireWaitSlot(ctx: Ctx): Promise<WaitSlot> {
  const me = requireActor(ctx);
  const g = ctx.guards;
  if (!g) return { signal: new AbortController().signal, release: async () => {} };
  const max = ctx.limits.maxWaitsPerAgent;
  const id = await withTx(ctx, async (tx) => {
    const now = tx.now();
    // A write that changes nothing: PostgreSQL's SELECT … FOR UPDATE in both dialects.
    await tx.db
      .updateTable('agents')
      .set((eb) => ({ last_seen_at: eb.ref('last_seen_at') }))
      .where('id', '=', me.id)
      .execute();
    await tx.db
      .deleteFrom('wait_slots')
      .where('agent_id', '=', me.id)
      .where('started_at', '<=', now - WAIT_SLOT_TTL_MS)
      .execute();
    const slot = newId(now);
    const r = await tx.db
      .insertInto('wait_slots')
      .columns(['id', 'agent_id', 'holder', 'started_at'])
      .expression(
        tx.db
          .selectNoFrom([
            sql<string>`CAST(${slot} AS TEXT)`.as('id'),
            sql<string>`CAST(${me.id} AS TEXT)`.as('agent_id'),
            sql<string>`CAST(${g.holder} AS TEXT)`.as('holder'),
            sql<number>`CAST(${now} AS BIGINT)`.as('started_at'),
          ])
          .where(
            (eb) => eb.selectFrom('wait_slots').select(eb.fn.countAll().as('n')).where('agent_id', '=', me.id),
            '<',
            max,
          ),
      )
      .executeTakeFirst();
    if (Number(r.numInsertedOrUpdatedRows) === 1) return slot;
    const n = await tx.db
      .selectFrom('wait_slots')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('agent_id', '=', me.id)
      .executeTakeFirstOrThrow();
    throw new DomainError(
      'rate_limited',
      `${Number(n.n)} waiting calls are already open for ${me.name}; the limit is ${max} per agent. Let one return before waiting again.`,
      { limit: max },
    );
  });
  let released: Promise<void> | undefined;
  return {
    signal: g.shutdown.signal,
    release: () => {
      released ??= ctx.db
        .deleteFrom('wait_slots')
        .where('id', '=', id)
        .execute()
        .then(
          () => {},
          () => {},
        );
      return released;
    },
  };
}

/**
 * Deletes waiting-call slots older than `WAIT_SLOT_TTL_MS`: those of server processes that
 * died while a call waited. Run at start-up; returns how many. (A slot that old no longer
 * counts anyway; this keeps the table small.)
 */
export async function clearDeadWaitSlots(ctx: Ctx): Promise<number> {
  const r = await ctx.db
    .deleteFrom('wait_slots')
    .where('started_at', '<=', ctx.now() - WAIT_SLOT_TTL_MS)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
