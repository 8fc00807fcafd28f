/**
 * Operation-test helpers: a fresh migrated database per test, a settable clock. The database
 * is an in-memory SQLite copy, or in the "postgres" vitest project a PostgreSQL one
 * (test/helpers/db.ts): `npx vitest run --project postgres test/ops`.
 */
import { expect } from 'vitest';
import { type Bus, type BusEvent, createBus } from '../../server/bus.js';
import type { OpenedDb } from '../../server/db/open.js';
import { DomainError } from '../../server/errors.js';
import { upsertAgent } from '../../server/ops/agents.js';
import { type Ctx, createCtx, type Limits } from '../../server/ops/context.js';
import type { Agent } from '../../server/ops/model.js';
import type { AgentKind } from '../../server/ops/schemas.js';
import { openTestDatabase } from './db.js';

export interface TestWorld {
  opened: OpenedDb;
  bus: Bus;
  /** Every bus event emitted, in order. */
  events: BusEvent[];
  clock: { now: number };
  /** Advances the clock by `ms`. */
  tick: (ms: number) => void;
  /** A context acting as `agent` (or anonymous). */
  as: (agent: Agent | null, opts?: { admin?: boolean }) => Ctx;
  /** Creates (or updates) an agent in `team` (default "default"). */
  agent: (name: string, opts?: { team?: string; role?: string; kind?: AgentKind }) => Promise<Agent>;
  close: () => Promise<void>;
}

export async function createWorld(limits: Partial<Limits> = {}): Promise<TestWorld> {
  const opened = await openTestDatabase();
  const bus = createBus((err) => {
    throw err;
  });
  const events: BusEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const clock = { now: Date.UTC(2026, 0, 1, 12, 0, 0) };
  const deps = { db: opened.db, bus, now: () => clock.now, limits };
  const world: TestWorld = {
    opened,
    bus,
    events,
    clock,
    tick: (ms) => {
      clock.now += ms;
    },
    as: (agent, opts) => createCtx(deps, agent, opts),
    agent: async (name, opts = {}) => {
      const { agent } = await upsertAgent(createCtx(deps, null), {
        name,
        team: opts.team ?? 'default',
        ...(opts.role && { role: opts.role }),
        ...(opts.kind && { kind: opts.kind }),
      });
      return agent;
    },
    close: () => opened.close(),
  };
  return world;
}

/** Awaits `p`, expecting a DomainError with `code` (and a message matching `text`); returns it. */
export async function rejects(p: Promise<unknown>, code: string, text?: string | RegExp): Promise<DomainError> {
  const err = await p.then(
    () => {
      throw new Error(`expected a DomainError (${code})`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe(code);
  if (text) expect((err as DomainError).message).toMatch(text);
  return err as DomainError;
}
