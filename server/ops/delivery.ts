/**
 * Real-time delivery: waiting for mail (`waitForMessages`, behind `teammate_wait_for_messages`)
 * and the lookups the MCP push needs. Waiting costs nothing while idle: waiters sit in one
 * registry per bus, keyed by agent, and are woken by the bus event of a committed change;
 * no timer polls the database and no transaction is held while waiting.
 */
import { z } from 'zod';
import type { Bus, BusEvent } from '../bus.js';
import { type Ctx, requireActor } from './context.js';
import { type InboxMessage, type Message, type TaskSummary, toMessage } from './mappers.js';
import { checkMessages } from './messages.js';
import { touchActivity } from './presence.js';
import { parseInput, type TaskStatus, TERMINAL_STATUSES } from './schemas.js';
import { Labels, notBlocked } from './task-support.js';

/** Longest wait one call may ask for (s): clients' tool-call timeouts are often 60 s or more. */
export const MAX_WAIT_SECONDS = 300;

export const WaitForMessages = z.strictObject({
  timeout: z
    .number()
    .min(0)
    .max(MAX_WAIT_SECONDS)
    .default(30)
    .describe(`seconds to wait (default 30, max ${MAX_WAIT_SECONDS})`),
  thread: z.string().max(40).optional().describe('only mail in this thread'),
  tasks: z
    .boolean()
    .default(true)
    .describe('also return on changes to your tasks and on new work you may claim (default true)'),
  labels: Labels.optional().describe('new work: only tasks with all these labels'),
  limit: z.number().int().min(1).max(100).default(20),
  markRead: z.boolean().default(true).describe('mark returned mail read (default true)'),
});
export type WaitForMessages = z.infer<typeof WaitForMessages>;

/** What a notice of claimable work says in `event`. */
export const READY_TO_CLAIM = 'ready to claim';

/** The task events after which a task may have become claimable. */
const READY_CAUSES = new Set(['created', 'unblocked', 'released', 'lease_expired', 'delegated']);

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
  const registry = registryFor(ctx);
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
      const inbox = await checkMessages(ctx, {
        thread: p.thread,
        limit: p.limit,
        markRead: p.markRead,
      });
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
    for (const t of timers) clearTimeout(t);
  }
}

interface Waiter {
  agentId: string;
  teamId: string;
  /** Claimable work must carry all of these to count. */
  labels: string[];
  thread: string | null;
  /** Ids of tasks the agent held when it began waiting, plus those it has been seen holding since; null: not watching tasks. */
  tasks: Set<string> | null;
  events: { taskId: string; event: string; cause: string | null; actorId: string | null }[];
  wake: () => void;
}

interface Registry {
  /** Resolves when the task lookups started so far have finished. */
  settled: () => Promise<void>;
  add: (w: Waiter) => void;
  delete: (w: Waiter) => void;
}

const registries = new WeakMap<Bus, Registry>();

/** The one waiter registry of a bus, subscribed once however many agents wait. */
function registryFor(ctx: Ctx): Registry {
  const found = registries.get(ctx.bus);
  if (found) return found;
  const byAgent = new Map<string, Set<Waiter>>();
  let taskWatchers = 0;
  /** Task lookups under way; a waiter woken by mail lets them finish so it returns both. */
  const inflight = new Set<Promise<void>>();
  const lookupCtx: Ctx = { ...ctx, actor: null };

  const onTask = async (e: Extract<BusEvent, { type: 'task.changed' }>) => {
    const [holders, ready] = await Promise.all([
      taskHolders(lookupCtx, e.taskId),
      READY_CAUSES.has(e.event) ? claimable(lookupCtx, e.taskId) : null,
    ]);
    for (const [agentId, set] of byAgent) {
      if (agentId === e.actorId) continue;
      const holds = holders.has(agentId);
      for (const w of set) {
        if (!w.tasks) continue;
        const mayClaim =
          ready !== null &&
          w.teamId === ready.teamId &&
          (ready.assigneeId === null || ready.assigneeId === agentId) &&
          w.labels.every((l) => ready.labels.has(l));
        if (mayClaim) {
          w.events.push({ taskId: e.taskId, event: READY_TO_CLAIM, cause: e.event, actorId: e.actorId });
        } else if (holds || w.tasks.has(e.taskId)) {
          w.tasks.add(e.taskId);
          w.events.push({ taskId: e.taskId, event: e.event, cause: null, actorId: e.actorId });
        } else continue;
        w.wake();
      }
    }
  };

  ctx.bus.subscribe((e) => {
    if (e.type === 'message.created') {
      for (const id of e.recipientIds) {
        const set = byAgent.get(id);
        if (!set) continue;
        for (const w of set) if (w.thread === null || w.thread === e.threadId) w.wake();
      }
    } else if (e.type === 'task.changed' && taskWatchers > 0) {
      const looking: Promise<void> = onTask(e)
        .catch(() => {})
        .finally(() => inflight.delete(looking));
      inflight.add(looking);
    }
  });
  const registry: Registry = {
    settled: async () => {
      await Promise.all(inflight);
    },
    add: (w) => {
      let set = byAgent.get(w.agentId);
      if (!set) {
        set = new Set();
        byAgent.set(w.agentId, set);
      }
      set.add(w);
      if (w.tasks) taskWatchers += 1;
    },
    delete: (w) => {
      const set = byAgent.get(w.agentId);
      if (set?.delete(w)) {
        if (w.tasks) taskWatchers -= 1;
        if (set.size === 0) byAgent.delete(w.agentId);
      }
    },
  };
  registries.set(ctx.bus, registry);
  return registry;
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

/** The agents holding a task now: owner, assignee, hand-off target. */
async function taskHolders(ctx: Ctx, taskId: string): Promise<Set<string>> {
  const r = await ctx.db
    .selectFrom('tasks')
    .select(['owner_id', 'assignee_id', 'handoff_to_id'])
    .where('id', '=', taskId)
    .executeTakeFirst();
  return new Set([r?.owner_id, r?.assignee_id, r?.handoff_to_id].filter((x): x is string => !!x));
}

/**
 * A task that anyone it is not reserved for someone else may claim now (open, unowned, no
 * unfinished dependency): its team, assignee and labels; null when it is not claimable.
 */
async function claimable(
  ctx: Ctx,
  taskId: string,
): Promise<{ teamId: string; assigneeId: string | null; labels: Set<string> } | null> {
  const row = await ctx.db
    .selectFrom('tasks')
    .select(['team_id', 'assignee_id'])
    .where('id', '=', taskId)
    .where('status', '=', 'open')
    .where('owner_id', 'is', null)
    .where(notBlocked)
    .executeTakeFirst();
  if (!row) return null;
  const labels = await ctx.db.selectFrom('task_labels').select('label').where('task_id', '=', taskId).execute();
  return { teamId: row.team_id, assigneeId: row.assignee_id, labels: new Set(labels.map((l) => l.label)) };
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
        task: { id: t.id, number: t.number, title: t.title, status: t.status as TaskStatus },
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
export async function markDelivered(ctx: Ctx, messageId: string, recipientIds: readonly string[]): Promise<void> {
  if (recipientIds.length === 0) return;
  await ctx.db
    .updateTable('deliveries')
    .set({ delivered_at: ctx.now() })
    .where('message_id', '=', messageId)
    .where('recipient_id', 'in', recipientIds)
    .where('delivered_at', 'is', null)
    .execute();
}
