/**
 * The pieces behind several servers on one PostgreSQL database, in process, each "server"
 * on a pool of its own: the bus relay (events written in the change's transaction, followed
 * by cursor, woken by NOTIFY), transactions committing out of seq order, stream event ids
 * from two processes, lease expiry by overlapping passes, instance heartbeats and dead
 * servers' sessions, and maintenance under the upkeep lock. SQLite writes no bus events.
 * Needs PostgreSQL: when it is down the first step fails saying so.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventLog, GET_STREAM } from '../../mcp/event-store.js';
import { type Bus, type BusEvent, createBus } from '../../server/bus.js';
import { followBus } from '../../server/bus-relay.js';
import { joinCluster } from '../../server/cluster.js';
import { openMemoryDatabase } from '../../server/db/connection.js';
import { listen } from '../../server/db/pg-session.js';
import { openPostgresDatabase, type PostgresDatabase } from '../../server/db/postgres.js';
import type { AppDeps } from '../../server/deps.js';
import { runMaintenance } from '../../server/maintenance.js';
import { upsertAgent } from '../../server/ops/agents.js';
import { BUS_CHANNEL, createBusRelay } from '../../server/ops/bus-events.js';
import { type BusRelay, type Ctx, createCtx } from '../../server/ops/context.js';
import { heartbeatInstance, registerInstance } from '../../server/ops/instances.js';
import { appendMcpEvents } from '../../server/ops/mcp-events.js';
import { sendMessage } from '../../server/ops/message-send.js';
import { endStaleSessions, startSession } from '../../server/ops/sessions.js';
import { claimTask, createTask, expireLeases } from '../../server/ops/tasks.js';
import { createDatabase, databaseUrl, dropDatabases, uniqueName } from '../helpers/pg-admin.js';
import { until } from './cluster.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A fresh migrated database; `open()` gives another pool on it (another "server"). */
async function freshDatabase(): Promise<{ open: () => Promise<PostgresDatabase> }> {
  const name = uniqueName('sbt_relay');
  await createDatabase(name);
  cleanups.push(() => dropDatabases({ names: [name] }));
  let migrated = false;
  return {
    open: async () => {
      const opened = await openPostgresDatabase(databaseUrl(name), { migrate: !migrated, poolMax: 4 });
      migrated = true;
      cleanups.push(() => opened.close());
      return opened;
    },
  };
}

interface Server {
  opened: PostgresDatabase;
  bus: Bus;
  relay: BusRelay;
  /** Every event emitted on this server's bus. */
  events: BusEvent[];
  ctx: (actor?: Parameters<typeof createCtx>[1]) => Ctx;
}

const clock = { now: Date.now() };

function server(opened: PostgresDatabase, origin: string): Server {
  const bus = createBus((err) => {
    throw err;
  });
  const events: BusEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const relay = createBusRelay(origin, (err) => {
    throw err;
  });
  const deps = { db: opened.db, bus, relay, now: () => clock.now };
  return { opened, bus, relay, events, ctx: (actor = null) => createCtx(deps, actor) };
}

/** Follows the bus as `origin`; resolves once its LISTEN is in place. Sweeps only every `sweepMs`. */
async function follow(s: Server, origin: string, opts: { sweepMs: number; holdMs?: number }) {
  let listening!: () => void;
  const ready = new Promise<void>((r) => {
    listening = r;
  });
  const f = await followBus({
    ctx: s.ctx(),
    bus: s.bus,
    origin,
    listen: (h) =>
      listen(s.opened.connect, BUS_CHANNEL, {
        ...h,
        onListening: () => {
          h.onListening();
          listening();
        },
      }),
    onError: (err) => {
      throw err;
    },
    sweepMs: opts.sweepMs,
    ...(opts.holdMs !== undefined && { holdMs: opts.holdMs }),
  });
  cleanups.push(() => f.stop());
  await ready;
  return f;
}

const changed = (agentId: string): BusEvent => ({ type: 'agent.changed', teamId: 'T', agentId });
const agentIds = (events: BusEvent[]) => events.map((e) => (e.type === 'agent.changed' ? e.agentId : e.type));

describe('the cross-server bus', () => {
  it('emits another server’s committed events once, woken by NOTIFY (the sweep is a minute away)', async () => {
    const db = await freshDatabase();
    const x = server(await db.open(), 'X');
    const y = server(await db.open(), 'Y');
    await follow(x, 'X', { sweepMs: 60_000 });
    await follow(y, 'Y', { sweepMs: 60_000 });

    const { agent: alice } = await upsertAgent(x.ctx(), { name: 'alice', team: 'default' });
    const { agent: bob } = await upsertAgent(x.ctx(), { name: 'bob', team: 'default' });
    const sent = await sendMessage(x.ctx(alice), { to: 'bob', message: 'hello from X' });
    await until(() => y.events.some((e) => e.type === 'message.created'), 5_000, 10);
    const onY = y.events.find((e) => e.type === 'message.created');
    // The message's text stays in `messages`; the event names it and its recipients.
    expect(onY).toEqual({
      type: 'message.created',
      teamId: alice.teamId,
      messageId: sent.message.id,
      threadId: sent.message.threadId,
      senderId: alice.id,
      recipientIds: [bob.id],
    });
    // X emitted its own events once, locally; Y got the same events, in the same order.
    await until(() => y.events.length === x.events.length, 5_000, 10);
    expect(y.events.map((e) => e.type)).toEqual(x.events.map((e) => e.type));
    await new Promise((r) => setTimeout(r, 100));
    expect(x.events.filter((e) => e.type === 'message.created')).toHaveLength(1);
    expect(y.events.filter((e) => e.type === 'message.created')).toHaveLength(1);
  });

  it('delivers events whose transactions commit out of seq order, each once', async () => {
    const db = await freshDatabase();
    const x = server(await db.open(), 'X');
    const y = server(await db.open(), 'Y');
    await follow(y, 'Y', { sweepMs: 60_000 });

    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let inserted!: () => void;
    const first = new Promise<void>((r) => {
      inserted = r;
    });
    // The first transaction takes the lower seq, then holds its commit.
    const slow = x.opened.db.transaction().execute(async (trx) => {
      await x.relay.record(trx, [changed('first')], clock.now);
      inserted();
      await gate;
    });
    await first;
    await x.relay.record(x.opened.db, [changed('second')], clock.now);
    await until(() => y.events.length === 1, 5_000, 10);
    expect(agentIds(y.events)).toEqual(['second']);
    release();
    await slow;
    await until(() => y.events.length === 2, 5_000, 10);
    await x.relay.record(x.opened.db, [changed('third')], clock.now);
    await until(() => y.events.length === 3, 5_000, 10);
    await new Promise((r) => setTimeout(r, 100));
    expect(agentIds(y.events)).toEqual(['second', 'first', 'third']);
  });

  it('does not hold later events back behind a rolled-back one', async () => {
    const db = await freshDatabase();
    const x = server(await db.open(), 'X');
    const y = server(await db.open(), 'Y');
    await follow(y, 'Y', { sweepMs: 60_000, holdMs: 200 });
    await expect(
      x.opened.db.transaction().execute(async (trx) => {
        await x.relay.record(trx, [changed('rolled back')], clock.now);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await x.relay.record(x.opened.db, [changed('after')], clock.now);
    await until(() => y.events.length === 1, 5_000, 10);
    await new Promise((r) => setTimeout(r, 400));
    await x.relay.record(x.opened.db, [changed('later')], clock.now);
    await until(() => y.events.length === 2, 5_000, 10);
    expect(agentIds(y.events)).toEqual(['after', 'later']);
  });

  it('catches up by its sweep when a notification is lost', async () => {
    const db = await freshDatabase();
    const x = server(await db.open(), 'X');
    const y = server(await db.open(), 'Y');
    await follow(y, 'Y', { sweepMs: 200 });
    // A row written without NOTIFY (as if the notification were lost).
    await x.opened.db
      .insertInto('bus_events')
      .values({
        team_id: 'T',
        type: 'agent.changed',
        payload: JSON.stringify(changed('quiet')),
        origin: 'X',
        created_at: 0,
      })
      .execute();
    await until(() => y.events.length === 1, 5_000, 10);
    expect(agentIds(y.events)).toEqual(['quiet']);
  });

  it('writes nothing with SQLite (no relay): one server, nothing to tell', async () => {
    const opened = openMemoryDatabase();
    cleanups.push(() => opened.close());
    const ctx = (actor: Parameters<typeof createCtx>[1] = null) =>
      createCtx({ db: opened.db, bus: createBus() }, actor);
    const { agent: alice } = await upsertAgent(ctx(), { name: 'alice', team: 'default' });
    await upsertAgent(ctx(), { name: 'bob', team: 'default' });
    await sendMessage(ctx(alice), { to: 'bob', message: 'hi' });
    await createTask(ctx(alice), { title: 'local' });
    const r = await opened.db
      .selectFrom('bus_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(r.n)).toBe(0);
  });
});

describe('stream event ids from two servers', () => {
  it('stores events of sessions on different servers under the same ids, and resumes each on its own', async () => {
    const db = await freshDatabase();
    const dbs: unknown[] = [];
    const logs = await Promise.all(
      ['A', 'B'].map(async () => {
        const opened = await db.open();
        dbs.push(opened.db);
        const deps: AppDeps = {
          db: opened.db,
          bus: createBus(),
          logger: pino({ level: 'silent' }),
          auth: 'local',
          limits: {},
          sessionIdleMs: 60_000,
        };
        return createEventLog(deps);
      }),
    );
    const note = (text: string): JSONRPCMessage => ({
      jsonrpc: '2.0',
      method: 'notifications/message',
      params: { level: 'info', data: text },
    });
    const [onA, onB] = logs as [ReturnType<typeof createEventLog>, ReturnType<typeof createEventLog>];
    // Both processes number from the stored maximum they read at their first event, so their ids
    // collide whenever neither has written yet; the (session, id) key keeps both.
    const [a1, b1] = await Promise.all([
      onA.store('session-a', GET_STREAM, note('a1')),
      onB.store('session-b', GET_STREAM, note('b1')),
    ]);
    const [a2, b2] = await Promise.all([
      onA.store('session-a', GET_STREAM, note('a2')),
      onB.store('session-b', GET_STREAM, note('b2')),
    ]);
    await Promise.all(logs.map((l) => l.flush()));
    // The same ids on two sessions, whatever order the two processes wrote in above.
    const row = (session: string) => ({
      seq: 1_000,
      sessionId: session,
      streamId: GET_STREAM,
      message: '{}',
      createdAt: Date.now(),
    });
    await appendMcpEvents(createCtx({ db: dbs[0] as PostgresDatabase['db'], bus: createBus() }, null), [
      row('session-c'),
    ]);
    await appendMcpEvents(createCtx({ db: dbs[1] as PostgresDatabase['db'], bus: createBus() }, null), [
      row('session-d'),
    ]);
    expect(Number(a2)).toBe(Number(a1) + 1);
    expect(Number(b2)).toBe(Number(b1) + 1);
    const replay = async (log: typeof onA, session: string, after: string) => {
      const got: string[] = [];
      const store = log.storeFor(() => session);
      expect(await store.getStreamIdForEventId?.(after)).toBe(GET_STREAM);
      await store.replayEventsAfter(after, {
        send: async (_id, m) => {
          got.push(String((m as unknown as { params: { data: string } }).params.data));
        },
      });
      return got;
    };
    expect(await replay(onA, 'session-a', a1)).toEqual(['a2']);
    expect(await replay(onB, 'session-b', b1)).toEqual(['b2']);
  });
});

describe('lease expiry by overlapping passes', () => {
  it('expires each task once when two servers run expiry at the same moment', async () => {
    const db = await freshDatabase();
    const x = server(await db.open(), 'X');
    const y = server(await db.open(), 'Y');
    const { agent: lead } = await upsertAgent(x.ctx(), { name: 'lead', team: 'default' });
    const { agent: bob } = await upsertAgent(x.ctx(), { name: 'bob', team: 'default' });
    const tasks = [];
    for (let i = 0; i < 20; i += 1) {
      const t = await createTask(x.ctx(lead), { title: `task ${i}` });
      await claimTask(x.ctx(bob), { task: t.id });
      tasks.push(t);
    }
    clock.now += 2 * 60 * 60_000;
    try {
      const counts = await Promise.all([expireLeases(x.ctx()), expireLeases(y.ctx()), expireLeases(x.ctx())]);
      expect(counts.reduce((s, n) => s + n, 0)).toBe(20);
    } finally {
      clock.now -= 2 * 60 * 60_000;
    }
    const events = await x.opened.db
      .selectFrom('task_events')
      .select(['task_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('type', '=', 'lease_expired')
      .groupBy('task_id')
      .execute();
    expect(events).toHaveLength(20);
    expect(events.every((e) => Number(e.n) === 1)).toBe(true);
  });
});

describe('instances and their sessions', () => {
  it('ends only the sessions of dead servers; a server taken for dead reopens its own', async () => {
    const db = await freshDatabase();
    const x = server(await db.open(), 'X');
    const ctx = x.ctx();
    const { agent: ann } = await upsertAgent(ctx, { name: 'ann', team: 'default' });
    const { agent: ben } = await upsertAgent(ctx, { name: 'ben', team: 'default' });
    const { agent: cid } = await upsertAgent(ctx, { name: 'cid', team: 'default' });
    await registerInstance(ctx, 'live');
    await registerInstance(ctx, 'stalled');
    await ctx.db
      .updateTable('instances')
      .set({ last_seen_at: clock.now - 60_000 })
      .where('id', '=', 'stalled')
      .execute();
    const open = { transport: 'http' as const, teamId: ann.teamId };
    await startSession(ctx, { ...open, id: 's-live', agentId: ann.id, instanceId: 'live' });
    await startSession(ctx, { ...open, id: 's-stalled', agentId: ben.id, instanceId: 'stalled' });
    await startSession(ctx, { ...open, id: 's-old', agentId: cid.id, instanceId: null });
    x.events.length = 0;

    expect(await endStaleSessions(ctx, { instancesSeenSince: clock.now - 30_000 })).toBe(2);
    const openIds = async () =>
      (await ctx.db.selectFrom('sessions').select('id').where('ended_at', 'is', null).orderBy('id').execute()).map(
        (r) => r.id,
      );
    expect(await openIds()).toEqual(['s-live']);
    expect((await ctx.db.selectFrom('instances').select('id').execute()).map((r) => r.id)).toEqual(['live']);
    expect(agentIds(x.events).sort()).toEqual([ben.id, cid.id].sort());

    // The stalled server comes back: its heartbeat finds it gone and reopens what it still holds.
    expect(await heartbeatInstance(ctx, 'stalled', ['s-stalled'])).toBe(1);
    expect(await openIds()).toEqual(['s-live', 's-stalled']);
    expect(await heartbeatInstance(ctx, 'stalled', ['s-stalled'])).toBe(0);
    // SQLite's single server: every open session ends at start-up, as before.
    expect(await endStaleSessions(ctx)).toBe(2);
    expect(await openIds()).toEqual([]);
  });
});

describe('maintenance on several servers', () => {
  it('runs the shared steps on one server at a time, and the heartbeat on each', async () => {
    const db = await freshDatabase();
    const logger = pino({ level: 'silent' });
    const members = await Promise.all(
      ['A', 'B'].map(async () => {
        const opened = await db.open();
        const bus = createBus();
        const m = await joinCluster(opened, { bus, logger, maintenanceMs: 200, now: () => clock.now });
        cleanups.push(() => m.leave());
        const deps: AppDeps = {
          db: opened.db,
          bus,
          logger,
          auth: 'local',
          limits: {},
          sessionIdleMs: 60_000,
          now: () => clock.now,
          relay: m.relay,
          cluster: m.cluster,
        };
        return { m, deps, bus };
      }),
    );
    const [a, b] = members as [(typeof members)[0], (typeof members)[0]];
    const upkeep = { sweep: async () => 0, events: { prune: async () => 0 }, sessions: new Map() };
    const ctx = createCtx(a.deps, null);
    const { agent: lead } = await upsertAgent(ctx, { name: 'lead', team: 'default' });
    const task = await createTask(createCtx(a.deps, lead), { title: 'lapses' });
    await claimTask(createCtx(a.deps, lead), { task: task.id });
    const bSaw: BusEvent[] = [];
    b.bus.subscribe((e) => bSaw.push(e));
    clock.now += 2 * 60 * 60_000;
    try {
      // While B holds the upkeep lock, A's pass renews A's heartbeat but skips the shared steps.
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => {
        locked = r;
      });
      const holding = b.m.cluster.exclusive(async () => {
        locked();
        await held;
      });
      await isLocked;
      const skipped = await runMaintenance(a.deps, upkeep);
      expect(skipped).toMatchObject({ shared: false, leasesExpired: 0 });
      const beat = await ctx.db
        .selectFrom('instances')
        .select('last_seen_at')
        .where('id', '=', a.m.cluster.instanceId)
        .executeTakeFirstOrThrow();
      expect(beat.last_seen_at).toBe(clock.now);
      release();
      expect(await holding).toBe(true);
      const ran = await runMaintenance(a.deps, upkeep);
      expect(ran).toMatchObject({ shared: true, leasesExpired: 1 });
      // B hears of the expiry A did.
      await until(() => bSaw.some((e) => e.type === 'task.changed' && e.event === 'lease_expired'), 5_000, 10);
    } finally {
      clock.now -= 2 * 60 * 60_000;
    }
  });
});
