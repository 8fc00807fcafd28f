/** MCP tools for tasks (`task_*`). */
import type { Task } from '../../server/ops/mappers.js';
import {
  CancelTask,
  ClaimTask,
  CompleteTask,
  CreateTask,
  cancelTask,
  claimTask,
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
import { ago, formatMessage, quote, taskLine } from '../format.js';
import { DESTRUCTIVE, defineTool, IDEMPOTENT_WRITE, READ_ONLY, WRITE } from '../tool.js';

const one =
  (verb: string) =>
  (t: Task): string =>
    `${verb} ${taskLine(t)}.`;

function detailText(d: TaskDetail): string {
  const t = d.task;
  const lines = [taskLine(t)];
  if (t.labels.length) lines.push(`Labels: ${t.labels.join(', ')}`);
  if (t.blockedBy.length) lines.push(`Blocked by: ${t.blockedBy.map((b) => `#${b.number} (${b.status})`).join(', ')}`);
  if (d.dependents.length) lines.push(`Needed by: ${d.dependents.map((b) => `#${b.number}`).join(', ')}`);
  if (t.handoff) lines.push(`Hand-off pending to ${t.handoff.to}`);
  if (t.leaseExpiresAt) lines.push(`Lease expires ${t.leaseExpiresAt}`);
  if (t.description) lines.push(`Description (by ${t.creator}):\n${quote(t.description)}`);
  if (t.result) lines.push(`Result:\n${quote(t.result)}`);
  const pending = d.reviews.filter((r) => r.status === 'pending');
  if (pending.length) lines.push(`Pending review ${pending.map((r) => r.id).join(', ')}`);
  lines.push(
    `Events: ${d.events.map((e) => `${e.type}${e.actor ? ` by ${e.actor}` : ''} ${ago(e.createdAt)}`).join('; ')}`,
  );
  if (d.thread.length) lines.push(`Thread ${t.threadId} (latest):\n\n${d.thread.map(formatMessage).join('\n\n')}`);
  return lines.join('\n');
}

export const taskTools = [
  defineTool({
    name: 'task_create',
    title: 'Create a task',
    description:
      'Add a task to the team board. dependsOn blocks it until those are done; assignee reserves it for one teammate.',
    input: CreateTask,
    annotations: WRITE,
    run: (ctx, args) => createTask(ctx, args),
    text: one('Created'),
  }),
  defineTool({
    name: 'task_list',
    title: 'List tasks',
    description:
      'Tasks by priority. Unfinished ones by default; filter by status, owner, mine, ready (claimable now), label, text. Page with cursor.',
    input: ListTasks,
    annotations: READ_ONLY,
    run: (ctx, args) => listTasks(ctx, args),
    text: (r: { tasks: Task[]; nextCursor: string | null }) =>
      r.tasks.length
        ? `${r.tasks.map(taskLine).join('\n')}${r.nextCursor ? `\nMore: cursor "${r.nextCursor}"` : ''}`
        : 'No matching tasks.',
  }),
  defineTool({
    name: 'task_get',
    title: 'Get a task',
    description: 'One task with dependencies, latest thread messages, event history and reviews.',
    input: GetTask,
    annotations: READ_ONLY,
    run: (ctx, args) => getTask(ctx, args),
    text: detailText,
  }),
  defineTool({
    name: 'task_claim',
    title: 'Claim a task',
    description:
      'Take a task (or, without task, the best ready one). Atomic: on conflict the error names the holder or blockers. The claim is a lease your activity renews.',
    input: ClaimTask,
    annotations: WRITE,
    run: (ctx, args) => claimTask(ctx, args),
    text: one('You now own'),
  }),
  defineTool({
    name: 'task_update',
    title: 'Update a task',
    description: 'Post a progress note to the task thread and/or edit fields (owner or creator).',
    input: UpdateTask,
    annotations: WRITE,
    run: (ctx, args) => updateTask(ctx, args),
    text: one('Updated'),
  }),
  defineTool({
    name: 'task_release',
    title: 'Release a task',
    description: 'Give a task you hold back to the pool (open) with a note on its state.',
    input: ReleaseTask,
    annotations: WRITE,
    run: (ctx, args) => releaseTask(ctx, args),
    text: one('Released'),
  }),
  defineTool({
    name: 'task_delegate',
    title: 'Delegate a task',
    description: 'Reserve a task for a teammate with a note (creator or owner); they claim it.',
    input: DelegateTask,
    annotations: WRITE,
    run: (ctx, args) => delegateTask(ctx, args),
    text: one('Delegated'),
  }),
  defineTool({
    name: 'task_handoff',
    title: 'Hand off a task',
    description: 'Offer a task you hold to a teammate with notes; it stays yours until they accept.',
    input: HandoffTask,
    annotations: WRITE,
    run: (ctx, args) => handoffTask(ctx, args),
    text: one('Offered'),
  }),
  defineTool({
    name: 'task_respond_handoff',
    title: 'Accept or decline a hand-off',
    description: 'Answer a hand-off offered to you: accept to become owner, or decline.',
    input: RespondHandoff,
    annotations: WRITE,
    run: (ctx, args) => respondHandoff(ctx, args),
    text: (t: Task) => `Hand-off answered: ${taskLine(t)}.`,
  }),
  defineTool({
    name: 'task_complete',
    title: 'Complete a task',
    description: 'Finish a task you hold as done (no review) or failed, with a result. Ready dependents are announced.',
    input: CompleteTask,
    annotations: IDEMPOTENT_WRITE,
    run: (ctx, args) => completeTask(ctx, args),
    text: one('Finished'),
  }),
  defineTool({
    name: 'task_cancel',
    title: 'Cancel a task',
    description: 'Cancel an unfinished task (creator or owner).',
    input: CancelTask,
    annotations: DESTRUCTIVE,
    run: (ctx, args) => cancelTask(ctx, args),
    text: one('Cancelled'),
  }),
];
