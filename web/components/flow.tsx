/**
 * The flow page: how work moved through the team over the last days, drawn on the server
 * (web/charts.ts) with every chart's numbers beside it in a table, and the task page's life
 * line. The panel re-fetches itself when tasks, reviews or mail change.
 */
import type { FC } from 'hono/jsx';
import type { FlowReport } from '../../server/ops/flow.js';
import type { UnreadReport } from '../../server/ops/flow-mail.js';
import type { TaskPhase } from '../../server/ops/task-phases.js';
import { renderChart } from '../charts.js';
import { teamUrl } from './common.js';
import {
  countsOption,
  cycleOption,
  donePerDayOption,
  hours,
  MAX_UNREAD_LINES,
  phaseLabel,
  phasesOption,
  ROW_PX,
  timelineOption,
  unreadOption,
} from './flow-charts.js';

const WIDTH = 960;
/** The day choices offered above the charts. */
export const DAY_CHOICES = [7, 14, 30, 90];

/** A chart with its title, a sentence with its main numbers (also its accessible name) and a table. */
const Chart: FC<{ id: string; title: string; summary: string; svg: string; children?: unknown }> = (p) => (
  <figure class="chart" id={p.id}>
    <figcaption>
      <h2>{p.title}</h2>
      <p class="muted">{p.summary}</p>
    </figcaption>
    <div
      class="chart-svg"
      role="img"
      aria-label={`${p.title}. ${p.summary}`}
      dangerouslySetInnerHTML={{ __html: p.svg }}
    />
    <details>
      <summary>The numbers</summary>
      {p.children as never}
    </details>
  </figure>
);

const at = (iso: string) => `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;

export const FlowPanel: FC<{ team: string; flow: FlowReport; mail: UnreadReport }> = ({ team, flow: f, mail }) => {
  const url = teamUrl(team, `/flow?days=${f.days}`);
  const totalDone = f.donePerDay.reduce((a, d) => a + d.count, 0);
  const now = f.counts[f.counts.length - 1];
  const busiest = f.donePerDay.reduce((a, d) => (d.count > a.count ? d : a), { day: '', count: 0 });
  const topUnread = [...mail.agents].sort((a, b) => b.peak - a.peak).slice(0, 3);
  // Daily samples for the counts table: each day's first point, then now.
  const perDay = Math.round(86_400_000 / f.stepMs);
  const countRows = f.counts.filter((_, i) => i % perDay === 0 || i === f.counts.length - 1);
  const unreadRows = mail.at
    .map((t, i) => [t, i] as const)
    .filter(([, i]) => i % perDay === 0 || i === mail.at.length - 1);
  return (
    <section id="flow" class="flow" hx-get={url} hx-trigger="sse:flow, sb-refresh from:body" hx-swap="outerHTML">
      <p class="muted as-of">
        From {f.from.slice(0, 10)} to {at(f.to)} UTC.
      </p>
      <Chart
        id="chart-done"
        title="Done per day"
        summary={`${totalDone} tasks done in ${f.days} days${busiest.count ? `; most on ${busiest.day} (${busiest.count})` : ''}.`}
        svg={renderChart(donePerDayOption(f), WIDTH, 220)}
      >
        <table class="numbers" data-chart="done">
          <thead>
            <tr>
              <th>Day (UTC)</th>
              <th>Done</th>
            </tr>
          </thead>
          <tbody>
            {f.donePerDay.map((d) => (
              <tr>
                <td>{d.day}</td>
                <td>{d.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Chart>

      <Chart
        id="chart-cycle"
        title="Cycle time, first claim to done"
        summary={
          f.cycle.count
            ? `Median ${hours(f.cycle.medianMs ?? 0)} over ${f.cycle.count} tasks${f.cycle.count > f.cycle.tasks.length ? ` (the latest ${f.cycle.tasks.length} drawn)` : ''}.`
            : 'No task was done in the window.'
        }
        svg={renderChart(cycleOption(f), WIDTH, 240)}
      >
        <table class="numbers" data-chart="cycle">
          <thead>
            <tr>
              <th>Task</th>
              <th>Claimed</th>
              <th>Done</th>
              <th>Cycle time</th>
            </tr>
          </thead>
          <tbody>
            {[...f.cycle.tasks]
              .reverse()
              .slice(0, 50)
              .map((t) => (
                <tr>
                  <td>
                    <a href={teamUrl(team, `/tasks/${t.number}`)}>#{t.number}</a>
                  </td>
                  <td>{at(t.claimedAt)}</td>
                  <td>{at(t.doneAt)}</td>
                  <td>{hours(t.ms)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </Chart>

      <Chart
        id="chart-counts"
        title="Open, in progress and in review over time"
        summary={now ? `Now ${now.open} open, ${now.inProgress} in progress, ${now.inReview} in review.` : ''}
        svg={renderChart(countsOption(f), WIDTH, 240)}
      >
        <table class="numbers" data-chart="counts">
          <thead>
            <tr>
              <th>Time (UTC)</th>
              <th>Open</th>
              <th>In progress</th>
              <th>In review</th>
            </tr>
          </thead>
          <tbody>
            {countRows.map((c) => (
              <tr>
                <td>{at(c.at)}</td>
                <td>{c.open}</td>
                <td>{c.inProgress}</td>
                <td>{c.inReview}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Chart>

      <Chart
        id="chart-agents"
        title="Who held what"
        summary={
          f.agents.length
            ? `${f.agents.length} teammates held or reviewed tasks since ${at(f.timelineFrom)}. Solid: working on a task; pale with a border: waiting on its review ("wait"); dark: reviewing ("rev"); dashed line: idle.`
            : 'Nobody held or reviewed a task in the window.'
        }
        svg={renderChart(timelineOption(f, WIDTH), WIDTH, Math.max(1, f.agents.length) * ROW_PX + 40)}
      >
        <table class="numbers" data-chart="agents">
          <thead>
            <tr>
              <th>Teammate</th>
              <th>Working</th>
              <th>Waiting on review</th>
              <th>Reviewing</th>
              <th>Idle</th>
              <th>Claims</th>
              <th>Hand-offs taken</th>
              <th>Reviews given</th>
            </tr>
          </thead>
          <tbody>
            {f.agents.map((a) => (
              <tr>
                <td>{a.agent}</td>
                <td>{hours(a.totals.working)}</td>
                <td>{hours(a.totals.in_review)}</td>
                <td>{hours(a.totals.reviewing)}</td>
                <td>{hours(a.totals.idle)}</td>
                <td>{a.claims}</td>
                <td>{a.handoffs}</td>
                <td>{a.reviews}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Chart>

      <Chart
        id="chart-unread"
        title="Unread mail per teammate"
        summary={
          topUnread.length
            ? `Highest backlogs: ${topUnread.map((a) => `${a.agent} ${a.peak} (now ${a.unread[a.unread.length - 1]})`).join(', ')}.${mail.agents.length > MAX_UNREAD_LINES ? ` The ${MAX_UNREAD_LINES} highest are drawn.` : ''}`
            : 'No unread mail in the window.'
        }
        svg={renderChart(unreadOption(mail, f.from, f.to), WIDTH, 220)}
      >
        <table class="numbers" data-chart="unread">
          <thead>
            <tr>
              <th>Teammate</th>
              <th>Most unread</th>
              <th>Unread now</th>
              {unreadRows.map(([t]) => (
                <th>{at(t)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {mail.agents.map((a) => (
              <tr>
                <td>{a.agent}</td>
                <td>{a.peak}</td>
                <td>{a.unread[a.unread.length - 1]}</td>
                {unreadRows.map(([, i]) => (
                  <td>{a.unread[i]}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </Chart>
    </section>
  );
};

/** The days choice above the flow charts. */
export const FlowDays: FC<{ team: string; days: number }> = ({ team, days }) => (
  <nav class="flow-days" aria-label="Window">
    Last{' '}
    {DAY_CHOICES.map((d) =>
      d === days ? (
        <strong aria-current="page">{d} days</strong>
      ) : (
        <a href={teamUrl(team, `/flow?days=${d}`)}>{d} days</a>
      ),
    )}
  </nav>
);

/** The task page's life line: its phases drawn on one row, then listed with who and how long. */
export const TaskLife: FC<{ phases: TaskPhase[]; now: number }> = ({ phases, now }) => (
  <section class="life" id="task-life">
    <h2>Life</h2>
    <div
      class="chart-svg"
      role="img"
      aria-label={`Phases: ${phases.map(phaseLabel).join(', ')}`}
      dangerouslySetInnerHTML={{ __html: renderChart(phasesOption(phases, now), 760, 64) }}
    />
    <ol class="phases">
      {phases.map((p) => (
        <li data-state={p.state}>
          <strong>{p.state.replace('_', ' ')}</strong>
          {p.who && <> · {p.who}</>} · {p.why} · {at(p.start)}
          {p.end === null ? <> · for {hours(p.ms)} so far</> : p.ms > 0 ? <> · {hours(p.ms)}</> : null}
        </li>
      ))}
    </ol>
  </section>
);
