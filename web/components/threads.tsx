/** The team's threads, newest first; one thread; and the form to message a teammate, a role or everyone. */
import type { FC } from 'hono/jsx';
import type { ThreadListItem } from '../../server/ops/board-threads.js';
import type { ThreadView } from '../../server/ops/messages.js';
import type { Message } from '../../server/ops/model.js';
import { Ago, Badge, Csrf, FormStatus, Markdown, teamUrl } from './common.js';

/** One message of a thread: sender, time, kind, and the body rendered from Markdown. */
export const MessageView: FC<{ m: Message; now: number }> = ({ m, now }) => (
  <article class={`message kind-${m.kind}`} id={`m-${m.id}`}>
    <header>
      <strong class="from">{m.from}</strong>
      {m.to.length > 0 && <span class="to"> → {m.to.join(', ')}</span>}
      {m.kind !== 'message' && <Badge kind={m.kind} />}
      {m.priority !== 'normal' && <Badge kind={m.priority} />}
      {m.subject && <span class="subject">{m.subject}</span>}
      <Ago at={m.createdAt} now={now} />
    </header>
    <Markdown source={m.body} />
  </article>
);

const title = (t: ThreadListItem) =>
  t.task
    ? `#${t.task.number} ${t.task.title}`
    : t.kind === 'direct'
      ? t.members.join(' ↔ ')
      : (t.subject ?? 'conversation');

export const ThreadsPanel: FC<{
  team: string;
  threads: ThreadListItem[];
  nextOffset: number | null;
  offset: number;
  now: number;
}> = ({ team, threads, nextOffset, offset, now }) => {
  const url = teamUrl(team, `/threads${offset ? `?offset=${offset}` : ''}`);
  return (
    <section id="threads" class="panel" hx-get={url} hx-trigger="sse:message, sb-refresh from:body" hx-swap="outerHTML">
      {threads.length === 0 && <p class="empty">No messages yet.</p>}
      <ul class="threads">
        {threads.map((t) => (
          <li class={`thread-item kind-${t.kind}`}>
            <a href={teamUrl(team, `/threads/${t.id}`)} class="title">
              {title(t)}
            </a>{' '}
            <Badge kind={t.kind} /> <span class="count">{t.messageCount} messages</span>{' '}
            <Ago at={t.lastMessageAt} now={now} />
            {t.last && (
              <p class="excerpt">
                <strong>{t.last.from}</strong>: {t.last.excerpt}
              </p>
            )}
          </li>
        ))}
      </ul>
      <nav class="pager">
        {offset > 0 && <a href={teamUrl(team, `/threads?offset=${Math.max(0, offset - 50)}`)}>← newer</a>}
        {nextOffset !== null && <a href={teamUrl(team, `/threads?offset=${nextOffset}`)}>older →</a>}
      </nav>
    </section>
  );
};

/** Message one teammate (`name`), a role (`role:NAME`) or the whole team (`*`): `sendMessage`. */
export const SendForm: FC<{ team: string; csrf: string; agents: string[]; roles: string[]; to?: string }> = ({
  team,
  csrf,
  agents,
  roles,
  to,
}) => (
  <form
    class="send"
    method="post"
    action={teamUrl(team, '/messages')}
    hx-post={teamUrl(team, '/messages')}
    hx-target="find .form-status"
    data-reset
  >
    <Csrf token={csrf} />
    <h2>New message</h2>
    <label>
      To{' '}
      <select name="to" required>
        <option value="*">the whole team</option>
        {roles.map((r) => (
          <option value={`role:${r}`} selected={to === `role:${r}`}>
            role: {r}
          </option>
        ))}
        {agents.map((a) => (
          <option value={a} selected={to === a}>
            {a}
          </option>
        ))}
      </select>
    </label>
    <label>
      Subject <input name="subject" maxlength={200} />
    </label>
    <label>
      Message <textarea name="message" rows={4} required placeholder="Markdown" />
    </label>
    <button type="submit">Send</button>
    <FormStatus />
  </form>
);

export const ThreadPanel: FC<{ team: string; view: ThreadView; now: number }> = ({ team, view, now }) => (
  <section
    id="thread"
    class="thread"
    hx-get={teamUrl(team, `/threads/${view.thread.id}`)}
    hx-trigger={`sse:thread-${view.thread.id}, sb-refresh from:body`}
    hx-swap="outerHTML"
  >
    <h1>
      {view.thread.subject ?? 'Thread'} <Badge kind={view.thread.kind} />
    </h1>
    {view.thread.taskId && (
      <p>
        Task thread: <a href={teamUrl(team, `/tasks/${view.thread.taskId}`)}>open the task</a>
      </p>
    )}
    {view.more && <p class="muted">Older messages are not shown.</p>}
    {view.messages.map((m) => (
      <MessageView m={m} now={now} />
    ))}
  </section>
);

export const ReplyForm: FC<{ team: string; threadId: string; csrf: string }> = ({ team, threadId, csrf }) => {
  const url = teamUrl(team, `/threads/${threadId}/reply`);
  return (
    <form class="reply" method="post" action={url} hx-post={url} hx-target="find .form-status" data-reset>
      <Csrf token={csrf} />
      <label>
        Reply <textarea name="message" rows={3} required placeholder="Markdown" />
      </label>
      <button type="submit">Reply</button>
      <FormStatus />
    </form>
  );
};
