/**
 * How an MCP session takes its place in the per-agent session register
 * (server/ops/session-register.ts): what "live" means for a session, the hold the `/mcp` route
 * registers when a session is bound to an agent (at initialize, or by `teammate_join`), and
 * the notice a session gets when other live sessions share its name.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { AppDeps } from '../server/deps.js';
import { baseCtx } from '../server/identity.js';
import { agentKey, type SessionHold } from '../server/ops/guards.js';
import { admitSession, clientList, otherLiveSessions } from '../server/ops/session-register.js';

/**
 * A session without a GET stream counts as live this long after its last request (ms): long
 * enough to cover the pause between a model's tool calls.
 */
export const LIVE_WITHOUT_STREAM_MS = 30_000;

interface HeldSession {
  server: Server;
  lastActivity: number;
  open: number;
  hadStream?: boolean;
}

/**
 * Whether a session's client is evidently still there: a request or stream is open, or (for a
 * client that never kept a GET stream) it made a request in the last `LIVE_WITHOUT_STREAM_MS`.
 * A client that kept a GET stream and lost it has gone away (exited or restarted), or is
 * reconnecting.
 */
export function sessionLive(s: HeldSession, now: number): boolean {
  return s.open > 0 || (!s.hadStream && now - s.lastActivity < LIVE_WITHOUT_STREAM_MS);
}

/** `claude-code 2.1.3` from a session's initialize, or null before it. */
export function clientLabel(server: Server): string | null {
  const v = server.getClientVersion();
  if (!v?.name) return null;
  return v.version ? `${v.name} ${v.version}` : v.name;
}

/**
 * Registers the session `entry()` (undefined while it is still opening, which counts as live)
 * as a live session of agent `team/name`, and closes departed sessions cleared to make room.
 * Errors: `rate_limited` (the agent is at `limits.maxSessionsPerAgent`, its sessions on other
 * servers included); nothing is registered.
 * Synchronous up to the registration (its place is taken at the call), so concurrent opens serialize.
 */
export async function holdAgent(
  deps: AppDeps,
  agent: { team: string; name: string },
  entry: () => HeldSession | undefined,
  close: () => Promise<void>,
): Promise<SessionHold> {
  const now = deps.now ?? Date.now;
  const hold: SessionHold = {
    key: agentKey(agent.team, agent.name),
    live: () => {
      const s = entry();
      return s === undefined || sessionLive(s, now());
    },
    client: () => {
      const s = entry();
      return s ? clientLabel(s.server) : null;
    },
    close,
  };
  const stale = await admitSession(baseCtx(deps), hold);
  for (const h of stale) {
    void h.close().catch((err) => deps.logger.error({ err }, 'closing a departed session failed'));
  }
  return hold;
}

/**
 * The one-time notice for a session that has just bound to `name` while other live sessions
 * act under it, or undefined when it is alone: "2 sessions are connected as alice (claude-code
 * 2.1, this one codex 0.169); …". `via` says how the name was given, so the advice is one the
 * agent can follow.
 */
export function sharedNameNotice(
  deps: AppDeps,
  hold: SessionHold,
  name: string,
  via: 'url' | 'join',
): string | undefined {
  const others = otherLiveSessions(deps.guards, hold);
  if (others.length === 0) return undefined;
  const advice =
    via === 'url'
      ? 'ask your user for another name (?agent=NAME in the Switchboard URL)'
      : 'open a new session and pick another name with teammate_join';
  return `${others.length + 1} sessions are connected as ${name} (${clientList(others)}, this one ${hold.client() ?? 'an unnamed client'}); if that is not you, ${advice}.`;
}
