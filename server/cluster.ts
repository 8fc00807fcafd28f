/**
 * Joining the servers that share one PostgreSQL database (DESIGN.md, Storage): this process
 * takes an instance id, registers it in `instances`, writes its bus events for the others
 * (the relay, carried on every ctx) and follows theirs (server/bus-relay.ts). Shared upkeep
 * (lease expiry, pruning, ending dead servers' sessions) runs on one instance at a time under
 * an advisory lock. Only `server/main.ts` calls this; with SQLite none of it exists.
 */
import type { Logger } from 'pino';
import type { Bus } from './bus.js';
import { type BusFollower, followBus } from './bus-relay.js';
import { listen, whileHoldingLock } from './db/pg-session.js';
import type { PostgresDatabase } from './db/postgres.js';
import type { Cluster } from './deps.js';
import { newId } from './ids.js';
import { BUS_CHANNEL, createBusRelay } from './ops/bus-events.js';
import { type BusRelay, createCtx } from './ops/context.js';
import { registerInstance, retireInstance } from './ops/instances.js';

/** The advisory lock of shared upkeep: 'SWBD' as an int4, then 2 (1 is the migrator's). */
const UPKEEP_LOCK = [1398227524, 2] as const;

/** A heartbeat older than this many maintenance periods means the instance is dead... */
const STALE_PERIODS = 3;
/** ...but never sooner than this (ms): a busy event loop is not a dead server. */
const MIN_STALE_MS = 3_000;

export interface ClusterMember {
  relay: BusRelay;
  cluster: Cluster;
  /** Stops following the others and removes this instance (its sessions must be ended first). */
  leave: () => Promise<void>;
}

export interface JoinOptions {
  bus: Bus;
  logger: Logger;
  /** How often maintenance renews this instance's heartbeat (ms). */
  maintenanceMs: number;
  now?: () => number;
}

/** Registers this process as an instance and starts following the shared bus. */
export async function joinCluster(opened: PostgresDatabase, o: JoinOptions): Promise<ClusterMember> {
  const instanceId = newId();
  const relay = createBusRelay(instanceId, (err) =>
    o.logger.error({ err }, 'writing a bus event for the other servers failed'),
  );
  const ctx = createCtx({ db: opened.db, bus: o.bus, ...(o.now && { now: o.now }), relay }, null);
  await registerInstance(ctx, instanceId);
  let follower: BusFollower;
  try {
    follower = await followBus({
      ctx,
      bus: o.bus,
      origin: instanceId,
      listen: (h) => listen(opened.connect, BUS_CHANNEL, h),
      onError: (err, what) => o.logger.warn({ err }, what),
    });
  } catch (err) {
    await retireInstance(ctx, instanceId).catch(() => {});
    throw err;
  }
  o.logger.info({ instance: instanceId }, 'joined the servers sharing this database');
  return {
    relay,
    cluster: {
      instanceId,
      staleAfterMs: Math.max(STALE_PERIODS * o.maintenanceMs, MIN_STALE_MS),
      exclusive: (fn) => whileHoldingLock(opened.connect, UPKEEP_LOCK, fn),
    },
    leave: async () => {
      await relay.drain();
      await follower.stop();
      await retireInstance(ctx, instanceId).catch((err) =>
        o.logger.warn({ err }, 'removing this instance failed; the others will once its heartbeat is stale'),
      );
    },
  };
}
