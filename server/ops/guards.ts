/**
 * The state one app keeps in memory (it resets with the process): the register of live MCP
 * sessions, the ids of the sessions this process records, its token for the waiting-call slots
 * it holds, and the shutdown signal. The per-agent limits themselves (send bucket, waiting calls)
 * live in the database so that several servers share them (server/ops/rate-limit.ts).
 * `createApp` builds one `Guards` and operations reach it through `ctx.guards`; a context
 * without guards (plain operation tests) is not limited.
 */
import { randomUUID } from 'node:crypto';

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
  /** This process's token on the waiting-call slots it holds (`wait_slots.holder`). */
  holder: string;
  /** Live MCP sessions by agent key (`team/name`). */
  sessions: Map<string, Set<SessionHold>>;
  /**
   * Ids of the MCP sessions whose rows this process records (from before their row is written
   * until it is ended): the agent's other live rows belong to other servers.
   */
  ownSessions: Set<string>;
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
    holder: randomUUID(),
    sessions: new Map(),
    ownSessions: new Set(),
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
  /** Waiting calls registered now. */
  size: () => number;
}
