/**
 * Tasks across two real servers on one PostgreSQL database: a claim race with racers on both
 * servers has exactly one winner; an expired lease is returned, logged and announced exactly
 * once while both servers run maintenance every 200 ms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentClient } from '../helpers/server.js';
import type { ServerProcess } from '../security/process.js';
import { channelArrivals, startCluster, type TestCluster, until } from './cluster.js';

let cluster: TestCluster;
let a: ServerProcess;
let b: ServerProcess;

beforeAll(async () => {
  cluster = await startCluster(2, { SWITCHBOARD_LEASE_MS: '1000', SWITCHBOARD_MAINTENANCE_MS: '200' });
  [a, b] = cluster.servers as [ServerProcess, ServerProcess];
}, 60_000);
afterAll(() => cluster?.close(), 30_000);

const count = async (text: string, params: unknown[]) =>
  Number((await cluster.sql.query<{ n: string }>(text, params)).rows[0]?.n);

describe('tasks across servers', () => {
  it('gives each task to exactly one of 8 racers spread over both servers; the rest get a conflict naming the holder', async () => {
    const lead = await cluster.agent(a, 'lead');
    const racers: AgentClient[] = [];
    for (let i = 0; i < 8; i += 1) racers.push(await cluster.agent(i % 2 === 0 ? a : b, `racer-${i}`));
    for (let round = 0; round < 5; round += 1) {
      const task = (await lead.call('task_create', { title: `Only one may hold this (${round})` })).data;
      const results = await Promise.all(racers.map((r) => r.raw('task_claim', { task: task.id })));
      const won = results.filter((r) => !r.isError);
      expect(won).toHaveLength(1);
      const owner = (won[0]?.data as { owner?: string } | undefined)?.owner;
      for (const lost of results.filter((r) => r.isError)) {
        expect(lost.data.error).toMatchObject({ code: 'conflict', details: { holder: owner } });
      }
      expect(
        await count("SELECT count(*) AS n FROM task_events WHERE task_id = $1 AND type = 'claimed'", [task.id]),
      ).toBe(1);
    }
  });

  it('expires a lease exactly once with both servers running maintenance', async () => {
    const alice = await cluster.agent(a, 'alice');
    const bob = await cluster.agent(b, 'bob');
    const pushed = channelArrivals(alice);
    const task = (await alice.call('task_create', { title: 'Claimed, then abandoned' })).data;
    await bob.call('task_claim', { task: task.id });
    // Bob goes quiet: after 1 s without activity the lease runs out; a pass (every 200 ms on each server) returns the task.
    await until(async () => {
      const r = await cluster.sql.query<{ status: string }>('SELECT status FROM tasks WHERE id = $1', [task.id]);
      return r.rows[0]?.status === 'open';
    });
    // Both servers keep running passes; none may expire it again or announce it twice.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(
      await count("SELECT count(*) AS n FROM task_events WHERE task_id = $1 AND type = 'lease_expired'", [task.id]),
    ).toBe(1);
    const notices = await cluster.sql.query<{ body: string }>(
      `SELECT m.body FROM messages m JOIN agents s ON s.id = m.sender_id
        WHERE m.thread_id = (SELECT thread_id FROM tasks WHERE id = $1) AND s.kind = 'system'`,
      [task.id],
    );
    expect(notices.rows.map((r) => r.body)).toEqual([expect.stringMatching(/claim of bob .* expired/)]);
    // And the creator on A sees it once in her timeline.
    const detail = (await alice.call('task_get', { task: task.id })).data;
    expect(detail.task.status).toBe('open');
    expect(detail.events.filter((e: { type: string }) => e.type === 'lease_expired')).toHaveLength(1);
    // Whichever server expired it, the creator's session on A was pushed the notice, once.
    const aboutIt = () => pushed.all.filter((n) => n.content.includes('Claimed, then abandoned'));
    await until(() => aboutIt().some((n) => /expired/.test(n.content)));
    expect(aboutIt().filter((n) => /expired/.test(n.content))).toHaveLength(1);
  });
});
