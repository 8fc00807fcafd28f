/**
 * Operations called at the same moment by several callers. On SQLite the calls' transactions
 * take turns; on PostgreSQL (SWITCHBOARD_TEST_DIALECT=postgres) they run at once on separate
 * connections, which is where a read-then-insert meets a unique index. On SQLite, calls that
 * arrive while another transaction runs share its successor's commit (group commit), each in
 * a savepoint of its own.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../server/errors.js';
import { withTx } from '../../server/ops/context.js';
import { sendMessage } from '../../server/ops/messages.js';
import type { Agent } from '../../server/ops/model.js';
import { createTask, listTasks } from '../../server/ops/tasks.js';
import { createWorld, type TestWorld } from '../helpers/ctx.js';

let w: TestWorld;
beforeEach(async () => {
  w = await createWorld({ sendsPerMinute: 10_000 });
});
afterEach(async () => {
  await w.close();
});

/** Several rounds, so that a race a round can win by luck still shows. */
const ROUNDS = 8;

describe('concurrent calls', () => {
  it('two teammates sending each other their first direct message at once share one thread', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const a = await w.agent(`a${i}`);
      const b = await w.agent(`b${i}`);
      const [ab, ba] = await Promise.all([
        sendMessage(w.as(a), { to: b.name, message: `hi ${b.name}` }),
        sendMessage(w.as(b), { to: a.name, message: `hi ${a.name}` }),
      ]);
      expect(ba.message.threadId).toBe(ab.message.threadId);
      const threads = await w.opened.db
        .selectFrom('threads')
        .select(['id', 'message_count'])
        .where('direct_key', '=', [a.id, b.id].sort().join(':'))
        .execute();
      expect(threads).toEqual([{ id: ab.message.threadId, message_count: 2 }]);
    }
  });

  it('sends once for calls with the same idempotency key at once, each returning that message', async () => {
    const alice = await w.agent('alice');
    const bob = await w.agent('bob');
    // Round 0 sends into a new direct thread, the others into the existing one.
    for (let i = 0; i < ROUNDS; i++) {
      const key = `send-${i}`;
      const results = await Promise.all(
        [1, 2, 3].map(() => sendMessage(w.as(alice), { to: 'bob', message: 'once', idempotencyKey: key })),
      );
      expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(results.map((r) => r.recipients.map((x) => x.name))).toEqual([['bob'], ['bob'], ['bob']]);
    }
    const sent = await w.opened.db.selectFrom('messages').select('id').where('sender_id', '=', alice.id).execute();
    expect(sent).toHaveLength(ROUNDS);
    const thread = await w.opened.db
      .selectFrom('threads')
      .select('message_count')
      .where('direct_key', '=', [alice.id, bob.id].sort().join(':'))
      .executeTakeFirstOrThrow();
    expect(thread.message_count).toBe(ROUNDS);
  });

  it('creates one task for calls with the same idempotency key at once, each returning it', async () => {
    const lead: Agent = await w.agent('lead');
    for (let i = 0; i < ROUNDS; i++) {
      const key = `task-${i}`;
      const tasks = await Promise.all(
        [1, 2, 3].map(() => createTask(w.as(lead), { title: `Task ${i}`, labels: ['x'], idempotencyKey: key })),
      );
      expect(new Set(tasks.map((t) => t.id)).size).toBe(1);
      expect(tasks[0]).toMatchObject({ title: `Task ${i}`, labels: ['x'] });
    }
    const all = await listTasks(w.as(lead), { limit: 100 });
    expect(all.tasks.map((t) => t.number)).toEqual(Array.from({ length: ROUNDS }, (_, i) => i + 1));
  });

  it('keeps each of many sends at once apart: a failing one rolls back alone, the others are stored and announced', async () => {
    const alice = await w.agent('alice');
    const bob = await w.agent('bob');
    const before = w.events.length;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        sendMessage(w.as(alice), { to: i % 4 === 3 ? 'nobody' : 'bob', message: `m${i}` }),
      ),
    );
    const failed = outcomes.filter((o) => o.status === 'rejected');
    expect(failed).toHaveLength(3);
    for (const f of failed) expect((f as PromiseRejectedResult).reason).toBeInstanceOf(DomainError);
    const bodies = await w.opened.db.selectFrom('messages').select('body').where('sender_id', '=', alice.id).execute();
    expect(bodies.map((b) => b.body).sort()).toEqual(['m0', 'm1', 'm10', 'm2', 'm4', 'm5', 'm6', 'm8', 'm9']);
    const delivered = await w.opened.db
      .selectFrom('deliveries')
      .select('recipient_id')
      .where('recipient_id', '=', bob.id)
      .execute();
    expect(delivered).toHaveLength(9);
    expect(w.events.slice(before).filter((e) => e.type === 'message.created')).toHaveLength(9);
  });

  it('rolls back a transaction that fails after writing, and keeps the others of its moment', async () => {
    const agents = await Promise.all(['ann', 'ben', 'cat'].map((n) => w.agent(n)));
    const write = (agent: Agent, fail: boolean) =>
      withTx(w.as(agent), async (tx) => {
        await tx.db.updateTable('agents').set({ summary: 'written' }).where('id', '=', agent.id).execute();
        if (fail) throw new DomainError('conflict', `failed after writing for ${agent.name}`);
      });
    const outcomes = await Promise.allSettled(agents.map((a, i) => write(a, i === 1)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const rows = await w.opened.db
      .selectFrom('agents')
      .select(['name', 'summary'])
      .where('name', 'in', ['ann', 'ben', 'cat'])
      .orderBy('name')
      .execute();
    expect(rows).toEqual([
      { name: 'ann', summary: 'written' },
      { name: 'ben', summary: null },
      { name: 'cat', summary: 'written' },
    ]);
  });
});
