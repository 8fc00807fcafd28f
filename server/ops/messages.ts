/**
 * Messages, threads and inboxes. A message is stored first (one row, plus one delivery row
 * per recipient), then announced on the bus; the mailbox is the truth and nothing is deleted
 * when read. Delivery state per recipient: queued -> delivered -> read -> acked.
 */
import { z } from 'zod';
import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import { presenceOf, RECENT_MS, unknownTeammate } from './agents.js';
import { type Ctx, isPrivileged, requireActor, withTx } from './context.js';
import {
  type Agent,
  type InboxMessage,
  isoOrNull,
  type Message,
  type Presence,
  type Thread,
  toMessage,
  toThread,
} from './mappers.js';
import { chargeSend } from './rate-limit.js';
import { BodyText, IdempotencyKey, MessageKind, Priority, parseInput, ShortText } from './schemas.js';

/** `to` entries: a teammate name, `role:NAME` for everyone with that role, or `*` for the team. */
const Recipient = z.string().trim().min(1).max(80);

export const SendMessageFields = {
  to: z
    .union([Recipient, z.array(Recipient).min(1).max(200)])
    .optional()
    .describe('teammate name, "role:NAME", "*" (whole team), or a list; omit to reply in `thread`'),
  message: BodyText(1_000_000).describe('Markdown text'),
  subject: ShortText(200).optional(),
  kind: MessageKind.default('message'),
  priority: Priority.default('normal'),
  ackRequired: z.boolean().default(false).describe('ask recipients to confirm with teammate_ack'),
  replyTo: z.string().max(40).optional().describe('id of the message you answer (posts in its thread)'),
  thread: z.string().max(40).optional().describe('thread id to post in (e.g. a task thread)'),
  idempotencyKey: IdempotencyKey.optional(),
};

/**
 * Claude Flow's argument names, declared so that clients validating against the advertised
 * JSON Schema let them through; `normalizeSendAliases` maps them onto ours before parsing.
 */
const ClaudeFlowFields = {
  toId: z.string().optional().describe('alias of to'),
  payload: z.unknown().optional().describe('alias of message (JSON is quoted)'),
  type: z.string().optional().describe('alias of kind'),
  teamName: z.string().optional().describe('your team'),
  fromId: z.string().optional().describe('you'),
};

/** `message` is optional here only because Claude Flow's `payload` may stand for it. */
export const SendMessage = z
  .strictObject({ ...SendMessageFields, message: SendMessageFields.message.optional(), ...ClaudeFlowFields })
  .superRefine((p, issue) => {
    if (p.message === undefined) {
      issue.addIssue({ code: 'custom', path: ['message'], message: 'required (the Markdown text to send)' });
    }
    if (p.to === undefined && p.thread === undefined && p.replyTo === undefined) {
      issue.addIssue({
        code: 'custom',
        path: ['to'],
        message: 'say who the message is for: a name, "role:NAME", "*", or give a thread or replyTo',
      });
    }
  });
export type SendMessage = z.infer<typeof SendMessage>;

/** Claude Flow's message `type`s, mapped onto our kinds. */
const CLAUDE_FLOW_TYPES: Record<string, MessageKind> = {
  request: 'question',
  result: 'answer',
  response: 'answer',
  notification: 'status',
  update: 'status',
};

const isRecipients = (v: unknown) =>
  typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));

/**
 * Accepts Claude Flow's argument names (`toId`, `payload`, `type`, `priority`, `teamName`,
 * `fromId`) and maps them to ours; `fromId` must name the caller and `teamName` its team.
 * A value of the wrong type stays under its own name, so the schema reports it as given.
 * Errors: `forbidden` when `fromId` or `teamName` names someone else.
 */
export function normalizeSendAliases(actor: Agent, raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const { toId, payload, type, teamName, fromId, ...rest } = raw as Record<string, unknown>;
  const out: Record<string, unknown> = { ...rest };
  if (typeof fromId === 'string') {
    if (fromId !== actor.name && fromId !== actor.id) {
      throw new DomainError(
        'forbidden',
        `fromId "${fromId}" is not you (${actor.name}): messages are always sent as the connected teammate`,
      );
    }
  } else if (fromId !== undefined) out.fromId = fromId;
  if (typeof teamName === 'string') {
    if (teamName !== actor.team) {
      throw new DomainError('forbidden', `teamName "${teamName}" is not your team (${actor.team})`);
    }
  } else if (teamName !== undefined) out.teamName = teamName;
  if (toId !== undefined) {
    if (!isRecipients(toId)) out.toId = toId;
    else if (out.to === undefined) out.to = toId;
  }
  if (payload !== undefined && out.message === undefined) {
    out.message = typeof payload === 'string' ? payload : `\`\`\`json\n${JSON.stringify(payload, null, 2)}\n\`\`\``;
  }
  if (typeof type === 'string') {
    if (out.kind === undefined)
      out.kind = MessageKind.safeParse(type).success ? type : (CLAUDE_FLOW_TYPES[type] ?? 'message');
  } else if (type !== undefined) out.type = type;
  return out;
}

export interface RecipientState {
  name: string;
  presence: Presence;
  /** True when the recipient has no live session: the mail waits in its inbox. */
  queued: boolean;
}

export interface SendResult {
  message: Message;
  recipients: RecipientState[];
  /** True when an earlier send with the same idempotency key is returned instead. */
  duplicate: boolean;
}

/**
 * Sends a message from the actor. Recipients are checked against the roster; offline
 * recipients' mail is queued and reported as such. Without `to`, posts to the participants
 * of `thread` (or of `replyTo`'s thread).
 * Errors: `not_found` (unknown teammate, role, thread or message; lists close matches),
 * `invalid` (no recipient but yourself), `too_large` (body or recipient count over the limit),
 * `forbidden` (Claude Flow `fromId`/`teamName` that is not the caller).
 */
export async function sendMessage(ctx: Ctx, input: unknown): Promise<SendResult> {
  const me = requireActor(ctx);
  const p = parseInput(SendMessage, normalizeSendAliases(me, input));
  // The schema's refinement guarantees a body (given as `message` or `payload`).
  const body = p.message as string;
  checkBodySize(ctx, body, 'message');
  chargeSend(ctx);
  return withTx(ctx, async (tx) => {
    if (p.idempotencyKey) {
      const prior = await tx.db
        .selectFrom('messages')
        .selectAll()
        .where('sender_id', '=', me.id)
        .where('idempotency_key', '=', p.idempotencyKey)
        .executeTakeFirst();
      if (prior) {
        const ids = await tx.db
          .selectFrom('deliveries')
          .select('recipient_id')
          .where('message_id', '=', prior.id)
          .execute();
        return {
          message: toMessage(prior, me.name),
          recipients: await recipientStates(
            tx,
            ids.map((r) => r.recipient_id),
          ),
          duplicate: true,
        };
      }
    }

    let threadId: string | undefined;
    let replyTo: string | null = null;
    if (p.replyTo) {
      const orig = await tx.db
        .selectFrom('messages')
        .select(['id', 'thread_id'])
        .where('id', '=', p.replyTo)
        .where('team_id', '=', me.teamId)
        .executeTakeFirst();
      if (!orig) throw new DomainError('not_found', `no message ${p.replyTo} in your team (replyTo)`);
      replyTo = orig.id;
      threadId = orig.thread_id;
    }
    if (p.thread) {
      if (threadId && threadId !== p.thread) {
        throw new DomainError('invalid', 'replyTo and thread name different threads; give one of them');
      }
      await getVisibleThread(tx, p.thread);
      threadId = p.thread;
    }

    let recipientIds: string[];
    // Rows already loaded with `to` resolution, so the recipients' presence needs no second read.
    let resolved: RecipientRow[] | undefined;
    const toSpec = p.to === undefined ? [] : Array.isArray(p.to) ? p.to : [p.to];
    if (toSpec.length > 0) {
      resolved = await resolveRecipientRows(tx, me, toSpec);
      recipientIds = resolved.map((r) => r.id);
    } else if (threadId) {
      recipientIds = await threadParticipants(tx, threadId, me.id);
      if (recipientIds.length === 0) {
        throw new DomainError('invalid', 'nobody else is in that thread yet: name recipients with `to`');
      }
    } else {
      throw new DomainError('invalid', 'say who the message is for: `to` (a name, "role:NAME", "*"), or a `thread`');
    }
    if (recipientIds.length > tx.limits.maxRecipients) {
      throw new DomainError(
        'too_large',
        `${recipientIds.length} recipients; the limit is ${tx.limits.maxRecipients} per send`,
        { limit: tx.limits.maxRecipients },
      );
    }

    let threadCounted = false;
    if (!threadId) {
      const only = recipientIds.length === 1 && !toSpec.some((t) => t === '*' || t.startsWith('role:'));
      if (only) {
        const direct = await countInDirectThread(tx, me.teamId, me.id, recipientIds[0] as string);
        threadId = direct.id;
        threadCounted = direct.counted;
      } else {
        threadId = await createThread(tx, {
          teamId: me.teamId,
          kind: 'topic',
          subject: p.subject ?? null,
          createdBy: me.id,
        });
      }
    }

    const message = await postMessage(tx, {
      teamId: me.teamId,
      threadId,
      senderId: me.id,
      senderName: me.name,
      recipientIds,
      body,
      subject: p.subject ?? null,
      kind: p.kind,
      priority: p.priority,
      ackRequired: p.ackRequired,
      replyTo,
      toSpec,
      idempotencyKey: p.idempotencyKey ?? null,
      threadCounted,
    });
    return { message, recipients: await recipientStates(tx, resolved ?? recipientIds), duplicate: false };
  });
}

export const Broadcast = z.strictObject({
  message: SendMessageFields.message,
  subject: SendMessageFields.subject,
  priority: SendMessageFields.priority,
  kind: SendMessageFields.kind,
  idempotencyKey: SendMessageFields.idempotencyKey,
});

/** Sends to every teammate but the caller (`to: "*"`). Errors as `sendMessage`. */
export async function broadcast(ctx: Ctx, input: unknown): Promise<SendResult> {
  const p = parseInput(Broadcast, input);
  return sendMessage(ctx, { ...p, to: '*' });
}

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
async function countInDirectThread(
  ctx: Ctx,
  teamId: string,
  a: string,
  b: string,
): Promise<{ id: string; counted: boolean }> {
  const key = [a, b].sort().join(':');
  const now = ctx.now();
  const found = await ctx.db
    .updateTable('threads')
    .set((eb) => ({ last_message_at: now, message_count: eb('message_count', '+', 1) }))
    .where('team_id', '=', teamId)
    .where('direct_key', '=', key)
    .returning('id')
    .executeTakeFirst();
  if (found) return { id: found.id, counted: true };
  const id = newId(now);
  await ctx.db
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
    .execute();
  return { id, counted: false };
}

/** A resolved recipient: what its presence in the send's result needs. */
interface RecipientRow {
  id: string;
  name: string;
  last_seen_at: number;
}

/**
 * Resolves `to` entries to agent ids in the actor's team, excluding the actor.
 * Errors: `not_found` for an unknown name (with close matches) or a role nobody has;
 * `invalid` when only the actor remains.
 */
export async function resolveRecipients(ctx: Ctx, me: Agent, specs: string[]): Promise<string[]> {
  return (await resolveRecipientRows(ctx, me, specs)).map((r) => r.id);
}

/** `resolveRecipients`, returning the recipients' rows (name, last activity) in `to` order. */
async function resolveRecipientRows(ctx: Ctx, me: Agent, specs: string[]): Promise<RecipientRow[]> {
  const wholeTeam = () =>
    ctx.db
      .selectFrom('agents')
      .select(['id', 'name', 'role', 'last_seen_at'])
      .where('team_id', '=', me.teamId)
      .where('kind', '!=', 'system')
      .execute();
  // Plain names (the common case) need only their own rows; `*`, roles and misses need the roster.
  const trimmed = specs.map((s) => s.trim());
  const plain = trimmed.every((s) => s !== '*' && !s.toLowerCase().startsWith('role:'));
  const wanted = [...new Set(trimmed.map((s) => s.replace(/^@/, '').toLowerCase()))];
  let roster = plain
    ? await ctx.db
        .selectFrom('agents')
        .select(['id', 'name', 'role', 'last_seen_at'])
        .where('team_id', '=', me.teamId)
        .where('kind', '!=', 'system')
        .where('name', 'in', wanted)
        .execute()
    : await wholeTeam();
  if (plain && roster.length < wanted.length) roster = await wholeTeam();
  const ids = new Map<string, RecipientRow>();
  for (const raw of specs) {
    const spec = raw.trim();
    if (spec === '*') {
      for (const a of roster) ids.set(a.id, a);
    } else if (spec.toLowerCase().startsWith('role:')) {
      const role = spec.slice(5).trim().toLowerCase();
      const members = roster.filter((a) => a.role?.toLowerCase() === role && a.id !== me.id);
      if (members.length === 0) {
        const roles = [...new Set(roster.map((a) => a.role).filter((r): r is string => !!r))];
        throw new DomainError(
          'not_found',
          `no teammate has role "${role}".${roles.length ? ` Roles in this team: ${roles.join(', ')}.` : ''}`,
          { role, roles },
        );
      }
      for (const a of members) ids.set(a.id, a);
    } else {
      const name = spec.replace(/^@/, '').toLowerCase();
      const hit = roster.find((a) => a.name === name);
      if (!hit) {
        throw unknownTeammate(
          name,
          roster.map((a) => a.name),
        );
      }
      ids.set(hit.id, hit);
    }
  }
  ids.delete(me.id);
  if (ids.size === 0) {
    throw new DomainError('invalid', 'no recipient but yourself: name a teammate (see teammate_list)');
  }
  return [...ids.values()];
}

/** Presence of each recipient (given by id, or as rows already loaded), sorted by name. */
async function recipientStates(ctx: Ctx, recipients: string[] | RecipientRow[]): Promise<RecipientState[]> {
  if (recipients.length === 0) return [];
  const now = ctx.now();
  const ids = recipients.map((r) => (typeof r === 'string' ? r : r.id));
  const loaded = recipients.filter((r): r is RecipientRow => typeof r !== 'string');
  const [rows, live] = await Promise.all([
    loaded.length === recipients.length
      ? loaded
      : ctx.db.selectFrom('agents').select(['id', 'name', 'last_seen_at']).where('id', 'in', ids).execute(),
    // Live sessions, and the latest end among those ended too recently to go by age alone.
    ctx.db
      .selectFrom('sessions')
      .select((eb) => [
        'agent_id',
        eb.fn.sum<number>(eb.case().when('ended_at', 'is', null).then(1).else(0).end()).as('n'),
        eb.fn.max('ended_at').as('left'),
      ])
      .where('agent_id', 'in', ids)
      .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>=', now - RECENT_MS)]))
      .groupBy('agent_id')
      .execute(),
  ]);
  const liveBy = new Map(live.map((l) => [l.agent_id as string, l]));
  return rows
    .map((r) => {
      const l = liveBy.get(r.id);
      const n = Number(l?.n ?? 0);
      const left = l?.left ?? null;
      return { name: r.name, presence: presenceOf(now, r.last_seen_at, n, left), queued: n === 0 };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Everyone who has sent or received in a thread, except `exclude`. */
async function threadParticipants(ctx: Ctx, threadId: string, exclude: string): Promise<string[]> {
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

export const CheckMessages = z.strictObject({
  unreadOnly: z.boolean().default(true).describe('only unread mail (default); false adds recent read mail'),
  thread: z.string().max(40).optional().describe('only this thread'),
  limit: z.number().int().min(1).max(100).default(20),
  markRead: z.boolean().default(true).describe('mark returned mail read (default true)'),
});

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
  const p = parseInput(CheckMessages, input);
  const me = requireActor(ctx);
  return withTx(ctx, async (tx) => {
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
    return { messages, unread: left };
  });
}

export const AckMessages = z.strictObject({
  ids: z
    .union([z.string().min(1).max(40), z.array(z.string().min(1).max(40)).min(1).max(200)])
    .describe('message id or ids to acknowledge'),
});

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

export const ReadThread = z.strictObject({
  thread: z.string().min(1).max(40).describe('thread id (a task result carries its threadId)'),
  limit: z.number().int().min(1).max(200).default(50).describe('newest N messages (default 50)'),
  before: z.string().max(40).optional().describe('message id: page to older messages'),
});

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

/** Number of unread messages in an agent's inbox. */
export async function unreadCount(ctx: Ctx, agentId: string): Promise<number> {
  const r = await ctx.db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('recipient_id', '=', agentId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
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
