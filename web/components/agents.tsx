/** The agents roster: presence, kind and role, summary, tasks held, file reservations, reviews waiting, unread, reach and live sessions. */
import type { FC } from 'hono/jsx';
import type { RosterEntry } from '../../server/ops/board.js';
import type { Teammate } from '../../server/ops/presence.js';
import { PUSH_PAUSED } from '../../server/text-format.js';
import { Ago, Badge, teamUrl } from './common.js';
import { ReservationList } from './reservations.js';

const REACH: Record<Teammate['reachable'], string> = {
  push: 'push: messages arrive on its live session',
  wait: 'wait: gets messages while waiting for them',
  poll: 'poll: sees messages when it next checks',
};

export const RosterPanel: FC<{ team: string; rows: RosterEntry[]; now: number }> = ({ team, rows, now }) => (
  <section
    id="roster"
    class="panel"
    hx-get={teamUrl(team, '/agents')}
    hx-trigger="sse:agent, sse:task, sse:review, sse:message, sb-refresh from:body"
    hx-swap="outerHTML"
  >
    {rows.length === 0 ? (
      <p class="empty">Nobody has joined this team yet.</p>
    ) : (
      <table class="roster">
        <thead>
          <tr>
            <th>Teammate</th>
            <th>Presence</th>
            <th>Kind / role</th>
            <th>Doing</th>
            <th>Holds</th>
            <th>Reserved files</th>
            <th>Reviews</th>
            <th>Unread</th>
            <th>Reach</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((a) => (
            <tr class={`presence-${a.presence}`} id={`agent-${a.name}`}>
              <td>
                <strong>{a.name}</strong>
                <br />
                <a class="small" href={teamUrl(team, `/threads?to=${encodeURIComponent(a.name)}`)}>
                  message
                </a>
              </td>
              <td>
                <span class={`presence ${a.presence}`}>{a.presence}</span>
                <br />
                <span class="small">
                  seen <Ago at={a.lastSeenAt} now={now} />
                </span>
              </td>
              <td>
                <Badge kind={a.kind} />
                {a.role && <span class="role"> {a.role}</span>}
              </td>
              <td class="summary">
                {a.summary ?? <span class="muted">—</span>}
                {a.branch && <span class="small"> ({a.branch})</span>}
              </td>
              <td>
                {a.held.length === 0 ? (
                  <span class="muted">0</span>
                ) : (
                  a.held.map((t) => (
                    <>
                      <a href={teamUrl(team, `/tasks/${t.number}`)} title={t.title}>
                        #{t.number}
                      </a>{' '}
                    </>
                  ))
                )}
              </td>
              <td class="reserved">
                <ReservationList team={team} list={a.reserved} now={now} />
              </td>
              <td>{a.pendingReviews}</td>
              <td>{a.unread}</td>
              <td title={REACH[a.reachable]}>
                {a.reachable}
                {a.pushPaused && (
                  <>
                    <br />
                    <span class="small push-paused" title="its event stream is not read: mail waits in its inbox">
                      {PUSH_PAUSED}
                    </span>
                  </>
                )}
                {a.sessions > 0 && (
                  <>
                    <br />
                    <span class="small">
                      {a.sessions} session{a.sessions === 1 ? '' : 's'}
                      {a.clients.length > 0 && ` (${a.clients.join(', ')})`}
                    </span>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </section>
);
