/**
 * The inbox: unread mail oldest first (marked read when returned), acknowledgements, and the
 * unread count every tool result reports.
 */
import { z } from 'zod';
import { compileOnce } from '../db/compiled.js';
import { DomainError } from '../errors.js';
import { type Ctx, requireActor, withTx } from './context.js';
import { type InboxMessage, isoOrNull, toMessage } from './model.js';
import { parseInput } from './schemas.js';

export const CheckMessages = z.strictObject({
  unreadOnly: z.boolean().default(true).describe('false: add recent read mail'),
  thread: z.string().max(40).optional().describe('only this thread'),
  limit: z.number().int().min(1).max(100).default(20).describe('max messages'),
  markRead: z.boolean().default(true).describe('false: leave it unread'),
});
export type CheckMessages = z.infer<typeof CheckMessages>;

export interface InboxResult {
  messages: InboxMessage[];
  /** Unread mail left after this call (beyond `limit`). */
  unread: number;
}

/**
 * The caller's inbox: unread first (oldest first, so conversations read in order), then,
 * with `unreadOnly: false`, the most recent read mail. Returned mail is marked delivered
 * and read unless `markRead` is false; nothing is deleted.
 */
export async function checkMessages(ctx: Ctx, input: unknown): Promise<InboxResult> {
  return readInbox(ctx, parseInput(CheckMessages, input), 'check');
}

/**
 * `checkMessages` on parsed input; `via` names the path that hands the mail over (reading the
 * inbox, or a waiting call) for the delivery metrics.
 */
export async function readInbox(ctx: Ctx, p: CheckMessages, via: 'check' | 'wait'): Promise<InboxResult> {
  const me = requireActor(ctx);
  const result = await withTx(ctx, async (tx) => {
    const base = () => {
      let q = tx.db
        .selectFrom('deliveries')
        .innerJoin('messages', 'messages.id', 'deliveries.message_id')
        .innerJoin('agents', 'agents.id', 'messages.sender_id')
        .selectAll('messages')
        .select(['agents.name as sender_name', 'deliveries.delivered_at', 'deliveries.read_at', 'deliveries.acked_at'])
        .where('deliveries.recipient_id', '=', me.id);
      if (p.thread) q = q.where('messages.thread_id', '=', p.thread);
      return q;
    };
    const unread = await base()
      .where('deliveries.read_at', 'is', null)
      .orderBy('messages.id', 'asc')
      .limit(p.limit)
      .execute();
    let read: typeof unread = [];
    if (!p.unreadOnly && unread.length < p.limit) {
      read = await base()
        .where('deliveries.read_at', 'is not', null)
        .orderBy('messages.id', 'desc')
        .limit(p.limit - unread.length)
        .execute();
    }
    const now = tx.now();
    if (p.markRead && unread.length > 0) {
      const ids = unread.map((m) => m.id);
      await tx.db
        .updateTable('deliveries')
        .set((eb) => ({ read_at: now, delivered_at: eb.fn.coalesce('delivered_at', eb.val(now)) }))
        .where('recipient_id', '=', me.id)
        .where('message_id', 'in', ids)
        .execute();
    }
    const left = await unreadCount(tx, me.id);
    const messages = [...unread, ...read].map((r) => ({
      ...toMessage(r, r.sender_name),
      deliveredAt: isoOrNull(r.delivered_at ?? (p.markRead && r.read_at === null ? now : null)),
      readAt: isoOrNull(r.read_at ?? (p.markRead ? now : null)),
      ackedAt: isoOrNull(r.acked_at),
    }));
    return { messages, unread: left, fresh: p.markRead ? unread.length : 0 };
  });
  if (result.fresh > 0) ctx.metrics?.delivered(me.teamId, via, result.fresh);
  return { messages: result.messages, unread: result.unread };
}

export const AckMessages = z.strictObject({
  ids: z
    .union([z.string().min(1).max(40), z.array(z.string().min(1).max(40)).min(1).max(200)])
    .describe('message id(s)'),
});
export type AckMessages = z.infer<typeof AckMessages>;

/**
 * Acknowledges messages addressed to the caller (also marks them read). All-or-nothing.
 * Errors: `not_found` naming ids that are not in the caller's inbox.
 */
export async function ackMessages(ctx: Ctx, input: unknown): Promise<{ acked: string[] }> {
  const p = parseInput(AckMessages, input);
  const me = requireActor(ctx);
  const ids = [...new Set(Array.isArray(p.ids) ? p.ids : [p.ids])];
  return withTx(ctx, async (tx) => {
    const mine = await tx.db
      .selectFrom('deliveries')
      .select('message_id')
      .where('recipient_id', '=', me.id)
      .where('message_id', 'in', ids)
      .execute();
    const found = new Set(mine.map((m) => m.message_id));
    const missing = ids.filter((i) => !found.has(i));
    if (missing.length > 0) {
      throw new DomainError('not_found', `not in your inbox: ${missing.join(', ')} (nothing was acknowledged)`, {
        missing,
      });
    }
    const now = tx.now();
    await tx.db
      .updateTable('deliveries')
      .set((eb) => ({
        acked_at: eb.fn.coalesce('acked_at', eb.val(now)),
        read_at: eb.fn.coalesce('read_at', eb.val(now)),
        delivered_at: eb.fn.coalesce('delivered_at', eb.val(now)),
      }))
      .where('recipient_id', '=', me.id)
      .where('message_id', 'in', ids)
      .execute();
    return { acked: ids };
  });
}

/** Number of unread messages in an agent's inbox. */
export async function unreadCount(ctx: Ctx, agentId: string): Promise<number> {
  const [r] = await countUnread(ctx.db, agentId);
  return Number(r?.n ?? 0);
}

/** `unreadCount`'s query (run after every MCP tool call), compiled once. */
const countUnread = compileOnce(1, (db, agentId: string) =>
  db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('recipient_id', '=', agentId)
    .where('read_at', 'is', null),
);
