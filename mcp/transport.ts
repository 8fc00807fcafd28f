/**
 * The SDK's web-standard Streamable HTTP server transport, answering each POST in the form it
 * needs: a plain `application/json` body for requests that stream nothing (a tool call that
 * reports no progress, a ping, tools/list), an SSE stream for the rest (the waiting tool, any
 * call with a progress token). The spec lets the server pick either per request; JSON skips
 * building a web stream, a priming event and an event-store entry per call (about a third of a
 * small call's server CPU). Pushes keep going out on the session's GET stream as before.
 */
import {
  WebStandardStreamableHTTPServerTransport,
  type WebStandardStreamableHTTPServerTransportOptions,
} from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';

/** Tools whose calls stream (progress while they wait), answered over SSE even without a progress token. */
const STREAMING_TOOLS = new Set(['teammate_wait_for_messages']);

/** The SDK's internal request and stream bookkeeping that the mode switch reads (TypeScript-private, not #private). */
interface Internals {
  _enableJsonResponse: boolean;
  _requestToStreamMapping: Map<RequestId, string>;
  _streamMapping: Map<string, { resolveJson?: unknown }>;
}

/** Whether a POSTed JSON-RPC body (one message or a batch) can be answered as plain JSON. */
export function streamsNothing(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.every((m) => {
    if (typeof m !== 'object' || m === null) return false;
    const { method, params } = m as {
      method?: unknown;
      params?: { name?: unknown; _meta?: { progressToken?: unknown } };
    };
    if (method === 'initialize') return false;
    if (params?._meta?.progressToken !== undefined) return false;
    return !(method === 'tools/call' && STREAMING_TOOLS.has(String(params?.name)));
  });
}

export class SessionTransport extends WebStandardStreamableHTTPServerTransport {
  constructor(options: WebStandardStreamableHTTPServerTransportOptions) {
    super({ ...options, enableJsonResponse: false });
  }

  private get internals(): Internals {
    return this as unknown as Internals;
  }

  /**
   * Handles a request; a POST of `body` (already parsed) is answered as JSON when it streams
   * nothing. The SDK reads its mode synchronously on the way to opening the response, so
   * setting it just before is safe with concurrent requests; `send` sets it per response.
   */
  handle(req: Request, posted: { parsedBody: unknown } | undefined): Promise<Response> {
    this.internals._enableJsonResponse =
      req.method === 'POST' && posted !== undefined && streamsNothing(posted.parsedBody);
    return this.handleRequest(req, posted);
  }

  /** Sends in the mode of the request's own response (a JSON body, or its SSE stream). */
  override send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const requestId =
      'id' in message && ('result' in message || 'error' in message) ? message.id : options?.relatedRequestId;
    if (requestId !== undefined) {
      const streamId = this.internals._requestToStreamMapping.get(requestId);
      const stream = streamId === undefined ? undefined : this.internals._streamMapping.get(streamId);
      this.internals._enableJsonResponse = stream?.resolveJson !== undefined;
    }
    return super.send(message, options);
  }
}
