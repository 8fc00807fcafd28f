/**
 * The JSON API's adapter: resolve identity, build the context, record activity, call one
 * operation, return its result as JSON. Errors are thrown to the app's `onError`.
 */
import type { Context } from 'hono';
import type { AppDeps } from '../deps.js';
import { DomainError } from '../errors.js';
import { ctxFor, resolveIdentity } from '../identity.js';
import { noteRequest } from '../middleware/request-log.js';
import type { Ctx } from '../ops/context.js';
import { touchActivity } from '../ops/presence.js';

type Op = (ctx: Ctx, c: Context) => Promise<unknown>;

/** A route handler that runs `op` as the request's agent (`unauthorized` if none). */
export function agentRoute(deps: AppDeps, op: Op, status: 200 | 201 = 200) {
  return async (c: Context) => {
    const identity = await resolveIdentity(deps, c.req.raw, { autoJoin: false });
    if (!identity.agent) {
      throw new DomainError(
        'unauthorized',
        'name yourself: Authorization: Bearer <token>, or (local mode) X-Switchboard-Agent: NAME after POST /api/v1/join',
      );
    }
    noteRequest(c, { agent: identity.agent.name, team: identity.agent.team });
    const ctx = ctxFor(deps, identity);
    ctx.actor = await touchActivity(ctx, { loaded: true });
    return c.json((await op(ctx, c)) as object, status);
  };
}

/** The request body as JSON; `invalid` if it is not. An empty body is `{}`. */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new DomainError('invalid', 'request body is not valid JSON');
  }
}

type Coercion = 'string' | 'number' | 'boolean' | 'list';

/**
 * Query parameters as operation input, coercing the named keys (`?limit=5` → 5,
 * `?ready=true` → true, `?label=a&label=b` → ["a","b"]). A bad number or boolean is passed
 * through as a string so the operation's schema reports it.
 */
export function queryInput(c: Context, keys: Record<string, Coercion>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, kind] of Object.entries(keys)) {
    const values = c.req.queries(key);
    if (!values || values.length === 0) continue;
    const v = values[values.length - 1] as string;
    if (kind === 'list') out[key] = values.flatMap((x) => x.split(',')).filter(Boolean);
    else if (kind === 'number') out[key] = /^-?\d+$/.test(v) ? Number(v) : v;
    else if (kind === 'boolean') out[key] = v === 'true' ? true : v === 'false' ? false : v;
    else out[key] = v;
  }
  return out;
}
