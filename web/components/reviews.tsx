/** The review queue: pending reviews, who asked, who reviews, how long each has waited. */
import type { FC } from 'hono/jsx';
import type { QueuedReview } from '../../server/ops/board.js';
import { Ago, duration, Markdown, teamUrl } from './common.js';
import { VerdictForm } from './task.js';

export const ReviewQueue: FC<{ team: string; reviews: QueuedReview[]; now: number; csrf: string }> = ({
  team,
  reviews,
  now,
  csrf,
}) => (
  <section
    id="review-queue"
    class="panel"
    hx-get={teamUrl(team, '/reviews')}
    hx-trigger="sse:review, sse:task, sb-refresh from:body"
    hx-swap="outerHTML"
  >
    {reviews.length === 0 && <p class="empty">No reviews are waiting.</p>}
    {reviews.map((r) => (
      <article class="queued-review" id={`review-${r.id}`}>
        <header>
          <a href={teamUrl(team, `/tasks/${r.task.number}`)}>
            #{r.task.number} {r.task.title}
          </a>
        </header>
        <p>
          <strong>{r.requestedBy}</strong> asked{' '}
          <strong>{r.reviewer ?? (r.reviewerRole ? `role:${r.reviewerRole}` : 'anyone')}</strong>
          {r.owner && r.owner !== r.requestedBy && <> (owner {r.owner})</>} · waiting{' '}
          <span class="wait">{duration(now - Date.parse(r.createdAt))}</span> (since <Ago at={r.createdAt} now={now} />)
        </p>
        {r.note && <Markdown source={r.note} />}
        <VerdictForm team={team} reviewId={r.id} csrf={csrf} />
      </article>
    ))}
  </section>
);
