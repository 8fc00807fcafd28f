/**
 * Entry point: reads config, opens and migrates the database, serves HTTP, and shuts down
 * cleanly on SIGINT/SIGTERM (stop accepting, close MCP sessions, checkpoint, close the file).
 */
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { createBus } from './bus.js';
import { loadConfig } from './config.js';
import { openDatabase } from './db/connection.js';
import type { AppDeps } from './deps.js';
import { baseCtx } from './identity.js';
import { createLogger } from './logger.js';
import { startMaintenance } from './maintenance.js';
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
  let opened: ReturnType<typeof openDatabase>;
  try {
    opened = openDatabase(config.dbFile, { synchronous: config.synchronous });
  } catch (err) {
    console.error(`switchboard: cannot open database ${config.dbFile}: ${(err as Error).message}`);
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
  };
  await endStaleSessions(baseCtx(deps));
  const { app, mcp, close } = createApp(deps);

  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
    const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${info.port}`;
    console.log(`Switchboard is running (${config.auth} mode, data in ${config.dataDir})`);
    console.log(`  MCP endpoint: ${base}/mcp   (e.g. ${base}/mcp?agent=alice)`);
    console.log(`  Board:        ${base}/`);
    console.log(`  JSON API:     ${base}/api/v1`);
  });
  server.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') {
      console.error(
        `switchboard: port ${config.port} on ${config.host} is in use; set SWITCHBOARD_PORT to another port`,
      );
    } else {
      console.error(`switchboard: cannot listen: ${err.message}`);
    }
    process.exit(1);
  });

  // Lost sessions closed, expired leases returned, old stream events pruned.
  const stopMaintenance = startMaintenance(deps, mcp);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stopMaintenance();
    server.close();
    await close();
    await opened.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

void main();
