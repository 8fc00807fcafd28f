/**
 * Per-agent rate limits on the actor: a token bucket for sends and a count of waiting calls,
 * kept in `ctx.guards` (server/ops/guards.ts).
 */
import { DomainError } from '../errors.js';
import { type Ctx, requireActor } from './context.js';

/**
 * Takes one send from the actor's token bucket (capacity and refill: `limits.sendsPerMinute`
 * per minute). Called at the top of `sendMessage` (and so `broadcast`).
 * Errors: `rate_limited` with `details.retryAfterMs` (the API turns it into `Retry-After`).
 */
export function chargeSend(ctx: Ctx): void {
  const g = ctx.guards;
  const me = ctx.actor;
  if (!g || !me) return;
  const rate = ctx.limits.sendsPerMinute;
  const now = ctx.now();
  const b = g.sendBuckets.get(me.id);
  const tokens = b ? Math.min(rate, b.tokens + (Math.max(0, now - b.at) * rate) / 60_000) : rate;
  if (tokens < 1) {
    g.sendBuckets.set(me.id, { tokens, at: now });
    const retryAfterMs = Math.ceil(((1 - tokens) * 60_000) / rate);
    throw new DomainError(
      'rate_limited',
      `too many sends: the limit is ${rate} messages per minute per agent; retry in ${Math.ceil(retryAfterMs / 1000)}s`,
      { limit: rate, retryAfterMs },
    );
  }
  g.sendBuckets.set(me.id, { tokens: tokens - 1, at: now });
}

export interface WaitSlot {
  /** Aborts when the server shuts down: the waiting call should return what it has at once. */
  signal: AbortSignal;
  /** Frees the slot; idempotent. Call it in a `finally`. */
  release: () => void;
}

/**
 * Reserves one of the actor's waiting-call slots (`limits.maxWaitsPerAgent`) for a blocking
 * call such as `teammate_wait_for_messages`:
 * `const slot = acquireWaitSlot(ctx); try { … AbortSignal.any([session.signal, slot.signal]) … } finally { slot.release(); }`
 * Errors: `unauthorized` without an actor; `rate_limited` when every slot is taken.
 */
export function acquireWaitSlot(ctx: Ctx): WaitSlot {
  const me = requireActor(ctx);
  const g = ctx.guards;
  if (!g) return { signal: new AbortController().signal, release: () => {} };
  const max = ctx.limits.maxWaitsPerAgent;
  const n = g.waits.get(me.id) ?? 0;
  if (n >= max) {
    throw new DomainError(
      'rate_limited',
      `${n} waiting calls are already open for ${me.name}; the limit is ${max} per agent. Let one return before waiting again.`,
      { limit: max },
    );
  }
  g.waits.set(me.id, n + 1);
  let released = false;
  return {
    signal: g.shutdown.signal,
    release: () => {
      if (released) return;
      released = true;
      const left = (g.waits.get(me.id) ?? 1) - 1;
      if (left > 0) g.waits.set(me.id, left);
      else g.waits.delete(me.id);
    },
  };
}
