import type { Insertable } from 'kysely';
import { compileOnce } from '../db/compiled.js';
import type { MessageRow, MessageTable } from '../db/schema.js';
import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import type { Ctx } from './context.js';
import { type Message, toMessage } from './model.js';
import type { MessageKind, Priority } from './schemas.js';

/** Every column of a message row, in the order `insertMessage` takes them (retention archives the same). */
export const MESSAGE_COLUMNS = [
  'id',
  'team_id',
  'thread_id',
  'sender_id',
  'kind',
  'subject',
  'body',
  'priority',
  'ack_required',
  'reply_to',
  'to_spec',
  'idempotency_key',
  'created_at',
] as const;

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
  const values: Record<(typeof MESSAGE_COLUMNS)[number], unknown> = {
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
  };
  const [row] = (await insertMessage(tx.db, ...MESSAGE_COLUMNS.map((c) => values[c]))) as MessageRow[];
  if (!row) throw new Error(`message ${id} was not stored`);
  if (recipients.length === 1) {
    await insertDelivery(tx.db, id, recipients[0] as string, m.teamId, now);
  } else if (recipients.length > 0) {
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

/** The message row, every column given (so the SQL never changes), compiled once; arguments in `MESSAGE_COLUMNS` order. */
const insertMessage = compileOnce(MESSAGE_COLUMNS.length, (db, ...values: unknown[]) =>
  db
    .insertInto('messages')
    .values(Object.fromEntries(MESSAGE_COLUMNS.map((c, i) => [c, values[i]])) as unknown as Insertable<MessageTable>)
    .returningAll(),
);

/** A one-recipient delivery row (a direct send), compiled once. */
const insertDelivery = compileOnce(4, (db, messageId: string, recipientId: string, teamId: string, now: number) =>
  db
    .insertInto('deliveries')
    .values({ message_id: messageId, recipient_id: recipientId, team_id: teamId, created_at: now }),
);

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
