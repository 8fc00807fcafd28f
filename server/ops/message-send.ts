/**
 * Sending: a message from the actor to teammates by name, `role:NAME` or `*`, or into a
 * thread; broadcast; recipients checked against the roster (close matches suggested) and
 * reported as connected or queued. Claude Flow's argument names are accepted.
 */
import { z } from 'zod';
import { compileOnce } from '../db/compiled.js';
import { DomainError } from '../errors.js';
import { unknownTeammate } from './agents.js';
import { type Ctx, requireActor } from './context.js';
import { withIdempotentTx } from './idempotency.js';
import { checkBodySize, postMessage } from './mailbox.js';
import { type Agent, type Message, type Presence, toMessage } from './model.js';
import { presenceOf, RECENT_MS } from './presence.js';
import { chargeSend } from './rate-limit.js';
import { BodyText, IdempotencyKey, MessageKind, Priority, parseInput, ShortText } from './schemas.js';
import { countInDirectThread, createThread, getVisibleThread, threadParticipants } from './threads.js';

/** `to` entries: a teammate name, `role:NAME` for everyone with that role, or `*` for the team. */
const Recipient = z.string().trim().min(1).max(80);

export const SendMessageFields = {
  to: z
    .union([Recipient, z.array(Recipient).min(1).max(200)])
    .optional()
    .describe('name, role:NAME, * (team) or a list; omit to post in thread'),
  message: BodyText(1_000_000).describe('Markdown'),
  subject: ShortText(200).optional().describe('starts a topic thread'),
  kind: MessageKind.default('message').describe('question expects an answer'),
  priority: Priority.default('normal').describe('urgent shows first'),
  ackRequired: z.boolean().default(false).describe('recipients confirm with teammate_ack'),
  replyTo: z.string().max(40).optional().describe('message id you answer'),
  thread: z.string().max(40).optional().describe('thread id to post in'),
  idempotencyKey: IdempotencyKey.optional(),
};

/**
 * Claude Flow's argument names, declared so that clients validating against the advertised
 * JSON Schema let them through; `normalizeSendAliases` maps them onto ours before parsing.
 */
const ClaudeFlowFields = {
  toId: z.string().optional().describe('alias of to'),
  payload: z.unknown().optional().describe('alias of message'),
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
 * `forbidden` (Claude Flow `fromId`/`teamName` that is not the caller), `rate_limited` (over
 * `limits.sendsPerMinute`, server/ops/rate-limit.ts `chargeSend`).
 */
export async function sendMessage(ctx: Ctx, input: unknown): Promise<SendResult> {
  const me = requireActor(ctx);
  const p = parseInput(SendMessage, normalizeSendAliases(me, input));
  // The schema's refinement guarantees a body (given as `message` or `payload`).
  const body = p.message as string;
  checkBodySize(ctx, body, 'message');
  return withIdempotentTx(ctx, p.idempotencyKey, async (tx) => {
    await chargeSend(tx);
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
export type Broadcast = z.infer<typeof Broadcast>;

/** Sends to every teammate but the caller (`to: "*"`). Errors as `sendMessage`. */
export async function broadcast(ctx: Ctx, input: unknown): Promise<SendResult> {
  const p = parseInput(Broadcast, input);
  return sendMessage(ctx, { ...p, to: '*' });
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
  let roster = !plain
    ? await wholeTeam()
    : wanted.length === 1
      ? await teammateByName(ctx.db, me.teamId, wanted[0] as string)
      : await ctx.db
          .selectFrom('agents')
          .select(['id', 'name', 'role', 'last_seen_at'])
          .where('team_id', '=', me.teamId)
          .where('kind', '!=', 'system')
          .where('name', 'in', wanted)
          .execute();
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

/** One teammate by name (a direct send), compiled once. */
const teammateByName = compileOnce(2, (db, teamId: string, name: string) =>
  db
    .selectFrom('agents')
    .select(['id', 'name', 'role', 'last_seen_at'])
    .where('team_id', '=', teamId)
    .where('kind', '!=', 'system')
    .where('name', '=', name),
);

/** Live sessions of one agent, and its latest end among those ended since `since` (a direct send), compiled once. */
const sessionsOfOne = compileOnce(2, (db, agentId: string, since: number) =>
  db
    .selectFrom('sessions')
    .select((eb) => [
      'agent_id',
      eb.fn.sum<number>(eb.case().when('ended_at', 'is', null).then(1).else(0).end()).as('n'),
      eb.fn.max('ended_at').as('left'),
    ])
    .where('agent_id', '=', agentId)
    .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>=', since)]))
    .groupBy('agent_id'),
);

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
    ids.length === 1
      ? sessionsOfOne(ctx.db, ids[0] as string, now - RECENT_MS)
      : ctx.db
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
