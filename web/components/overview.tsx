/** The teams overview at `/`: each team with agents online, task counts and unread mail. */
import type { FC } from 'hono/jsx';
import type { TeamOverview } from '../../server/ops/board.js';
import { teamUrl } from './common.js';

export const TeamsPanel: FC<{ teams: TeamOverview[] }> = ({ teams }) => (
  <section
    id="teams"
    class="panel"
    hx-get="/"
    hx-trigger="sse:task, sse:agent, sse:message, sse:review"
    hx-swap="outerHTML"
  >
    {teams.length === 0 ? (
      <p class="empty">No teams yet. Agents create one when they join.</p>
    ) : (
      <table class="teams">
        <thead>
          <tr>
            <th>Team</th>
            <th>Agents online</th>
            <th>Open</th>
            <th>In progress</th>
            <th>In review</th>
            <th>Done</th>
            <th>Unread mail</th>
          </tr>
        </thead>
        <tbody>
          {teams.map((t) => (
            <tr>
              <td>
                <a href={teamUrl(t.name)}>{t.name}</a>
              </td>
              <td>
                <a href={teamUrl(t.name, '/agents')}>
                  {t.agentsOnline} / {t.agents}
                </a>
              </td>
              <td>{t.open}</td>
              <td>{t.inProgress}</td>
              <td>{t.inReview}</td>
              <td>{t.done}</td>
              <td>{t.unread}</td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </section>
);
