/**
 * The in-memory state one app keeps per agent (it protects the running process, so it resets
 * with it): send token buckets, waiting-call counts, the register of live MCP sessions, and the
 * shutdown signal. `createApp` builds one `Guards` and operations reach it through `ctx.guards`;
 * a context without guards (plain operation tests) is not limited.
 */

/** One MCP session's place in its agent's session register, registered by the `/mcp` route. */
export interface SessionHold {
  /** `team/name` of the agent the session acts as. */
  key: string;
  /** True while the client is evidently connected (a stream or call open, or recent activity). */
  live: () => boolean;
  /** The client's name and version from its initialize (`claude-code 2.1.3`), null before it. */
  client: () => string | null;
  /** Ends the session (used to clear departed sessions when the register is full). */
  close: () => Promise<void>;
}

export interface Guards {
  /** Send token buckets by agent id: tokens left and when they were counted (ms). */
  sendBuckets: Map<string, { tokens: number; at: number }>;
  /** Waiting calls in flight by agent id. */
  waits: Map<string, number>;
  /** Live MCP sessions by agent key (`team/name`). */
  sessions: Map<string, Set<SessionHold>>;
  /** Aborted when the server starts shutting down: waiting calls return at once. */
  shutdown: AbortController;
}

export function createGuards(): Guards {
  return { sendBuckets: new Map(), waits: new Map(), sessions: new Map(), shutdown: new AbortController() };
}

/** The register key of an agent: `team/name`. */
export const agentKey = (team: string, name: string) => `${team}/${name}`;
