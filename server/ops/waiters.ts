/**
 * Waiting calls' registry: waiters keyed by agent, woken by the bus event of a committed change
 * (mail to them; a change to a task they hold; work they may claim). No timer polls the database.
 */
import type { BusEvent } from '../bus.js';
import type { Ctx } from './context.js';
import type { Waiter, WaiterRegistry } from './guards.js';
import { notBlocked } from './task-support.js';

/** What a notice of claimable work says in `event`. */
export const READY_TO_CLAIM = 'ready to claim';

/** The task events after which a task may have become claimable. */
const READY_CAUSES = new Set(['created', 'unblocked', 'released', 'lease_expired', 'delegated']);

/**
 * The waiter registry of one app, subscribed to its bus once however many agents wait. Built by
 * `createApp` (ctx.guards.waiters) from a context without an actor on the app's database, never
 * from a caller's (which may be a transaction). `close()` unsubscribes it.
 */
export function createWaiterRegistry(base: Ctx): WaiterRegistry & { close: () => void } {
  const byAgent = new Map<string, Set<Waiter>>();
  let taskWatchers = 0;
  let waiting = 0;
  /** Task lookups under way; a waiter woken by mail lets them finish so it returns both. */
  const inflight = new Set<Promise<void>>();
  const lookupCtx: Ctx = { ...base, actor: null, inTx: false };

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

  const unsubscribe = base.bus.subscribe((e) => {
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
  return {
    close: unsubscribe,
    settled: async () => {
      await Promise.all(inflight);
    },
    size: () => waiting,
    add: (w) => {
      waiting += 1;
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
        waiting -= 1;
        if (w.tasks) taskWatchers -= 1;
        if (set.size === 0) byAgent.delete(w.agentId);
      }
    },
  };
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
