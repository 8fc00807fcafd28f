/**
 * Reads behind the server's metrics (server/metrics.ts), made when `/metrics` is scraped:
 * the unread backlog per team, and team names for metric labels. Counts only; never text.
 */
import type { Ctx } from './context.js';

/** Unread mail (deliveries not yet read) of one team. */
export interface TeamBacklog {
  teamId: string;
  team: string;
  unread: number;
}

/**
 * Unread deliveries per team, teams with none left out. One query that walks the inbox index
 * (`deliveries_inbox`: recipient, read_at) agent by agent, so it costs the number of agents
 * plus the unread rows, not the size of the mail history.
 */
export async function unreadBacklog(ctx: Ctx): Promise<TeamBacklog[]> {
  const rows = await ctx.db
    .selectFrom('agents')
    .innerJoin('deliveries', (j) =>
      j.onRef('deliveries.recipient_id', '=', 'agents.id').on('deliveries.read_at', 'is', null),
    )
    .innerJoin('teams', 'teams.id', 'agents.team_id')
    .select(['teams.id as teamId', 'teams.name as team'])
    .select((eb) => eb.fn.countAll<number | string>().as('unread'))
    .groupBy(['teams.id', 'teams.name'])
    .execute();
  return rows.map((r) => ({ teamId: r.teamId, team: r.team, unread: Number(r.unread) }));
}

/** The names of the teams with these ids (unknown ids are left out). */
export async function teamNames(ctx: Ctx, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await ctx.db
    .selectFrom('teams')
    .select(['id', 'name'])
    .where('id', 'in', [...ids])
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}
