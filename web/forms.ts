/**
 * Form fields and query parameters turned into operation input. They only pick and trim: the
 * operation's own schema parses the result (STYLE habit 4), so an empty or missing field becomes
 * undefined and the operation's default applies, and a malformed value is passed on for the
 * schema to refuse with its own message.
 */

/** A parsed form body (`c.req.parseBody({ all: true })`): repeated fields come as arrays. */
export type Form = Record<string, string | File | (string | File)[]>;

/** A form field as trimmed text; empty or missing is undefined so operation defaults apply. */
export function field(form: Form, name: string): string | undefined {
  const v = form[name];
  const s = Array.isArray(v) ? v[v.length - 1] : v;
  if (typeof s !== 'string') return undefined;
  const t = s.trim();
  return t === '' ? undefined : t;
}

/** A multi-line body field as typed (only surrounding blank lines trimmed). */
export function body(form: Form, name: string): string | undefined {
  const v = form[name];
  const s = Array.isArray(v) ? v[v.length - 1] : v;
  if (typeof s !== 'string') return undefined;
  const t = s.replace(/^\s*\n|\s+$/g, '');
  return t === '' ? undefined : t;
}

/** A comma- or space-separated list field (`backend, api`, `#3 #7`). */
export function list(form: Form, name: string): string[] | undefined {
  const s = field(form, name);
  return s ? s.split(/[\s,]+/).filter(Boolean) : undefined;
}

/** A number from the query string, or undefined (a malformed one is passed on for the schema to refuse). */
export function queryNumber(v: string | undefined): number | string | undefined {
  if (v === undefined || v === '') return undefined;
  return /^\d+$/.test(v) ? Number(v) : v;
}

/** A same-site path to return to: one leading slash, not followed by another slash or a backslash. */
export const safeNext = (next: string | undefined) => (next && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/');

/** One query parameter by name (`c.req.query`). */
type Query = (name: string) => string | undefined;

/** `boardColumns` input from the board's query string (`agent`, `label`, `text`, `limit`, `done`). */
export const boardFilterInput = (query: Query) => ({
  agent: query('agent') || undefined,
  label: query('label') || undefined,
  text: query('text') || undefined,
  limit: queryNumber(query('limit')),
  doneOffset: queryNumber(query('done')),
});

/** `createTask` input from the new-task form. */
export const createTaskInput = (form: Form) => ({
  title: field(form, 'title'),
  description: body(form, 'description'),
  priority: field(form, 'priority'),
  labels: list(form, 'labels'),
  assignee: field(form, 'assignee'),
  dependsOn: list(form, 'dependsOn'),
});

/** `commentOnTask` input: the task from the path, the comment from the form. */
export const commentInput = (task: string, form: Form) => ({ task, message: body(form, 'message') });

/** `delegateTask` input: the task from the path, whom and why from the form. */
export const delegateInput = (task: string, form: Form) => ({ task, to: field(form, 'to'), note: field(form, 'note') });

/** `releaseTask` input: the task from the path, an optional note from the form. */
export const releaseInput = (task: string, form: Form) => ({ task, note: field(form, 'note') });

/** `cancelTask` input: the task from the path, an optional reason from the form. */
export const cancelInput = (task: string, form: Form) => ({ task, reason: field(form, 'reason') });

/** `submitReview` input: the review from the path, the pressed verdict button and the comments. */
export const verdictInput = (review: string, form: Form) => ({
  review,
  verdict: field(form, 'verdict'),
  comments: body(form, 'comments'),
});

/** `sendMessage` input from the message form: to whom (name, `role:NAME` or `*`), subject, body. */
export const messageInput = (form: Form) => ({
  to: field(form, 'to'),
  subject: field(form, 'subject'),
  message: body(form, 'message'),
});

/** `sendMessage` input for a reply: the thread from the path, the body from the form. */
export const replyInput = (thread: string, form: Form) => ({ thread, message: body(form, 'message') });
