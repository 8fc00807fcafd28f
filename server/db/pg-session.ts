/**
 * PostgreSQL features that live on one connection rather than in a statement: LISTEN (a
 * connection kept open, reconnected when it fails) and session advisory locks (held for as
 * long as the connection that took them). Both use connections of their own, never the pool's.
 */
import type pg from 'pg';

export interface Listening {
  /** Stops listening and ends the connection. */
  close: () => Promise<void>;
}

export interface ListenHandlers {
  /** A notification arrived on the channel. */
  onNotify: () => void;
  /** Listening began, first or after a reconnect: notifications sent meanwhile were lost. */
  onListening: () => void;
  /** The connection failed or could not be opened; it is retried. */
  onError: (err: unknown) => void;
}

/** First and longest wait before reconnecting a failed LISTEN connection (ms). */
const RETRY_MS = [100, 5_000] as const;

/**
 * Keeps one connection LISTENing on `channel` (a plain identifier) from `connect`, reopening
 * it after any failure, waiting 100 ms and doubling up to 5 s between attempts.
 */
export function listen(connect: () => Promise<pg.Client>, channel: string, h: ListenHandlers): Listening {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
  let closed = false;
  let current: pg.Client | null = null;
  let delay: number = RETRY_MS[0];
  let timer: NodeJS.Timeout | null = null;

  const retry = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = null;
      void open();
    }, delay);
    timer.unref();
    delay = Math.min(delay * 2, RETRY_MS[1]);
  };

  const drop = (client: pg.Client, err?: unknown) => {
    if (current !== client) return;
    current = null;
    if (err !== undefined && !closed) h.onError(err);
    client.end().catch(() => {});
    retry();
  };

  async function open(): Promise<void> {
    if (closed) return;
    let client: pg.Client;
    try {
      client = await connect();
    } catch (err) {
      h.onError(err);
      retry();
      return;
    }
    if (closed) {
      await client.end().catch(() => {});
      return;
    }
    current = client;
    client.on('notification', (n) => {
      if (n.channel === channel) h.onNotify();
    });
    client.on('error', (err) => drop(client, err));
    client.on('end', () => drop(client, closed ? undefined : new Error('LISTEN connection ended')));
    try {
      await client.query(`LISTEN ${channel}`);
    } catch (err) {
      drop(client, err);
      return;
    }
    delay = RETRY_MS[0];
    h.onListening();
  }

  void open();
  return {
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      const c = current;
      current = null;
      await c?.end().catch(() => {});
    },
  };
}

/**
 * Runs `fn` holding the session advisory lock `key` on a connection of its own, unless another
 * session holds it (then returns false at once without running `fn`). The lock goes with the
 * connection, so a process that dies mid-run cannot leave it held.
 */
export async function whileHoldingLock(
  connect: () => Promise<pg.Client>,
  key: readonly [number, number],
  fn: () => Promise<void>,
): Promise<boolean> {
  const client = await connect();
  try {
    const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [key[0], key[1]]);
    if (!r.rows[0]?.ok) return false;
    await fn();
    return true;
  } finally {
    await client.end().catch(() => {});
  }
}
