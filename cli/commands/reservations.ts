/** `switchboard reservation …`: reserve files, list, check and release reservations. */
import { type Command, Option } from 'commander';
import type { Reservation } from '../../server/ops/model.js';
import type { CreatedReservations, PathCheck, ReleasedReservations } from '../../server/ops/reservations.js';
import { reservationLine, reservationPhrase } from '../../server/text-format.js';
import { apiAction, apiCommandGroup, EXIT_CODES, wholeNumber } from '../client.js';
import { pick } from './teammates.js';

export function registerReservationCommands(program: Command): void {
  const sub = apiCommandGroup(
    program,
    'reservation',
    'reserve files (globs from the project root) so other agents do not edit them',
  );

  sub('create', 'reserve globs, exclusive unless --shared; repeat to renew (quote globs from your shell)')
    .argument('<paths...>', 'globs relative to the project root, e.g. "src/api/**"')
    .option('--shared', 'shared: conflicts only with exclusive reservations')
    .option('--ttl <seconds>', 'how long without your activity before it ends (default 3600)', wholeNumber)
    .option('-m, --reason <text>', 'why; shown to whom it blocks')
    .option('--task <task>', 'the task it belongs to (it ends with the task)')
    .action(
      apiAction(async (client, o, paths: string[]) => {
        const r = await client.post<CreatedReservations>('/reservations', {
          paths,
          ...(o.shared === true && { exclusive: false }),
          ...pick(o, ['ttl', 'reason', 'task']),
        });
        const verb = r.renewed.length === r.reservations.length ? 'Renewed' : 'Reserved';
        return { json: r, text: `${verb} ${r.reservations.map((x) => reservationPhrase(x)).join('; ')}` };
      }),
    );

  sub('list', "the team's reservations (--mine: yours; --path: those covering a file)")
    .option('--mine', 'only yours')
    .option('--path <path>', 'a file or glob: only reservations covering it')
    .action(
      apiAction(async (client, o) => {
        const r = await client.get<{ reservations: Reservation[] }>('/reservations', {
          mine: o.mine ? true : undefined,
          ...pick(o, ['path']),
        });
        const text = r.reservations.length
          ? r.reservations.map((x) => `${x.id}  ${reservationLine(x)}`).join('\n')
          : 'No reservations.';
        return { json: r, text };
      }),
    );

  sub('check', 'may you edit this file? exit 5 when another agent holds it exclusively')
    .argument('<path>', 'a file relative to the project root')
    .action(
      apiAction(async (client, _o, path: string) => {
        const r = await client.get<PathCheck>('/reservations/check', { path });
        if (!r.allowed) process.exitCode = EXIT_CODES.conflict;
        return { json: r, text: r.allowed ? `${r.path}: free to edit.` : (r.reason ?? '') };
      }),
    );

  sub('release', 'release your reservations by glob (as reserved), or any by --id')
    .argument('[paths...]', 'your globs, as reserved')
    .addOption(new Option('--id <ids...>', 'reservation ids (a human or admin: anyone’s)'))
    .action(
      apiAction(async (client, o, paths: string[]) => {
        const r = await client.post<ReleasedReservations>('/reservations/release', {
          ...(paths.length > 0 && { paths }),
          ...(o.id !== undefined && { ids: o.id }),
        });
        const lines = [
          r.released.length ? `Released ${r.released.map((x) => x.pattern).join(', ')}` : 'Nothing released.',
          r.notHeld.length ? `You held none of: ${r.notHeld.join(', ')}` : null,
        ];
        return { json: r, text: lines.filter(Boolean).join('\n') };
      }),
    );
}
