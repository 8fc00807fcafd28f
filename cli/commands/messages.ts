/** `switchboard send | broadcast | inbox | ack | thread`: messages and inboxes over the JSON API. */
import { type Command, Option } from 'commander';
import type { InboxResult, SendResult, ThreadView } from '../../server/ops/messages.js';
import { apiAction, messageText, wholeNumber, withApiOptions } from '../client.js';
import { sentText, messageText as showMessage } from '../format.js';
import { pick } from './teammates.js';

const KINDS = ['message', 'question', 'answer', 'status', 'handoff', 'review', 'system'];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];

export function registerMessageCommands(program: Command): void {
  withApiOptions(
    program
      .command('send')
      .description('send a message to teammates (names, role:NAME, or * for the team); text from -m or stdin')
      .argument('[to...]', 'recipients (omit with --thread or --reply-to to answer in a thread)')
      .option('-m, --message <text>', 'Markdown text (default: read stdin)')
      .option('-s, --subject <text>', 'subject line')
      .addOption(new Option('--kind <kind>', 'kind of message').choices(KINDS))
      .addOption(new Option('--priority <priority>', 'priority').choices(PRIORITIES))
      .option('--ack', 'ask recipients to acknowledge')
      .option('--reply-to <id>', 'message id you answer (posts in its thread)')
      .option('--thread <id>', 'thread to post in')
      .option('--key <key>', 'idempotency key: a retry with the same key sends nothing new'),
  ).action(
    apiAction(async (client, o, to: string[]) => {
      if (to.length === 0 && !o.thread && !o.replyTo) {
        throw new Error('name at least one recipient, or give --thread / --reply-to');
      }
      const body = {
        ...(to.length > 0 && { to }),
        message: await messageText(o.message as string | undefined),
        ...pick(o, ['subject', 'kind', 'priority', 'replyTo', 'thread']),
        ...(o.ack === true && { ackRequired: true }),
        ...(o.key !== undefined && { idempotencyKey: o.key }),
      };
      const r = await client.post<SendResult>('/messages', body);
      return { json: r, text: sentText(r) };
    }),
  );

  withApiOptions(
    program
      .command('broadcast')
      .description('send a message to every teammate; text from -m or stdin')
      .option('-m, --message <text>', 'Markdown text (default: read stdin)')
      .option('-s, --subject <text>', 'subject line')
      .addOption(new Option('--kind <kind>', 'kind of message').choices(KINDS))
      .addOption(new Option('--priority <priority>', 'priority').choices(PRIORITIES))
      .option('--key <key>', 'idempotency key'),
  ).action(
    apiAction(async (client, o) => {
      const body = {
        message: await messageText(o.message as string | undefined),
        ...pick(o, ['subject', 'kind', 'priority']),
        ...(o.key !== undefined && { idempotencyKey: o.key }),
      };
      const r = await client.post<SendResult>('/broadcast', body);
      return { json: r, text: sentText(r) };
    }),
  );

  withApiOptions(
    program
      .command('inbox')
      .description('your unread mail; a peek by default (nothing is marked read), --read marks it read')
      .option('--read', 'mark the shown mail read (like teammate_check_messages)')
      .option('--all', 'also show recent read mail')
      .option('--thread <id>', 'only this thread')
      .option('--limit <n>', 'at most n messages (default 20)', wholeNumber),
  ).action(
    apiAction(async (client, o) => {
      const filters = {
        ...(o.all === true && { unreadOnly: false }),
        ...pick(o, ['thread', 'limit']),
      };
      const r = o.read
        ? await client.post<InboxResult>('/inbox/check', { ...filters, markRead: true })
        : await client.get<InboxResult>('/inbox', filters as Record<string, string | number | boolean>);
      const shown = r.messages.length ? r.messages.map(showMessage).join('\n\n') : 'No mail.';
      const left = r.unread > 0 ? `\n\n${r.unread} unread${o.read ? ' left' : ''}.` : '';
      return { json: r, text: `${shown}${left}` };
    }),
  );

  withApiOptions(
    program.command('ack').description('acknowledge messages addressed to you').argument('<ids...>', 'message ids'),
  ).action(
    apiAction(async (client, _o, ids: string[]) => {
      const r = await client.post<{ acked: string[] }>('/inbox/ack', { ids });
      return { json: r, text: `Acknowledged ${r.acked.join(', ')}.` };
    }),
  );

  withApiOptions(
    program
      .command('thread')
      .description("a thread's messages, oldest first (a task's thread id is on the task)")
      .argument('<id>', 'thread id')
      .option('--limit <n>', 'newest n messages (default 50)', wholeNumber)
      .option('--before <id>', 'page to messages older than this message id'),
  ).action(
    apiAction(async (client, o, id: string) => {
      const r = await client.get<ThreadView>(
        `/threads/${encodeURIComponent(id)}`,
        pick(o, ['limit', 'before']) as Record<string, string | number>,
      );
      const head = `Thread ${r.thread.id} (${r.thread.kind}${r.thread.subject ? `: ${r.thread.subject}` : ''}), ${r.thread.messageCount} message(s)`;
      const more = r.more ? `\n\nOlder messages: --before ${r.messages[0]?.id}` : '';
      return { json: r, text: `${head}\n\n${r.messages.map(showMessage).join('\n\n')}${more}` };
    }),
  );
}
