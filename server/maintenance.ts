/**
 * Periodic upkeep, run by `server/main.ts` on a timer and by tests on demand: close MCP
 * sessions whose clients vanished, return tasks whose claim lease ran out, end file reservations
 * whose TTL ran out, prune stored
 * stream events. Each step is independent; a failure is logged and the others still run.
 * With several servers on one database (`deps.cluster`) each renews its own heartbeat and
 * sweeps its own sessions, while the shared steps (ending dead servers' sessions, lease
 * expiry, pruning) run on one server at a time: a pass skips them while another holds the lock.
 */
import type { AppDeps } from './deps.js';
import { baseCtx } from './identity.js';
import { pruneBusEvents } from './ops/bus-events.js';
import { heartbeatInstance } from './ops/instances.js';
import { expireReservations } from './ops/reservation-ends.js';
import { endStaleSessions } from './ops/sessions.js';
import { expireLeases } from './ops/tasks.js';

/** What maintenance needs of the MCP endpoint (mcp/route.ts `McpEndpoint`). */
export interface SessionUpkeep {
  /** Closes sessions whose clients vanished; returns how many. */
  sweep: () => Promise<number>;
  events: { prune: () => Promise<number> };
  /** This server's live sessions, by id. */
  sessions: ReadonlyMap<string, unknown>;
}

export interface MaintenanceReport {
  /** MCP sessions closed because their client was gone or idle too long. */
  sessionsClosed: number;
  /** Tasks whose lease expired and went back to open (or to their assignee). */
  leasesExpired: number;
  /** File reservations ended because their holder was inactive past their TTL. */
  reservationsExpired: number;
  /** Stored stream events deleted for age. */
  eventsPruned: number;
  /** False when another server was running the shared steps, so this pass skipped them. */
  shared: boolean;
  /** Sessions of dead servers ended (several servers on one database). */
  deadSessionsEnded: number;
}

/** How long cross-server bus events are kept (ms): far longer than any server lags behind. */
export const BUS_EVENTS_KEEP_MS = 5 * 60_000;

/** Runs every upkeep step once. */
export async function runMaintenance(deps: AppDeps, mcp: SessionUpkeep): Promise<MaintenanceReport> {
  const step = async (name: string, fn: () => Promise<number>) => {
    try {
      return await fn();
    } catch (err) {
      deps.logger.error({ err }, `maintenance: ${name} failed`);
      return 0;
    }
  };
  const ctx = baseCtx(deps);
  const cluster = deps.cluster;
  if (cluster) {
    const reopened = await step('heartbeat', () =>
      heartbeatInstance(ctx, cluster.instanceId, [...mcp.sessions.keys()]),
    );
    if (reopened) deps.logger.warn({ reopened }, 'this server was taken for dead; its live sessions are reopened');
  }
  const sessionsClosed = await step('session sweep', () => mcp.sweep());
  let leasesExpired = 0;
  let reservationsExpired = 0;
  let eventsPruned = 0;
  let deadSessionsEnded = 0;
  const shared = async () => {
    if (cluster) {
      deadSessionsEnded = await step('ending dead servers’ sessions', () =>
        endStaleSessions(ctx, { instancesSeenSince: ctx.now() - cluster.staleAfterMs }),
      );
    }
    leasesExpired = await step('lease expiry', () => expireLeases(ctx));
    reservationsExpired = await step('reservation expiry', () => expireReservations(ctx));
    eventsPruned = await step('event pruning', () => mcp.events.prune());
    if (cluster) await step('bus event pruning', () => pruneBusEvents(ctx, ctx.now() - BUS_EVENTS_KEEP_MS));
  };
  let ran = true;
  if (cluster) {
    ran = await cluster.exclusive(shared).catch((err) => {
      deps.logger.error({ err }, 'maintenance: taking the upkeep lock failed');
      return false;
    });
  } else {
    await shared();
  }
  if (sessionsClosed || leasesExpired || reservationsExpired || deadSessionsEnded) {
    deps.logger.info({ sessionsClosed, leasesExpired, reservationsExpired, deadSessionsEnded }, 'maintenance');
  }
  return { sessionsClosed, leasesExpired, reservationsExpired, eventsPruned, shared: ran, deadSessionsEnded };
}

/** Default period between runs (ms): leases and lost sessions are noticed within this. */
export const MAINTENANCE_EVERY_MS = 10_000;

/**
 * Runs maintenance every `everyMs` (never two runs at once). Returns a stop function that
 * resolves once a run under way has finished (so the database can be closed after it).
 */
export function startMaintenance(
  deps: AppDeps,
  mcp: SessionUpkeep,
  everyMs = MAINTENANCE_EVERY_MS,
): () => Promise<void> {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = runMaintenance(deps, mcp).then(
      () => {
        running = null;
      },
      () => {
        running = null;
      },
    );
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
