/**
 * `switchboard token create | list | revoke`: bearer tokens for token mode, managed on the data
 * directory's database (whoever can read that directory already holds every secret in it).
 * A token is printed once, when created; only its SHA-256 hash is stored.
 */
import type { Command } from 'commander';
import type { TokenInfo } from '../../server/ops/tokens.js';
import { localAction, withLocalDb, withLocalOptions } from '../local.js';

/** The token operations, loaded when a command runs (`--help` registers these commands too). */
const ops = () => import('../../server/ops/tokens.js');

const infoLine = (t: TokenInfo) =>
  `${t.id}  ${t.scope.padEnd(5)}  ${t.agent ?? '-'}${t.label ? ` (${t.label})` : ''}  created ${t.createdAt}${t.lastUsedAt ? `, used ${t.lastUsedAt}` : ''}${t.revokedAt ? `, REVOKED ${t.revokedAt}` : ''}`;

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('create, list and revoke bearer tokens (token mode)');

  withLocalOptions(
    token
      .command('create')
      .description('mint a token that acts as a teammate (created if new); --admin for a team admin')
      .argument('<agent>', 'teammate name the token acts as')
      .option('--team <name>', 'team (default "default")', 'default')
      .option('--admin', 'a team-admin token: may act on any task or review of the team')
      .option('--label <text>', 'a note to recognise the token by'),
  ).action(
    localAction(async (o, agent: string) => {
      const { mintToken } = await ops();
      const r = await withLocalDb(
        o,
        (ctx) =>
          mintToken(ctx, {
            agent,
            team: o.team,
            scope: o.admin ? 'admin' : 'agent',
            ...(o.label !== undefined && { label: o.label }),
          }),
        { create: true },
      );
      const text = [
        `Token ${r.info.id} for ${r.info.agent} in team ${r.info.team} (${r.info.scope}):`,
        '',
        `  ${r.token}`,
        '',
        'It is shown only now: store it safely. Send it as "Authorization: Bearer <token>" (MCP clients, the API)',
        'or set SWITCHBOARD_TOKEN for the CLI.',
      ].join('\n');
      return { json: r, text };
    }),
  );

  withLocalOptions(
    token
      .command('list')
      .description("a team's tokens (never their secrets)")
      .option('--team <name>', 'team (default "default")', 'default'),
  ).action(
    localAction(async (o) => {
      const { listTokens } = await ops();
      const tokens = await withLocalDb(o, (ctx) => listTokens(ctx, { team: o.team }));
      return { json: { tokens }, text: tokens.length ? tokens.map(infoLine).join('\n') : 'No tokens.' };
    }),
  );

  withLocalOptions(
    token.command('revoke').description('revoke a token by id; it stops working at once').argument('<id>', 'token id'),
  ).action(
    localAction(async (o, id: string) => {
      const { revokeToken } = await ops();
      const r = await withLocalDb(o, (ctx) => revokeToken(ctx, { id }));
      return { json: r, text: `Revoked token ${r.revoked}.` };
    }),
  );
}
