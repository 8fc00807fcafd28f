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
  /** When each agent's activity was last written (ms), to write it at most once per ACTIVITY_WRITE_MS. */
  activity: Map<string, number>;
  /** The app's waiting calls; `createApp` sets it (server/ops/waiters.ts). */
  waiters?: WaiterRegistry;
}

/** Fresh per-app state; `createApp` adds the waiter registry, which needs the app's database and bus. */
export function createGuards(): Guards {
  return {
    sendBuckets: new Map(),
    waits: new Map(),
    sessions: new Map(),
    shutdown: new AbortController(),
    activity: new Map(),
  };
}

/** The register key of an agent: `team/name`. */
export const agentKey = (team: string, name: string) => `${team}/${name}`;

/** One waiting call (server/ops/delivery.ts `waitForMessages`). */
export interface Waiter {
  agentId: string;
  teamId: string;
  /** Claimable work must carry all of these to count. */
  labels: string[];
  thread: string | null;
  /** Ids of tasks the agent held when it began waiting, plus those it has been seen holding since; null: not watching tasks. */
  tasks: Set<string> | null;
  events: { taskId: string; event: string; cause: string | null; actorId: string | null }[];
  wake: () => void;
}

/** The waiting calls of one app, woken by its bus (server/ops/waiters.ts). */
export interface WaiterRegistry {
  /** Resolves when the task lookups started so far have finished. */
  settled: () => Promise<void>;
  add: (w: Waiter) => void;
  delete: (w: Waiter) => void;
}
