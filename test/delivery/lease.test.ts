import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runMaintenance } from '../../server/maintenance.js';
import { connectAgent, startServer, type TestServer, textOf } from '../helpers/server.js';

type Result = CallToolResult & { data: any };
const LEASE_MS = 300;

describe('claim leases', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer({ limits: { leaseMs: LEASE_MS } });
  });
  afterEach(async () => {
    await server.destroy();
  });

  it('an expired lease returns the task to open, logs lease_expired and tells the creator and the owner', async () => {
    const alice = await connectAgent(server, { agent: 'alice' });
    const bob = await connectAgent(server, { agent: 'bob' });
    const task = (await alice.call('task_create', { title: 'Fix the flaky test' })).data;
    await bob.call('task_claim', { task: task.id });
    // Alice waits for news of her team's work.
    const aliceWaits = alice.call('teammate_wait_for_messages', { timeout: 60 });

    // Activity renews the lease: a maintenance run before it lapses changes nothing.
    expect((await runMaintenance(server.deps, server.sb.mcp)).leasesExpired).toBe(0);
    // Bob goes silent past the lease.
    await new Promise((r) => setTimeout(r, LEASE_MS + 100));
    expect((await runMaintenance(server.deps, server.sb.mcp)).leasesExpired).toBe(1);

    const t = (await alice.call('task_get', { task: task.id })).data;
    expect(t.task).toMatchObject({ status: 'open', owner: null, leaseExpiresAt: null });
    expect(t.events.map((e: { type: string }) => e.type)).toContain('lease_expired');

    const told = (await aliceWaits) as Result;
    expect(textOf(told)).toMatch(/expired/);
    // Bob, coming back, finds out what happened to his task.
    const inbox = await bob.call('teammate_check_messages');
    expect(textOf(inbox)).toMatch(/claim of bob on #\d+ .*expired/);
    expect((await bob.call('task_list', { mine: true })).data.tasks).toEqual([]);
    await alice.close();
    await bob.close();
  });
});
