/**
 * Ending file reservations when what they belong to ends: their task finishes, their holder's
 * claim on that task ends (released, expired, delegated or handed off), or their TTL runs out. Apart from
 * server/ops/reservations.ts so that the task operations call it without importing the
 * reservation operations (which import theirs).
 */
import type { Ctx } from './context.js';

/**
 * Deletes the reservations tied to `task` (only `holderId`'s, when given) and announces the
 * change. Returns how many ended. Runs in the caller's transaction.
 */
export async function endTaskReservations(
  tx: Ctx,
  task: { id: string; team_id: string },
  holderId: string | null = null,
): Promise<number> {
  let q = tx.db.deleteFrom('reservations').where('task_id', '=', task.id);
  if (holderId !== null) q = q.where('agent_id', '=', holderId);
  const gone = await q.returning('agent_id').execute();
  if (gone.length > 0) {
    const agentIds = [...new Set(gone.map((g) => g.agent_id))];
    tx.emit({ type: 'reservation.changed', teamId: task.team_id, agentIds, taskIds: [task.id] });
  }
  return gone.length;
}

/**
 * Passes `fromId`'s reservations tied to `task` to `toId` (an accepted hand-off: the new owner
 * takes the files with the work), renewed from now. A pattern `toId` already holds stays theirs.
 */
export async function passTaskReservations(
  tx: Ctx,
  task: { id: string; team_id: string },
  fromId: string,
  toId: string,
): Promise<void> {
  const now = tx.now();
  const held = tx.db.selectFrom('reservations as r2').select('r2.pattern').where('r2.agent_id', '=', toId);
  await tx.db
    .deleteFrom('reservations')
    .where('task_id', '=', task.id)
    .where('agent_id', '=', fromId)
    .where('pattern', 'in', held)
    .execute();
  const moved = await tx.db
    .updateTable('reservations')
    .set((eb) => ({ agent_id: toId, expires_at: eb(eb.val(now), '+', eb.ref('ttl_ms')) }))
    .where('task_id', '=', task.id)
    .where('agent_id', '=', fromId)
    .returning('id')
    .execute();
  if (moved.length > 0) {
    tx.emit({ type: 'reservation.changed', teamId: task.team_id, agentIds: [fromId, toId], taskIds: [task.id] });
  }
}

/**
 * Deletes reservations whose TTL ran out (their holder was not active for that long) and
 * announces the change. Run by maintenance; returns how many ended. Reads already leave
 * expired rows out, so this only keeps the table small and the board current.
 */
export async function expireReservations(ctx: Ctx): Promise<number> {
  const gone = await ctx.db
    .deleteFrom('reservations')
    .where('expires_at', '<=', ctx.now())
    .returning(['team_id', 'agent_id', 'task_id'])
    .execute();
  const byTeam = new Map<string, { agents: Set<string>; tasks: Set<string> }>();
  for (const g of gone) {
    const t = byTeam.get(g.team_id) ?? { agents: new Set(), tasks: new Set() };
    t.agents.add(g.agent_id);
    if (g.task_id) t.tasks.add(g.task_id);
    byTeam.set(g.team_id, t);
  }
  for (const [teamId, t] of byTeam) {
    ctx.emit({ type: 'reservation.changed', teamId, agentIds: [...t.agents], taskIds: [...t.tasks] });
  }
  return gone.length;
}
