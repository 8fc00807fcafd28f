/**
 * Real-time delivery: waiting for mail (`waitForMessages`, behind `teammate_wait_for_messages`)
 * and the lookups the MCP push needs. Waiting costs nothing while idle: waiters sit in one
 * registry per bus, keyed by agent, and are woken by the bus event of a committed change;
 * no timer polls the database and no transaction is held while waiting.
 */
import { z } from 'zod';
import { compileOnce } from '../db/compiled.js';
import { type Ctx, requireActor } from './context.js';
import type { Waiter, WaiterRegistry } from './guards.js';
import { readInbox } from './messages.js';
import { type InboxMessage, type Message, type TaskSummary, toMessage, toSummary } from './model.js';
import { touchActivity } from './presence.js';
import { parseInput, TERMINAL_STATUSES } from './schemas.js';
import { Labels } from './task-support.js';
import { createWaiterRegistry, READY_TO_CLAIM } from './waiters.js';

/** Longest wait one call may ask for (s): clients' tool-call timeouts are often 60 s or more. */
export const MAX_WAIT_SECONDS = 300;

export const WaitForMessages = z.strictObject({
  timeout: z.number().min(0).max(MAX_WAIT_SECONDS).default(30).describe('seconds'),
  thread: z.string().max(40).optional().describe('only mail in this thread'),
  tasks: z.boolean().default(true).describe('also wake on changes to your tasks and on claimable work'),
  labels: Labels.optional().describe('claimable work: only with all these labels'),
  limit: z.number().int().min(1).max(100).default(20).describe('max messages'),
  markRead: z.boolean().default(true).describe('false: leave it unread'),
});
export type WaitForMessages = z.infer<typeof WaitForMessages>;

export { READY_TO_CLAIM };

/**
 * A change to a task the waiting agent holds (owns, is assigned, or is offered), or work it
 * may claim now (`event: "ready to claim"`: open, unowned, unblocked, not reserved for someone
 * else, carrying the wait's labels).
 */
export interface TaskNotice {
  task: TaskSummary;
  /** The task event type, e.g. `lease_expired`, `review_submitted`, `delegated`; or `ready to claim`. */
  event: string;
  /** For `ready to claim`: the change that freed it (`created`, `unblocked`, `released`, `lease_expired`, `delegated`); else null. */
  cause: string | null;
  /** Who caused it; null for the server (lease expiry). */
  by: string | null;
}

export interface WaitResult {
  messages: InboxMessage[];
  /** Unread mail left after this call. */
  unread: number;
  taskEvents: TaskNotice[];
  /** True when the call returned because its timeout ran out. */
  timedOut: boolean;
  waitedMs: number;
}

export interface WaitHooks {
  /** Ends the wait early (the client cancelled); the call then returns what it has. */
  signal?: AbortSignal;
  /** Called while waiting, every `progressEveryMs` at most (keeps connections and clients alive). */
  onProgress?: (waitedMs: number, timeoutMs: number) => void | Promise<void>;
  progressEveryMs?: number;
}

/** A waiting agent's activity is recorded this often, so presence and leases see it alive. */
const WAIT_ACTIVITY_MS = 60_000;

/**
 * Returns the caller's unread mail as soon as there is any (optionally only in `thread`),
 * or, with `tasks`, as soon as a task it holds changes or work it may claim appears (created,
 * unblocked, released, expired back to open, or delegated to it; with `labels`, only work
 * carrying them); returns empty when `timeout` runs out. Mail already unread returns at once.
 * Returned mail is marked read unless `markRead` is false.
 * Errors: `unauthorized` without an identity; `invalid` input.
 */
export async function waitForMessages(ctx: Ctx, input: unknown, hooks: WaitHooks = {}): Promise<WaitResult> {
  const p = parseInput(WaitForMessages, input);
  const me = requireActor(ctx);
  const started = ctx.now();
  const timeoutMs = p.timeout * 1000;
  const own = ctx.guards?.waiters ? null : createWaiterRegistry({ ...ctx, actor: null });
  const registry = ctx.guards?.waiters ?? (own as WaiterRegistry);
  const waiter: Waiter = {
    agentId: me.id,
    teamId: me.teamId,
    labels: p.labels ?? [],
    thread: p.thread ?? null,
    tasks: p.tasks ? new Set() : null,
    events: [],
    wake: () => {},
  };
  // Register before looking, so nothing committed after the look is missed.
  registry.add(waiter);
  const timers: NodeJS.Timeout[] = [];
  try {
    if (waiter.tasks) for (const id of await heldTaskIds(ctx, me.id)) waiter.tasks.add(id);
    let lastActivity = started;
    if (hooks.onProgress) {
      // Short waits report progress too, a few times over their span.
      const every = Math.min(hooks.progressEveryMs ?? 5_000, Math.max(250, timeoutMs / 4));
      timers.push(
        setInterval(() => {
          const t = ctx.now();
          void Promise.resolve(hooks.onProgress?.(t - started, timeoutMs)).catch(() => {});
          if (t - lastActivity >= WAIT_ACTIVITY_MS) {
            lastActivity = t;
            void touchActivity(ctx).catch(() => {});
          }
        }, every),
      );
    }
    let timedOut = false;
    const deadline = new Promise<void>((resolve) => {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          resolve();
        }, timeoutMs),
      );
    });
    const aborted = new Promise<void>((resolve) => {
      if (hooks.signal?.aborted) resolve();
      hooks.signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    for (;;) {
      const woke = new Promise<void>((resolve) => {
        waiter.wake = resolve;
      });
      const inbox = await readInbox(
        ctx,
        { unreadOnly: true, thread: p.thread, limit: p.limit, markRead: p.markRead },
        'wait',
      );
      const events = waiter.events.splice(0);
      if (inbox.messages.length > 0 || events.length > 0 || timedOut || hooks.signal?.aborted) {
        return {
          ...inbox,
          taskEvents: await describeTaskEvents(ctx, events),
          timedOut: timedOut && inbox.messages.length === 0 && events.length === 0,
          waitedMs: ctx.now() - started,
        };
      }
      await Promise.race([woke, deadline, aborted]);
      // Mail and the task change behind it arrive together (a task note); return them together.
      await registry.settled();
    }
  } finally {
    registry.delete(waiter);
    own?.close();
    for (const t of timers) clearTimeout(t);
  }
}

/** Ids of the unfinished tasks an agent owns, is assigned, or is offered. */
export async function heldTaskIds(ctx: Ctx, agentId: string): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom('tasks')
    .select('id')
    .where((eb) =>
      eb.or([eb('owner_id', '=', agentId), eb('assignee_id', '=', agentId), eb('handoff_to_id', '=', agentId)]),
    )
    .where('status', 'not in', TERMINAL_STATUSES)
    .execute();
  return rows.map((r) => r.id);
}

async function describeTaskEvents(ctx: Ctx, events: Waiter['events']): Promise<TaskNotice[]> {
  if (events.length === 0) return [];
  const ids = [...new Set(events.map((e) => e.taskId))];
  const actors = [...new Set(events.map((e) => e.actorId).filter((a): a is string => !!a))];
  const [tasks, names] = await Promise.all([
    ctx.db.selectFrom('tasks').select(['id', 'number', 'title', 'status']).where('id', 'in', ids).execute(),
    actors.length
      ? ctx.db.selectFrom('agents').select(['id', 'name']).where('id', 'in', actors).execute()
      : Promise.resolve([]),
  ]);
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const nameOf = new Map(names.map((n) => [n.id, n.name]));
  return events.flatMap((e) => {
    const t = byId.get(e.taskId);
    if (!t) return [];
    return [
      {
        task: toSummary(t),
        event: e.event,
        cause: e.cause,
        by: e.actorId ? (nameOf.get(e.actorId) ?? null) : null,
      },
    ];
  });
}

/** One message with its sender's name, or null. */
export async function getMessage(ctx: Ctx, id: string): Promise<Message | null> {
  const row = await ctx.db
    .selectFrom('messages')
    .innerJoin('agents', 'agents.id', 'messages.sender_id')
    .selectAll('messages')
    .select('agents.name as sender_name')
    .where('messages.id', '=', id)
    .executeTakeFirst();
  return row ? toMessage(row, row.sender_name) : null;
}

/** Marks a message delivered (handed to a live session) for these recipients; keeps earlier times. */
/** `markDelivered` for one recipient (each push), compiled once. */
const markOneDelivered = compileOnce(3, (db, now: number, messageId: string, recipientId: string) =>
  db
    .updateTable('deliveries')
    .set({ delivered_at: now })
    .where('message_id', '=', messageId)
    .where('recipient_id', '=', recipientId)
    .where('delivered_at', 'is', null),
);

export async function markDelivered(ctx: Ctx, messageId: string, recipientIds: readonly string[]): Promise<void> {
  if (recipientIds.length === 0) return;
  if (recipientIds.length === 1) {
    await markOneDelivered(ctx.db, ctx.now(), messageId, recipientIds[0] as string);
    return;
  }
  await ctx.db
    .updateTable('deliveries')
    .set({ delivered_at: ctx.now() })
    .where('message_id', '=', messageId)
    .where('recipient_id', 'in', recipientIds)
    .where('delivered_at', 'is', null)
    .execute();
}
