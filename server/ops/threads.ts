/**
 * Threads: an ordered conversation (a task's, a direct one between two teammates, or a topic),
 * who may see it, and reading it (read-only: only the inbox operations change delivery state).
 */
import { z } from 'zod';
import { compileOnce } from '../db/compiled.js';
import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import { type Ctx, isPrivileged, requireActor } from './context.js';
import { type Message, type Thread, toMessage, toThread } from './model.js';
import { parseInput } from './schemas.js';

/** Creates a thread and returns its id. */
export async function createThread(
  ctx: Ctx,
  t: { teamId: string; kind: 'task' | 'direct' | 'topic'; subject: string | null; createdBy: string; taskId?: string },
): Promise<string> {
  const now = ctx.now();
  const id = newId(now);
  await ctx.db
    .insertInto('threads')
    .values({
      id,
      team_id: t.teamId,
      kind: t.kind,
      subject: t.subject,
      task_id: t.taskId ?? null,
      direct_key: null,
      created_by: t.createdBy,
      created_at: now,
      last_message_at: now,
    })
    .execute();
  return id;
}

/**
 * The one direct thread two agents share, created on first use, for a message about to be
 * posted in it. An existing thread is found and counted (`last_message_at`, `message_count`)
 * in one UPDATE, so `counted` tells `postMessage` not to count it again; a new one is not.
 * Must run inside `withTx` (the count is undone if the post fails).
 */
export async function countInDirectThread(
  ctx: Ctx,
  teamId: string,
  a: string,
  b: string,
): Promise<{ id: string; counted: boolean }> {
  const key = [a, b].sort().join(':');
  const now = ctx.now();
  const countIn = async () => (await countInThread(ctx.db, now, teamId, key))[0];
  const found = await countIn();
  if (found) return { id: found.id, counted: true };
  const id = newId(now);
  // The two agents may be writing to each other at this moment: on PostgreSQL the other
  // transaction's new thread is invisible to the UPDATE above, so the insert yields to it (it
  // waits for that commit, then does nothing) and the UPDATE, run again, finds and counts it.
  const created = await ctx.db
    .insertInto('threads')
    .values({
      id,
      team_id: teamId,
      kind: 'direct',
      subject: null,
      task_id: null,
      direct_key: key,
      created_by: a,
      created_at: now,
      last_message_at: now,
    })
    .onConflict((oc) => oc.columns(['team_id', 'direct_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (created) return { id, counted: false };
  const theirs = await countIn();
  if (!theirs) throw new Error(`direct thread ${key} conflicted on insert but is not there`);
  return { id: theirs.id, counted: true };
}

/** `countInDirectThread`'s update (every direct send), compiled once. */
const countInThread = compileOnce(3, (db, now: number, teamId: string, key: string) =>
  db
    .updateTable('threads')
    .set((eb) => ({ last_message_at: now, message_count: eb('message_count', '+', 1) }))
    .where('team_id', '=', teamId)
    .where('direct_key', '=', key)
    .returning('id'),
);

/** Everyone who has sent or received in a thread, except `exclude`. */
export async function threadParticipants(ctx: Ctx, threadId: string, exclude: string): Promise<string[]> {
  const senders = ctx.db.selectFrom('messages').select('sender_id as id').where('thread_id', '=', threadId);
  const receivers = ctx.db
    .selectFrom('deliveries')
    .innerJoin('messages', 'messages.id', 'deliveries.message_id')
    .select('deliveries.recipient_id as id')
    .where('messages.thread_id', '=', threadId);
  const rows = await senders.union(receivers).execute();
  const ids = new Set(rows.map((r) => r.id));
  const thread = await ctx.db
    .selectFrom('threads')
    .select(['created_by', 'task_id'])
    .where('id', '=', threadId)
    .executeTakeFirst();
  if (thread?.created_by) ids.add(thread.created_by);
  if (thread?.task_id) {
    const task = await ctx.db
      .selectFrom('tasks')
      .select(['creator_id', 'owner_id', 'assignee_id'])
      .where('id', '=', thread.task_id)
      .executeTakeFirst();
    for (const x of [task?.creator_id, task?.owner_id, task?.assignee_id]) if (x) ids.add(x);
  }
  ids.delete(exclude);
  return [...ids];
}

/**
 * A thread in the actor's team that the actor may read: task and topic threads are open to
 * the team; a direct thread only to its two members, a human or a team admin.
 * Errors: `not_found` (also for a direct thread of others, so its existence is not revealed).
 */
export async function getVisibleThread(ctx: Ctx, threadId: string): Promise<Thread> {
  const me = requireActor(ctx);
  const row = await ctx.db
    .selectFrom('threads')
    .selectAll()
    .where('id', '=', threadId)
    .where('team_id', '=', me.teamId)
    .executeTakeFirst();
  const visible =
    row && (row.kind !== 'direct' || isPrivileged(ctx) || (row.direct_key ?? '').split(':').includes(me.id));
  if (!row || !visible) throw new DomainError('not_found', `no thread ${threadId} in your team`);
  return toThread(row);
}

export const ReadThread = z.strictObject({
  thread: z.string().min(1).max(40).describe('thread id (tasks carry threadId)'),
  limit: z.number().int().min(1).max(200).default(50).describe('newest N'),
  before: z.string().max(40).optional().describe('message id: older than it'),
});
export type ReadThread = z.infer<typeof ReadThread>;

export interface ThreadView {
  thread: Thread;
  /** Oldest first; the newest `limit` before `before`. */
  messages: Message[];
  /** True when older messages exist (page with `before` = first message id). */
  more: boolean;
}

/**
 * A thread's messages, oldest first. Read-only: it changes no delivery state (only
 * check, wait and ack do), so the caller's mail in it stays unread until it checks its inbox.
 * Errors: `not_found` for a thread outside the caller's team or a direct thread of others.
 */
export async function readThread(ctx: Ctx, input: unknown): Promise<ThreadView> {
  const p = parseInput(ReadThread, input);
  requireActor(ctx);
  const thread = await getVisibleThread(ctx, p.thread);
  const { messages, more } = await threadTail(ctx, thread.id, p.limit, p.before);
  return { thread, messages, more };
}

/** The newest `limit` messages of a thread (before message id `before`), oldest first. */
export async function threadTail(
  ctx: Ctx,
  threadId: string,
  limit: number,
  before?: string,
): Promise<{ messages: Message[]; more: boolean }> {
  let q = ctx.db
    .selectFrom('messages')
    .innerJoin('agents', 'agents.id', 'messages.sender_id')
    .selectAll('messages')
    .select('agents.name as sender_name')
    .where('messages.thread_id', '=', threadId);
  if (before) q = q.where('messages.id', '<', before);
  const rows = await q
    .orderBy('messages.id', 'desc')
    .limit(limit + 1)
    .execute();
  const more = rows.length > limit;
  const messages = rows
    .slice(0, limit)
    .reverse()
    .map((r) => toMessage(r, r.sender_name));
  return { messages, more };
}
