/**
 * MCP resources: the caller's inbox, `switchboard://inbox`. Clients can read it (unread mail,
 * not marked read) and subscribe to it; `mcp/push.ts` sends `notifications/resources/updated`
 * to subscribed sessions when mail arrives.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  ListResourcesRequestSchema,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { AppDeps } from '../server/deps.js';
import { createCtx } from '../server/ops/context.js';
import { checkMessages } from '../server/ops/messages.js';
import { formatMessage } from '../server/text-format.js';
import type { SessionState } from './session-state.js';

/** The resource clients subscribe to for inbox changes. */
export const INBOX_URI = 'switchboard://inbox';

const INBOX = {
  uri: INBOX_URI,
  name: 'inbox',
  title: 'My inbox',
  description: 'Your unread messages, oldest first (reading does not mark them read). Subscribe to hear of new mail.',
  mimeType: 'text/markdown',
};

/**
 * The error for a URI this server does not serve: JSON-RPC -32002 "Resource not found", with
 * the URI as data (MCP 2025-11-25, server/resources, Error Handling).
 */
function resourceNotFound(uri: string): Error {
  return Object.assign(new Error(`Resource not found: ${uri}; see resources/list`), { code: -32002, data: { uri } });
}

/** The resources capability the server declares. */
export const RESOURCES_CAPABILITY = { subscribe: true, listChanged: false };

/** Registers resources/list, resources/read, resources/subscribe and resources/unsubscribe. */
export function registerResources(server: Server, deps: AppDeps, state: SessionState): void {
  server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: [INBOX] }));

  server.setRequestHandler(ReadResourceRequestSchema, async (req) => {
    if (req.params.uri !== INBOX_URI) throw resourceNotFound(req.params.uri);
    if (!state.actor) {
      return {
        contents: [{ uri: INBOX_URI, mimeType: 'text/markdown', text: 'No identity yet: call teammate_join.' }],
      };
    }
    const inbox = await checkMessages(createCtx(deps, state.actor), { markRead: false, limit: 50 });
    const text = inbox.messages.length
      ? `${inbox.messages.length} unread message(s)${inbox.unread > inbox.messages.length ? ` (${inbox.unread} in all)` : ''}:\n\n${inbox.messages.map(formatMessage).join('\n\n')}`
      : 'No unread messages.';
    return { contents: [{ uri: INBOX_URI, mimeType: 'text/markdown', text }] };
  });

  server.setRequestHandler(SubscribeRequestSchema, async (req) => {
    if (req.params.uri !== INBOX_URI) throw resourceNotFound(req.params.uri);
    state.subscriptions ??= new Set();
    state.subscriptions.add(req.params.uri);
    return {};
  });

  server.setRequestHandler(UnsubscribeRequestSchema, async (req) => {
    state.subscriptions?.delete(req.params.uri);
    return {};
  });
}
