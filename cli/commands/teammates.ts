/** `switchboard join | whoami | summary | teammates`: who is on the team, over the JSON API. */
import type { Command } from 'commander';
import type { Agent } from '../../server/ops/model.js';
import type { Teammate } from '../../server/ops/presence.js';
import { apiAction, createClient, withApiOptions } from '../client.js';
import { agentText, teammateLine } from '../format.js';

export function registerTeammateCommands(program: Command): void {
  withApiOptions(
    program
      .command('join')
      .description('join a team under a teammate name (local mode; with tokens, mint one instead)')
      .argument('[name]', 'teammate name (default: --agent)')
      .option('--kind <kind>', 'claude-code, codex, human, cli or other')
      .option('--role <role>', 'role, e.g. reviewer (others can address role:NAME)')
      .option('--summary <text>', 'what you are working on')
      .option('--cwd <dir>', 'working directory to show teammates')
      .option('--repo <repo>', 'repository to show teammates')
      .option('--branch <branch>', 'branch to show teammates'),
  ).action(
    apiAction(async (_client, o, name: string | undefined) => {
      const body = {
        name: name ?? o.agent ?? process.env.SWITCHBOARD_AGENT,
        team: o.team ?? process.env.SWITCHBOARD_TEAM ?? 'default',
        ...pick(o, ['kind', 'role', 'summary', 'cwd', 'repo', 'branch']),
      };
      // Joining names the teammate in the body; the identity headers (SWITCHBOARD_AGENT) are not sent.
      const anonymous = createClient(
        { ...(o.url && { url: o.url }) },
        { SWITCHBOARD_URL: process.env.SWITCHBOARD_URL },
      );
      const r = await anonymous.post<{ agent: Agent; created: boolean }>('/join', body);
      const hint = `Act as ${r.agent.name} with --agent ${r.agent.name}${r.agent.team === 'default' ? '' : ` --team ${r.agent.team}`} (or SWITCHBOARD_AGENT).`;
      return {
        json: r,
        text: `${r.created ? 'Joined' : 'Rejoined'} team ${r.agent.team} as ${r.agent.name}.\n${hint}`,
      };
    }),
  );

  withApiOptions(
    program.command('whoami').description('your teammate name, team, role, held tasks and unread count'),
  ).action(
    apiAction(async (client) => {
      const me = await client.get<Teammate>('/me');
      const text = `${agentText(me)}\n${me.presence}; holding ${me.tasksHeld} task(s); ${me.reservations} reservation(s); ${me.unread} unread`;
      return { json: me, text };
    }),
  );

  withApiOptions(
    program
      .command('summary')
      .description('set what you are doing now (shown on the roster and the board)')
      .argument('<text>', 'one line')
      .option('--role <role>', 'also change your role')
      .option('--branch <branch>', 'also change your branch'),
  ).action(
    apiAction(async (client, o, text: string) => {
      const a = await client.patch<Agent>('/me', { summary: text, ...pick(o, ['role', 'branch']) });
      return { json: a, text: agentText(a) };
    }),
  );

  withApiOptions(
    program
      .command('teammates')
      .description('the team roster with presence, reachability, role, summary and tasks held')
      .option('--online', 'leave out offline teammates'),
  ).action(
    apiAction(async (client, o) => {
      const r = await client.get<{ teammates: Teammate[] }>('/teammates', {
        includeOffline: o.online ? false : undefined,
      });
      const text = r.teammates.length ? r.teammates.map(teammateLine).join('\n') : 'No teammates.';
      return { json: r, text };
    }),
  );
}

/** The given option keys that are set, for request bodies. */
export function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}
