/**
 * Binds a request to an identity, the same way for MCP, the JSON API and the board:
 * a bearer token names its agent; in local mode (loopback, no tokens) an agent may instead
 * be named by `X-Switchboard-Agent` / `X-Switchboard-Team` headers or `agent` / `team`
 * query parameters. Identity never comes from tool arguments or request bodies.
 */
import type { AppDeps } from './deps.js';
import { DomainError } from './errors.js';
import { findAgent, upsertAgent } from './ops/agents.js';
import { type Ctx, createCtx } from './ops/context.js';
import type { Agent } from './ops/model.js';
import { AgentName, TeamName } from './ops/schemas.js';
import { authenticateToken } from './ops/tokens.js';

export interface Identity {
  agent: Agent | null;
  admin: boolean;
}

/** The named agent from headers or query, if any (local mode only). */
export function namedAgent(req: Request): { name: string; team: string } | null {
  const url = new URL(req.url);
  const name = req.headers.get('x-switchboard-agent') ?? url.searchParams.get('agent');
  if (!name) return null;
  const team = req.headers.get('x-switchboard-team') ?? url.searchParams.get('team') ?? 'default';
  const n = AgentName.safeParse(name);
  const t = TeamName.safeParse(team);
  if (!n.success) throw new DomainError('invalid', `agent name "${name}": ${n.error.issues[0]?.message}`);
  if (!t.success) throw new DomainError('invalid', `team name "${team}": ${t.error.issues[0]?.message}`);
  return { name: n.data, team: t.data };
}

/**
 * Resolves a request's identity.
 * - `Authorization: Bearer sb_…` → that token's agent (`unauthorized` if invalid or revoked).
 * - token mode without a token → `unauthorized`.
 * - local mode with a named agent → that agent, joined (created) if `autoJoin`, else looked up.
 * - otherwise anonymous (`agent: null`).
 */
export async function resolveIdentity(deps: AppDeps, req: Request, opts: { autoJoin: boolean }): Promise<Identity> {
  const ctx = baseCtx(deps);
  const auth = req.headers.get('authorization');
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m) throw new DomainError('unauthorized', 'Authorization must be "Bearer <token>"');
    return authenticateToken(ctx, m[1] as string);
  }
  if (deps.auth === 'token') {
    throw new DomainError('unauthorized', 'this server requires a bearer token (Authorization: Bearer <token>)');
  }
  const named = namedAgent(req);
  if (!named) return { agent: null, admin: false };
  if (opts.autoJoin) {
    const { agent } = await upsertAgent(ctx, { name: named.name, team: named.team });
    return { agent, admin: false };
  }
  const agent = await findAgent(ctx, named.team, named.name);
  if (!agent) {
    throw new DomainError('unauthorized', `no teammate "${named.name}" in team "${named.team}": join first`);
  }
  return { agent, admin: false };
}

/** A context without an actor, for lookups done before identity is known. */
export function baseCtx(deps: AppDeps): Ctx {
  return createCtx(deps, null);
}

/** A context acting as `identity`. */
export function ctxFor(deps: AppDeps, identity: Identity): Ctx {
  return createCtx(deps, identity.agent, { admin: identity.admin });
}
