/**
 * Periodic upkeep, run by `server/main.ts` on a timer and by tests on demand: close MCP
 * sessions whose clients vanished, return tasks whose claim lease ran out, prune stored
 * stream events. Each step is independent; a failure is logged and the others still run.
 */
import type { AppDeps } from './deps.js';
import { baseCtx } from './identity.js';
import { expireLeases } from './ops/tasks.js';

/** What maintenance needs of the MCP endpoint (mcp/route.ts `McpEndpoint`). */
export interface SessionUpkeep {
  /** Closes sessions whose clients vanished; returns how many. */
  sweep: () => Promise<number>;
  events: { prune: () => Promise<number> };
}

export interface MaintenanceReport {
  /** MCP sessions closed because their client was gone or idle too long. */
  sessionsClosed: number;
  /** Tasks whose lease expired and went back to open (or to their assignee). */
  leasesExpired: number;
  /** Stored stream events deleted for age. */
  eventsPruned: number;
}

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
  const sessionsClosed = await step('session sweep', () => mcp.sweep());
  const leasesExpired = await step('lease expiry', () => expireLeases(baseCtx(deps)));
  const eventsPruned = await step('event pruning', () => mcp.events.prune());
  if (sessionsClosed || leasesExpired) deps.logger.info({ sessionsClosed, leasesExpired }, 'maintenance');
  return { sessionsClosed, leasesExpired, eventsPruned };
}

/** Default period between runs (ms): leases and lost sessions are noticed within this. */
export const MAINTENANCE_EVERY_MS = 10_000;

/** Runs maintenance every `everyMs` (never two runs at once); returns a stop function. */
export function startMaintenance(deps: AppDeps, mcp: SessionUpkeep, everyMs = MAINTENANCE_EVERY_MS): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void runMaintenance(deps, mcp).finally(() => {
      running = false;
    });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
