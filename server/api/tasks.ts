/** JSON API: tasks and reviews. `:ref` is a task id or number. */
import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import { listReviews, reassignReview, requestReview, submitReview } from '../ops/reviews.js';
import {
  cancelTask,
  claimTask,
  commentOnTask,
  completeTask,
  createTask,
  delegateTask,
  getTask,
  handoffTask,
  listTasks,
  releaseTask,
  respondHandoff,
  updateTask,
} from '../ops/tasks.js';
import { agentRoute, jsonBody, queryInput } from './handler.js';

/** Body fields plus the task reference from the path. */
const withTask = async (c: Parameters<Parameters<typeof agentRoute>[1]>[1]) => ({
  ...((await jsonBody(c)) as object),
  task: c.req.param('ref'),
});

export function taskRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  const route = (op: Parameters<typeof agentRoute>[1], status: 200 | 201 = 200) => agentRoute(deps, op, status);

  app.get(
    '/tasks',
    route((ctx, c) =>
      listTasks(
        ctx,
        queryInput(c, {
          status: 'list',
          owner: 'string',
          assignee: 'string',
          mine: 'boolean',
          ready: 'boolean',
          label: 'list',
          text: 'string',
          limit: 'number',
          cursor: 'string',
        }),
      ),
    ),
  );
  app.post(
    '/tasks',
    route(async (ctx, c) => createTask(ctx, await jsonBody(c)), 201),
  );
  // Claim the best ready task (body: { labels? }).
  app.post(
    '/tasks/claim',
    route(async (ctx, c) => claimTask(ctx, await jsonBody(c))),
  );
  app.get(
    '/tasks/:ref',
    route((ctx, c) => getTask(ctx, { task: c.req.param('ref'), ...queryInput(c, { threadLimit: 'number' }) })),
  );
  app.patch(
    '/tasks/:ref',
    route(async (ctx, c) => updateTask(ctx, await withTask(c))),
  );
  app.post(
    '/tasks/:ref/claim',
    route(async (ctx, c) => claimTask(ctx, await withTask(c))),
  );
  app.post(
    '/tasks/:ref/release',
    route(async (ctx, c) => releaseTask(ctx, await withTask(c))),
  );
  app.post(
    '/tasks/:ref/delegate',
    route(async (ctx, c) => delegateTask(ctx, await withTask(c))),
  );
  app.post(
    '/tasks/:ref/handoff',
    route(async (ctx, c) => handoffTask(ctx, await withTask(c))),
  );
  app.post(
    '/tasks/:ref/handoff/respond',
    route(async (ctx, c) => respondHandoff(ctx, await withTask(c))),
  );
  app.post(
    '/tasks/:ref/complete',
    route(async (ctx, c) => completeTask(ctx, await withTask(c))),
  );
  app.post(
    '/tasks/:ref/cancel',
    route(async (ctx, c) => cancelTask(ctx, await withTask(c))),
  );
  app.post(
    '/tasks/:ref/comments',
    route(async (ctx, c) => commentOnTask(ctx, await withTask(c)), 201),
  );
  app.post(
    '/tasks/:ref/reviews',
    route(async (ctx, c) => requestReview(ctx, await withTask(c)), 201),
  );

  app.get(
    '/reviews',
    route((ctx, c) =>
      listReviews(
        ctx,
        queryInput(c, { status: 'string', kind: 'string', mine: 'boolean', task: 'string', limit: 'number' }),
      ),
    ),
  );
  app.post(
    '/reviews/:id/submit',
    route(async (ctx, c) => submitReview(ctx, { ...((await jsonBody(c)) as object), review: c.req.param('id') })),
  );
  app.post(
    '/reviews/:id/reassign',
    route(async (ctx, c) => reassignReview(ctx, { ...((await jsonBody(c)) as object), review: c.req.param('id') })),
  );
  return app;
}
