/**
 * `switchboard task …`: create, list, show, claim, update, release, delegate, hand off
 * (accept/decline), complete, fail, cancel and comment on tasks over the JSON API.
 * A task reference is its number (12 or #12) or its id.
 */
import { type Command, Option } from 'commander';
import type { Message, Task } from '../../server/ops/model.js';
import type { TaskDetail } from '../../server/ops/tasks.js';
import { apiAction, apiCommandGroup, messageText, wholeNumber } from '../client.js';
import { eventLine, indent, reviewLine, messageText as showMessage, taskLine, taskText } from '../format.js';
import { pick } from './teammates.js';

const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const STATUSES = ['open', 'in_progress', 'in_review', 'done', 'failed', 'cancelled'];

/** Repeatable, comma-separated list option: `--label api --label db,urgent`. */
export const collect = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

/** `/tasks/<ref>` with the reference escaped (`#12` must not become a URL fragment). */
export const taskPath = (ref: string, rest = '') => `/tasks/${encodeURIComponent(ref)}${rest}`;

/** `-d -` reads the text from stdin; any other value is the text. */
const textOrStdin = async (v: unknown, what: string) =>
  v === '-' ? messageText(undefined, what) : (v as string | undefined);

const done = (verb: string) => (t: Task) => ({ json: t, text: `${verb} ${taskLine(t)}` });

export function registerTaskCommands(program: Command): void {
  const sub = apiCommandGroup(program, 'task', 'create, claim, hand off and finish tasks');

  sub('create', 'create an open task')
    .argument('<title>', 'short imperative title')
    .option('-d, --description <text>', 'Markdown: what to do, acceptance criteria ("-" reads stdin)')
    .addOption(new Option('--priority <priority>', 'priority (default normal)').choices(PRIORITIES))
    .option('--label <labels>', 'label (repeatable, or comma-separated)', collect)
    .option('--assignee <name>', 'reserve the task for this teammate')
    .option('--parent <task>', 'parent task')
    .option('--depends-on <tasks>', 'tasks that must be done first (repeatable, or comma-separated)', collect)
    .option('--key <key>', 'idempotency key: a retry with the same key creates nothing new')
    .action(
      apiAction(async (client, o, title: string) => {
        const description = await textOrStdin(o.description, 'description');
        const t = await client.post<Task>('/tasks', {
          title,
          ...(description !== undefined && { description }),
          ...pick(o, ['priority', 'assignee', 'parent']),
          ...(o.label !== undefined && { labels: o.label }),
          ...(o.dependsOn !== undefined && { dependsOn: o.dependsOn }),
          ...(o.key !== undefined && { idempotencyKey: o.key }),
        });
        return done('Created')(t);
      }),
    );

  sub('list', 'tasks in your team, highest priority first (unfinished ones unless --status)')
    .option('--status <statuses>', `status (repeatable): ${STATUSES.join(', ')}`, collect)
    .option('--owner <name>', 'held by this teammate')
    .option('--assignee <name>', 'reserved for this teammate')
    .option('--mine', 'tasks you hold or are assigned')
    .option('--ready', 'only tasks you could claim now')
    .option('--label <labels>', 'carrying these labels (repeatable)', collect)
    .option('--text <text>', 'search titles and descriptions')
    .option('--limit <n>', 'page size (default 50)', wholeNumber)
    .option('--cursor <cursor>', 'next page, from a previous listing')
    .action(
      apiAction(async (client, o) => {
        const r = await client.get<{ tasks: Task[]; nextCursor: string | null }>('/tasks', {
          ...pick(o, ['owner', 'assignee', 'text', 'limit', 'cursor']),
          status: o.status as string[] | undefined,
          label: o.label as string[] | undefined,
          mine: o.mine ? true : undefined,
          ready: o.ready ? true : undefined,
        });
        const lines = r.tasks.length ? r.tasks.map(taskLine).join('\n') : 'No tasks.';
        const more = r.nextCursor ? `\nMore: --cursor ${r.nextCursor}` : '';
        return { json: r, text: `${lines}${more}` };
      }),
    );

  sub('show', 'a task with its reviews, history and the tail of its thread')
    .argument('<task>', 'task number or id')
    .option('--thread-limit <n>', 'newest thread messages to show (default 20)', wholeNumber)
    .action(
      apiAction(async (client, o, ref: string) => {
        const d = await client.get<TaskDetail>(taskPath(ref), { threadLimit: o.threadLimit as number | undefined });
        return { json: d, text: taskDetailText(d) };
      }),
    );

  sub('claim', 'claim a task (a lease kept alive by your activity); without a task, the best ready one')
    .argument('[task]', 'task number or id (omit to claim the highest-priority ready task)')
    .option('--label <labels>', 'with no task: only tasks carrying these labels (repeatable)', collect)
    .action(
      apiAction(async (client, o, ref: string | undefined) => {
        const labels = o.label === undefined ? {} : { labels: o.label };
        const t = ref
          ? await client.post<Task>(taskPath(ref, '/claim'), labels)
          : await client.post<Task>('/tasks/claim', labels);
        return done('Claimed')(t);
      }),
    );

  sub('update', 'post a progress note and/or change fields of a task')
    .argument('<task>', 'task number or id')
    .option('-m, --note <text>', 'progress note, posted in the task thread ("-" reads stdin)')
    .option('--title <title>', 'new title')
    .option('-d, --description <text>', 'new description ("-" reads stdin)')
    .addOption(new Option('--priority <priority>', 'new priority').choices(PRIORITIES))
    .option('--labels <labels>', 'replace the labels (repeatable, or comma-separated)', collect)
    .option('--depends-on <tasks>', 'replace the dependencies (repeatable, or comma-separated)', collect)
    .option('--expect-version <n>', 'fail with conflict if the task changed since this version', wholeNumber)
    .action(
      apiAction(async (client, o, ref: string) => {
        const note = await textOrStdin(o.note, 'note');
        const description = await textOrStdin(o.description, 'description');
        const t = await client.patch<Task>(taskPath(ref), {
          ...(note !== undefined && { note }),
          ...(description !== undefined && { description }),
          ...pick(o, ['title', 'priority', 'labels', 'dependsOn']),
          ...(o.expectVersion !== undefined && { version: o.expectVersion }),
        });
        return done('Updated')(t);
      }),
    );

  sub('release', 'give a task you hold back to the pool')
    .argument('<task>', 'task number or id')
    .option('-m, --note <text>', 'why, and what state you leave it in')
    .action(
      apiAction(async (client, o, ref: string) =>
        done('Released')(await client.post<Task>(taskPath(ref, '/release'), pick(o, ['note']))),
      ),
    );

  sub('delegate', 'reserve a task for a teammate, with a note that lands in their inbox')
    .argument('<task>', 'task number or id')
    .argument('<to>', 'teammate who should do it')
    .option('-m, --note <text>', 'note for the new assignee')
    .action(
      apiAction(async (client, o, ref: string, to: string) =>
        done('Delegated')(await client.post<Task>(taskPath(ref, '/delegate'), { to, ...pick(o, ['note']) })),
      ),
    );

  sub('handoff', 'offer a task you hold to a teammate, with hand-off notes (from -m or stdin)')
    .argument('<task>', 'task number or id')
    .argument('<to>', 'teammate to take over')
    .option('-m, --note <text>', 'what is done, what is left, where')
    .action(
      apiAction(async (client, o, ref: string, to: string) => {
        const note = await messageText(o.note as string | undefined, 'hand-off note');
        const t = await client.post<Task>(taskPath(ref, '/handoff'), { to, note });
        return { json: t, text: `Offered #${t.number} ${t.title} to ${to}; it stays yours until they accept.` };
      }),
    );

  for (const [name, accept] of [
    ['accept', true],
    ['decline', false],
  ] as const) {
    sub(name, `${name} a task handed off to you`)
      .argument('<task>', 'task number or id')
      .option('-m, --note <text>', 'note for the owner')
      .action(
        apiAction(async (client, o, ref: string) => {
          const t = await client.post<Task>(taskPath(ref, '/handoff/respond'), { accept, ...pick(o, ['note']) });
          return done(accept ? 'Accepted' : 'Declined')(t);
        }),
      );
  }

  for (const [name, failed] of [
    ['complete', false],
    ['fail', true],
  ] as const) {
    sub(name, failed ? 'mark a task you hold as failed' : 'mark a task you hold as done (no review needed)')
      .argument('<task>', 'task number or id')
      .option('-r, --result <text>', 'what was done (Markdown): commit, PR, notes ("-" reads stdin)')
      .action(
        apiAction(async (client, o, ref: string) => {
          const result = await textOrStdin(o.result, 'result');
          const t = await client.post<Task>(taskPath(ref, '/complete'), {
            ...(result !== undefined && { result }),
            ...(failed && { failed: true }),
          });
          return done(failed ? 'Failed' : 'Completed')(t);
        }),
      );
  }

  sub('cancel', 'cancel a task that is not finished')
    .argument('<task>', 'task number or id')
    .option('--reason <text>', 'why')
    .action(
      apiAction(async (client, o, ref: string) =>
        done('Cancelled')(await client.post<Task>(taskPath(ref, '/cancel'), pick(o, ['reason']))),
      ),
    );

  sub('comment', "post in a task's thread (creator, owner and assignee are told); text from -m or stdin")
    .argument('<task>', 'task number or id')
    .option('-m, --message <text>', 'Markdown text (default: read stdin)')
    .action(
      apiAction(async (client, o, ref: string) => {
        const message = await messageText(o.message as string | undefined, 'comment');
        const m = await client.post<Message>(taskPath(ref, '/comments'), { message });
        return { json: m, text: `Commented ${m.id} in thread ${m.threadId}.` };
      }),
    );
}

function taskDetailText(d: TaskDetail): string {
  const parts = [taskText(d.task)];
  if (d.dependents.length) {
    parts.push(`Waiting on it: ${d.dependents.map((t) => `#${t.number} ${t.title} (${t.status})`).join(', ')}`);
  }
  if (d.reviews.length) parts.push(`Reviews:\n${indent(d.reviews.map((r) => reviewLine(r, d.task)).join('\n'))}`);
  if (d.events.length) parts.push(`History:\n${indent(d.events.map(eventLine).join('\n'))}`);
  if (d.thread.length) parts.push(`Thread:\n${indent(d.thread.map(showMessage).join('\n\n'))}`);
  return parts.join('\n\n');
}
