/**
 * Live connections (MCP sessions) of agents. Presence derives from these rows: an agent with
 * an open session is online or idle; one without is offline after a short grace period.
 */
import type { Ctx } from './context.js';

export interface SessionStart {
  id: string;
  teamId: string;
  agentId: string | null;
  transport: 'http' | 'stdio';
  clientName?: string | null;
  clientVersion?: string | null;
  /** True when the client declared it can take pushed notifications (claude/channel). */
  push?: boolean;
}

/** Records a new live session. */
export async function startSession(ctx: Ctx, s: SessionStart): Promise<void> {
  const now = ctx.now();
  await ctx.db
    .insertInto('sessions')
    .values({
      id: s.id,
      team_id: s.teamId,
      agent_id: s.agentId,
      transport: s.transport,
      client_name: s.clientName ?? null,
      client_version: s.clientVersion ?? null,
      push: s.push ? 1 : 0,
      started_at: now,
      last_seen_at: now,
    })
    .execute();
  if (s.agentId) ctx.emit({ type: 'agent.changed', teamId: s.teamId, agentId: s.agentId });
}

/** Updates a session's client facts and/or bound agent. */
export async function updateSession(
  ctx: Ctx,
  id: string,
  fields: {
    agentId?: string;
    teamId?: string;
    clientName?: string | null;
    clientVersion?: string | null;
    push?: boolean;
  },
): Promise<void> {
  await ctx.db
    .updateTable('sessions')
    .set({
      ...(fields.agentId !== undefined && { agent_id: fields.agentId }),
      ...(fields.teamId !== undefined && { team_id: fields.teamId }),
      ...(fields.clientName !== undefined && { client_name: fields.clientName }),
      ...(fields.clientVersion !== undefined && { client_version: fields.clientVersion }),
      ...(fields.push !== undefined && { push: fields.push ? 1 : 0 }),
      last_seen_at: ctx.now(),
    })
    .where('id', '=', id)
    .execute();
}

/** Marks a session ended (DELETE, idle expiry, shutdown). Idempotent. */
export async function endSession(ctx: Ctx, id: string): Promise<void> {
  const row = await ctx.db
    .updateTable('sessions')
    .set({ ended_at: ctx.now() })
    .where('id', '=', id)
    .where('ended_at', 'is', null)
    .returning(['team_id', 'agent_id'])
    .executeTakeFirst();
  if (row?.agent_id) ctx.emit({ type: 'agent.changed', teamId: row.team_id, agentId: row.agent_id });
}

/**
 * Ends every session left open by an earlier server process (they cannot be live after a
 * restart: MCP sessions live in memory). Returns how many were closed.
 */
export async function endStaleSessions(ctx: Ctx): Promise<number> {
  const r = await ctx.db
    .updateTable('sessions')
    .set({ ended_at: ctx.now() })
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
