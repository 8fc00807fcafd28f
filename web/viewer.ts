/**
 * Who is looking at the board, following the server's auth mode:
 * - `local` (loopback): a person picks a teammate name on first visit (or the server's
 *   `SWITCHBOARD_BOARD_NAME` is used until they do); it is kept in a cookie and the person joins each team they open as a `human` teammate (`upsertAgent`).
 * - `token`: the person logs in with a token (`authenticateToken`); the token is kept in an
 *   HttpOnly cookie and re-checked on every request, so revoking it ends the login.
 */
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppDeps } from '../server/deps.js';
import { DomainError } from '../server/errors.js';
import { baseCtx, ctxFor } from '../server/identity.js';
import { noteRequest } from '../server/middleware/request-log.js';
import { findAgent, upsertAgent } from '../server/ops/agents.js';
import { teamByName } from '../server/ops/board.js';
import type { Ctx } from '../server/ops/context.js';
import type { Agent } from '../server/ops/model.js';
import { AgentName } from '../server/ops/schemas.js';
import { authenticateToken } from '../server/ops/tokens.js';

export const NAME_COOKIE = 'sb_name';
export const TOKEN_COOKIE = 'sb_token';

/** The person behind a request, before a team is chosen. */
export interface BoardUser {
  mode: 'local' | 'token';
  /** Local mode: the chosen name, if any. Token mode: the token's teammate name. */
  name: string | null;
  /** Token mode: the authenticated teammate and whether the token is a team-admin token. */
  token: { agent: Agent; admin: boolean } | null;
}

/** The person viewing one team, with a context acting as them. */
export interface TeamViewer {
  team: { id: string; name: string };
  agent: Agent;
  admin: boolean;
  ctx: Ctx;
}

/** Thrown when the person must log in (token mode) or pick a name (local mode) first. */
export const needLogin = (mode: 'local' | 'token') =>
  new DomainError('unauthorized', mode === 'token' ? 'log in with a token to use the board' : 'choose a name first', {
    login: mode,
  });

/**
 * The request's person. Token mode: `unauthorized` (with `details.login`) without a valid
 * token cookie. Local mode never fails; `name` is null until one is chosen.
 */
export async function boardUser(deps: AppDeps, c: Context): Promise<BoardUser> {
  if (deps.auth === 'token') {
    const token = getCookie(c, TOKEN_COOKIE);
    if (!token) throw needLogin('token');
    try {
      const auth = await authenticateToken(baseCtx(deps), token);
      return { mode: 'token', name: auth.agent.name, token: auth };
    } catch {
      throw needLogin('token');
    }
  }
  const raw = getCookie(c, NAME_COOKIE);
  const parsed = raw ? AgentName.safeParse(raw) : null;
  return { mode: 'local', name: parsed?.success ? parsed.data : (deps.boardName ?? null), token: null };
}

/**
 * The person as a teammate of `teamName`. Local mode joins them as a `human` on first visit.
 * Errors: `unauthorized` (log in or choose a name), `not_found` (no such team, or not the
 * token's team), `conflict` (the chosen name belongs to a non-human teammate of that team).
 */
export async function teamViewer(deps: AppDeps, c: Context, teamName: string): Promise<TeamViewer> {
  const viewer = await findTeamViewer(deps, c, teamName);
  noteRequest(c, { agent: viewer.agent.name, team: viewer.team.name });
  return viewer;
}

async function findTeamViewer(deps: AppDeps, c: Context, teamName: string): Promise<TeamViewer> {
  const user = await boardUser(deps, c);
  const base = baseCtx(deps);
  const team = await teamByName(base, teamName);
  if (user.token) {
    if (user.token.agent.teamId !== team.id) throw new DomainError('not_found', `no team named "${teamName}"`);
    return { team, ...user.token, ctx: ctxFor(deps, user.token) };
  }
  if (!user.name) throw needLogin('local');
  let agent = await findAgent(base, team.name, user.name);
  if (agent && agent.kind !== 'human') {
    throw new DomainError(
      'conflict',
      `"${user.name}" is a ${agent.kind} teammate in team ${team.name}; choose another name for the board`,
      { chooseName: true },
    );
  }
  if (!agent) ({ agent } = await upsertAgent(base, { name: user.name, team: team.name, kind: 'human' }));
  return { team, agent, admin: false, ctx: ctxFor(deps, { agent, admin: false }) };
}
