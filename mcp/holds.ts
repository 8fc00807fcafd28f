/**
 * How an MCP session claims its agent in the per-agent session register
 * (server/ops/rate-limit.ts): what "live" means for a session, and the hold the `/mcp` route
 * registers when a session is bound to an agent (at initialize, or by `teammate_join`).
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { AppDeps } from '../server/deps.js';
import { baseCtx } from '../server/identity.js';
import { admitSession, agentKey, type SessionHold } from '../server/ops/rate-limit.js';

/**
 * A session without a GET stream counts as live this long after its last request (ms): long
 * enough to cover the pause between a model's tool calls, short enough that a restarted
 * client can take its name back soon.
 */
export const NAME_HOLD_MS = 30_000;

interface HeldSession {
  state: { sessionId: string };
  server: Server;
  lastActivity: number;
  open: number;
  hadStream?: boolean;
}

/**
 * Whether a session's client is evidently still there: a request or stream is open, or (for a
 * client that never kept a GET stream) it made a request in the last `NAME_HOLD_MS`. A client
 * that kept a GET stream and lost it has gone away (exited or restarted).
 */
export function sessionLive(s: HeldSession, now: number): boolean {
  return s.open > 0 || (!s.hadStream && now - s.lastActivity < NAME_HOLD_MS);
}

/**
 * Registers the session `entry()` (undefined while it is still opening, which counts as live)
 * as holding agent `team/name`, and closes the name's departed holders.
 * Errors: `conflict` (name held, for a session without a credential), `rate_limited` (too many
 * sessions for the agent). Synchronous up to the registration, so concurrent opens serialize.
 */
export function holdAgent(
  deps: AppDeps,
  agent: { team: string; name: string },
  credentialed: boolean,
  entry: () => HeldSession | undefined,
  close: () => Promise<void>,
): SessionHold {
  const now = deps.now ?? Date.now;
  const hold: SessionHold = {
    key: agentKey(agent.team, agent.name),
    credentialed,
    live: () => {
      const s = entry();
      return s === undefined || sessionLive(s, now());
    },
    describe: () => {
      const s = entry();
      if (!s) return 'a session that is opening now';
      const client = s.server.getClientVersion()?.name;
      const secs = Math.max(0, Math.round((now() - s.lastActivity) / 1000));
      return `session ${s.state.sessionId.slice(0, 8)}${client ? ` of ${client}` : ''}, active ${secs}s ago`;
    },
    close,
  };
  const stale = admitSession(baseCtx(deps), hold);
  for (const h of stale) {
    void h.close().catch((err) => deps.logger.error({ err }, 'closing a departed session failed'));
  }
  return hold;
}
