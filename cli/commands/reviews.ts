/** `switchboard review …`: request, list, approve, request changes on and pass on reviews. */
import { type Command, Option } from 'commander';
import type { Review, Task } from '../../server/ops/model.js';
import type { TaskDetail } from '../../server/ops/tasks.js';
import { type ApiClient, apiAction, apiCommandGroup, messageText, wholeNumber } from '../client.js';
import { reviewLine, taskLine } from '../format.js';
import { taskPath } from './tasks.js';
import { pick } from './teammates.js';

export function registerReviewCommands(program: Command): void {
  const sub = apiCommandGroup(program, 'review', 'ask for, list and submit reviews of tasks');

  sub('request', 'ask for a review of a task you hold (it moves to in_review), or with --plan of your plan')
    .argument('<task>', 'task number or id')
    .option('--reviewer <who>', 'teammate name or role:NAME (default: anyone but you)')
    .option('--plan', 'ask for approval of your plan (-m or stdin) before the work; the task stays in progress')
    .option('-m, --note <text>', 'what to look at, where (branch, PR, files); with --plan, the plan')
    .action(
      apiAction(async (client, o, ref: string) => {
        const plan = o.plan === true;
        const note = plan ? await messageText(o.note as string | undefined, 'plan') : o.note;
        const r = await client.post<Review>(taskPath(ref, '/reviews'), {
          ...pick(o, ['reviewer']),
          ...(note !== undefined && { note }),
          ...(plan && { kind: 'plan' }),
        });
        return { json: r, text: `Requested review ${reviewLine(r, o.json ? undefined : await taskOf(client, r))}` };
      }),
    );

  sub('list', 'reviews in your team, oldest first (pending unless --status)')
    .addOption(
      new Option('--status <status>', 'review status').choices([
        'pending',
        'approved',
        'changes_requested',
        'cancelled',
      ]),
    )
    .addOption(new Option('--kind <kind>', 'only code or only plan reviews').choices(['code', 'plan']))
    .option('--mine', 'only reviews you may submit')
    .option('--task <task>', 'reviews of this task')
    .option('--limit <n>', 'at most n (default 50)', wholeNumber)
    .action(
      apiAction(async (client, o) => {
        const r = await client.get<{ reviews: Review[] }>('/reviews', {
          ...pick(o, ['status', 'kind', 'task', 'limit']),
          mine: o.mine ? true : undefined,
        });
        if (o.json) return { json: r, text: '' };
        const lines = await Promise.all(r.reviews.map(async (x) => reviewLine(x, await taskOf(client, x))));
        const text = lines.length ? lines.join('\n') : 'No reviews.';
        return { json: r, text };
      }),
    );

  sub('approve', 'approve a review (the task is done; a plan: its owner goes ahead)')
    .argument('<review>', 'the task under review (#12 or 12), or a review id')
    .option('-m, --comments <text>', 'comments')
    .action(
      apiAction(async (client, o, id: string) => {
        const r = await client.post<{ review: Review; task: Task }>(`/reviews/${encodeURIComponent(id)}/submit`, {
          verdict: 'approved',
          ...pick(o, ['comments']),
        });
        return { json: r, text: `Approved${r.review.kind === 'plan' ? ' the plan' : ''}; ${taskLine(r.task)}` };
      }),
    );

  sub('changes', 'request changes (the task goes back to its owner); comments from -m or stdin')
    .argument('<review>', 'the task under review (#12 or 12), or a review id')
    .option('-m, --comments <text>', 'what to change (required)')
    .action(
      apiAction(async (client, o, id: string) => {
        const comments = await messageText(o.comments as string | undefined, 'comments');
        const r = await client.post<{ review: Review; task: Task }>(`/reviews/${encodeURIComponent(id)}/submit`, {
          verdict: 'changes_requested',
          comments,
        });
        return {
          json: r,
          text: `Requested changes${r.review.kind === 'plan' ? ' to the plan' : ''}; ${taskLine(r.task)}`,
        };
      }),
    );

  sub('reassign', 'pass a pending review on to another teammate or role')
    .argument('<review>', 'the task under review (#12 or 12), or a review id')
    .argument('<to>', 'teammate name or role:NAME')
    .option('-m, --note <text>', 'note for the new reviewer')
    .action(
      apiAction(async (client, o, id: string, to: string) => {
        const r = await client.post<Review>(`/reviews/${encodeURIComponent(id)}/reassign`, {
          to,
          ...pick(o, ['note']),
        });
        return { json: r, text: `Reassigned ${reviewLine(r, o.json ? undefined : await taskOf(client, r))}` };
      }),
    );
}

/** The reviewed task's number and title, for human-readable lines (reviews carry only the task id). */
async function taskOf(client: ApiClient, r: Review): Promise<{ number: number; title: string }> {
  const d = await client.get<TaskDetail>(taskPath(r.taskId), { threadLimit: 0 });
  return d.task;
}
