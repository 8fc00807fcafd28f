/**
 * The one error type operations throw. Each surface maps `code` to its own form:
 * HTTP status + JSON envelope (`server/http-errors.ts`), an MCP `isError` result
 * (`mcp/results.ts`), an HTML error fragment (`web/`).
 */
import type { ZodError } from 'zod';

export type ErrorCode =
  | 'invalid'
  | 'not_found'
  | 'conflict'
  | 'forbidden'
  | 'unauthorized'
  | 'rate_limited'
  | 'too_large'
  | 'unavailable'
  | 'internal';

export class DomainError extends Error {
  readonly code: ErrorCode;
  /** Machine-readable facts about the failure (e.g. `{ holder: 'alice' }`, `{ retryAfterMs: 1200 }`). */
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

/** What `fromZodError` knows of the schema that failed, to say what would have worked. */
export interface InputShape {
  /** The parameters the operation accepts (the keys of its object schema). */
  accepted: readonly string[];
  /** Advice for unknown keys an agent is likely to send, e.g. `{ status: 'use task_complete …' }`. */
  hints?: Readonly<Record<string, string>>;
  /** The input that failed, to tell a missing field from a wrong one. */
  given?: unknown;
}

/**
 * Names agents commonly use for our parameters, in order of preference; a candidate applies
 * only when the failing operation accepts it (`text` is `message` only where there is no `text`).
 */
const COMMON_ALIASES: Record<string, readonly string[]> = {
  id: ['task', 'review', 'thread', 'ids'],
  taskid: ['task'],
  tasknumber: ['task'],
  number: ['task'],
  reviewid: ['review'],
  threadid: ['thread'],
  messageid: ['ids', 'replyTo'],
  body: ['message', 'note', 'description'],
  content: ['message', 'note', 'description'],
  text: ['message', 'note'],
  msg: ['message'],
  comment: ['note', 'message', 'comments'],
  reason: ['note'],
  recipient: ['to'],
  recipients: ['to'],
  assignto: ['assignee', 'to'],
  owner: ['to'],
  desc: ['description'],
  dependencies: ['dependsOn'],
  deps: ['dependsOn'],
  blockedby: ['dependsOn'],
  tags: ['labels', 'label'],
};

/** `task_id`, `taskId` and `Task-Id` all read as `taskid`. */
const squash = (key: string) => key.toLowerCase().replace(/[_\-\s]/g, '');

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (cur[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The accepted parameter an unknown `key` most likely meant, or null. */
export function suggestKey(key: string, accepted: readonly string[]): string | null {
  const k = squash(key);
  const same = accepted.find((a) => squash(a) === k);
  if (same) return same;
  const alias = COMMON_ALIASES[k]?.find((c) => accepted.includes(c));
  if (alias) return alias;
  // A near miss: a typo or a plural (`label` for `labels`), not a different short word.
  let best: string | null = null;
  let bound = k.length < 5 ? 2 : 3;
  for (const a of accepted) {
    const d = editDistance(k, squash(a));
    if (d < bound) {
      best = a;
      bound = d;
    }
  }
  return best;
}

/** The value at `path` in `input`, or undefined. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/**
 * Turns a zod failure into an `invalid` DomainError whose message names each bad field in a
 * line a model can act on. Unknown keys get the accepted key they resemble (or the schema's
 * hint for that key) and the list of accepted parameters; `details` carries the same facts
 * (`issues`, and for unknown keys `unknown`, `suggestions`, `accepted`).
 */
export function fromZodError(err: ZodError, shape?: InputShape): DomainError {
  const accepted = shape?.accepted ?? [];
  const unknown: string[] = [];
  const suggestions: Record<string, string> = {};
  const parts: string[] = [];
  for (const i of err.issues) {
    if (i.code !== 'unrecognized_keys') continue;
    const at = i.path.length ? `${i.path.join('.')}.` : '';
    for (const key of i.keys) {
      unknown.push(`${at}${key}`);
      const hint = i.path.length === 0 ? shape?.hints?.[key] : undefined;
      const like = i.path.length === 0 ? suggestKey(key, accepted) : null;
      if (like) suggestions[key] = like;
      parts.push(`unknown parameter "${at}${key}"${hint ? `: ${hint}` : like ? `: did you mean "${like}"?` : ''}`);
    }
  }
  const meant = new Set(Object.values(suggestions));
  for (const i of err.issues) {
    if (i.code === 'unrecognized_keys') continue;
    const path = i.path.length ? i.path.join('.') : 'input';
    const missing = i.code !== 'custom' && i.path.length > 0 && valueAt(shape?.given, i.path) === undefined;
    // `task_id` given for `task`: the missing `task` is the same mistake, already explained.
    if (missing && i.path.length === 1 && meant.has(String(i.path[0]))) continue;
    parts.push(`${path}: ${missing ? 'required' : i.message}`);
  }
  let text = `invalid input — ${parts.join('; ')}`;
  if (unknown.length && accepted.length) {
    text = `${text}${/[.?!]$/.test(text) ? '' : '.'} Accepted parameters: ${accepted.join(', ')}.`;
  }
  return new DomainError('invalid', text, {
    issues: err.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    ...(unknown.length > 0 && { unknown, suggestions, accepted: [...accepted] }),
  });
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}
