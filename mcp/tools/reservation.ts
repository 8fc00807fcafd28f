/** MCP tools for file reservations (`reservation_*`). */
import type { Reservation } from '../../server/ops/model.js';
import {
  type CreatedReservations,
  CreateReservations,
  createReservations,
  ListReservations,
  listReservations,
  type ReleasedReservations,
  ReleaseReservations,
  releaseReservations,
} from '../../server/ops/reservations.js';
import { reservationLine, reservationPhrase } from '../../server/text-format.js';
import { defineTool, IDEMPOTENT_WRITE, READ_ONLY, WRITE } from '../tool.js';

export const reservationTools = [
  defineTool({
    name: 'reservation_create',
    title: 'Reserve files',
    description:
      'Reserve paths before editing; overlapping reservations of others conflict (the error names the holder) and their edits there are refused. Repeat to renew.',
    input: CreateReservations,
    annotations: IDEMPOTENT_WRITE,
    run: (ctx, args) => createReservations(ctx, args),
    text: (r: CreatedReservations, ctx) => {
      const phrases = r.reservations.map((x) => reservationPhrase(x, ctx.now()));
      const tied = r.reservations.some((x) => x.task);
      const effect = r.reservations.some((x) => x.exclusive)
        ? "Until it ends, others' overlapping reservations conflict and their guarded edits are refused"
        : 'Shared: others may reserve these shared too';
      return `${r.renewed.length === r.reservations.length ? 'Renewed' : 'Reserved'} ${phrases.join('; ')}. ${effect}; any call of yours renews it. Next: edit; then reservation_release {paths}${tied ? ' (or it ends with its task)' : ''}.`;
    },
  }),
  defineTool({
    name: 'reservation_list',
    title: 'List reservations',
    description: "The team's file reservations; path: those covering a file.",
    input: ListReservations,
    annotations: READ_ONLY,
    run: (ctx, args) => listReservations(ctx, args),
    text: (r: { reservations: Reservation[] }, ctx) =>
      r.reservations.length
        ? `Reservations (reasons are the holders' words):\n${r.reservations.map((x) => `- ${reservationLine(x, ctx.now())}`).join('\n')}\nAsk a holder (teammate_send_message) before editing what they hold exclusively.`
        : 'No reservations. Next: reservation_create {paths} before you edit.',
  }),
  defineTool({
    name: 'reservation_release',
    title: 'Release reservations',
    description: 'Release your reservations by path (as reserved) or id.',
    input: ReleaseReservations,
    annotations: WRITE,
    run: (ctx, args) => releaseReservations(ctx, args),
    text: (r: ReleasedReservations) =>
      [
        r.released.length
          ? `Released ${r.released.map((x) => x.pattern).join(', ')}: teammates may reserve and edit them now.`
          : 'Nothing released.',
        r.notHeld.length
          ? `You held none of: ${r.notHeld.join(', ')} (reservation_list {mine: true} shows yours).`
          : null,
      ]
        .filter(Boolean)
        .join(' '),
  }),
];
