/**
 * The board's list of the actor's team's threads: newest activity first, each with its task or
 * its two teammates and the latest message in short. Read only.
 */
import { z } from 'zod';
import { agentNames } from './agents.js';
import { type Ctx, isPrivileged, requireActor } from './context.js';
import { iso, type TaskSummary, type Thread, toThread } from './model.js';
import { parseInput, type TaskStatus } from './schemas.js';

/** A thread as the team's thread list shows it. */
export interface ThreadListItem extends Thread {
  /** For task threads: the task. */
  task: TaskSummary | null;
  /** For direct threads: the two teammates. */
  members: string[];
  last: { from: string; excerpt: string; createdAt: string } | null;
}

/** The input of `listTeamThreads`: one page of the list. */
export const ListTeamThreads = z.strictObject({
  limit: z.number().int().min(1).max(200).default(50),
  offset: z.number().int().min(0).default(0),
});
export type ListTeamThreads = z.infer<typeof ListTeamThreads>;

/**
 * The actor's team's threads with messages, newest activity first. Direct threads between
 * others are left out unless the actor is privileged (a human or team admin), as in
 * `getVisibleThread`. Errors: `invalid` for a bad page; `unauthorized` without an actor.
 */
export async function listTeamThreads(
  ctx: Ctx,
  input: unknown,
): Promise<{ threads: ThreadListItem[]; nextOffset: number | null }> {
  const p = parseInput(ListTeamThreads, input);
  const viewer = requireActor(ctx);
  const teamId = viewer.teamId;
  let q = ctx.db
    .selectFrom('threads')
    .leftJoin('tasks', 'tasks.id', 'threads.task_id')
    .selectAll('threads')
    .select(['tasks.number as task_number', 'tasks.title as task_title', 'tasks.status as task_status'])
    .where('threads.team_id', '=', teamId)
    .where('threads.message_count', '>', 0);
  if (!isPrivileged(ctx)) {
    const me = viewer.id;
    q = q.where((eb) =>
      eb.or([
        eb('threads.kind', '!=', 'direct'),
        eb('threads.direct_key', 'like', `${me}:%`),
        eb('threads.direct_key', 'like', `%:${me}`),
      ]),
    );
  }
  const rows = await q
    .orderBy('threads.last_message_at', 'desc')
    .orderBy('threads.id', 'desc')
    .limit(p.limit + 1)
    .offset(p.offset)
    .execute();
  const page = rows.slice(0, p.limit);
  const threadIds = page.map((r) => r.id);
  // The newest message of each thread on the page: one query, then keep the first per thread.
  const lastRows = threadIds.length
    ? await ctx.db
        .selectFrom('messages')
        .select(['thread_id', 'sender_id', 'body', 'created_at', 'id'])
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('messages as m')
            .select((e) => e.fn.max('m.id').as('id'))
            .where('m.thread_id', 'in', threadIds)
            .groupBy('m.thread_id'),
        )
        .execute()
    : [];
  const memberIds = page.flatMap((r) => (r.direct_key ? r.direct_key.split(':') : []));
  const names = await agentNames(ctx, [...memberIds, ...lastRows.map((m) => m.sender_id)]);
  const lastBy = new Map(lastRows.map((m) => [m.thread_id, m]));
  return {
    threads: page.map((r) => {
      const last = lastBy.get(r.id);
      return {
        ...toThread(r),
        task:
          r.task_id && r.task_number !== null
            ? {
                id: r.task_id,
                number: r.task_number,
                title: r.task_title ?? '',
                status: (r.task_status ?? 'open') as TaskStatus,
              }
            : null,
        members: r.direct_key ? r.direct_key.split(':').map((id) => names.get(id) ?? id) : [],
        last: last
          ? {
              from: names.get(last.sender_id) ?? last.sender_id,
              excerpt: excerpt(last.body, 160),
              createdAt: iso(last.created_at),
            }
          : null,
      };
    }),
    nextOffset: rows.length > p.limit ? p.offset + p.limit : null,
  };
}

function excerpt(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
