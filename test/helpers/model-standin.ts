/**
 * A scripted stand-in for the OpenAI Responses API, for driving the real Codex CLI offline.
 *
 * Codex (0.169) sends every model turn as `POST {base_url}/responses` with `stream: true` and
 * the whole conversation in `input`; it reads an SSE stream of `response.created`,
 * `response.output_item.done` (one item) and `response.completed`. The stand-in is stateless:
 * it counts the `function_call_output` items already in `input` and answers with the next
 * scripted tool call, or, when the script is done, with a final assistant message (Codex exec
 * then exits). Tool calls go one per turn, so each recorded output belongs to one call.
 *
 * Codex offers an MCP server's tools as a `namespace` tool named `mcp__<server>` holding plain
 * function tools, and expects the call back as a `function_call` with that `namespace` and the
 * MCP tool's own name. The stand-in reads the name from the `tools` array Codex sent, so a
 * change in how Codex names MCP tools shows up as a clear failure, not a silent miss.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedCall {
  /** MCP server name as configured in Codex (`mcp_servers.<server>`). */
  server: string;
  /** The MCP tool's own name, e.g. `teammate_whoami`. */
  tool: string;
  args?: Record<string, unknown>;
}

export interface RecordedToolOutput {
  tool: string;
  callId: string;
  /**
   * What Codex passed to its model as the tool output, as text. Codex 0.169 sends a string
   * ("Wall time: …\nOutput:\n" then the JSON of structuredContent) or, for a text result,
   * `input_text` items (that header, then each text block); items are joined with newlines.
   */
  output: string;
  /** The `function_call_output.output` value as sent (a string, or content items). */
  raw: unknown;
}

export interface ModelStandIn {
  /** For the provider's `base_url`, e.g. `http://127.0.0.1:PORT/v1`. */
  baseUrl: string;
  /** Every request body Codex sent, in order. */
  requests: ResponsesRequest[];
  /** The tool outputs Codex reported back, in call order. */
  toolOutputs: RecordedToolOutput[];
  /** Anything the stand-in could not serve (unknown path, tool not offered, bad body). */
  problems: string[];
  close: () => Promise<void>;
}

interface ResponsesItem {
  type: string;
  name?: string;
  namespace?: string;
  call_id?: string;
  output?: unknown;
  tools?: ResponsesItem[];
}

export interface ResponsesRequest {
  model?: string;
  stream?: boolean;
  input: ResponsesItem[];
  tools?: ResponsesItem[];
}

/** Names the tool as Codex offered it: `{ namespace, name }` for a namespaced tool, or a flat name. */
function findOfferedTool(tools: ResponsesItem[], call: ScriptedCall): { name: string; namespace?: string } | null {
  const ns = `mcp__${call.server}`;
  for (const t of tools) {
    if (t.type === 'namespace' && t.name === ns && t.tools?.some((f) => f.name === call.tool)) {
      return { namespace: ns, name: call.tool };
    }
    // Older Codex releases flattened MCP tools into one name.
    if (t.type === 'function' && (t.name === `${ns}__${call.tool}` || t.name === `${call.server}__${call.tool}`)) {
      return { name: t.name };
    }
  }
  return null;
}

function describeTools(tools: ResponsesItem[]): string {
  return tools
    .map((t) => (t.type === 'namespace' ? `${t.name}{${(t.tools ?? []).map((f) => f.name).join(',')}}` : t.name))
    .join(' ');
}

/** The text a model reads from a `function_call_output.output`: a string, or input_text items. */
function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) {
    return output
      .map((i: { type?: string; text?: string }) => (i.type === 'input_text' ? (i.text ?? '') : ''))
      .join('\n');
  }
  return JSON.stringify(output);
}

function sendEvents(res: ServerResponse, responseId: string, item: Record<string, unknown>): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (type: string, data: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  event('response.created', { response: { id: responseId } });
  event('response.output_item.done', { output_index: 0, item });
  event('response.completed', {
    response: {
      id: responseId,
      usage: {
        input_tokens: 1,
        input_tokens_details: null,
        output_tokens: 1,
        output_tokens_details: null,
        total_tokens: 2,
      },
    },
  });
  res.end();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/**
 * Starts the stand-in on 127.0.0.1 and a random port. `calls` are made in order, one per model
 * turn; then the model answers `finalText`. If a scripted tool is not among the tools Codex
 * offers, the stand-in records a problem and ends the run with a message naming what was offered.
 */
export async function startModelStandIn(script: { calls: ScriptedCall[]; finalText: string }): Promise<ModelStandIn> {
  const requests: ResponsesRequest[] = [];
  const toolOutputs: RecordedToolOutput[] = [];
  const problems: string[] = [];
  const callIds = new Map<string, string>();
  let turn = 0;

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (req.method !== 'POST' || !req.url?.endsWith('/responses')) {
        problems.push(`unexpected request ${req.method} ${req.url}`);
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'the stand-in serves only POST /v1/responses' } }));
        return;
      }
      let request: ResponsesRequest;
      try {
        request = JSON.parse(body) as ResponsesRequest;
      } catch {
        problems.push('request body is not JSON');
        res.writeHead(400).end();
        return;
      }
      requests.push(request);
      turn += 1;
      const outputs = request.input.filter((i) => i.type === 'function_call_output');
      for (const o of outputs) {
        const callId = o.call_id ?? '';
        if (toolOutputs.some((t) => t.callId === callId)) continue;
        toolOutputs.push({ tool: callIds.get(callId) ?? '?', callId, output: outputText(o.output), raw: o.output });
      }
      const next = script.calls[outputs.length];
      const finalMessage = (text: string) => ({
        type: 'message',
        id: `msg_${turn}`,
        role: 'assistant',
        content: [{ type: 'output_text', text }],
      });
      if (!next) {
        sendEvents(res, `resp_${turn}`, finalMessage(script.finalText));
        return;
      }
      const offered = findOfferedTool(request.tools ?? [], next);
      if (!offered) {
        const text = `Codex did not offer ${next.server}/${next.tool}; tools: ${describeTools(request.tools ?? [])}`;
        problems.push(text);
        sendEvents(res, `resp_${turn}`, finalMessage(text));
        return;
      }
      const callId = `call_${outputs.length + 1}`;
      callIds.set(callId, next.tool);
      sendEvents(res, `resp_${turn}`, {
        type: 'function_call',
        id: `fc_${outputs.length + 1}`,
        call_id: callId,
        ...offered,
        arguments: JSON.stringify(next.args ?? {}),
      });
    })().catch((err: unknown) => {
      problems.push(`stand-in failed: ${String(err)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    toolOutputs,
    problems,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
