/**
 * Validation errors read by a model: an unknown key gets the accepted key it resembles (or the
 * operation's own advice), the list of accepted parameters, and the call changes nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { suggestKey } from '../../server/errors.js';
import { ackMessages, readThread, sendMessage, unreadCount } from '../../server/ops/messages.js';
import type { Agent } from '../../server/ops/model.js';
import { submitReview } from '../../server/ops/reviews.js';
import {
  claimTask,
  commentOnTask,
  completeTask,
  createTask,
  getTask,
  listTasks,
  releaseTask,
  updateTask,
} from '../../server/ops/tasks.js';
import { createWorld, rejects, type TestWorld } from '../helpers/ctx.js';

let w: TestWorld;
let lead: Agent;
let dev: Agent;

beforeEach(async () => {
  w = await createWorld();
  lead = await w.agent('lead');
  dev = await w.agent('dev');
});
afterEach(async () => {
  await w.close();
});

describe('unknown parameters', () => {
  it('task_update {status}: says which operation changes status, lists the accepted parameters, changes nothing', async () => {
    const t = await createTask(w.as(lead), { title: 'T' });
    await claimTask(w.as(dev), { task: t.id });
    const before = await getTask(w.as(lead), { task: t.id });
    const err = await rejects(updateTask(w.as(dev), { task: t.id, status: 'done' }), 'invalid');
    expect(err.message).toBe(
      'invalid input — unknown parameter "status": to change status use task_complete (done/failed), review_request (in_review), task_release (back to open) or task_cancel. Accepted parameters: task, note, title, description, priority, labels, dependsOn, version.',
    );
    expect(err.details).toMatchObject({
      unknown: ['status'],
      accepted: ['task', 'note', 'title', 'description', 'priority', 'labels', 'dependsOn', 'version'],
    });
    expect(await getTask(w.as(lead), { task: t.id })).toEqual(before);
  });

  it('task_complete {status}: says how to finish as done or failed', async () => {
    const t = await createTask(w.as(lead), { title: 'T' });
    await claimTask(w.as(dev), { task: t.id });
    await rejects(completeTask(w.as(dev), { task: t.id, status: 'failed' }), 'invalid', /failed: true/);
    expect((await getTask(w.as(lead), { task: t.id })).task.status).toBe('in_progress');
  });

  it('task_id, taskId and id point to task, without also complaining that task is missing', async () => {
    await createTask(w.as(lead), { title: 'T' });
    await claimTask(w.as(dev), { task: 1 });
    for (const key of ['task_id', 'taskId', 'id']) {
      const err = await rejects(releaseTask(w.as(dev), { [key]: '#1' }), 'invalid');
      expect(err.message).toBe(
        `invalid input — unknown parameter "${key}": did you mean "task"? Accepted parameters: task, note.`,
      );
      expect(err.details.suggestions).toEqual({ [key]: 'task' });
    }
    expect((await getTask(w.as(lead), { task: 1 })).task.owner).toBe('dev');
  });

  it('body, content and text point to message where the field is message', async () => {
    await createTask(w.as(lead), { title: 'T' });
    for (const key of ['body', 'content', 'text']) {
      await rejects(
        sendMessage(w.as(lead), { to: 'dev', [key]: 'hi' }),
        'invalid',
        `"${key}": did you mean "message"?`,
      );
      await rejects(
        commentOnTask(w.as(lead), { task: 1, [key]: 'hi' }),
        'invalid',
        `"${key}": did you mean "message"?`,
      );
    }
    expect(await unreadCount(w.as(dev), dev.id)).toBe(0);
    // Where `text` is a parameter (task_list's search), it is simply accepted.
    expect((await listTasks(w.as(dev), { text: 'T' })).tasks).toHaveLength(1);
  });

  it('a near miss suggests the accepted key it resembles; an unrelated key gets only the list', async () => {
    await createTask(w.as(lead), { title: 'T' });
    await rejects(
      createTask(w.as(lead), { title: 'x', depends_on: [1] }),
      'invalid',
      /"depends_on": did you mean "dependsOn"\?/,
    );
    await rejects(claimTask(w.as(dev), { label: ['be'] }), 'invalid', /"label": did you mean "labels"\?/);
    await rejects(
      sendMessage(w.as(lead), { to: 'dev', message: 'x', ack_required: true }),
      'invalid',
      /"ack_required": did you mean "ackRequired"\?/,
    );
    await rejects(ackMessages(w.as(dev), { id: 'x' }), 'invalid', /"id": did you mean "ids"\?/);
    await rejects(
      submitReview(w.as(dev), { reviewId: 'r', verdict: 'approved' }),
      'invalid',
      /did you mean "review"\?/,
    );
    await rejects(readThread(w.as(dev), { threadId: 't' }), 'invalid', /did you mean "thread"\?/);
    const err = await rejects(claimTask(w.as(dev), { definitelyNotAField: 1 }), 'invalid');
    expect(err.message).toBe(
      'invalid input — unknown parameter "definitelyNotAField". Accepted parameters: task, labels.',
    );
    expect((await listTasks(w.as(lead), {})).tasks).toHaveLength(1);
  });

  it('names a missing required field as required', async () => {
    await rejects(getTask(w.as(dev), {}), 'invalid', /^invalid input — task: required$/);
    await rejects(sendMessage(w.as(dev), { to: 'lead' }), 'invalid', /^invalid input — message: required/);
    await rejects(
      sendMessage(w.as(dev), { message: 'hi' }),
      'invalid',
      /^invalid input — to: say who the message is for/,
    );
  });

  it('suggests only keys the operation accepts', () => {
    expect(suggestKey('id', ['review', 'verdict', 'comments'])).toBe('review');
    expect(suggestKey('body', ['task', 'note'])).toBe('note');
    expect(suggestKey('TaskID', ['task'])).toBe('task');
    expect(suggestKey('body', ['task', 'reason'])).toBeNull();
    expect(suggestKey('xyz', ['task', 'labels'])).toBeNull();
  });
});
