/** The task page's action forms: comment, delegate, release, cancel. */
import type { FC } from 'hono/jsx';
import { Csrf, FormStatus, teamUrl } from './common.js';

/** The actions a person can take on a task, each posting to the same operation as its MCP tool. */
export const TaskActions: FC<{ team: string; number: number; csrf: string; agents: string[] }> = ({
  team,
  number,
  csrf,
  agents,
}) => {
  const base = teamUrl(team, `/tasks/${number}`);
  const form = (path: string, body: unknown, cls: string) => (
    <form
      class={cls}
      method="post"
      action={`${base}/${path}`}
      hx-post={`${base}/${path}`}
      hx-target="find .form-status"
      data-reset
    >
      <Csrf token={csrf} />
      {body}
      <FormStatus />
    </form>
  );
  return (
    <aside class="actions">
      {form(
        'comment',
        <>
          <label>
            Comment in the thread <textarea name="message" rows={4} required placeholder="Markdown" />
          </label>
          <button type="submit">Comment</button>
        </>,
        'comment',
      )}
      {form(
        'delegate',
        <>
          <label>
            Assign / delegate to{' '}
            <select name="to" required>
              <option value="">choose a teammate</option>
              {agents.map((a) => (
                <option value={a}>{a}</option>
              ))}
            </select>
          </label>
          <input name="note" placeholder="note (optional)" />
          <button type="submit">Delegate</button>
        </>,
        'delegate',
      )}
      {form(
        'release',
        <>
          <input name="note" placeholder="why (optional)" />
          <button type="submit">Release claim</button>
        </>,
        'release',
      )}
      {form(
        'cancel',
        <>
          <input name="reason" placeholder="reason (optional)" />
          <button type="submit" class="danger">
            Cancel task
          </button>
        </>,
        'cancel',
      )}
    </aside>
  );
};
