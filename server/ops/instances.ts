/**
 * Running servers on a shared PostgreSQL database (`instances`): each registers at start-up,
 * renews its heartbeat from maintenance and removes itself on shutdown. A server whose
 * heartbeat went stale has died, and so have the MCP sessions it held in memory: the others
 * end them (server/ops/sessions.ts `endStaleSessions`), so presence, read from session rows,
 * holds across servers.
 */
import { type Ctx, withTx } from './context.js';

/** Records a starting server. */
export async function registerInstance(ctx: Ctx, id: string): Promise<void> {
  const now = ctx.now();
  await ctx.db.insertInto('instances').values({ id, started_at: now, last_seen_at: now }).execute();
}

/**
 * Renews the heartbeat of server `id`. When its row is gone (the others took it for dead:
 * it stalled past the stale time) it is written again and the sessions it still holds
 * (`liveSessionIds`) are reopened, telling the bus. Returns how many sessions were reopened.
 */
export async function heartbeatInstance(ctx: Ctx, id: string, liveSessionIds: readonly string[]): Promise<number> {
  const now = ctx.now();
  const r = await ctx.db.updateTable('instances').set({ last_seen_at: now }).where('id', '=', id).executeTakeFirst();
  if (Number(r.numUpdatedRows) > 0) return 0;
  return withTx(ctx, async (tx) => {
    await tx.db
      .insertInto('instances')
      .values({ id, started_at: now, last_seen_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ last_seen_at: now }))
      .execute();
    if (liveSessionIds.length === 0) return 0;
    const rows = await tx.db
      .updateTable('sessions')
      .set({ ended_at: null })
      .where('instance_id', '=', id)
      .where('id', 'in', [...liveSessionIds])
      .where('ended_at', 'is not', null)
      .returning(['team_id', 'agent_id'])
      .execute();
    for (const row of rows) {
      if (row.agent_id) tx.emit({ type: 'agent.changed', teamId: row.team_id, agentId: row.agent_id });
    }
    return rows.length;
  });
}

/** Removes server `id` (shutting down; its sessions are already ended). */
export async function retireInstance(ctx: Ctx, id: string): Promise<void> {
  await ctx.db.deleteFrom('instances').where('id', '=', id).execute();
}
