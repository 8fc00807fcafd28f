/**
 * Server configuration, parsed once from the environment with zod. An invalid value stops
 * start-up with a message naming the variable.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { parsePostgresUrl } from './db/postgres-url.js';
import type { OriginPolicy } from './deps.js';
import { DEFAULT_LIMITS, type Limits } from './ops/context.js';
import { AgentName } from './ops/schemas.js';

const int = (def: number, min = 1) => z.coerce.number().int().min(min).default(def);

const Env = z.object({
  SWITCHBOARD_PORT: z.coerce.number().int().min(0).max(65535).default(7800),
  SWITCHBOARD_HOST: z.string().min(1).default('127.0.0.1'),
  SWITCHBOARD_DATA_DIR: z.string().min(1).optional(),
  /** `local`: loopback, no tokens needed. `token`: every request carries a bearer token. */
  SWITCHBOARD_AUTH: z.enum(['local', 'token']).default('local'),
  SWITCHBOARD_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SWITCHBOARD_SYNCHRONOUS: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
  SWITCHBOARD_LEASE_MS: int(DEFAULT_LIMITS.leaseMs, 1000),
  SWITCHBOARD_SESSION_IDLE_MS: int(30 * 60_000, 1000),
  /** A session that lost its GET stream and did not reconnect within this is closed (its agent goes offline). */
  SWITCHBOARD_SESSION_GRACE_MS: int(60_000, 100),
  SWITCHBOARD_MAX_BODY_CHARS: int(DEFAULT_LIMITS.maxBodyChars),
  SWITCHBOARD_MAX_TITLE_CHARS: int(DEFAULT_LIMITS.maxTitleChars),
  SWITCHBOARD_MAX_RECIPIENTS: int(DEFAULT_LIMITS.maxRecipients),
  SWITCHBOARD_SENDS_PER_MINUTE: int(DEFAULT_LIMITS.sendsPerMinute),
  SWITCHBOARD_MAX_SESSIONS_PER_AGENT: int(DEFAULT_LIMITS.maxSessionsPerAgent),
  SWITCHBOARD_MAX_WAITS_PER_AGENT: int(DEFAULT_LIMITS.maxWaitsPerAgent),
  SWITCHBOARD_MAX_REQUEST_BYTES: int(DEFAULT_LIMITS.maxRequestBytes, 1024),
  /** Comma-separated `Host` names accepted besides loopback and SWITCHBOARD_HOST; `*` for any. */
  SWITCHBOARD_ALLOWED_HOSTS: z.string().default(''),
  /** Comma-separated origins (`https://board.example.com`) whose pages may call the server. */
  SWITCHBOARD_ALLOWED_ORIGINS: z.string().default(''),
  /** Messages and task events older than this many days are archived or deleted; 0 keeps all. */
  SWITCHBOARD_RETENTION_DAYS: int(0, 0),
  SWITCHBOARD_RETENTION_MODE: z.enum(['archive', 'delete']).default('archive'),
  /** How long shutdown waits for calls in flight before closing sessions anyway (ms). */
  SWITCHBOARD_SHUTDOWN_GRACE_MS: int(10_000, 0),
  /** The board's human teammate name on loopback, so the board does not ask on first visit. */
  SWITCHBOARD_BOARD_NAME: AgentName.optional(),
  /** How long a statement waits for another process's write lock before failing (ms). */
  SWITCHBOARD_BUSY_TIMEOUT_MS: int(5_000, 0),
  /** `postgres://user:password@host:5432/database`: use PostgreSQL (shared by several servers) instead of SQLite. */
  SWITCHBOARD_DATABASE_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .superRefine((url, c) => {
        const t = parsePostgresUrl(url);
        if ('error' in t) c.addIssue({ code: 'custom', message: t.error });
      })
      .optional(),
  ),
  /** Most connections to PostgreSQL this server opens. */
  SWITCHBOARD_DB_POOL_MAX: int(10),
  /** Period of maintenance (lease expiry, lost sessions, pruning, the heartbeat of a server sharing PostgreSQL). */
  SWITCHBOARD_MAINTENANCE_MS: int(10_000, 100),
});

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  dbFile: string;
  /** PostgreSQL connection URL; null: the SQLite file `dbFile`. */
  databaseUrl: string | null;
  /** Most PostgreSQL connections. */
  dbPoolMax: number;
  auth: 'local' | 'token';
  logLevel: string;
  synchronous: 'NORMAL' | 'FULL';
  /** Idle MCP sessions (no request for this long, ms) are closed. */
  sessionIdleMs: number;
  /** Sessions whose client lost its GET stream are closed after this long without it (ms). */
  sessionGraceMs: number;
  limits: Limits;
  /** `Host` names and `Origin`s accepted besides loopback and the server's own origin. */
  origins: OriginPolicy;
  /** Retention of old messages and task events (`days: 0` keeps everything). */
  retention: { days: number; mode: 'archive' | 'delete' };
  shutdownGraceMs: number;
  /** Local mode: the name the board uses for a person who has not chosen one. */
  boardName: string | null;
  busyTimeoutMs: number;
  /** How often maintenance runs (ms); with PostgreSQL also the heartbeat period. */
  maintenanceMs: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);
export const isLoopbackHost = (host: string) => LOOPBACK.has(host) || host.startsWith('127.');

/**
 * Parses `env` into a Config.
 * Errors: throws `Error` naming each invalid variable; binding a non-loopback host in
 * `local` auth mode is refused (anyone on the network could act as any agent).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const r = Env.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = r.data;
  if (!isLoopbackHost(e.SWITCHBOARD_HOST) && e.SWITCHBOARD_AUTH !== 'token') {
    throw new Error(
      `SWITCHBOARD_HOST=${e.SWITCHBOARD_HOST} is not loopback: set SWITCHBOARD_AUTH=token so every request needs a token`,
    );
  }
  const dataDir = e.SWITCHBOARD_DATA_DIR ?? join(homedir(), '.switchboard');
  // A specific non-loopback address is how clients reach the server; on a wildcard address
  // without a list, any Host is accepted (token mode only: every request carries a token).
  const hosts = list(e.SWITCHBOARD_ALLOWED_HOSTS).map((h) => h.toLowerCase());
  if (!isLoopbackHost(e.SWITCHBOARD_HOST)) {
    if (!WILDCARD.has(e.SWITCHBOARD_HOST)) hosts.push(e.SWITCHBOARD_HOST.toLowerCase());
    else if (hosts.length === 0) hosts.push('*');
  }
  return {
    port: e.SWITCHBOARD_PORT,
    host: e.SWITCHBOARD_HOST,
    dataDir,
    dbFile: join(dataDir, 'switchboard.db'),
    databaseUrl: e.SWITCHBOARD_DATABASE_URL ?? null,
    dbPoolMax: e.SWITCHBOARD_DB_POOL_MAX,
    auth: e.SWITCHBOARD_AUTH,
    logLevel: e.SWITCHBOARD_LOG_LEVEL,
    synchronous: e.SWITCHBOARD_SYNCHRONOUS,
    sessionIdleMs: e.SWITCHBOARD_SESSION_IDLE_MS,
    sessionGraceMs: e.SWITCHBOARD_SESSION_GRACE_MS,
    limits: {
      leaseMs: e.SWITCHBOARD_LEASE_MS,
      maxBodyChars: e.SWITCHBOARD_MAX_BODY_CHARS,
      maxTitleChars: e.SWITCHBOARD_MAX_TITLE_CHARS,
      maxRecipients: e.SWITCHBOARD_MAX_RECIPIENTS,
      sendsPerMinute: e.SWITCHBOARD_SENDS_PER_MINUTE,
      maxSessionsPerAgent: e.SWITCHBOARD_MAX_SESSIONS_PER_AGENT,
      maxWaitsPerAgent: e.SWITCHBOARD_MAX_WAITS_PER_AGENT,
      maxRequestBytes: e.SWITCHBOARD_MAX_REQUEST_BYTES,
    },
    origins: { hosts, origins: list(e.SWITCHBOARD_ALLOWED_ORIGINS) },
    retention: { days: e.SWITCHBOARD_RETENTION_DAYS, mode: e.SWITCHBOARD_RETENTION_MODE },
    shutdownGraceMs: e.SWITCHBOARD_SHUTDOWN_GRACE_MS,
    boardName: e.SWITCHBOARD_BOARD_NAME ?? null,
    busyTimeoutMs: e.SWITCHBOARD_BUSY_TIMEOUT_MS,
    maintenanceMs: e.SWITCHBOARD_MAINTENANCE_MS,
  };
}
