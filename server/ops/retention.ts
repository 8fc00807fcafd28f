/**
 * Retention of old messages and task events, by policy and never silently: a run archives
 * (moves to `archived_*` tables) or deletes what is older than the cutoff, records itself in
 * `retention_runs`, and returns a report of what it did (the server logs it).
 *
 * What counts as old:
 * - a thread's messages (with their delivery rows) once the thread has been quiet since the
 *   cutoff, unless it still holds unread mail or mail waiting for an ack, or it is the thread
 *   of a task that is not finished; the thread row itself stays (task threads keep working);
 * - the events of a finished (done, failed, cancelled) task completed before the cutoff.
 * Called by the server's retention timer and by `switchboard retention`; not exposed to agents.
 */
import { z } from 'zod';
import { newId } from '../ids.js';
import { type Ctx, withTx } from './context.js';
import { MESSAGE_COLUMNS } from './mailbox.js';
import { parseInput, TERMINAL_STATUSES } from './schemas.js';

const DAY_MS = 86_400_000;
/** Ids per statement, well under SQLite's bound-parameter limit. */
const CHUNK = 200;

export const ApplyRetention = z.strictObject({
  olderThanDays: z.number().int().min(1).max(36_500).describe('age in days past which rows go'),
  mode: z.enum(['archive', 'delete']).default('archive'),
  dryRun: z.boolean().default(false).describe('count what would go, change nothing'),
});
export type ApplyRetention = z.infer<typeof ApplyRetention>;

export interface RetentionReport {
  mode: 'archive' | 'delete';
  dryRun: boolean;
  /** ISO time: rows older than this were considered. */
  cutoff: string;
  threads: number;
  messages: number;
  deliveries: number;
  taskEvents: number;
  /** Quiet threads kept because they still hold unread or unacknowledged mail. */
  threadsKeptUnread: number;
}

const chunks = <T>(xs: T[]): T[][] =>
  Array.from({ length: Math.ceil(xs.length / CHUNK) }, (_, i) => xs.slice(i * CHUNK, (i + 1) * CHUNK));

/**
 * Applies the retention policy once, in one transaction.
 * Errors: `invalid` for a bad policy.
 */
export async function applyRetention(ctx: Ctx, input: unknown): Promise<RetentionReport> {
  const p = parseInput(ApplyRetention, input);
  const now = ctx.now();
  const cutoff = now - p.olderThanDays * DAY_MS;
  return withTx(ctx, async (tx) => {
    const db = tx.db;
    const quiet = await db
      .selectFrom('threads')
      .select('threads.id')
      .where('threads.last_message_at', '<', cutoff)
      .where((eb) =>
        eb.exists(eb.selectFrom('messages').select('messages.id').whereRef('messages.thread_id', '=', 'threads.id')),
      )
      .where((eb) =>
        eb.or([
          eb('threads.task_id', 'is', null),
          eb.exists(
            eb
              .selectFrom('tasks')
              .select('tasks.id')
              .whereRef('tasks.id', '=', 'threads.task_id')
              .where('tasks.status', 'in', [...TERMINAL_STATUSES]),
          ),
        ]),
      )
      .execute();
    const pending = new Set(
      (
        await db
          .selectFrom('deliveries')
          .innerJoin('messages', 'messages.id', 'deliveries.message_id')
          .innerJoin('threads', 'threads.id', 'messages.thread_id')
          .select('messages.thread_id')
          .distinct()
          .where('threads.last_message_at', '<', cutoff)
          .where((eb) =>
            eb.or([
              eb('deliveries.read_at', 'is', null),
              eb.and([eb('messages.ack_required', '=', 1), eb('deliveries.acked_at', 'is', null)]),
            ]),
          )
          .execute()
      ).map((r) => r.thread_id),
    );
    const threadIds = quiet.map((t) => t.id).filter((id) => !pending.has(id));
    const threadsKeptUnread = quiet.length - threadIds.length;

    const oldTasks = (
      await db
        .selectFrom('tasks')
        .select('id')
        .where('status', 'in', [...TERMINAL_STATUSES])
        .where((eb) => eb(eb.fn.coalesce('completed_at', 'updated_at'), '<', cutoff))
        .execute()
    ).map((t) => t.id);

    let messages = 0;
    let deliveries = 0;
    let taskEvents = 0;
    for (const ids of chunks(threadIds)) {
      const msgIds = (await db.selectFrom('messages').select('id').where('thread_id', 'in', ids).execute()).map(
        (m) => m.id,
      );
      for (const mids of chunks(msgIds)) {
        const d = await db
          .selectFrom('deliveries')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('message_id', 'in', mids)
          .executeTakeFirstOrThrow();
        deliveries += Number(d.n);
        if (p.dryRun) continue;
        if (p.mode === 'archive') {
          await db
            .insertInto('archived_deliveries')
            .expression((eb) =>
              eb
                .selectFrom('deliveries')
                .select([
                  'message_id',
                  'recipient_id',
                  'team_id',
                  'created_at',
                  'delivered_at',
                  'read_at',
                  'acked_at',
                  eb.val(now).as('archived_at'),
                ])
                .where('message_id', 'in', mids),
            )
            .execute();
          await db
            .insertInto('archived_messages')
            .expression((eb) =>
              eb
                .selectFrom('messages')
                .select([...MESSAGE_COLUMNS, eb.val(now).as('archived_at')])
                .where('id', 'in', mids),
            )
            .execute();
        }
        // A reply kept elsewhere loses only its link to a message that is going.
        await db
          .updateTable('messages')
          .set({ reply_to: null })
          .where('reply_to', 'in', mids)
          .where('thread_id', 'not in', ids)
          .execute();
        await db.deleteFrom('deliveries').where('message_id', 'in', mids).execute();
      }
      messages += msgIds.length;
      if (p.dryRun) continue;
      await db.deleteFrom('messages').where('thread_id', 'in', ids).execute();
      await db.updateTable('threads').set({ message_count: 0 }).where('id', 'in', ids).execute();
    }
    for (const ids of chunks(oldTasks)) {
      const n = await db
        .selectFrom('task_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('task_id', 'in', ids)
        .executeTakeFirstOrThrow();
      taskEvents += Number(n.n);
      if (p.dryRun) continue;
      if (p.mode === 'archive') {
        await db
          .insertInto('archived_task_events')
          .expression((eb) =>
            eb
              .selectFrom('task_events')
              .select([
                'id',
                'team_id',
                'task_id',
                'actor_id',
                'type',
                'data',
                'created_at',
                eb.val(now).as('archived_at'),
              ])
              .where('task_id', 'in', ids),
          )
          .execute();
      }
      await db.deleteFrom('task_events').where('task_id', 'in', ids).execute();
    }
    if (!p.dryRun && (messages > 0 || taskEvents > 0)) {
      await db
        .insertInto('retention_runs')
        .values({
          id: newId(now),
          ran_at: now,
          mode: p.mode,
          cutoff,
          messages,
          deliveries,
          task_events: taskEvents,
        })
        .execute();
    }
    return {
      mode: p.mode,
      dryRun: p.dryRun,
      cutoff: new Date(cutoff).toISOString(),
      threads: threadIds.length,
      messages,
      deliveries,
      taskEvents,
      threadsKeptUnread,
    };
  });
}
