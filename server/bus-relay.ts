/**
 * The receiving side of the cross-server bus: follows `bus_events` (server/ops/bus-events.ts)
 * by cursor and emits the other servers' events on this server's bus, so pushes to local MCP
 * sessions, waiting calls and the board's live stream follow work done elsewhere. A NOTIFY
 * wakes it at once; a sweep every `sweepMs` reads anyway, so a lost notification (or a
 * dropped LISTEN connection) delays events by at most that. Gaps in seq are handled by the
 * cursor (server/bus-cursor.ts); each event is emitted once.
 */
import type { Bus } from './bus.js';
import { SeqCursor } from './bus-cursor.js';
import type { ListenHandlers, Listening } from './db/pg-session.js';
import { busEventsAfter, lastBusEventSeq } from './ops/bus-events.js';
import type { Ctx } from './ops/context.js';

/** Read anyway this often (ms): the most a lost notification delays an event. */
export const BUS_SWEEP_MS = 500;
/** How long a missing seq is awaited once rows above it are visible (ms). */
export const BUS_HOLD_MS = 10_000;
/** Rows read per query. */
const BATCH = 500;

export interface BusFollower {
  /** Reads now (also what a notification does); resolves when caught up. */
  poll: () => Promise<void>;
  /** Stops listening and sweeping; waits for a read under way. */
  stop: () => Promise<void>;
}

export interface FollowOptions {
  /** Reads `bus_events` (a context on the shared database). */
  ctx: Ctx;
  bus: Bus;
  /** This server's instance id: its own rows were emitted here already. */
  origin: string;
  /** Starts listening for the wake-up notification (server/db/pg-session.ts `listen`). */
  listen: (h: ListenHandlers) => Listening;
  onError: (err: unknown, what: string) => void;
  sweepMs?: number;
  holdMs?: number;
}

/** Starts following from the newest stored event (what came before this server is not its business). */
export async function followBus(o: FollowOptions): Promise<BusFollower> {
  const cursor = new SeqCursor(await lastBusEventSeq(o.ctx), o.holdMs ?? BUS_HOLD_MS);
  let reading: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  async function readAll(): Promise<void> {
    for (;;) {
      const { after, missing } = cursor.next();
      const rows = await busEventsAfter(o.ctx, after, missing, BATCH);
      const now = Date.now();
      for (const r of rows) {
        if (cursor.take(r.seq, now) && r.origin !== o.origin && !stopped) o.bus.emit(r.event, { origin: r.origin });
      }
      cursor.settle(now);
      if (rows.length < BATCH) return;
    }
  }

  // One read at a time; a wake-up during a read asks for one more after it.
  const poll = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (reading) {
      again = true;
      return reading;
    }
    reading = (async () => {
      do {
        again = false;
        try {
          await readAll();
        } catch (err) {
          o.onError(err, 'reading bus events failed');
          return;
        }
      } while (again && !stopped);
    })().finally(() => {
      reading = null;
    });
    return reading;
  };

  const listening = o.listen({
    onNotify: () => void poll(),
    onListening: () => void poll(),
    onError: (err) => o.onError(err, 'listening for bus events failed; reconnecting'),
  });
  const timer = setInterval(() => void poll(), o.sweepMs ?? BUS_SWEEP_MS);
  timer.unref();

  return {
    poll,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await listening.close();
      await reading;
    },
  };
}
