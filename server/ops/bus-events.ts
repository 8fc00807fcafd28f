/**
 * The cross-server bus (several servers on one PostgreSQL database): every bus event an
 * operation emits is also stored in `bus_events`, in the transaction of the change, and the
 * transaction NOTIFYs `switchboard_bus`. The table is the truth; the notification only wakes
 * the other servers, which read the rows after their cursor (server/bus-relay.ts) and emit
 * them on their own bus. This file holds the writer and the queries.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { BusEvent } from '../bus.js';
import type { Database } from '../db/schema.js';
import type { BusRelay, Ctx } from './context.js';

/** The NOTIFY channel that wakes the other servers (no payload: they read the table). */
export const BUS_CHANNEL = 'switchboard_bus';

/** A stored event as the readers get it. */
export interface StoredBusEvent {
  seq: number;
  origin: string;
  event: BusEvent;
}

/**
 * The event as stored: a new message's full text is left out (it can be 64 kB and is in
 * `messages`, committed with this row); listeners that need it read it back.
 */
function payloadOf(e: BusEvent): string {
  if (e.type === 'message.created' && e.message) {
    const { message: _, ...rest } = e;
    return JSON.stringify(rest);
  }
  return JSON.stringify(e);
}

/** A relay that can also wait for its writes under way (shutdown, before the pool closes). */
export interface BusRelayWriter extends BusRelay {
  /** Resolves when every write started so far has finished (failed ones included). */
  drain: () => Promise<void>;
}

/**
 * The relay of the server `origin` (its instance id): writes events with one INSERT and one
 * `pg_notify` (delivered at commit, and merged with others of the same transaction).
 * `failed` gets errors of writes made outside a transaction.
 */
export function createBusRelay(origin: string, failed: (err: unknown) => void): BusRelayWriter {
  const writing = new Set<Promise<void>>();
  const write = async (db: Kysely<Database> | Transaction<Database>, events: readonly BusEvent[], now: number) => {
    await db
      .insertInto('bus_events')
      .values(events.map((e) => ({ team_id: e.teamId, type: e.type, payload: payloadOf(e), origin, created_at: now })))
      .execute();
    await sql`SELECT pg_notify(${BUS_CHANNEL}, '')`.execute(db);
  };
  return {
    failed,
    record: (db, events, now) => {
      if (events.length === 0) return Promise.resolve();
      const p = write(db, events, now);
      const tracked = p.then(
        () => {},
        () => {},
      );
      writing.add(tracked);
      void tracked.finally(() => writing.delete(tracked));
      return p;
    },
    drain: async () => {
      await Promise.all(writing);
    },
  };
}

/** The highest stored seq (0 when empty): a server starting now reads after it. */
export async function lastBusEventSeq(ctx: Ctx): Promise<number> {
  const r = await ctx.db
    .selectFrom('bus_events')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  return Number(r?.seq ?? 0);
}

/**
 * Stored events with seq above `after`, and those among `missing` (seqs below it not seen
 * yet: their transactions may commit later), in seq order, at most `limit`.
 */
export async function busEventsAfter(
  ctx: Ctx,
  after: number,
  missing: readonly number[],
  limit: number,
): Promise<StoredBusEvent[]> {
  const rows = await ctx.db
    .selectFrom('bus_events')
    .select(['seq', 'origin', 'payload'])
    .where((eb) =>
      missing.length > 0 ? eb.or([eb('seq', '>', after), eb('seq', 'in', [...missing])]) : eb('seq', '>', after),
    )
    .orderBy('seq', 'asc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ seq: Number(r.seq), origin: r.origin, event: JSON.parse(r.payload) as BusEvent }));
}

/** Deletes events stored before `before` (UTC ms); returns how many. */
export async function pruneBusEvents(ctx: Ctx, before: number): Promise<number> {
  const r = await ctx.db.deleteFrom('bus_events').where('created_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
