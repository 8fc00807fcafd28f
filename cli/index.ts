/**
 * The `switchboard` command line. Each command group lives in `cli/commands/` and
 * registers itself on the program; the CLI talks to a running server's JSON API, except
 * commands that must work without one (serve, token, backup, migrate), which open the database.
 *
 * Only the group of the command being run is loaded (hooks run on every prompt, and loading
 * the server's modules for them would cost most of their start-up); `--version` loads none and
 * help loads every group, whose modules defer their heavy imports (drivers, the MCP SDK) to
 * their actions.
 */
import { Command } from 'commander';
import { packageVersion } from '../server/package-root.js';

type Register = (program: Command) => void;

/** Command group modules, each with its register function and the top-level commands it adds. */
const GROUPS: { commands: string[]; load: () => Promise<Register> }[] = [
  { commands: ['serve'], load: async () => (await import('./commands/serve.js')).registerServe },
  {
    commands: ['join', 'whoami', 'summary', 'teammates'],
    load: async () => (await import('./commands/teammates.js')).registerTeammateCommands,
  },
  {
    commands: ['send', 'broadcast', 'inbox', 'ack', 'thread'],
    load: async () => (await import('./commands/messages.js')).registerMessageCommands,
  },
  { commands: ['search'], load: async () => (await import('./commands/search.js')).registerSearchCommand },
  { commands: ['task'], load: async () => (await import('./commands/tasks.js')).registerTaskCommands },
  { commands: ['review'], load: async () => (await import('./commands/reviews.js')).registerReviewCommands },
  { commands: ['team'], load: async () => (await import('./commands/team.js')).registerTeamCommands },
  { commands: ['token'], load: async () => (await import('./commands/token.js')).registerTokenCommands },
  {
    commands: ['backup', 'retention'],
    load: async () => (await import('./commands/backup.js')).registerBackupCommands,
  },
  { commands: ['migrate'], load: async () => (await import('./commands/migrate.js')).registerMigrateCommand },
  { commands: ['mcp'], load: async () => (await import('./commands/mcp.js')).registerMcp },
  { commands: ['hook'], load: async () => (await import('./commands/hooks.js')).registerHooks },
  {
    commands: ['reservation'],
    load: async () => (await import('./commands/reservations.js')).registerReservationCommands,
  },
  { commands: ['guard'], load: async () => (await import('./commands/guard.js')).registerGuardCommands },
];

const program = new Command()
  .name('switchboard')
  .description('Coordination server for AI coding agents: teams, messages, tasks and reviews.')
  .version(packageVersion())
  .showHelpAfterError();

const first = process.argv.slice(2).find((a) => !a.startsWith('-'));
const only = GROUPS.find((g) => first !== undefined && g.commands.includes(first));
const flags = process.argv.slice(2);
const versionOnly =
  first === undefined &&
  flags.some((a) => a === '-V' || a === '--version') &&
  !flags.some((a) => a === '-h' || a === '--help');
for (const g of only ? [only] : versionOnly ? [] : GROUPS) (await g.load())(program);

await program.parseAsync(process.argv);
