/** `switchboard serve`: starts the server in the foreground (same as `npm start`). */
import type { Command } from 'commander';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the server (SWITCHBOARD_PORT, SWITCHBOARD_HOST, SWITCHBOARD_DATA_DIR configure it)')
    .action(async () => {
      await import('../../server/main.js');
    });
}
