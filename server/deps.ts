/**
 * What the app is built from. `createApp(deps)` takes these; only `server/main.ts` (and tests)
 * create them, so nothing opens files or listens at import time.
 */
import type { Logger } from 'pino';
import type { Bus } from './bus.js';
import type { Db } from './db/connection.js';
import type { Metrics } from './metrics.js';
import type { BusRelay, Limits } from './ops/context.js';
import type { Guards } from './ops/guards.js';

export interface AppDeps {
  db: Db;
  bus: Bus;
  logger: Logger;
  auth: 'local' | 'token';
  limits: Partial<Limits>;
  /** Idle MCP sessions are closed after this long without a request (ms). */
  sessionIdleMs: number;
  /** A session whose client lost its GET stream is closed after this long without it coming back (ms; default 60 s). */
  sessionGraceMs?: number;
  now?: () => number;
  /** In-memory per-agent limiters; `createApp` makes them when absent. */
  guards?: Guards;
  /** Accepted `Host` names and `Origin`s besides loopback and the server's own origin. */
  origins?: OriginPolicy;
  /** Local mode: the board's name for a person who has not picked one (`SWITCHBOARD_BOARD_NAME`). */
  boardName?: string | null;
  /** Several servers on one PostgreSQL database: writes this server's bus events for the others (server/cluster.ts). */
  relay?: BusRelay;
  /** Several servers on one PostgreSQL database: this server's place among them; absent with SQLite. */
  cluster?: Cluster;
  /** The app's metrics; `createApp` makes them when absent. Operations see them as `ctx.metrics`. */
  metrics?: Metrics;
}

/** This server's place among several sharing one PostgreSQL database (server/cluster.ts `joinCluster`). */
export interface Cluster {
  /** This process's id in `instances` (a ULID); its MCP sessions carry it. */
  instanceId: string;
  /** An instance whose heartbeat is older than this is dead, and so are its sessions (ms). */
  staleAfterMs: number;
  /**
   * Runs `fn` unless another instance is running shared upkeep now (one advisory lock for all);
   * resolves false when skipped. Errors: the lock's connection could not be opened, or `fn`'s.
   */
  exclusive: (fn: () => Promise<void>) => Promise<boolean>;
}

/** Hosts and origins the server accepts besides loopback and its own (server/middleware/origin.ts). */
export interface OriginPolicy {
  /** Accepted `Host` names (no port) besides loopback; `'*'` accepts any. */
  hosts: string[];
  /** Accepted `Origin` values besides the server's own, e.g. `https://board.example.com`. */
  origins: string[];
}
