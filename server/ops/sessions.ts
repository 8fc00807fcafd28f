/**
 * Live connections (MCP sessions) of agents. Presence derives from these rows: an agent with
 * an open session is online or idle; one without is offline after a short grace period.
 */
import { type Ctx, withTx } from './context.js';

export interface SessionStart {
  id: string;
  teamId: string;
  agentId: string | null;
  transport: 'http' | 'stdio';
  clientName?: string | null;
  clientVersion?: string | null;
  /** True when the client declared it can take pushed notifications (claude/channel). */
  push?: boolean;
  /** The server process holding the session (several servers on one database); null with one server. */
  instanceId?: string | null;
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
      instance_id: s.instanceId ?? null,
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

/**
 * Records whether push to a live session is paused because its event stream is not read
 * (mcp/stream-backlog.ts): `push_paused_at` is set to now (UTC ms) or cleared. Kept in the
 * database so the roster shows it from any server. Tells the bus about the session's agent.
 */
export async function setSessionPushPaused(ctx: Ctx, id: string, paused: boolean): Promise<void> {
  const row = await ctx.db
    .updateTable('sessions')
    .set({ push_paused_at: paused ? ctx.now() : null })
    .where('id', '=', id)
    .where('ended_at', 'is', null)
    .returning(['team_id', 'agent_id'])
    .executeTakeFirst();
  if (row?.agent_id) ctx.emit({ type: 'agent.changed', teamId: row.team_id, agentId: row.agent_id });
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
 * Ends the sessions no running server holds (MCP sessions live in a server's memory, so they
 * die with it). One server (SQLite): every open session, left by an earlier process. Several
 * servers on one database (`instancesSeenSince` given, UTC ms): first forgets the instances
 * whose heartbeat is older than that, then ends the sessions of instances that are gone (and
 * those without one, written by a server from before instances). One transaction, so a
 * server that was only slow and renews its heartbeat meanwhile waits for the commit, finds
 * itself gone and reopens its sessions (server/ops/instances.ts `heartbeatInstance`).
 * Tells the bus about each agent affected. Returns how many sessions were ended.
 */
export async function endStaleSessions(ctx: Ctx, opts: { instancesSeenSince?: number } = {}): Promise<number> {
  const since = opts.instancesSeenSince;
  return withTx(ctx, async (tx) => {
    let q = tx.db.updateTable('sessions').set({ ended_at: tx.now() }).where('ended_at', 'is', null);
    if (since !== undefined) {
      await tx.db.deleteFrom('instances').where('last_seen_at', '<', since).execute();
      q = q.where((eb) =>
        eb.or([eb('instance_id', 'is', null), eb('instance_id', 'not in', eb.selectFrom('instances').select('id'))]),
      );
    }
    const rows = await q.returning(['team_id', 'agent_id']).execute();
    const agents = new Map<string, string>();
    for (const r of rows) if (r.agent_id) agents.set(r.agent_id, r.team_id);
    for (const [agentId, teamId] of agents) tx.emit({ type: 'agent.changed', teamId, agentId });
    return rows.length;
  });
}
