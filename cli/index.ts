/**
 * The `switchboard` command line. Each command group lives in `cli/commands/` and
 * registers itself on the program; the CLI talks to a running server's JSON API, except
 * commands that must work without one (serve, token, backup, migrate), which open the database.
 */
import { Command } from 'commander';
import { registerBackupCommands } from './commands/backup.js';
import { registerHooks } from './commands/hooks.js';
import { registerMcp } from './commands/mcp.js';
import { registerMessageCommands } from './commands/messages.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerReviewCommands } from './commands/reviews.js';
import { registerServe } from './commands/serve.js';
import { registerTaskCommands } from './commands/tasks.js';
import { registerTeammateCommands } from './commands/teammates.js';
import { registerTokenCommands } from './commands/token.js';

const program = new Command()
  .name('switchboard')
  .description('Coordination server for AI coding agents: teams, messages, tasks and reviews.')
  .version('0.1.0')
  .showHelpAfterError();

registerServe(program);
registerTeammateCommands(program);
registerMessageCommands(program);
registerTaskCommands(program);
registerReviewCommands(program);
registerTokenCommands(program);
registerBackupCommands(program);
registerMigrateCommand(program);
registerMcp(program);
registerHooks(program);

await program.parseAsync(process.argv);
