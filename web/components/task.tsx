/** The task page: details, dependencies, file reservations, hand-off notes, reviews, the thread and the timeline. */
import type { FC } from 'hono/jsx';
import type { TaskEvent, TaskSummary } from '../../server/ops/model.js';
import { taskPhases } from '../../server/ops/task-phases.js';
import type { TaskDetail } from '../../server/ops/tasks.js';
import { planText } from '../../server/text-format.js';
import { Ago, Badge, duration, Labels, Markdown, teamUrl } from './common.js';
import { TaskLife } from './flow.js';
import { ReservationList } from './reservations.js';
import { ReviewView } from './reviews.js';
import { MessageView } from './threads.js';

const TaskLink: FC<{ team: string; t: TaskSummary }> = ({ team, t }) => (
  <a href={teamUrl(team, `/tasks/${t.number}`)}>
    #{t.number} {t.title}
  </a>
);

const TaskList: FC<{ team: string; tasks: TaskSummary[]; empty: string }> = ({ team, tasks, empty }) =>
  tasks.length === 0 ? (
    <p class="muted">{empty}</p>
  ) : (
    <ul class="tasklist">
      {tasks.map((t) => (
        <li>
          <TaskLink team={team} t={t} /> <Badge kind={t.status} />
        </li>
      ))}
    </ul>
  );

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);

/** A task event in words; the data it carries shown as text. */
export function eventWords(e: TaskEvent): string {
  const d = e.data;
  switch (e.type) {
    case 'created':
      return `created the task${d.assignee ? ` for ${str(d.assignee)}` : ''}`;
    case 'claimed':
      return 'claimed it';
    case 'released':
      return `released it${d.note ? `: ${str(d.note)}` : ''}`;
    case 'lease_expired':
      return `lease ran out${d.previousOwner ? ` (was held by ${str(d.previousOwner)})` : ''}; open again`;
    case 'delegated':
      return `delegated it to ${str(d.to)}${d.note ? `: ${str(d.note)}` : ''}`;
    case 'handoff_offered':
      return `offered a hand-off to ${str(d.to)}`;
    case 'handoff_accepted':
      return `accepted the hand-off${d.from ? ` from ${str(d.from)}` : ''}`;
    case 'handoff_declined':
      return `declined the hand-off${d.note ? `: ${str(d.note)}` : ''}`;
    case 'status_changed':
      return `${str(d.from)} → ${str(d.to)}${d.reason ? ` (${str(d.reason)})` : ''}`;
    case 'review_requested':
      return d.kind === 'plan'
        ? `asked ${str(d.reviewer) ?? 'anyone'} to approve a plan`
        : `asked ${str(d.reviewer) ?? 'anyone'} for a review`;
    case 'review_submitted':
      if (d.kind === 'plan') return d.verdict === 'approved' ? 'approved the plan' : 'requested changes to the plan';
      return `${d.verdict === 'approved' ? 'approved' : 'requested changes'} (review)`;
    case 'review_reassigned':
      return `passed the review to ${str(d.to)}`;
    case 'commented':
      return 'commented';
    case 'progress':
      return `progress: ${str(d.note) ?? ''}`;
    case 'updated':
      return `updated ${Array.isArray(d.fields) ? d.fields.join(', ') : 'the task'}`;
    case 'unblocked':
      return `is ready: #${str(d.byNumber)} finished`;
    default:
      return `${e.type.replace(/_/g, ' ')} ${Object.keys(d).length ? JSON.stringify(d) : ''}`;
  }
}

/** The live part of the task page; re-fetches itself when the task, its reviews or its thread change. */
export const TaskPanel: FC<{ team: string; d: TaskDetail; now: number; csrf: string }> = ({ team, d, now, csrf }) => {
  const t = d.task;
  const url = teamUrl(team, `/tasks/${t.number}`);
  const handoffNotes = d.events.filter((e) => e.type === 'handoff_offered' && typeof e.data.note === 'string');
  return (
    <section
      id="task"
      class="task"
      hx-get={url}
      hx-trigger={`sse:task-${t.id}, sse:thread-${t.threadId}, sb-refresh from:body`}
      hx-swap="outerHTML"
    >
      <header class="task-head">
        <h1>
          <span class="num">#{t.number}</span> {t.title}
        </h1>
        <div class="facts">
          <Badge kind={t.status} />
          {t.blocked && <Badge kind="blocked" />}
          {t.plan && t.status === 'in_progress' && <Badge kind={t.plan}>{planText(t.plan)}</Badge>}
          <Badge kind={t.priority}>{t.priority} priority</Badge>
          <Labels labels={t.labels} />
        </div>
        <dl class="facts">
          <dt>Created by</dt>
          <dd>
            {t.creator} <Ago at={t.createdAt} now={now} />
          </dd>
          <dt>Owner</dt>
          <dd>
            {t.owner ?? <span class="muted">nobody</span>}
            {t.claimedAt && t.status === 'in_progress' && (
              <>
                {' '}
                · held {duration(now - Date.parse(t.claimedAt))}
                {t.leaseExpiresAt && <> · lease ends in {duration(Date.parse(t.leaseExpiresAt) - now)}</>}
              </>
            )}
          </dd>
          <dt>Assignee</dt>
          <dd>{t.assignee ?? <span class="muted">anyone may claim</span>}</dd>
          <dt>Updated</dt>
          <dd>
            <Ago at={t.updatedAt} now={now} />
          </dd>
        </dl>
      </header>

      <section class="description">
        <h2>Description</h2>
        {t.description ? <Markdown source={t.description} /> : <p class="muted">No description.</p>}
        {t.result && (
          <>
            <h3>Result</h3>
            <Markdown source={t.result} />
          </>
        )}
      </section>

      <section class="deps">
        <div>
          <h2>Depends on</h2>
          <TaskList team={team} tasks={t.dependsOn} empty="No dependencies." />
          {t.blocked && (
            <p class="blockers">
              Blocked by {t.blockedBy.map((b) => `#${b.number}`).join(', ')}: it cannot be claimed or completed yet.
            </p>
          )}
        </div>
        <div>
          <h2>Dependents</h2>
          <TaskList team={team} tasks={d.dependents} empty="Nothing waits on this task." />
        </div>
      </section>

      <section class="task-reservations">
        <h2>Reserved files</h2>
        {d.reservations.length === 0 ? (
          <p class="muted">No files are reserved for this task.</p>
        ) : (
          <ReservationList team={team} list={d.reservations} now={now} holder={true} />
        )}
      </section>

      {(t.handoff || handoffNotes.length > 0) && (
        <section class="handoffs">
          <h2>Hand-off notes</h2>
          {t.handoff && (
            <p class="handoff">
              Pending: offered to <strong>{t.handoff.to}</strong> <Ago at={t.handoff.at} now={now} />
            </p>
          )}
          {handoffNotes.map((e) => (
            <article class="note">
              <header>
                <strong>{e.actor ?? 'system'}</strong> → {str(e.data.to)} <Ago at={e.createdAt} now={now} />
              </header>
              <Markdown source={String(e.data.note)} />
            </article>
          ))}
        </section>
      )}

      <section class="reviews">
        <h2>Reviews</h2>
        {d.reviews.length === 0 && <p class="muted">No reviews yet.</p>}
        {d.reviews.map((r) => (
          <ReviewView team={team} r={r} now={now} csrf={csrf} canAct={true} />
        ))}
      </section>

      <section class="thread">
        <h2>Thread</h2>
        {d.thread.length === 0 && <p class="muted">No messages yet.</p>}
        {d.thread.map((m) => (
          <MessageView m={m} now={now} />
        ))}
      </section>

      <TaskLife phases={taskPhases(d.events, now)} now={now} />

      <section class="timeline">
        <h2>Timeline</h2>
        <ol>
          {d.events.map((e) => (
            <li>
              <Ago at={e.createdAt} now={now} /> <strong>{e.actor ?? 'system'}</strong> {eventWords(e)}
            </li>
          ))}
        </ol>
      </section>
    </section>
  );
};
