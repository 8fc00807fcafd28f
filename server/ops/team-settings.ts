/**
 * Team settings: rules a team sets for itself. For now one: `planLabel`, a label whose tasks
 * need an approved plan (a `plan` review) before their owner may ask for a code review.
 * Off (null) by default; a human teammate or a team admin changes it.
 */
import { z } from 'zod';
import { DomainError } from '../errors.js';
import { type Ctx, isPrivileged, requireActor } from './context.js';
import { Label, parseInput } from './schemas.js';

/** A team's settings as every surface shows them. */
export interface TeamSettings {
  team: string;
  /** Tasks with this label need an approved plan before a code review; null: no such rule. */
  planLabel: string | null;
}

export const UpdateTeamSettings = z.strictObject({
  planLabel: Label.nullable().describe(
    'label whose tasks need an approved plan before a code review; null turns it off',
  ),
});
export type UpdateTeamSettings = z.infer<typeof UpdateTeamSettings>;

/** The actor's team's settings. */
export async function getTeamSettings(ctx: Ctx): Promise<TeamSettings> {
  const me = requireActor(ctx);
  const row = await ctx.db
    .selectFrom('teams')
    .select(['name', 'plan_label'])
    .where('id', '=', me.teamId)
    .executeTakeFirstOrThrow();
  return { team: row.name, planLabel: row.plan_label };
}

/**
 * Changes the actor's team's settings. Human teammates and team admins only (an agent should not
 * lift a rule its lead set). Errors: `forbidden`, `invalid`.
 */
export async function updateTeamSettings(ctx: Ctx, input: unknown): Promise<TeamSettings> {
  const p = parseInput(UpdateTeamSettings, input);
  const me = requireActor(ctx);
  if (!isPrivileged(ctx)) {
    throw new DomainError('forbidden', 'only a human teammate or a team admin can change team settings');
  }
  await ctx.db.updateTable('teams').set({ plan_label: p.planLabel }).where('id', '=', me.teamId).execute();
  return getTeamSettings(ctx);
}

/** The label whose tasks need an approved plan in `teamId`, or null when the team has no such rule. */
export async function planLabelOf(ctx: Ctx, teamId: string): Promise<string | null> {
  const row = await ctx.db.selectFrom('teams').select('plan_label').where('id', '=', teamId).executeTakeFirst();
  return row?.plan_label ?? null;
}
