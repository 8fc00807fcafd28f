/**
 * A raw MCP client that opens its session's GET stream (Streamable HTTP) and does not read
 * it: the socket is paused right after the response headers, so the server's writes pile up
 * as a stuck or suspended client would make them. `resume()` starts reading again.
 * Local mode only (the agent is named in the URL).
 */
import { type IncomingMessage, request } from 'node:http';

const HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};

export interface StuckStream {
  sessionId: string;
  /** Bytes read from the stream since `resume()`. */
  bytesRead: () => number;
  /** Starts (or restarts) reading the stream. */
  resume: () => void;
  /** Resolves once `text` has been read from the stream after `resume()`; rejects after `timeoutMs`. */
  waitFor: (text: string, timeoutMs?: number) => Promise<void>;
  /** Closes the stream's socket and ends the session. */
  close: () => Promise<void>;
}

/** Opens an MCP session as `agent` on `url` (`http://host:port`) and a GET stream it never reads. */
export async function openStuckStream(url: string, agent: string): Promise<StuckStream> {
  const endpoint = `${url}/mcp?agent=${encodeURIComponent(agent)}`;
  const init = await fetch(endpoint, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'stuck', version: '1' } },
    }),
  });
  const sessionId = init.headers.get('mcp-session-id');
  await init.text();
  if (!init.ok || !sessionId) throw new Error(`initialize failed: ${init.status}`);
  const initialized = await fetch(endpoint, {
    method: 'POST',
    headers: { ...HEADERS, 'mcp-session-id': sessionId },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await initialized.text();

  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(endpoint, {
      method: 'GET',
      agent: false,
      headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
  // Not reading: once the response's small buffer is full, node stops reading the socket.
  res.pause();
  if (res.statusCode !== 200) throw new Error(`GET stream refused: ${res.statusCode}`);

  let read = 0;
  let tail = '';
  let reading = false;
  const waiters: { text: string; done: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    read += chunk.length;
    const text = tail + chunk.toString('utf8');
    for (const w of [...waiters]) {
      if (text.includes(w.text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.done();
      }
    }
    tail = text.slice(-4096);
  };
  return {
    sessionId,
    bytesRead: () => read,
    resume: () => {
      if (!reading) res.on('data', onData);
      reading = true;
      res.resume();
    },
    waitFor: (text, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`"${text}" not read within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          text,
          done: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
    close: async () => {
      res.destroy();
      await fetch(endpoint, { method: 'DELETE', headers: { ...HEADERS, 'mcp-session-id': sessionId } })
        .then((r) => r.text())
        .catch(() => {});
    },
  };
}
