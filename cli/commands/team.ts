/** `switchboard team …`: the team's settings. */
import type { Command } from 'commander';
import type { TeamSettings } from '../../server/ops/team-settings.js';
import { apiAction, apiCommandGroup } from '../client.js';

export function registerTeamCommands(program: Command): void {
  const sub = apiCommandGroup(program, 'team', "show or change your team's settings");

  sub('settings', "show the team's settings, or change them (human teammates and team admins)")
    .option('--plan-label <label>', 'tasks with this label need an approved plan before a code review')
    .option('--no-plan-label', 'turn that rule off')
    .action(
      apiAction(async (client, o) => {
        const change = o.planLabel !== undefined;
        const r = change
          ? await client.patch<TeamSettings>('/team/settings', {
              planLabel: o.planLabel === false ? null : o.planLabel,
            })
          : await client.get<TeamSettings>('/team/settings');
        const rule = r.planLabel
          ? `tasks labelled "${r.planLabel}" need an approved plan before a code review`
          : 'no plan is required before a code review';
        return { json: r, text: `Team ${r.team}: ${rule}.` };
      }),
    );
}
