/** JSON API: teammates, messages, threads and inboxes. */
import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import { DomainError } from '../errors.js';
import { baseCtx, namedAgent } from '../identity.js';
import { joinTeam, setSummary } from '../ops/agents.js';
import { ackMessages, broadcast, checkMessages, readThread, sendMessage } from '../ops/messages.js';
import { listTeammates, whoami } from '../ops/presence.js';
import { getTeamSettings, updateTeamSettings } from '../ops/team-settings.js';
import { agentRoute, jsonBody, queryInput } from './handler.js';

export function teammateRoutes(deps: AppDeps): Hono {
  const app = new Hono();

  // Local mode: join by name (then send X-Switchboard-Agent). Token mode: the token's agent already exists.
  app.post('/join', async (c) => {
    if (deps.auth === 'token' || c.req.header('authorization')) {
      throw new DomainError(
        'forbidden',
        'with tokens, agents are created by minting a token (switchboard token create)',
      );
    }
    if (namedAgent(c.req.raw)) {
      throw new DomainError('invalid', 'POST /join takes the name in the body, not in X-Switchboard-Agent');
    }
    const r = await joinTeam(baseCtx(deps), await jsonBody(c));
    return c.json(r, r.created ? 201 : 200);
  });
  app.get(
    '/me',
    agentRoute(deps, (ctx) => whoami(ctx)),
  );
  app.patch(
    '/me',
    agentRoute(deps, async (ctx, c) => setSummary(ctx, await jsonBody(c))),
  );
  // Team settings (e.g. { planLabel: "needs-plan" }); changing them takes a human teammate or a team admin.
  app.get(
    '/team/settings',
    agentRoute(deps, (ctx) => getTeamSettings(ctx)),
  );
  app.patch(
    '/team/settings',
    agentRoute(deps, async (ctx, c) => updateTeamSettings(ctx, await jsonBody(c))),
  );
  app.get(
    '/teammates',
    agentRoute(deps, async (ctx, c) => ({
      teammates: await listTeammates(ctx, queryInput(c, { includeOffline: 'boolean' })),
    })),
  );
  app.post(
    '/messages',
    agentRoute(deps, async (ctx, c) => sendMessage(ctx, await jsonBody(c)), 201),
  );
  app.post(
    '/broadcast',
    agentRoute(deps, async (ctx, c) => broadcast(ctx, await jsonBody(c)), 201),
  );
  // GET peeks without marking read; POST /inbox/check reads (marks read), like teammate_check_messages.
  app.get(
    '/inbox',
    agentRoute(deps, (ctx, c) =>
      checkMessages(ctx, {
        ...queryInput(c, { unreadOnly: 'boolean', thread: 'string', limit: 'number' }),
        markRead: false,
      }),
    ),
  );
  app.post(
    '/inbox/check',
    agentRoute(deps, async (ctx, c) => checkMessages(ctx, await jsonBody(c))),
  );
  app.post(
    '/inbox/ack',
    agentRoute(deps, async (ctx, c) => ackMessages(ctx, await jsonBody(c))),
  );
  app.get(
    '/threads/:id',
    agentRoute(deps, (ctx, c) =>
      readThread(ctx, { thread: c.req.param('id'), ...queryInput(c, { limit: 'number', before: 'string' }) }),
    ),
  );
  return app;
}
