/**
 * The stdio entry point (`switchboard mcp`): for MCP clients that only run local commands,
 * and for Claude Code's channel push, which it documents for stdio servers. The bridge speaks
 * MCP on stdin/stdout and relays every JSON-RPC message, both ways, to the HTTP server's
 * `/mcp` endpoint (tools, resources, progress, and the server's pushes). The agent identity
 * is fixed by flags or environment (`?agent=` in local mode, or a bearer token), never by
 * the client. If no server answers on a loopback URL, it starts one in the background, as
 * peer brokers do; if the server restarts, it opens a new session and carries on.
 * stdout carries only MCP messages; diagnostics go to stderr.
 *
 * It relays messages without reading them, so it speaks the client side of Streamable HTTP
 * (MCP 2025-06-18, "Transports") itself over node:http: POST each message, relay the JSON or
 * SSE reply, hold one GET stream for the server's pushes and resume it with `Last-Event-ID`.
 * The SDK's transports would build every MCP schema and load fetch at each start, about half
 * of the bridge's start-up, and agents start one per session.
 */
import { mkdirSync, openSync } from 'node:fs';
import { type ClientRequest, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packagePath } from '../server/package-root.js';

export interface BridgeOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:7800`. */
  url: string;
  agent?: string;
  team?: string;
  token?: string;
  /** Start a server in the background when none answers on a loopback URL (default true). */
  autoStart?: boolean;
  /** How long to wait for a started server to answer (ms). */
  startTimeoutMs?: number;
  /** Diagnostics (default: stderr). */
  log?: (line: string) => void;
}

export interface Bridge {
  /** Resolves when the client closed stdin and the session was ended. */
  closed: Promise<void>;
  close: () => Promise<void>;
}

/** A JSON-RPC 2.0 message as relayed: a request, a notification or a response. */
interface Message {
  jsonrpc: '2.0';
  id?: string | number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: unknown;
}

const REINIT_ID = 'switchboard-bridge-reinit';
/** Reopening a lost GET stream: attempts before opening a new session, and the first delay (ms). */
const STREAM_RETRIES = 2;
const STREAM_RETRY_MS = 1000;

type Request = (url: URL, opts: RequestOptions, cb: (res: IncomingMessage) => void) => ClientRequest;

/** node:http's or node:https's `request` for `url`. */
async function requestFor(url: URL): Promise<Request> {
  return url.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
}

/** Sends one request; resolves with the response once its headers arrive. Rejects on a network error. */
function open(request: Request, url: URL, opts: RequestOptions, body?: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, opts, resolve);
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end(body);
  });
}

/** The whole body of `res` as text. */
async function textOf(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads server-sent events from `res` until it ends, calling `onEvent` with each event's data
 * and id (SSE, WHATWG HTML "Server-sent events"; lines end in LF, as the server sends them).
 */
async function readEvents(
  res: IncomingMessage,
  onEvent: (data: string, id: string | undefined) => void,
): Promise<void> {
  res.setEncoding('utf8');
  let buffer = '';
  let data: string[] = [];
  let id: string | undefined;
  for await (const chunk of res) {
    buffer += chunk as string;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      if (line === '') {
        if (data.length > 0 || id !== undefined) onEvent(data.join('\n'), id);
        data = [];
        id = undefined;
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(value);
        else if (field === 'id') id = value;
      }
    }
  }
}

/** True when `base` answers `/healthz` within 2 s. */
async function healthy(base: string): Promise<boolean> {
  try {
    const url = new URL(`${base}/healthz`);
    const res = await open(await requestFor(url), url, { method: 'GET', timeout: 2000 });
    res.resume();
    return res.statusCode === 200;
  } catch {
    return false;
  }
}

/**
 * Makes sure a server answers at `base`, starting `switchboard serve` detached (logging to
 * `server.log` in its data directory) when the URL is loopback and nothing answers.
 * Errors: throws when nothing answers and no server could be started.
 */
export async function ensureServer(
  base: string,
  opts: { autoStart?: boolean; startTimeoutMs?: number; log?: (line: string) => void } = {},
): Promise<void> {
  if (await healthy(base)) return;
  // Loaded only when no server answers: the bridge starts on every agent launch, and config's schemas cost start-up time.
  const [{ isLoopbackHost, loadConfig }, { spawn }] = await Promise.all([
    import('../server/config.js'),
    import('node:child_process'),
  ]);
  const u = new URL(base);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (opts.autoStart === false || !isLoopbackHost(host)) {
    throw new Error(`no Switchboard server answers at ${base}; start one with "switchboard serve"`);
  }
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const env = { ...process.env, SWITCHBOARD_HOST: host, SWITCHBOARD_PORT: port };
  const { dataDir } = loadConfig(env);
  mkdirSync(dataDir, { recursive: true });
  const out = openSync(join(dataDir, 'server.log'), 'a');
  const child = spawn(process.execPath, [packagePath('bin', 'switchboard.js'), 'serve'], {
    env,
    detached: true,
    stdio: ['ignore', out, out],
  });
  child.unref();
  opts.log?.(`started a Switchboard server in the background (pid ${child.pid}, log ${join(dataDir, 'server.log')})`);
  const deadline = Date.now() + (opts.startTimeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    if (await healthy(base)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`started a server for ${base} but it did not answer; see ${join(dataDir, 'server.log')}`);
}

/** The `/mcp` URL carrying the identity (local mode names the agent in the query). */
export function endpointUrl(opts: Pick<BridgeOptions, 'url' | 'agent' | 'team' | 'token'>): URL {
  const u = new URL(`${opts.url.replace(/\/+$/, '')}/mcp`);
  if (!opts.token && opts.agent) u.searchParams.set('agent', opts.agent);
  if (!opts.token && opts.team) u.searchParams.set('team', opts.team);
  return u;
}

/**
 * Runs the bridge on `stdin`/`stdout` (the process's by default).
 * Errors: rejects when no server answers and none could be started.
 */
export async function runStdioBridge(
  opts: BridgeOptions,
  io: { stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream } = {},
): Promise<Bridge> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`switchboard mcp: ${line}\n`));
  const base = opts.url.replace(/\/+$/, '');
  await ensureServer(base, { ...opts, log });
  const endpoint = endpointUrl(opts);
  const request = await requestFor(endpoint);
  const stdin = io.stdin ?? process.stdin;
  const stdout = io.stdout ?? process.stdout;

  let sessionId: string | undefined;
  let protocolVersion: string | undefined;
  /** The client's initialize request, replayed to open a new session when the server lost ours. */
  let initialize: Message | null = null;
  /** The id of the client's initialize request, until its result passes through. */
  let pendingInit: string | number | null = null;
  let onReinit: ((m: Message) => void) | null = null;
  let reconnecting: Promise<void> | null = null;
  let stream: ClientRequest | null = null;
  let lastEventId: string | undefined;
  /** Ids of requests whose response was relayed, until their reply ends. */
  const answered = new Set<string | number>();
  let closing = false;
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((r) => {
    resolveClosed = r;
  });

  const toClient = (m: Message) => {
    stdout.write(`${JSON.stringify(m)}\n`);
  };

  /** Headers of every request after `initialize` (which goes without a session or version). */
  const headers = (extra: Record<string, string>, initializing = false): Record<string, string> => ({
    ...extra,
    ...(opts.token && { authorization: `Bearer ${opts.token}` }),
    ...(!initializing && sessionId && { 'mcp-session-id': sessionId }),
    ...(!initializing && protocolVersion && { 'mcp-protocol-version': protocolVersion }),
  });

  /** A message from the server: the bridge's own re-initialize result stays here; the rest go to the client. */
  function fromServer(m: Message): void {
    if (!m.method && m.id !== undefined) answered.add(m.id);
    if (m.id === REINIT_ID && !m.method) {
      onReinit?.(m);
      return;
    }
    if (pendingInit !== null && m.id === pendingInit && !m.method) {
      pendingInit = null;
      if (m.result && typeof m.result.protocolVersion === 'string') protocolVersion = m.result.protocolVersion;
    }
    toClient(m);
  }

  function fromData(data: string): void {
    if (data === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      log(`the server sent what is not JSON: ${data.slice(0, 200)}`);
      return;
    }
    for (const m of Array.isArray(parsed) ? parsed : [parsed]) fromServer(m as Message);
  }

  /** An HTTP failure that means the session is gone (server restarted, session expired or ended). */
  class LostSession extends Error {}

  /**
   * POSTs one message. Resolves once the server accepted it; its reply (JSON, or an SSE stream
   * for a request that streams progress) is relayed as it comes. `awaitReply` waits for the
   * whole reply (the initialize exchange needs the session id and the result in order).
   * Errors: `LostSession` on 404/400 with a session, or a network error; `Error` on other statuses.
   */
  async function post(m: Message, awaitReply = false): Promise<void> {
    let res: IncomingMessage;
    try {
      const body = JSON.stringify(m);
      res = await open(
        request,
        endpoint,
        {
          method: 'POST',
          headers: headers(
            {
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
              'content-length': String(Buffer.byteLength(body)),
            },
            m.method === 'initialize',
          ),
        },
        body,
      );
    } catch (err) {
      throw new LostSession(`cannot reach ${base}: ${(err as { code?: string }).code ?? (err as Error).message}`);
    }
    const status = res.statusCode ?? 0;
    if ((status === 404 || status === 400) && sessionId && m.method !== 'initialize') {
      res.resume();
      throw new LostSession(`the server lost the session (HTTP ${status})`);
    }
    if (status >= 300) throw new Error(`HTTP ${status}: ${(await textOf(res)).slice(0, 300)}`);
    const sid = res.headers['mcp-session-id'];
    if (typeof sid === 'string') sessionId = sid;
    if (status === 202) {
      res.resume();
      return;
    }
    const reply = String(res.headers['content-type'] ?? '').startsWith('text/event-stream')
      ? readEvents(res, (data) => fromData(data))
      : textOf(res).then(fromData);
    const relayed = reply.then(
      () => unanswered(m),
      (err: Error) => {
        log(`reply to ${m.method ?? 'a message'} cut off: ${err.message}`);
        unanswered(m);
      },
    );
    if (awaitReply) await relayed;
  }

  /** After a request's reply ended: if it held no response, the client must not wait forever. */
  function unanswered(m: Message): void {
    if (m.id === undefined || !m.method || m.id === REINIT_ID) return;
    if (answered.delete(m.id)) return;
    if (closing) return;
    toClient({
      jsonrpc: '2.0',
      id: m.id,
      error: { code: -32603, message: 'Switchboard closed the reply before answering; call again' },
    });
  }

  /** Holds the GET stream open for the server's pushes, resuming it after a drop; a lost session opens a new one. */
  async function listen(): Promise<void> {
    for (let attempt = 0; !closing; attempt++) {
      const mine = sessionId;
      try {
        const res = await new Promise<IncomingMessage>((resolve, reject) => {
          stream = request(
            endpoint,
            {
              method: 'GET',
              headers: headers({
                accept: 'text/event-stream',
                ...(lastEventId && { 'last-event-id': lastEventId }),
              }),
            },
            resolve,
          );
          stream.on('error', reject);
          stream.end();
        });
        const status = res.statusCode ?? 0;
        if (status === 405) {
          res.resume();
          return; // this server pushes only in replies
        }
        if (status === 404 || status === 400) {
          res.resume();
          throw new LostSession(`the server lost the session (HTTP ${status})`);
        }
        if (status !== 200) {
          res.resume();
          throw new Error(`HTTP ${status} for the event stream`);
        }
        attempt = 0;
        await readEvents(res, (data, id) => {
          if (id !== undefined) lastEventId = id;
          fromData(data);
        });
      } catch (err) {
        if (closing || sessionId !== mine) return;
        if (err instanceof LostSession || attempt >= STREAM_RETRIES) {
          log(`the event stream is gone (${(err as Error).message}); opening a new session`);
          void recover();
          return;
        }
      }
      if (closing || sessionId !== mine) return;
      await new Promise((r) => setTimeout(r, STREAM_RETRY_MS * 1.5 ** attempt));
    }
  }

  /** Opens a new session (reconnect), at most one at a time; failures are logged. */
  function recover(): Promise<void> {
    reconnecting ??= reconnect()
      .catch((err) => log(`reconnecting failed: ${(err as Error).message}`))
      .finally(() => {
        reconnecting = null;
      });
    return reconnecting;
  }

  /** Opens a fresh session (server restarted or session expired) with the client's own initialize. */
  async function reconnect(): Promise<void> {
    if (!initialize) throw new Error('not initialized yet');
    await ensureServer(base, { ...opts, log });
    stream?.destroy();
    sessionId = undefined;
    lastEventId = undefined;
    let r: Message | null = null;
    onReinit = (m) => {
      r = m;
    };
    await post({ ...initialize, id: REINIT_ID }, true);
    onReinit = null;
    const answer = r as Message | null;
    if (!answer || answer.error) throw new Error(`the server refused to initialize: ${JSON.stringify(answer?.error)}`);
    await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    void listen();
    log('reconnected with a new session');
  }

  async function toServer(m: Message): Promise<void> {
    if (reconnecting) await reconnecting;
    if (m.method === 'initialize') {
      initialize = m;
      pendingInit = m.id ?? null;
    }
    try {
      await post(m, m.method === 'initialize');
      if (m.method === 'notifications/initialized') void listen();
    } catch (err) {
      let last = err as Error;
      if (initialize && m.method !== 'initialize' && err instanceof LostSession) {
        try {
          await recover();
          if (sessionId) {
            await post(m);
            return;
          }
        } catch (again) {
          last = again as Error;
        }
      }
      if (m.method && m.id !== undefined) {
        toClient({
          jsonrpc: '2.0',
          id: m.id,
          error: { code: -32603, message: `Switchboard is unreachable: ${last.message}` },
        });
      }
    }
  }

  async function close(): Promise<void> {
    if (closing) return;
    closing = true;
    stream?.destroy();
    if (sessionId) {
      await open(request, endpoint, { method: 'DELETE', headers: headers({}) })
        .then((res) => res.resume())
        .catch(() => {});
    }
    resolveClosed();
  }

  // One JSON-RPC message per line (MCP "stdio" transport). Messages go on concurrently (a long
  // call must not hold up the next), except that nothing overtakes the client's initialize.
  let initialized: Promise<void> = Promise.resolve();
  const lines = createInterface({ input: stdin, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    let m: Message;
    try {
      m = JSON.parse(line) as Message;
    } catch {
      log(`stdin: not JSON: ${line.slice(0, 200)}`);
      return;
    }
    if (m.method && m.id !== undefined) answered.delete(m.id);
    const sent = initialized
      .then(() => toServer(m))
      .catch((err) => log(`relaying ${m.method ?? 'a response'} failed: ${(err as Error).message}`));
    if (m.method === 'initialize') initialized = sent;
  });
  lines.on('close', () => {
    void initialized.then(close);
  });
  return { closed, close };
}
