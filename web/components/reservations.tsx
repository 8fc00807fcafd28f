/** File reservations as the board shows them: in the roster (per teammate) and on the task page. */
import type { FC } from 'hono/jsx';
import type { Reservation } from '../../server/ops/model.js';
import { duration, teamUrl } from './common.js';

/** One reservation: the glob, exclusive or shared, who (unless the row already says), its task, reason and end. */
export const ReservationItem: FC<{ team: string; r: Reservation; now: number; holder?: boolean }> = ({
  team,
  r,
  now,
  holder,
}) => (
  <li class={`reservation ${r.exclusive ? 'exclusive' : 'shared'}`}>
    <code>{r.pattern}</code> <span class="small">{r.exclusive ? 'exclusive' : 'shared'}</span>
    {holder && <> by {r.holder}</>}
    {r.task && (
      <>
        {' '}
        · <a href={teamUrl(team, `/tasks/${r.task.number}`)}>#{r.task.number}</a>
      </>
    )}
    {r.reason && <span class="muted"> · {r.reason}</span>}{' '}
    <span class="small" title={r.expiresAt}>
      · ends in {duration(Date.parse(r.expiresAt) - now)}
    </span>
  </li>
);

export const ReservationList: FC<{ team: string; list: Reservation[]; now: number; holder?: boolean }> = ({
  team,
  list,
  now,
  holder,
}) =>
  list.length === 0 ? (
    <span class="muted">—</span>
  ) : (
    <ul class="reservations">
      {list.map((r) => (
        <ReservationItem team={team} r={r} now={now} holder={holder ?? false} />
      ))}
    </ul>
  );
