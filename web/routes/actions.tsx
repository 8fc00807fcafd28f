/**
 * The board's actions: each form posts to a route that checks origin and CSRF token, builds
 * the viewer's context (recording activity), turns the form into input (`web/forms.ts`) and
 * calls the same operation as the MCP tool of the same name; errors come back as the same
 * messages. An htmx post gets a notice and an `sb-refresh` trigger; a plain post a redirect.
 *
 * | Route | Action | Operation |
 * |---|---|---|
 * | POST /t/:team/tasks | create a task | createTask |
 * | POST /t/:team/tasks/:ref/comment, delegate, release, cancel | | commentOnTask, delegateTask, releaseTask, cancelTask |
 * | POST /t/:team/reviews/:id | approve / request changes | submitReview |
 * | POST /t/:team/messages, /threads/:id/reply | message someone / reply | sendMessage |
 */
import { type Context, Hono } from 'hono';
import type { AppDeps } from '../../server/deps.js';
import { sendMessage } from '../../server/ops/messages.js';
import { touchActivity } from '../../server/ops/presence.js';
import { submitReview } from '../../server/ops/reviews.js';
import { cancelTask, commentOnTask, createTask, delegateTask, releaseTask } from '../../server/ops/tasks.js';
import { Notice, teamUrl } from '../components/common.js';
import { wantsFragment } from '../errors.js';
import {
  cancelInput,
  commentInput,
  createTaskInput,
  delegateInput,
  type Form,
  messageInput,
  releaseInput,
  replyInput,
  verdictInput,
} from '../forms.js';
import { checkSameOrigin } from '../security.js';
import { type TeamViewer, teamViewer } from '../viewer.js';

export function actionRoutes(deps: AppDeps): Hono {
  const app = new Hono();

  /**
   * Runs a board action: same-origin and token check, the viewer's context (activity recorded),
   * then `run`, which returns the notice. An htmx request gets the notice and an `sb-refresh`
   * trigger; a plain form post is redirected to `back`.
   */
  async function act(
    c: Context,
    back: (v: TeamViewer) => string,
    run: (v: TeamViewer, form: Form) => Promise<string>,
  ): Promise<Response> {
    await checkSameOrigin(c);
    const v = await teamViewer(deps, c, c.req.param('team') as string);
    const form = (await c.req.parseBody({ all: true })) as Form;
    await touchActivity(v.ctx);
    const done = await run(v, form);
    if (!wantsFragment(c)) return c.redirect(back(v), 303);
    // The notice goes to the page's status line: the form itself may be re-rendered away.
    c.header('hx-trigger', 'sb-refresh');
    c.header('hx-retarget', '#flash');
    c.header('hx-reswap', 'innerHTML');
    return c.html(<Notice>{done}</Notice>);
  }

  const taskPage = (c: Context) => (v: TeamViewer) => teamUrl(v.team.name, `/tasks/${c.req.param('ref')}`);

  app.post('/t/:team/tasks', (c) =>
    act(
      c,
      (v) => teamUrl(v.team.name),
      async (v, form) => {
        const t = await createTask(v.ctx, createTaskInput(form));
        return `Created #${t.number}.`;
      },
    ),
  );

  app.post('/t/:team/tasks/:ref/comment', (c) =>
    act(c, taskPage(c), async (v, form) => {
      await commentOnTask(v.ctx, commentInput(c.req.param('ref'), form));
      return 'Comment posted.';
    }),
  );

  app.post('/t/:team/tasks/:ref/delegate', (c) =>
    act(c, taskPage(c), async (v, form) => {
      const t = await delegateTask(v.ctx, delegateInput(c.req.param('ref'), form));
      return `Delegated #${t.number} to ${t.assignee}.`;
    }),
  );

  app.post('/t/:team/tasks/:ref/release', (c) =>
    act(c, taskPage(c), async (v, form) => {
      const t = await releaseTask(v.ctx, releaseInput(c.req.param('ref'), form));
      return `Released #${t.number}; it is open again.`;
    }),
  );

  app.post('/t/:team/tasks/:ref/cancel', (c) =>
    act(c, taskPage(c), async (v, form) => {
      const t = await cancelTask(v.ctx, cancelInput(c.req.param('ref'), form));
      return `Cancelled #${t.number}.`;
    }),
  );

  app.post('/t/:team/reviews/:id', (c) =>
    act(
      c,
      (v) => teamUrl(v.team.name, '/reviews'),
      async (v, form) => {
        const r = await submitReview(v.ctx, verdictInput(c.req.param('id'), form));
        if (r.review.kind === 'plan') {
          return r.review.status === 'approved'
            ? `Plan approved: #${r.task.number} stays in progress with ${r.task.owner ?? 'its owner'}.`
            : `Changes requested on the plan: #${r.task.number} stays with ${r.task.owner ?? 'its owner'}.`;
        }
        return r.review.status === 'approved'
          ? `Approved: #${r.task.number} is done.`
          : `Changes requested: #${r.task.number} is back with ${r.task.owner ?? 'its owner'}.`;
      },
    ),
  );

  app.post('/t/:team/messages', (c) =>
    act(
      c,
      (v) => teamUrl(v.team.name, '/threads'),
      async (v, form) => {
        const r = await sendMessage(v.ctx, messageInput(form));
        const queued = r.recipients.filter((x) => x.queued).map((x) => x.name);
        return `Sent to ${r.recipients.map((x) => x.name).join(', ')}${queued.length ? ` (queued for offline ${queued.join(', ')})` : ''}.`;
      },
    ),
  );

  app.post('/t/:team/threads/:id/reply', (c) =>
    act(
      c,
      (v) => teamUrl(v.team.name, `/threads/${c.req.param('id')}`),
      async (v, form) => {
        const r = await sendMessage(v.ctx, replyInput(c.req.param('id'), form));
        return `Sent to ${r.recipients.map((x) => x.name).join(', ')}.`;
      },
    ),
  );

  return app;
}
