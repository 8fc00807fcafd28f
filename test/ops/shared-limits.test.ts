/**
 * The per-agent limits hold across several servers on one database: two "instances" (contexts
 * with their own guards; on PostgreSQL each with its own connection pool) sending, waiting and
 * opening sessions at the same time never pass the send burst, the waiting-call slots or the
 * session limit together. Runs on both dialects (SWITCHBOARD_TEST_DIALECT=postgres).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../server/db/connection.js';
import { openPostgresDatabase } from '../../server/db/postgres.js';
import { DomainError } from '../../server/errors.js';
import { type Ctx, createCtx, type Limits } from '../../server/ops/context.js';
import { createGuards, type Guards, type SessionHold } from '../../server/ops/guards.js';
import { sendMessage } from '../../server/ops/messages.js';
import type { Agent } from '../../server/ops/model.js';
import { acquireWaitSlot, clearDeadWaitSlots, WAIT_SLOT_TTL_MS, type WaitSlot } from '../../server/ops/rate-limit.js';
import { admitSession, releaseSession } from '../../server/ops/session-register.js';
import { endSession, startSession } from '../../server/ops/sessions.js';
import { createWorld, rejects, type TestWorld } from '../helpers/ctx.js';

const LIMITS: Partial<Limits> = { sendsPerMinute: 5, maxWaitsPerAgent: 2, maxSessionsPerAgent: 2 };

interface Instance {
  guards: Guards;
  as: (agent: Agent | null) => Ctx;
}

let w: TestWorld;
let closeSecond = async () => {};
let a: Instance;
let b: Instance;
let alice: Agent;

beforeEach(async () => {
  w = await createWorld(LIMITS);
  // On PostgreSQL the second instance has its own pool, as a second server would.
  let second: Db = w.opened.db;
  if (w.opened.dialect === 'postgres') {
    const url = (w.opened.pool as unknown as { options: { connectionString: string } }).options.connectionString;
    const opened = await openPostgresDatabase(url, { migrate: false });
    second = opened.db;
    closeSecond = opened.close;
  }
  const instance = (db: Db): Instance => {
    const guards = createGuards();
    const deps = { db, bus: w.bus, now: () => w.clock.now, limits: LIMITS, guards };
    return { guards, as: (agent) => createCtx(deps, agent) };
  };
  a = instance(w.opened.db);
  b = instance(second);
  alice = await w.agent('alice');
  await w.agent('bob');
});

afterEach(async () => {
  await closeSecond();
  closeSecond = async () => {};
  await w.close();
});

/** Settles every promise; returns the fulfilled count and the rejections' codes. */
async function outcomes(ps: Promise<unknown>[]): Promise<{ passed: number; refused: string[] }> {
  const rs = await Promise.allSettled(ps);
  const refused = rs.flatMap((r) => {
    if (r.status === 'fulfilled') return [];
    if (!(r.reason instanceof DomainError)) throw r.reason;
    return [r.reason.code];
  });
  return { passed: rs.length - refused.length, refused };
}

const count = async (table: 'messages' | 'wait_slots') =>
  Number(
    (
      await w.opened.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('sends per agent per minute across instances', () => {
  it('passes exactly the burst when both instances send at once; then refills at the rate', async () => {
    const send = (i: Instance, n: number) => sendMessage(i.as(alice), { to: 'bob', message: `m${n}` });
    const burst = await outcomes(Array.from({ length: 16 }, (_, n) => send(n % 2 ? a : b, n)));
    expect(burst.passed).toBe(5);
    expect(burst.refused).toEqual(Array(11).fill('rate_limited'));
    expect(await count('messages')).toBe(5);

    // A refusal names the wait and changes nothing.
    const row = () => w.opened.db.selectFrom('agent_limits').selectAll().executeTakeFirstOrThrow();
    const before = await row();
    const err = await rejects(send(b, 99), 'rate_limited', /5 messages per minute/);
    expect(err.details).toEqual({ limit: 5, retryAfterMs: 12_000 });
    expect(await row()).toEqual(before);
    expect(await count('messages')).toBe(5);

    // One interval later one send passes, on either instance, and only one.
    w.tick(12_000);
    const refill = await outcomes([send(a, 100), send(b, 101), send(a, 102)]);
    expect(refill.passed).toBe(1);
    // Another agent has its own bucket.
    const bob = await w.agent('bob');
    await sendMessage(b.as(bob), { to: 'alice', message: 'hi' });
  });

  it('keeps the burst exact when a minute does not divide by the rate', async () => {
    const deps = { db: w.opened.db, bus: w.bus, now: () => w.clock.now, guards: a.guards };
    const as7 = createCtx({ ...deps, limits: { sendsPerMinute: 7 } }, alice);
    const send = () => sendMessage(as7, { to: 'bob', message: 'x' });
    for (let n = 0; n < 7; n++) await send();
    const err = await rejects(send(), 'rate_limited');
    // One interval is 60 000 / 7 ms rounded up.
    expect(err.details).toEqual({ limit: 7, retryAfterMs: 8572 });
    w.tick(8571);
    await rejects(send(), 'rate_limited');
    w.tick(1);
    await send();
  });

  it('gives the token back when the send fails after the charge', async () => {
    for (let n = 0; n < 5; n++) {
      await rejects(sendMessage(a.as(alice), { to: 'nobody', message: 'x' }), 'not_found');
    }
    await sendMessage(b.as(alice), { to: 'bob', message: 'still allowed' });
    expect(await count('messages')).toBe(1);
  });
});

describe('waiting calls per agent across instances', () => {
  it('takes exactly the limit when both instances start waits at once; a release frees a slot for either', async () => {
    const race = async () => {
      const tries = Array.from({ length: 6 }, (_, n) => acquireWaitSlot((n % 2 ? a : b).as(alice)));
      const got = await outcomes(tries);
      expect(got.passed).toBe(2);
      expect(got.refused).toEqual(Array(4).fill('rate_limited'));
      expect(await count('wait_slots')).toBe(2);
      const settled = await Promise.allSettled(tries);
      return settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])) as [WaitSlot, WaitSlot];
    };
    // A few rounds, so that a check that is not race-free shows on PostgreSQL.
    for (let round = 0; round < 4; round++) await Promise.all((await race()).map((s) => s.release()));
    const [first, second] = await race();

    await rejects(
      acquireWaitSlot(b.as(alice)),
      'rate_limited',
      /2 waiting calls are already open for alice; the limit is 2/,
    );
    await first.release();
    await first.release();
    const again = await acquireWaitSlot(a.as(alice));
    await rejects(acquireWaitSlot(b.as(alice)), 'rate_limited');
    await Promise.all([again.release(), second.release()]);
    expect(await count('wait_slots')).toBe(0);
  });

  it("one instance's shutdown aborts only its own waits", async () => {
    const sa = await acquireWaitSlot(a.as(alice));
    const sb = await acquireWaitSlot(b.as(alice));
    a.guards.shutdown.abort();
    expect(sa.signal.aborted).toBe(true);
    expect(sb.signal.aborted).toBe(false);
    await Promise.all([sa.release(), sb.release()]);
  });

  it('slots of an instance that died stop counting after the longest wait, and start-up clears them', async () => {
    await acquireWaitSlot(a.as(alice));
    await acquireWaitSlot(a.as(alice));
    // Instance a dies without releasing.
    await rejects(acquireWaitSlot(b.as(alice)), 'rate_limited');
    w.tick(WAIT_SLOT_TTL_MS);
    const fresh = await acquireWaitSlot(b.as(alice));
    expect(await count('wait_slots')).toBe(1);
    await fresh.release();

    const bob = await w.agent('bob');
    await acquireWaitSlot(a.as(bob));
    w.tick(WAIT_SLOT_TTL_MS - 1);
    expect(await clearDeadWaitSlots(b.as(null))).toBe(0);
    w.tick(1);
    expect(await clearDeadWaitSlots(b.as(null))).toBe(1);
    expect(await count('wait_slots')).toBe(0);
  });
});

describe('sessions per agent across instances', () => {
  let n = 0;
  /** A live MCP session of alice on `i`: its hold in i's register and its row, as the /mcp route keeps them. */
  async function open(i: Instance, client = 'claude-code 2.1'): Promise<{ id: string; hold: SessionHold }> {
    const id = `s${++n}`;
    const hold: SessionHold = { key: 'default/alice', live: () => true, client: () => client, close: async () => {} };
    await admitSession(i.as(null), hold);
    i.guards.ownSessions.add(id);
    const [name, version] = client.split(' ');
    await startSession(i.as(null), {
      id,
      teamId: alice.teamId,
      agentId: alice.id,
      transport: 'http',
      clientName: name ?? null,
      clientVersion: version ?? null,
    });
    return { id, hold };
  }

  async function close(i: Instance, s: { id: string; hold: SessionHold }) {
    releaseSession(i.guards, s.hold);
    await endSession(i.as(null), s.id);
    i.guards.ownSessions.delete(s.id);
  }

  it('counts the live sessions the other instance records: the limit spread over two instances is refused', async () => {
    const first = await open(a);
    await open(b, 'codex 0.169');
    const err = await rejects(open(a), 'rate_limited', /alice already has 2 live sessions/);
    expect(err.message).toMatch(/\(claude-code 2\.1, codex 0\.169\); the limit is 2 per agent/);
    expect(err.details).toEqual({ limit: 2, sessions: 2 });
    await rejects(open(b), 'rate_limited', /\(codex 0\.169, claude-code 2\.1\)/);
    // Nothing was registered by the refusals.
    expect(a.guards.sessions.get('default/alice')?.size).toBe(1);
    expect(b.guards.sessions.get('default/alice')?.size).toBe(1);

    await close(a, first);
    await open(b);
    await rejects(open(a), 'rate_limited', /codex 0\.169, claude-code 2\.1/);
  });

  it("does not count an instance's own session rows twice", async () => {
    await open(a);
    await open(a);
    await rejects(open(a), 'rate_limited', /2 live sessions \(claude-code 2\.1 ×2\)/);
  });
});
