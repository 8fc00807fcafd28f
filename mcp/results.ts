/**
 * Maps operation results and errors to MCP `CallToolResult`s.
 *
 * What a model reads is the designed text, under every rule clients apply (DESIGN.md, What a
 * model sees): some clients show `content`; Claude Code (since 2.0.21) and Codex show
 * `JSON.stringify(structuredContent)` alone when a result has it. So results carry no
 * `structuredContent` (the spec makes it optional where a tool declares no `outputSchema`,
 * and ours declare none): `content` is one text block with the outcome, the next step, the
 * unread notice and teammates' words framed as theirs. Programs that want the operation's
 * result as data read it from `_meta[RESULT_META_KEY]` (errors: `_meta[ERROR_META_KEY]`),
 * which clients do not hand to their models.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { type ErrorCode, isDomainError } from '../server/errors.js';

/** `_meta` key of a successful call's data: the operation's result object. */
export const RESULT_META_KEY = 'switchboard/result';
/** `_meta` key of a failed call's data: `{ code, message, details? }`. */
export const ERROR_META_KEY = 'switchboard/error';

/** The one-line notice appended to every result, success or error, while the caller has unread mail. */
export function unreadNotice(unread: number): string {
  return `📬 ${unread} unread message${unread === 1 ? '' : 's'}: call teammate_check_messages.`;
}

/** Things said around a result's own text: a once-per-session notice first, the unread notice last. */
export interface Framing {
  unread: number;
  notice?: string | undefined;
}

function compose(text: string, { unread, notice }: Framing): string {
  return [notice, text, unread > 0 ? unreadNotice(unread) : null].filter(Boolean).join('\n\n');
}

/** A successful call: the designed text for the model, the data for programs. */
export function toolResult(data: unknown, text: string, framing: Framing): CallToolResult {
  return { content: [{ type: 'text', text: compose(text, framing) }], _meta: { [RESULT_META_KEY]: data } };
}

/**
 * A failed call. A DomainError's message says what went wrong and what to do; anything else
 * is logged and shown only as "internal error" (never a stack or SQL).
 */
export function toolError(err: unknown, logger: Logger, tool: string, framing: Framing): CallToolResult {
  let error: { code: ErrorCode | 'internal'; message: string; details?: unknown };
  let text: string;
  if (isDomainError(err)) {
    error = { code: err.code, message: err.message, ...(err.details !== undefined && { details: err.details }) };
    text = `Error (${err.code}): ${err.message}`;
  } else {
    logger.error({ err, tool }, 'tool failed');
    error = { code: 'internal', message: 'internal error' };
    text = 'Error (internal): the server failed on this call; nothing was changed. Try again.';
  }
  return {
    isError: true,
    content: [{ type: 'text', text: compose(text, framing) }],
    _meta: { [ERROR_META_KEY]: error },
  };
}

/**
 * A tool result's data as a program reads it: the operation's result object, or
 * `{ error: { code, message, details? } }` for a failed call.
 */
// biome-ignore lint/suspicious/noExplicitAny: the shape depends on the tool; callers narrow it
export function resultData(r: { isError?: boolean; _meta?: Record<string, unknown> }): any {
  return r.isError ? { error: r._meta?.[ERROR_META_KEY] } : r._meta?.[RESULT_META_KEY];
}
