/**
 * `switchboard mcp`: the stdio MCP server for clients that only run local commands (and for
 * Claude Code channels). It relays to the HTTP server, starting one in the background if
 * none is running, and acts as the teammate given by --agent/--team or --token.
 */
import { type Command, Option } from 'commander';
import { DEFAULT_URL } from '../client.js';

export function registerMcp(program: Command): void {
  program
    .command('mcp')
    .description('serve MCP on stdin/stdout, relayed to the Switchboard server (started if not running)')
    .addOption(new Option('--url <url>', `server URL (default ${DEFAULT_URL})`).env('SWITCHBOARD_URL'))
    .addOption(new Option('--agent <name>', 'act as this teammate (local mode)').env('SWITCHBOARD_AGENT'))
    .addOption(new Option('--team <name>', 'team of --agent (default "default")').env('SWITCHBOARD_TEAM'))
    .addOption(new Option('--token <token>', 'bearer token (instead of --agent)').env('SWITCHBOARD_TOKEN'))
    .option('--no-start', 'do not start a server when none is running')
    .action(async (o: { url?: string; agent?: string; team?: string; token?: string; start: boolean }) => {
      try {
        // Loaded in the action so that `--help` does not load the MCP SDK.
        const { runStdioBridge } = await import('../../mcp/stdio-bridge.js');
        const bridge = await runStdioBridge({
          url: o.url ?? DEFAULT_URL,
          ...(o.agent && { agent: o.agent }),
          ...(o.team && { team: o.team }),
          ...(o.token && { token: o.token }),
          autoStart: o.start,
        });
        await bridge.closed;
        process.exit(0);
      } catch (err) {
        process.stderr.write(`switchboard mcp: ${(err as Error).message}\n`);
        process.exit(1);
      }
    });
}
