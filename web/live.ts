/**
 * The board's live stream: one server-sent-events stream per team (`/t/:team/events`) and one
 * for the teams overview (`/events`). Each committed change on the bus becomes SSE events
 * that name only what changed, never its content:
 *
 * | bus event | SSE events |
 * |---|---|
 * | task.changed | `task`, `task-<taskId>` |
 * | review.changed | `review`, `task-<taskId>` |
 * | message.created | `message`, `thread-<threadId>` |
 * | agent.changed | `agent` |
 * | reservation.changed | `agent`, `task-<taskId>` of each task it is tied to |
 * | (the flow panel drawn again after a change) | `flow` |
 *
 * Panels listen with `hx-trigger="sse:task"` and re-fetch their own fragment. Events are
 * coalesced per stream for `COALESCE_MS`, so a burst of changes costs one refresh per panel.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Bus, BusEvent } from '../server/bus.js';

/** How long a stream gathers events before sending them (ms). */
export const COALESCE_MS = 120;
/** A comment line keeps idle connections open through proxies (ms). */
export const KEEPALIVE_MS = 25_000;

/** The SSE event names a bus event maps to. */
export function sseNames(e: BusEvent): string[] {
  switch (e.type) {
    case 'task.changed':
      return ['task', `task-${e.taskId}`];
    case 'review.changed':
      return ['review', `task-${e.taskId}`];
    case 'message.created':
      return ['message', `thread-${e.threadId}`];
    case 'agent.changed':
      return ['agent'];
    case 'reservation.changed':
      return ['agent', ...e.taskIds.map((id) => `task-${id}`)];
  }
}

/**
 * Streams the bus's events for `teamId` (or every team when null) until the client leaves or
 * `shutdown` fires (so a stopping server does not wait on open boards; browsers reconnect).
 */
export function liveStream(
  c: Context,
  bus: Bus,
  teamId: string | null,
  shutdown?: AbortSignal,
  /** More event names for this stream (e.g. `flow` when the flow panel was drawn again); returns the unsubscribe. */
  extra?: (send: (name: string) => void) => () => void,
): Response {
  return streamSSE(c, async (stream) => {
    const pending = new Set<string>();
    let timer: ReturnType<typeof setTimeout> | null = null;
    let closed = false;
    const flush = async () => {
      timer = null;
      const names = [...pending];
      pending.clear();
      for (const name of names) {
        if (closed) return;
        await stream.writeSSE({ event: name, data: name });
      }
    };
    const queue = (name: string) => {
      pending.add(name);
      timer ??= setTimeout(() => void flush().catch(() => {}), COALESCE_MS);
    };
    const unsubscribeBus = bus.subscribe((e) => {
      if (teamId !== null && e.teamId !== teamId) return;
      for (const n of sseNames(e)) queue(teamId === null ? n.replace(/-.*/, '') : n);
    });
    const unsubscribeExtra = extra?.(queue);
    const unsubscribe = () => {
      unsubscribeBus();
      unsubscribeExtra?.();
    };
    let wake: () => void = () => {};
    const end = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
      wake();
    };
    stream.onAbort(end);
    if (shutdown?.aborted) return end();
    shutdown?.addEventListener('abort', end, { once: true });
    await stream.writeSSE({ event: 'hello', data: 'live' });
    while (!closed) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, KEEPALIVE_MS).unref?.();
      });
      if (!closed) await stream.write(': keepalive\n\n');
    }
    shutdown?.removeEventListener('abort', end);
  });
}
