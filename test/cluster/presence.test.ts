/**
 * Presence across real servers on one PostgreSQL database: an agent connected to A is online
 * in the roster read through B and offline on both once its session ends; a server starting
 * up leaves the others' live sessions alone; a server that dies (SIGKILL) has its sessions
 * ended by the others once its heartbeat is stale.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentClient } from '../helpers/server.js';
import type { ServerProcess } from '../security/process.js';
import { startCluster, type TestCluster, until } from './cluster.js';

let cluster: TestCluster;
let a: ServerProcess;
let b: ServerProcess;
let viewerA: AgentClient;
let viewerB: AgentClient;

// Maintenance (and so the heartbeat) every 200 ms: a server is dead after 3 s without one.
beforeAll(async () => {
  cluster = await startCluster(2, { SWITCHBOARD_MAINTENANCE_MS: '200' });
  [a, b] = cluster.servers as [ServerProcess, ServerProcess];
  viewerA = await cluster.agent(a, 'viewer-a');
  viewerB = await cluster.agent(b, 'viewer-b');
}, 60_000);
afterAll(() => cluster?.close(), 30_000);

const presence = async (viewer: AgentClient, name: string) => {
  const r = await viewer.call('teammate_list');
  return r.data.teammates.find((t: { name: string }) => t.name === name) as
    | { presence: string; sessions: number }
    | undefined;
};

describe('presence across servers', () => {
  it('shows an agent connected to A online through B, and offline on both when its session ends', async () => {
    const dave = await cluster.agent(a, 'dave');
    expect(await presence(viewerB, 'dave')).toMatchObject({ presence: 'online', sessions: 1 });
    expect(await presence(viewerA, 'dave')).toMatchObject({ presence: 'online', sessions: 1 });
    await dave.close();
    expect(await presence(viewerB, 'dave')).toMatchObject({ presence: 'offline', sessions: 0 });
    expect(await presence(viewerA, 'dave')).toMatchObject({ presence: 'offline', sessions: 0 });
  });

  it('keeps the others’ live sessions when a server starts', async () => {
    const erin = await cluster.agent(a, 'erin');
    const c = await cluster.start();
    const viewerC = await cluster.agent(c, 'viewer-c');
    expect(await presence(viewerC, 'erin')).toMatchObject({ presence: 'online', sessions: 1 });
    expect(await presence(viewerB, 'erin')).toMatchObject({ presence: 'online', sessions: 1 });
    expect((await erin.call('teammate_whoami')).data.name).toBe('erin');
  });

  it('ends the sessions of a server that died once its heartbeat is stale', async () => {
    const d = await cluster.start();
    await cluster.agent(d, 'frank');
    expect(await presence(viewerB, 'frank')).toMatchObject({ presence: 'online', sessions: 1 });
    const dead = await cluster.sql.query<{ instance_id: string }>(
      `SELECT s.instance_id FROM sessions s JOIN agents g ON g.id = s.agent_id WHERE g.name = 'frank' AND s.ended_at IS NULL`,
    );
    expect(dead.rows).toHaveLength(1);
    d.child.kill('SIGKILL');
    await d.exited;
    // Still online right after the crash (nobody can tell yet), offline on every live server within seconds.
    await until(async () => (await presence(viewerB, 'frank'))?.presence === 'offline', 20_000, 200);
    expect(await presence(viewerA, 'frank')).toMatchObject({ presence: 'offline', sessions: 0 });
    const left = await cluster.sql.query('SELECT id FROM instances WHERE id = $1', [dead.rows[0]?.instance_id]);
    expect(left.rows).toEqual([]);
    // The living keep theirs.
    expect(await presence(viewerB, 'viewer-a')).toMatchObject({ presence: 'online', sessions: 1 });
  });
});
