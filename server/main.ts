/**
 * Entry point: reads config, checks and locks the data directory, opens and migrates the
 * database, serves HTTP, and shuts down cleanly on SIGINT/SIGTERM (stop accepting, finish
 * calls in flight, close MCP sessions, checkpoint, close the file). Start-up failures print
 * one line saying what is wrong and exit non-zero (2 for configuration, 1 otherwise).
 */
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { createBus } from './bus.js';
import { type ClusterMember, joinCluster } from './cluster.js';
import { loadConfig } from './config.js';
import type { OpenedDb } from './db/open.js';
import { explainPostgresFailure, openPostgresDatabase } from './db/postgres.js';
import { describePostgresUrl } from './db/postgres-url.js';
import type { AppDeps } from './deps.js';
import { baseCtx } from './identity.js';
import {
  explainDatabaseError,
  explainListenError,
  lockDataDir,
  openDatabaseForServer,
  prepareDataDir,
  shutDown,
  startRetention,
} from './lifecycle.js';
import { createLogger } from './logger.js';
import { startMaintenance } from './maintenance.js';
import { clearDeadWaitSlots } from './ops/rate-limit.js';
import { endStaleSessions } from './ops/sessions.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(`switchboard: ${(err as Error).message}`);
    process.exit(2);
  }
  const logger = createLogger(config.logLevel);
  let opened: OpenedDb;
  let unlock = () => {};
  try {
    if (config.databaseUrl) {
      // PostgreSQL: several servers may share the database, so no data-directory lock.
      opened = await openPostgresDatabase(config.databaseUrl, {
        poolMax: config.dbPoolMax,
        onPoolError: (err) => logger.warn({ err }, 'an idle PostgreSQL connection failed; the pool replaces it'),
      });
    } else {
      prepareDataDir(config.dataDir);
      unlock = lockDataDir(config.dataDir);
      opened = openDatabaseForServer(config.dbFile, config);
    }
  } catch (err) {
    console.error(`switchboard: ${(err as Error).message}`);
    process.exit(1);
  }
  const bus = createBus((err) => logger.error({ err }, 'bus listener failed'));
  const deps: AppDeps = {
    db: opened.db,
    bus,
    logger,
    auth: config.auth,
    limits: config.limits,
    sessionIdleMs: config.sessionIdleMs,
    sessionGraceMs: config.sessionGraceMs,
    origins: config.origins,
    boardName: config.boardName,
  };
  // PostgreSQL: one of several servers on the database. Its sessions carry its instance id, so
  // start-up ends only those of servers that died (heartbeat stale), not the others' live ones.
  let member: ClusterMember | null = null;
  try {
    if (opened.dialect === 'postgres') {
      const joined = await joinCluster(opened, { bus, logger, maintenanceMs: config.maintenanceMs });
      member = joined;
      deps.relay = joined.relay;
      deps.cluster = joined.cluster;
      const ctx = baseCtx(deps);
      await joined.cluster.exclusive(async () => {
        await endStaleSessions(ctx, { instancesSeenSince: ctx.now() - joined.cluster.staleAfterMs });
      });
    } else {
      await endStaleSessions(baseCtx(deps));
    }
    // Waiting-call slots left by a server that died while calls waited (older than any wait).
    await clearDeadWaitSlots(baseCtx(deps));
  } catch (err) {
    const why = config.databaseUrl
      ? explainPostgresFailure(config.databaseUrl, err)
      : explainDatabaseError(config.dbFile, err);
    console.error(`switchboard: ${why.message}`);
    process.exit(1);
  }
  // The app's own deps carry its metrics: upkeep below counts into them too.
  const sb = createApp(deps);
  const { app, mcp, close, guards, drain } = sb;

  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
    const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${info.port}`;
    const data = config.databaseUrl ? describePostgresUrl(config.databaseUrl) : config.dataDir;
    console.log(`Switchboard is running (${config.auth} mode, data in ${data})`);
    console.log(`  MCP endpoint: ${base}/mcp   (e.g. ${base}/mcp?agent=alice)`);
    console.log(`  Board:        ${base}/`);
    console.log(`  JSON API:     ${base}/api/v1`);
  });
  server.on('error', (err: NodeJS.ErrnoException) => {
    console.error(`switchboard: ${explainListenError(err, config.host, config.port)}`);
    process.exit(1);
  });
  if (config.origins.hosts.includes('*')) {
    logger.warn(
      'accepting any Host header (token mode on a wildcard address); set SWITCHBOARD_ALLOWED_HOSTS to restrict',
    );
  }
  const stopRetention = startRetention(sb.deps, config.retention);

  // Lost sessions closed, expired leases returned, old stream events pruned (and the heartbeat).
  const stopMaintenance = startMaintenance(sb.deps, mcp, config.maintenanceMs);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const maintenanceStopped = stopMaintenance();
    stopRetention();
    const drained = await shutDown(
      {
        stopAccepting: () => {
          drain.start();
          server.close();
        },
        wakeWaiters: () => guards.shutdown.abort(),
        idle: (ms) => drain.idle(ms),
        closeSessions: close,
        closeConnections: () => (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.(),
        closeDatabase: async () => {
          await maintenanceStopped;
          await member?.leave();
          await opened.close();
        },
      },
      config.shutdownGraceMs,
    ).catch((err) => {
      logger.error({ err }, 'shutdown failed');
      return false;
    });
    unlock();
    logger.info({ drained }, drained ? 'shut down cleanly' : 'shut down; some calls were still running');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

void main();
