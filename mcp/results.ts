/**
 * Maps operation results and errors to MCP `CallToolResult`s: `structuredContent` plus a
 * short self-contained text; a DomainError becomes an `isError` result whose text says what
 * to do; anything else is logged and shown only as "internal error".
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { isDomainError } from '../server/errors.js';

/** The one-line notice appended to every result while the caller has unread mail. */
export function unreadNotice(unread: number): string {
  return `📬 ${unread} unread message${unread === 1 ? '' : 's'} — call teammate_check_messages.`;
}

export function toolResult(structured: unknown, text: string, unread: number): CallToolResult {
  const content =
    typeof structured === 'object' && structured !== null && !Array.isArray(structured)
      ? (structured as Record<string, unknown>)
      : { result: structured };
  const lines = unread > 0 ? `${text}\n\n${unreadNotice(unread)}` : text;
  return {
    content: [{ type: 'text', text: lines }],
    structuredContent: unread > 0 ? { ...content, unread } : content,
  };
}

export function toolError(err: unknown, logger: Logger, tool: string): CallToolResult {
  if (isDomainError(err)) {
    return {
      isError: true,
      content: [{ type: 'text', text: `Error (${err.code}): ${err.message}` }],
      structuredContent: { error: { code: err.code, message: err.message, details: err.details } },
    };
  }
  logger.error({ err, tool }, 'tool failed');
  return {
    isError: true,
    content: [
      { type: 'text', text: 'Error (internal): the server failed on this call; nothing was changed. Try again.' },
    ],
    structuredContent: { error: { code: 'internal', message: 'internal error' } },
  };
}
