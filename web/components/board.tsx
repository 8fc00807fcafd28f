/** The team board: filters, the new-task form and the columns of cards. */
import type { FC } from 'hono/jsx';
import type { Board, BoardCard, BoardColumn, BoardFilter } from '../../server/ops/board-columns.js';
import { planText } from '../../server/text-format.js';
import { Ago, Badge, Csrf, duration, FormStatus, Labels, teamUrl } from './common.js';

/** Query string for a board filter (defaults left out), with overrides. */
export function boardQuery(f: BoardFilter, over: Partial<BoardFilter> = {}): string {
  const q = { ...f, ...over };
  const params = new URLSearchParams();
  if (q.agent) params.set('agent', q.agent);
  if (q.label) params.set('label', q.label);
  if (q.text) params.set('text', q.text);
  if (q.limit !== 50) params.set('limit', String(q.limit));
  if (q.doneOffset) params.set('done', String(q.doneOffset));
  const s = params.toString();
  return s ? `?${s}` : '';
}

export const Card: FC<{ team: string; card: BoardCard; now: number }> = ({ team, card: t, now }) => {
  const href = teamUrl(team, `/tasks/${t.number}`);
  const blocked = t.blocked;
  return (
    <article class={`card prio-${t.priority}${blocked ? ' is-blocked' : ''}`} id={`card-${t.number}`}>
      <header>
        <a href={href} class="num">
          #{t.number}
        </a>
        {t.priority !== 'normal' && <Badge kind={t.priority} />}
        {(t.status === 'failed' || t.status === 'cancelled') && <Badge kind={t.status} />}
        {blocked && <Badge kind="blocked" />}
        <span class="msgs" title="messages in the thread">
          {t.messageCount} {t.messageCount === 1 ? 'msg' : 'msgs'}
        </span>
      </header>
      <h3>
        <a href={href}>{t.title}</a>
      </h3>
      <Labels labels={t.labels} />
      <p class="who">
        {t.owner ? (
          <>
            owner <strong>{t.owner}</strong>
          </>
        ) : t.assignee ? (
          <>
            for <strong>{t.assignee}</strong>
          </>
        ) : (
          <span class="muted">unclaimed</span>
        )}
        {t.owner && t.assignee && t.assignee !== t.owner && <> · for {t.assignee}</>}
      </p>
      {t.claimedAt && t.status === 'in_progress' && (
        <p class="lease">
          held {duration(now - Date.parse(t.claimedAt))}
          {t.ownerLastSeenAt && (
            <>
              {' '}
              · active <Ago at={t.ownerLastSeenAt} now={now} />
            </>
          )}
        </p>
      )}
      {t.handoff && (
        <p class="handoff">
          hand-off to <strong>{t.handoff.to}</strong> pending
        </p>
      )}
      {t.plan && t.status === 'in_progress' && (
        <p class="card-plan">
          <Badge kind={t.plan}>{planText(t.plan)}</Badge>
        </p>
      )}
      {t.review && (
        <p class="card-review">
          review <Badge kind={t.review.status} />
          {t.review.reviewer
            ? ` by ${t.review.reviewer}`
            : t.review.reviewerRole
              ? ` by role:${t.review.reviewerRole}`
              : ' by anyone'}
        </p>
      )}
      {blocked && (
        <p class="blockers">
          blocked by{' '}
          {t.blockedBy.map((b, i) => (
            <>
              {i > 0 && ', '}
              <a href={teamUrl(team, `/tasks/${b.number}`)} title={b.title}>
                #{b.number}
              </a>
            </>
          ))}
        </p>
      )}
    </article>
  );
};

const Column: FC<{ team: string; col: BoardColumn; filter: BoardFilter; now: number }> = ({
  team,
  col,
  filter,
  now,
}) => {
  const more = (over: Partial<BoardFilter>, label: string) => {
    const url = teamUrl(team, boardQuery(filter, over));
    return (
      <a href={url} hx-get={url} hx-target="#columns" hx-swap="outerHTML" hx-push-url="true" class="more">
        {label}
      </a>
    );
  };
  return (
    <section class={`column col-${col.key}`} aria-label={col.title}>
      <h2>
        {col.title} <span class="count">{col.total}</span>
      </h2>
      <div class="cards">
        {col.cards.length === 0 && <p class="empty">Nothing here.</p>}
        {col.cards.map((card) => (
          <Card team={team} card={card} now={now} />
        ))}
      </div>
      {col.key === 'done' ? (
        <nav class="pager">
          {col.offset > 0 && more({ doneOffset: Math.max(0, col.offset - filter.doneLimit) }, '← newer')}
          {col.nextOffset !== null && more({ doneOffset: col.nextOffset }, 'older →')}
        </nav>
      ) : (
        col.nextOffset !== null &&
        more(
          { limit: Math.min(500, filter.limit + 50) },
          `show more (${col.total - col.cards.length} not shown${filter.limit >= 500 ? '; narrow the filter' : ''})`,
        )
      )}
    </section>
  );
};

/** The live columns panel; re-fetches itself (same filter) when tasks, reviews or threads change. */
export const Columns: FC<{ team: string; board: Board; now: number }> = ({ team, board, now }) => (
  <section
    id="columns"
    class="columns"
    hx-get={teamUrl(team, boardQuery(board.filter))}
    hx-trigger="sse:task, sse:review, sse:message, sb-refresh from:body"
    hx-swap="outerHTML"
  >
    {board.columns.map((col) => (
      <Column team={team} col={col} filter={board.filter} now={now} />
    ))}
  </section>
);

export const BoardFilters: FC<{ team: string; board: Board; agents: string[] }> = ({ team, board, agents }) => {
  const f = board.filter;
  return (
    <form
      class="filters"
      method="get"
      action={teamUrl(team)}
      hx-get={teamUrl(team)}
      hx-target="#columns"
      hx-swap="outerHTML"
      hx-push-url="true"
      hx-trigger="submit, change, input delay:300ms from:find input[name=text]"
    >
      <label>
        Agent{' '}
        <select name="agent">
          <option value="">anyone</option>
          {agents.map((a) => (
            <option value={a} selected={f.agent === a}>
              {a}
            </option>
          ))}
        </select>
      </label>
      <label>
        Label{' '}
        <select name="label">
          <option value="">any</option>
          {board.labels.map((l) => (
            <option value={l} selected={f.label === l}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <label>
        Text <input type="search" name="text" value={f.text ?? ''} placeholder="title or description" />
      </label>
      <button type="submit">Filter</button>
    </form>
  );
};

export const CreateTaskForm: FC<{ team: string; csrf: string; agents: string[] }> = ({ team, csrf, agents }) => (
  <details class="create">
    <summary>New task</summary>
    <form
      method="post"
      action={teamUrl(team, '/tasks')}
      hx-post={teamUrl(team, '/tasks')}
      hx-target="find .form-status"
      data-reset
    >
      <Csrf token={csrf} />
      <label>
        Title <input name="title" required maxlength={500} />
      </label>
      <label>
        Description <textarea name="description" rows={4} placeholder="Markdown" />
      </label>
      <div class="row">
        <label>
          Priority{' '}
          <select name="priority">
            <option value="low">low</option>
            <option value="normal" selected>
              normal
            </option>
            <option value="high">high</option>
            <option value="urgent">urgent</option>
          </select>
        </label>
        <label>
          Labels <input name="labels" placeholder="backend, api" />
        </label>
        <label>
          Assign to{' '}
          <select name="assignee">
            <option value="">nobody (anyone may claim)</option>
            {agents.map((a) => (
              <option value={a}>{a}</option>
            ))}
          </select>
        </label>
        <label>
          Depends on <input name="dependsOn" placeholder="#3, #7" />
        </label>
      </div>
      <button type="submit">Create task</button>
      <FormStatus />
    </form>
  </details>
);
