/** MCP tools for tasks (`task_*`). */

import type { Ctx } from '../../server/ops/context.js';
import type { Message, Review, Task } from '../../server/ops/model.js';
import {
  CancelTask,
  ClaimTask,
  CommentOnTask,
  CompleteTask,
  CreateTask,
  cancelTask,
  claimTask,
  commentOnTask,
  completeTask,
  createTask,
  DelegateTask,
  delegateTask,
  GetTask,
  getTask,
  HandoffTask,
  handoffTask,
  ListTasks,
  listTasks,
  ReleaseTask,
  RespondHandoff,
  releaseTask,
  respondHandoff,
  type TaskDetail,
  UpdateTask,
  updateTask,
} from '../../server/ops/tasks.js';
import {
  ago,
  formatMessages,
  leaseText,
  quote,
  reviewerOf,
  taskLine,
  taskRef,
  until,
} from '../../server/text-format.js';
import { DESTRUCTIVE, defineTool, IDEMPOTENT_WRITE, READ_ONLY, WRITE } from '../tool.js';

/** Events and thread messages task_get's text shows; older ones are counted, with how to read them. */
const EVENTS_SHOWN = 8;
const MESSAGES_SHOWN = 5;

/** What a task's holder should know of it: its state, and the lease if it is theirs. */
function heldText(verb: string, t: Task, ctx: Ctx): string {
  const mine = t.owner !== null && t.owner === ctx.actor?.name;
  return `${verb} ${taskLine(t)}.${mine ? ` Your ${leaseText(t, ctx.now())}.` : ''}`;
}

function detailText(d: TaskDetail, ctx: Ctx): string {
  const t = d.task;
  const now = ctx.now();
  const lines = [taskLine(t)];
  if (t.labels.length) lines.push(`Labels: ${t.labels.join(', ')}`);
  if (t.blockedBy.length) lines.push(`Blocked by: ${t.blockedBy.map((b) => `${taskRef(b)} (${b.status})`).join(', ')}`);
  if (d.dependents.length) lines.push(`Needed by: ${d.dependents.map((b) => taskRef(b)).join(', ')}`);
  if (t.handoff) lines.push(`Hand-off offered to ${t.handoff.to} ${ago(t.handoff.at, now)}`);
  if (t.owner)
    lines.push(`Claimed by ${t.owner}${t.claimedAt ? ` ${ago(t.claimedAt, now)}` : ''}; ${leaseText(t, now)}`);
  if (d.reservations.length) {
    const files = d.reservations.map(
      (r) => `${r.pattern} by ${r.holder} (${r.exclusive ? 'exclusive' : 'shared'}, ends ${until(r.expiresAt, now)})`,
    );
    lines.push(`Reserved files: ${files.join('; ')}`);
  }
  if (t.description) lines.push(`Description (by ${t.creator}; their words):\n${quote(t.description)}`);
  if (t.result) lines.push(`Result (their words):\n${quote(t.result)}`);
  const pending = d.reviews.filter((r) => r.status === 'pending');
  const plan = pending.find((r) => r.kind === 'plan');
  if (plan) lines.push(`Plan (by ${plan.requestedBy}; their words):\n${quote(plan.note ?? '')}`);
  if (pending.length)
    lines.push(
      `${plan ? 'Plan review' : 'Review'} pending (reviewer ${reviewerOf(pending[0] as Review)}): submit with review_submit {review: "#${t.number}", verdict}`,
    );
  const shown = d.events.slice(-EVENTS_SHOWN);
  const earlier = d.events.length - shown.length;
  lines.push(
    `History${earlier ? ` (${earlier} earlier events not shown)` : ''}: ${shown.map((e) => `${e.type}${e.actor ? ` by ${e.actor}` : ''} ${ago(e.createdAt, now)}`).join('; ')}`,
  );
  const tail = d.thread.slice(-MESSAGES_SHOWN);
  if (tail.length) {
    const more = d.thread.length > tail.length;
    lines.push(
      `Thread: ${more ? `latest ${tail.length} (earlier: teammate_read_thread {thread: "${t.threadId}"})` : `${tail.length} message(s)`}. ${formatMessages(tail)}`,
    );
  }
  return lines.join('\n');
}

export const taskTools = [
  defineTool({
    name: 'task_create',
    title: 'Create a task',
    description: 'Add a task to the board. dependsOn blocks it until those are done; assignee reserves it.',
    input: CreateTask,
    annotations: WRITE,
    run: (ctx, args) => createTask(ctx, args),
    text: (t: Task) =>
      `Created ${taskLine(t)}.${
        t.blocked
          ? ` It waits for ${t.blockedBy.map((b) => `#${b.number}`).join(', ')}; whoever is waiting is told when it is ready.`
          : t.assignee
            ? ` ${t.assignee} was told; they claim it.`
            : ` Next: task_claim {task: "#${t.number}"} to take it yourself, or leave it for the team.`
      }`,
  }),
  defineTool({
    name: 'task_list',
    title: 'List tasks',
    description: 'Tasks by priority, unfinished by default; filters combine; page with cursor.',
    input: ListTasks,
    annotations: READ_ONLY,
    run: (ctx, args) => listTasks(ctx, args),
    text: (r: { tasks: Task[]; nextCursor: string | null }) => {
      if (!r.tasks.length) return 'No matching tasks.';
      const claimable = r.tasks.find((t) => t.status === 'open' && !t.blocked && !t.owner);
      return [
        r.tasks.map(taskLine).join('\n'),
        r.nextCursor ? `More: task_list {cursor: "${r.nextCursor}"}.` : null,
        claimable ? `Next: task_claim {task: "#${claimable.number}"} (or task_get for details).` : null,
      ]
        .filter(Boolean)
        .join('\n');
    },
  }),
  defineTool({
    name: 'task_get',
    title: 'Get a task',
    description: 'One task: dependencies, plan, reviews, history, latest thread messages.',
    input: GetTask,
    annotations: READ_ONLY,
    run: (ctx, args) => getTask(ctx, args),
    text: detailText,
  }),
  defineTool({
    name: 'task_claim',
    title: 'Claim a task',
    description:
      'Take a task, or the best ready one. Atomic: a lost claim names the holder. The claim is a lease your calls renew; release what you drop.',
    input: ClaimTask,
    annotations: WRITE,
    run: (ctx, args) => claimTask(ctx, args),
    text: (t: Task, ctx) =>
      `${heldText('You now own', t, ctx)} Post progress with task_update {task: "#${t.number}", note}; when finished, review_request or task_complete; if you stop, task_release.`,
  }),
  defineTool({
    name: 'task_update',
    title: 'Update a task',
    description:
      'Post a progress note and/or edit fields (owner or creator). Status changes: task_complete, review_request, task_release, task_cancel.',
    input: UpdateTask,
    annotations: WRITE,
    run: (ctx, args) => updateTask(ctx, args),
    text: (t: Task, ctx) => heldText('Updated', t, ctx),
  }),
  defineTool({
    name: 'task_comment',
    title: 'Comment on a task',
    description: 'Post in a task’s thread; its creator, owner and assignee get it.',
    input: CommentOnTask,
    annotations: WRITE,
    run: (ctx, args) => commentOnTask(ctx, args),
    text: (m: Message) =>
      `Commented in the task's thread (message id ${m.id}); its creator, owner and assignee get it.`,
  }),
  defineTool({
    name: 'task_release',
    title: 'Release a task',
    description: 'Give a task you hold back to the team (open). For someone specific: task_handoff.',
    input: ReleaseTask,
    annotations: WRITE,
    run: (ctx, args) => releaseTask(ctx, args),
    text: (t: Task) => `Released ${taskLine(t)}: anyone may claim it now.`,
  }),
  defineTool({
    name: 'task_delegate',
    title: 'Delegate a task',
    description:
      'Reserve a task for a teammate (creator or owner); they claim it, and another holder’s claim ends. For work you hold, prefer task_handoff.',
    input: DelegateTask,
    annotations: WRITE,
    run: (ctx, args) => delegateTask(ctx, args),
    text: (t: Task) =>
      `Delegated ${taskLine(t)}. ${t.assignee ?? 'The assignee'} was told and claims it with task_claim.`,
  }),
  defineTool({
    name: 'task_handoff',
    title: 'Hand off a task',
    description: 'Offer a task you hold to a teammate; it stays yours until they accept.',
    input: HandoffTask,
    annotations: WRITE,
    run: (ctx, args) => handoffTask(ctx, args),
    text: (t: Task) =>
      `Offered ${taskRef(t)} to ${t.handoff?.to ?? 'them'}; it stays yours until they accept or decline (you will get a message).`,
  }),
  defineTool({
    name: 'task_respond_handoff',
    title: 'Accept or decline a hand-off',
    description: 'Accept (become owner) or decline a hand-off offered to you.',
    input: RespondHandoff,
    annotations: WRITE,
    run: (ctx, args) => respondHandoff(ctx, args),
    text: (t: Task, ctx) =>
      t.owner === ctx.actor?.name
        ? `${heldText('Accepted: you now own', t, ctx)} Read the hand-off notes with task_get {task: "#${t.number}"}.`
        : `Declined: ${taskLine(t)}.`,
  }),
  defineTool({
    name: 'task_complete',
    title: 'Complete a task',
    description: 'Finish a task you hold, done (no review) or failed, with a result. Safe to retry.',
    input: CompleteTask,
    annotations: IDEMPOTENT_WRITE,
    run: (ctx, args) => completeTask(ctx, args),
    text: (t: Task) =>
      `Finished ${taskLine(t)}.${t.status === 'done' ? ' Next: task_claim {} for the next ready task.' : ' Others can see why in its result.'}`,
  }),
  defineTool({
    name: 'task_cancel',
    title: 'Cancel a task',
    description: 'Cancel an unfinished task (creator or owner); any claim ends and those involved are told.',
    input: CancelTask,
    annotations: DESTRUCTIVE,
    run: (ctx, args) => cancelTask(ctx, args),
    text: (t: Task) => `Cancelled ${taskRef(t)}; whoever held it was told.`,
  }),
];
