/** The board's search: the header box, the search form, and the hits (searchTeam) as a panel. */
import type { Child, FC } from 'hono/jsx';
import type { SearchHit, SearchResult } from '../../server/ops/search.js';
import { Ago, Badge, teamUrl } from './common.js';

/** The header's box: a plain GET to the search page, so it works without JavaScript too. */
export const HeaderSearch: FC<{ team: string }> = ({ team }) => (
  <form class="header-search" method="get" action={teamUrl(team, '/search')}>
    <input type="search" name="q" placeholder="Search" aria-label="Search messages and tasks" maxlength={200} />
  </form>
);

/** The search page's form: htmx swaps in the hits as you type (and the URL follows). */
export const SearchForm: FC<{ team: string; q: string; scope: string }> = ({ team, q, scope }) => {
  const url = teamUrl(team, '/search');
  return (
    <form
      class="search"
      method="get"
      action={url}
      hx-get={url}
      hx-trigger="submit, input delay:350ms"
      hx-target="#search-results"
      hx-swap="outerHTML"
      hx-push-url="true"
    >
      <input type="search" name="q" value={q} placeholder={'words, "a phrase", OR, -word'} maxlength={200} autofocus />
      <select name="in" aria-label="Search in">
        {(['all', 'messages', 'tasks'] as const).map((s) => (
          <option value={s} selected={s === scope}>
            {s}
          </option>
        ))}
      </select>
      <button type="submit">Search</button>
    </form>
  );
};

/** The snippet with its matched words in `<mark>`; every part is escaped text. */
function marked(h: SearchHit): Child[] {
  const parts: Child[] = [];
  let at = 0;
  for (const [s, e] of h.highlights) {
    if (s < at) continue;
    parts.push(h.snippet.slice(at, s), <mark>{h.snippet.slice(s, e)}</mark>);
    at = e;
  }
  parts.push(h.snippet.slice(at));
  return parts;
}

const where = (h: SearchHit) =>
  h.task
    ? `#${h.task.number} ${h.task.title}`
    : h.threadKind === 'direct'
      ? 'direct thread'
      : (h.threadSubject ?? h.subject ?? 'conversation');

/** A hit's link: the task page for a task or a message in a task's thread, else the thread at the message. */
const hitUrl = (team: string, h: SearchHit) =>
  h.kind === 'task' && h.task
    ? teamUrl(team, `/tasks/${h.task.number}`)
    : teamUrl(team, `/threads/${encodeURIComponent(h.threadId)}#m-${h.id}`);

export const SearchResults: FC<{ team: string; q: string; result: SearchResult | null; now: number }> = ({
  team,
  q,
  result,
  now,
}) => (
  <section id="search-results" class="panel search-results" aria-live="polite">
    {result === null && <p class="empty">Type words to find in the team’s messages and tasks.</p>}
    {result !== null && result.hits.length === 0 && <p class="empty">Nothing matches “{q}”.</p>}
    {result !== null && result.hits.length > 0 && (
      <ol class="hits">
        {result.hits.map((h) => (
          <li class={`hit hit-${h.kind}`}>
            <a href={hitUrl(team, h)} class="title">
              {where(h)}
            </a>{' '}
            <Badge kind={h.kind === 'task' ? (h.task?.status ?? 'task') : 'message'} />{' '}
            <span class="from">{h.kind === 'task' ? `created by ${h.from}` : h.from}</span> <Ago at={h.at} now={now} />
            <p class="snippet">{marked(h)}</p>
          </li>
        ))}
      </ol>
    )}
    {result?.more && <p class="more">Showing the best {result.hits.length}; add words to narrow it down.</p>}
  </section>
);
