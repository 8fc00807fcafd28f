import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import type { Ctx } from './context.js';
import { type Message, toMessage } from './model.js';
import type { MessageKind, Priority } from './schemas.js';

export interface PostMessage {
  teamId: string;
  threadId: string;
  senderId: string;
  senderName: string;
  recipientIds: string[];
  body: string;
  subject?: string | null;
  kind?: MessageKind;
  priority?: Priority;
  ackRequired?: boolean;
  replyTo?: string | null;
  toSpec?: string[];
  idempotencyKey?: string | null;
  /** True when the caller already counted this message in its thread (`countInDirectThread`). */
  threadCounted?: boolean;
}

/**
 * Stores one message in `threadId` with a delivery row per recipient (the sender excluded)
 * and announces it after commit. Used by `sendMessage` and by task and review operations
 * for the notes they post into task threads. Must run inside `withTx`.
 */
export async function postMessage(tx: Ctx, m: PostMessage): Promise<Message> {
  const now = tx.now();
  const id = newId(now);
  const recipients = [...new Set(m.recipientIds)].filter((r) => r !== m.senderId);
  const row = await tx.db
    .insertInto('messages')
    .values({
      id,
      team_id: m.teamId,
      thread_id: m.threadId,
      sender_id: m.senderId,
      kind: m.kind ?? 'message',
      subject: m.subject ?? null,
      body: m.body,
      priority: m.priority ?? 'normal',
      ack_required: m.ackRequired ? 1 : 0,
      reply_to: m.replyTo ?? null,
      to_spec: JSON.stringify(m.toSpec ?? []),
      idempotency_key: m.idempotencyKey ?? null,
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  if (recipients.length > 0) {
    await tx.db
      .insertInto('deliveries')
      .values(recipients.map((r) => ({ message_id: id, recipient_id: r, team_id: m.teamId, created_at: now })))
      .execute();
  }
  if (!m.threadCounted) {
    await tx.db
      .updateTable('threads')
      .set((eb) => ({ last_message_at: now, message_count: eb('message_count', '+', 1) }))
      .where('id', '=', m.threadId)
      .execute();
  }
  const message = toMessage(row, m.senderName);
  tx.emit({
    type: 'message.created',
    teamId: m.teamId,
    messageId: id,
    threadId: m.threadId,
    senderId: m.senderId,
    recipientIds: recipients,
    message,
  });
  return message;
}

/** `too_large` when a body exceeds the configured limit (characters). */
export function checkBodySize(ctx: Ctx, text: string, field: string): void {
  if (text.length > ctx.limits.maxBodyChars) {
    throw new DomainError(
      'too_large',
      `${field} is ${text.length} characters; the limit is ${ctx.limits.maxBodyChars}. Shorten it or split it up.`,
      { limit: ctx.limits.maxBodyChars, size: text.length },
    );
  }
}
