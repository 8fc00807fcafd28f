/**
 * Reviews: one review as the task page shows it, the verdict form, and the review queue
 * (pending reviews, who asked, who reviews, how long each has waited).
 */
import type { FC } from 'hono/jsx';
import type { QueuedReview } from '../../server/ops/board.js';
import type { Review } from '../../server/ops/model.js';
import { Ago, Badge, Csrf, duration, FormStatus, Markdown, teamUrl } from './common.js';

/** One review of a task: status, who asked whom, the verdict, and the verdict form while pending. */
export const ReviewView: FC<{ team: string; r: Review; now: number; csrf: string; canAct: boolean }> = ({
  team,
  r,
  now,
  csrf,
  canAct,
}) => (
  <article class={`review review-${r.status}`} id={`review-${r.id}`}>
    <header>
      {r.kind === 'plan' && <strong class="review-kind">Plan review: </strong>}
      <Badge kind={r.status} /> requested by <strong>{r.requestedBy}</strong> from{' '}
      <strong>{r.reviewer ?? (r.reviewerRole ? `role:${r.reviewerRole}` : 'anyone')}</strong>{' '}
      <Ago at={r.createdAt} now={now} />
      {r.submittedBy && r.submittedAt && (
        <>
          {' '}
          · verdict by <strong>{r.submittedBy}</strong> <Ago at={r.submittedAt} now={now} />
        </>
      )}
    </header>
    {r.note && <Markdown source={r.note} />}
    {r.comments && (
      <div class="comments">
        <h4>Comments</h4>
        <Markdown source={r.comments} />
      </div>
    )}
    {r.status === 'pending' && canAct && <VerdictForm team={team} reviewId={r.id} csrf={csrf} />}
  </article>
);

/** Approve or request changes on a pending review (the same operation as `review_submit`). */
export const VerdictForm: FC<{ team: string; reviewId: string; csrf: string }> = ({ team, reviewId, csrf }) => {
  const url = teamUrl(team, `/reviews/${reviewId}`);
  return (
    <form class="verdict" method="post" action={url} hx-post={url} hx-target="find .form-status">
      <Csrf token={csrf} />
      <textarea
        name="comments"
        rows={2}
        placeholder="Comments (Markdown; needed to request changes)"
        id={`comments-${reviewId}`}
        hx-preserve="true"
      />
      <div class="row">
        <button type="submit" name="verdict" value="approved" class="approve">
          Approve
        </button>
        <button type="submit" name="verdict" value="changes_requested" class="changes">
          Request changes
        </button>
      </div>
      <FormStatus />
    </form>
  );
};

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
          {r.kind === 'plan' && <span class="review-kind"> · plan review (the task stays in progress)</span>}
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
