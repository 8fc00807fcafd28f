/** MCP tool `teammate_wait_for_messages`: a call that returns the moment mail arrives. */
import { type TaskNotice, WaitForMessages, type WaitResult, waitForMessages } from '../../server/ops/delivery.js';
import { acquireWaitSlot } from '../../server/ops/rate-limit.js';
import { formatMessages, mailNextStep, taskRef } from '../../server/text-format.js';
import { defineTool, IDEMPOTENT_WRITE } from '../tool.js';

/**
 * Progress notifications this often while waiting (ms): enough to keep the connection and
 * clients that reset their timeout on progress alive, rare enough that a thousand parked
 * calls cost next to nothing.
 */
const PROGRESS_EVERY_MS = 20_000;

const noticeLine = (n: TaskNotice) =>
  `- ${taskRef(n.task)} [${n.task.status}]: ${n.event.replaceAll('_', ' ')}${n.by ? ` by ${n.by}` : ''}`;

function waitText(r: WaitResult): string {
  if (r.timedOut) {
    return `Nothing new after ${Math.round(r.waitedMs / 1000)}s. Next: call teammate_wait_for_messages again to keep waiting, or task_list {ready: true} for work.`;
  }
  const parts: string[] = [];
  if (r.messages.length) parts.push(`${r.messages.length} message(s), now marked read. ${formatMessages(r.messages)}`);
  const ready = r.taskEvents.filter((n) => n.event === 'ready to claim');
  const changed = r.taskEvents.filter((n) => n.event !== 'ready to claim');
  if (changed.length) parts.push(`Your tasks changed:\n${changed.map(noticeLine).join('\n')}`);
  if (ready.length) {
    parts.push(
      `Ready to claim:\n${ready.map((n) => `- ${taskRef(n.task)}${n.cause ? ` (${n.cause.replaceAll('_', ' ')}${n.by ? ` by ${n.by}` : ''})` : ''}: task_claim {task: "#${n.task.number}"}`).join('\n')}`,
    );
  }
  if (r.messages.length) parts.push(mailNextStep(r.messages));
  else if (changed.length) parts.push('Next: task_get {task: "#N"} for details.');
  return parts.join('\n\n') || 'Nothing new. Next: teammate_wait_for_messages to keep waiting.';
}

export const waitTools = [
  defineTool({
    name: 'teammate_wait_for_messages',
    title: 'Wait for messages',
    description:
      'Use when idle instead of polling: returns when mail, a change to your tasks or claimable work arrives (mail marked read); empty at timeout.',
    input: WaitForMessages,
    annotations: IDEMPOTENT_WRITE,
    run: async (ctx, args, session) => {
      const slot = await acquireWaitSlot(ctx);
      try {
        return await waitForMessages(ctx, args, {
          signal: AbortSignal.any([session.signal, slot.signal]),
          progressEveryMs: PROGRESS_EVERY_MS,
          onProgress: (waited, total) =>
            session.progress(`waiting for messages (${Math.round(waited / 1000)}s of ${Math.round(total / 1000)}s)`),
        });
      } finally {
        await slot.release();
      }
    },
    text: waitText,
  }),
];
