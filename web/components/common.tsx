/** Small pieces shared by the board's pages: times, badges, labels, Markdown, notices, errors. */
import type { Child, FC } from 'hono/jsx';
import type { ErrorCode } from '../../server/errors.js';
import { renderMarkdown } from '../markdown.js';

/** A duration in ms as `45s`, `12m`, `3h`, `2d`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86400) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

/** `5m ago`, with the exact time on hover. */
export const Ago: FC<{ at: string; now: number }> = ({ at, now }) => (
  <time datetime={at} title={at}>
    {duration(now - Date.parse(at))} ago
  </time>
);

/** URL of a page of a team's board. */
export const teamUrl = (team: string, path = '') => `/t/${encodeURIComponent(team)}${path}`;

export const Badge: FC<{ kind: string; children?: Child }> = ({ kind, children }) => (
  <span class={`badge badge-${kind.replace(/[^a-z0-9_-]/gi, '')}`}>{children ?? kind.replace(/_/g, ' ')}</span>
);

export const Labels: FC<{ labels: string[] }> = ({ labels }) =>
  labels.length ? (
    <ul class="labels">
      {labels.map((l) => (
        <li class="label">{l}</li>
      ))}
    </ul>
  ) : null;

/** Untrusted Markdown rendered safely (raw HTML off, unsafe links dropped). */
export const Markdown: FC<{ source: string }> = ({ source }) => (
  <div class="md" dangerouslySetInnerHTML={{ __html: renderMarkdown(source) }} />
);

/** The success line an action form shows. */
export const Notice: FC<{ children?: Child }> = ({ children }) => (
  <p class="notice" role="status">
    {children}
  </p>
);

/** The error fragment every board action and panel shows: the operation's code and message. */
export const ErrorBox: FC<{ code: ErrorCode; message: string }> = ({ code, message }) => (
  <div class="error" role="alert" data-code={code}>
    <strong>{code.replace(/_/g, ' ')}</strong>: {message}
  </div>
);

/** Hidden CSRF field for forms posted without JavaScript (htmx sends the header instead). */
export const Csrf: FC<{ token: string }> = ({ token }) => <input type="hidden" name="_csrf" value={token} />;

/** Where an action form shows its result or error. */
export const FormStatus: FC = () => <output class="form-status" />;
