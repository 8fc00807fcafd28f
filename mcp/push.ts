/**
 * Push: when mail is committed, every live MCP session of each recipient is told at once,
 * three ways (DESIGN.md, Delivery):
 * - `notifications/claude/channel` (Claude Code channels): the message as content, with
 *   sender, ids and thread as meta;
 * - `notifications/resources/updated` for `switchboard://inbox`, if the session subscribed;
 * - a log notification (`notifications/message`) for clients that show those.
 * Announcements are best-effort and may repeat; each session skips a message id it has
 * already been told about. The mailbox stays the truth: pushed mail is marked delivered,
 * not read. A session whose stream is not read is skipped while its push is paused
 * (`SessionState.pushPaused`, mcp/stream-backlog.ts); when it reads again it is told once
 * how many messages it was not told about.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { AppDeps } from '../server/deps.js';
import { baseCtx } from '../server/identity.js';
import type { Ctx } from '../server/ops/context.js';
import { getMessage, markDelivered } from '../server/ops/delivery.js';
import type { Message } from '../server/ops/model.js';
import { formatMessage } from '../server/text-format.js';
import { INBOX_URI } from './resources.js';
import type { SessionState } from './session-state.js';

export const CHANNEL_METHOD = 'notifications/claude/channel';

/** What push needs of a live session. */
export interface PushTarget {
  state: SessionState;
  server: Server;
}

/** Message ids remembered per session for de-duplication (oldest forgotten first). */
const DEDUPE_SIZE = 1000;

/**
 * Subscribes to the bus and pushes new mail to `sessions()` (read at each event); delivery
 * marks are handed to `defer` (the event log's next commit). Returns the unsubscribe function.
 */
export function startPush(
  deps: AppDeps,
  sessions: () => Iterable<PushTarget>,
  defer: (work: (tx: Ctx) => Promise<void>) => void,
): () => void {
  const seen = new WeakMap<SessionState, Set<string>>();
  const ctx = baseCtx(deps);

  const firstTime = (state: SessionState, messageId: string): boolean => {
    let ids = seen.get(state);
    if (!ids) {
      ids = new Set();
      seen.set(state, ids);
    }
    if (ids.has(messageId)) return false;
    ids.add(messageId);
    if (ids.size > DEDUPE_SIZE) ids.delete(ids.values().next().value as string);
    return true;
  };

  async function push(
    teamId: string,
    messageId: string,
    recipientIds: readonly string[],
    known?: Message,
  ): Promise<void> {
    const wanted = new Set(recipientIds);
    const targets: PushTarget[] = [];
    for (const s of sessions()) {
      const id = s.state.actor?.id;
      if (!id || !wanted.has(id)) continue;
      // A stream not read gets nothing more (its backlog is bounded); the inbox has the mail.
      if (s.state.pushPaused) s.state.pushMissed = (s.state.pushMissed ?? 0) + 1;
      else if (firstTime(s.state, messageId)) targets.push(s);
    }
    if (targets.length === 0) return;
    const message = known ?? (await getMessage(ctx, messageId));
    if (!message) return;
    const delivered = new Set<string>();
    await Promise.all(
      targets.map(async (t) => {
        try {
          await notify(t, message);
          delivered.add(t.state.actor?.id as string);
        } catch (err) {
          deps.logger.debug({ err, session: t.state.sessionId }, 'push failed');
        }
      }),
    );
    if (delivered.size > 0) {
      queueDelivered(messageId, delivered);
      deps.metrics?.delivered(teamId, 'push', delivered.size);
    }
  }

  // Delivery marks ride in the commit of the pushed events themselves, not one commit each.
  const queueDelivered = (messageId: string, ids: Set<string>) => defer((tx) => markDelivered(tx, messageId, [...ids]));

  return deps.bus.subscribe((e) => {
    if (e.type !== 'message.created' || e.recipientIds.length === 0) return;
    push(e.teamId, e.messageId, e.recipientIds, e.message).catch((err) => deps.logger.error({ err }, 'push failed'));
  });
}

/** The meta attributes of a channel notification: strings under identifier keys (Claude Code drops others). */
export function channelMeta(m: Message): Record<string, string> {
  const meta: Record<string, string> = {
    source: 'switchboard',
    from: m.from,
    message_id: m.id,
    thread_id: m.threadId,
    kind: m.kind,
    priority: m.priority,
  };
  if (m.subject) meta.subject = m.subject;
  if (m.replyTo) meta.reply_to = m.replyTo;
  if (m.ackRequired) meta.ack_required = 'true';
  return meta;
}

async function notify(t: PushTarget, m: Message): Promise<void> {
  const text = formatMessage(m);
  const sends: Promise<void>[] = [
    t.server.notification({
      method: CHANNEL_METHOD,
      params: {
        content: `${text}\n\n(Reply with teammate_send_message replyTo "${m.id}"; mark read with teammate_check_messages.)`,
        meta: channelMeta(m),
      },
    }),
    t.server.sendLoggingMessage(
      {
        level: 'info',
        logger: 'switchboard',
        data: `New message from ${m.from} (id ${m.id}, thread ${m.threadId}): call teammate_check_messages.`,
      },
      t.state.sessionId,
    ),
  ];
  if (t.state.subscriptions?.has(INBOX_URI)) sends.push(t.server.sendResourceUpdated({ uri: INBOX_URI }));
  await Promise.all(sends);
}

/**
 * Tells a session whose push has just resumed how many messages arrived while it was paused
 * (a log notification, and an inbox update if it subscribed), then forgets the count.
 */
export async function tellPushResumed(t: PushTarget): Promise<void> {
  const missed = t.state.pushMissed ?? 0;
  t.state.pushMissed = 0;
  if (missed === 0) return;
  const sends: Promise<void>[] = [
    t.server.sendLoggingMessage(
      {
        level: 'info',
        logger: 'switchboard',
        data: `Push resumed: ${missed} message(s) arrived while your event stream was not read; call teammate_check_messages.`,
      },
      t.state.sessionId,
    ),
  ];
  if (t.state.subscriptions?.has(INBOX_URI)) sends.push(t.server.sendResourceUpdated({ uri: INBOX_URI }));
  await Promise.all(sends);
}
