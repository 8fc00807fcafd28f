/**
 * The `switchboard` command line. Each command group lives in `cli/commands/` and
 * registers itself on the program; the CLI talks to a running server's JSON API, except
 * commands that must work without one (serve, token, backup, migrate), which open the database.
 *
 * Only the group of the command being run is loaded (hooks run on every prompt, and loading
 * the server's modules for them would cost most of their start-up); help loads every group.
 */
import { Command } from 'commander';

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
  { commands: ['token'], load: async () => (await import('./commands/token.js')).registerTokenCommands },
  {
    commands: ['backup', 'retention'],
    load: async () => (await import('./commands/backup.js')).registerBackupCommands,
  },
  { commands: ['migrate'], load: async () => (await import('./commands/migrate.js')).registerMigrateCommand },
  { commands: ['mcp'], load: async () => (await import('./commands/mcp.js')).registerMcp },
  { commands: ['hook'], load: async () => (await import('./commands/hooks.js')).registerHooks },
];

const program = new Command()
  .name('switchboard')
  .description('Coordination server for AI coding agents: teams, messages, tasks and reviews.')
  .version('0.1.0')
  .showHelpAfterError();

const first = process.argv.slice(2).find((a) => !a.startsWith('-'));
const only = GROUPS.find((g) => first !== undefined && g.commands.includes(first));
for (const g of only ? [only] : GROUPS) (await g.load())(program);

await program.parseAsync(process.argv);
