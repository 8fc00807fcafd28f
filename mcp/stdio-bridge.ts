/**
 * The stdio entry point (`switchboard mcp`): for MCP clients that only run local commands,
 * and for Claude Code's channel push, which it documents for stdio servers. The bridge speaks
 * MCP on stdin/stdout and relays every JSON-RPC message, both ways, to the HTTP server's
 * `/mcp` endpoint (tools, resources, progress, and the server's pushes). The agent identity
 * is fixed by flags or environment (`?agent=` in local mode, or a bearer token), never by
 * the client. If no server answers on a loopback URL, it starts one in the background, as
 * peer brokers do; if the server restarts, it opens a new session and carries on.
 * stdout carries only MCP messages; diagnostics go to stderr.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  type InitializeRequest,
  isInitializeRequest,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
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

const REINIT_ID = 'switchboard-bridge-reinit';

/** True when `base` answers `/healthz`. */
async function healthy(base: string): Promise<boolean> {
  try {
    const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.ok;
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
  const { isLoopbackHost, loadConfig } = await import('../server/config.js');
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

  const stdio = new StdioServerTransport(
    (io.stdin ?? process.stdin) as typeof process.stdin,
    (io.stdout ?? process.stdout) as typeof process.stdout,
  );
  let http: StreamableHTTPClientTransport;
  let initialize: InitializeRequest | null = null;
  let protocolVersion: string | undefined;
  let reconnecting: Promise<void> | null = null;
  let closing = false;
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((r) => {
    resolveClosed = r;
  });

  const toClient = (m: JSONRPCMessage) => stdio.send(m).catch((err) => log(`writing to stdout failed: ${err}`));

  function connectHttp(onInitResult?: (ok: boolean) => void): StreamableHTTPClientTransport {
    const t = new StreamableHTTPClientTransport(endpointUrl(opts), {
      ...(opts.token && { requestInit: { headers: { authorization: `Bearer ${opts.token}` } } }),
    });
    t.onmessage = (m) => {
      if (isJSONRPCResultResponse(m) || 'error' in m) {
        if ('id' in m && m.id === REINIT_ID) {
          onInitResult?.(!('error' in m));
          return;
        }
        if (isJSONRPCResultResponse(m) && pendingInit !== null && m.id === pendingInit) {
          pendingInit = null;
          protocolVersion = (m.result as { protocolVersion?: string }).protocolVersion;
          if (protocolVersion) t.setProtocolVersion(protocolVersion);
        }
      }
      void toClient(m);
    };
    t.onerror = (err) => {
      if (closing) return;
      log(err.message);
      // The push stream could not be re-established (server restarted, session gone):
      // open a new session now rather than at the client's next call.
      if (t === http && initialize && /reconnect SSE stream|Maximum reconnection/.test(err.message)) {
        reconnecting ??= reconnect()
          .catch((e) => log(`reconnecting failed: ${(e as Error).message}`))
          .finally(() => {
            reconnecting = null;
          });
      }
    };
    return t;
  }

  /** The id of the client's initialize request, until its result passes through. */
  let pendingInit: RequestId | null = null;

  /** Opens a fresh session (server restarted or session expired) with the client's own initialize. */
  async function reconnect(): Promise<void> {
    if (!initialize) throw new Error('not initialized yet');
    await ensureServer(base, { ...opts, log });
    const next = await new Promise<StreamableHTTPClientTransport>((resolve, reject) => {
      const t = connectHttp((ok) => (ok ? resolve(t) : reject(new Error('the server refused to initialize'))));
      void t
        .start()
        .then(() => t.send({ ...initialize, jsonrpc: '2.0', id: REINIT_ID } as JSONRPCMessage))
        .catch(reject);
    });
    if (protocolVersion) next.setProtocolVersion(protocolVersion);
    await next.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const old = http;
    http = next;
    await old.close().catch(() => {});
    log('reconnected with a new session');
  }

  const lostSession = (err: unknown) =>
    (err instanceof StreamableHTTPError && (err.code === 404 || err.code === 400)) ||
    (err instanceof TypeError && /fetch failed/.test(err.message));

  async function toServer(m: JSONRPCMessage): Promise<void> {
    if (reconnecting) await reconnecting.catch(() => {});
    if (isInitializeRequest(m)) {
      initialize = m as unknown as InitializeRequest;
      pendingInit = (m as { id: RequestId }).id;
    }
    try {
      await http.send(m);
    } catch (err) {
      let last = err;
      if (initialize && !isInitializeRequest(m) && lostSession(err)) {
        reconnecting ??= reconnect().finally(() => {
          reconnecting = null;
        });
        try {
          await reconnecting;
          await http.send(m);
          return;
        } catch (again) {
          last = again;
        }
      }
      if (isJSONRPCRequest(m)) {
        void toClient({
          jsonrpc: '2.0',
          id: m.id,
          error: { code: -32603, message: `Switchboard is unreachable: ${(last as Error).message}` },
        });
      }
    }
  }

  async function close(): Promise<void> {
    if (closing) return;
    closing = true;
    await http.terminateSession().catch(() => {});
    await http.close().catch(() => {});
    resolveClosed();
  }

  http = connectHttp();
  await http.start();
  stdio.onmessage = (m) => void toServer(m);
  stdio.onclose = () => void close();
  stdio.onerror = (err) => log(`stdin: ${err.message}`);
  (io.stdin ?? process.stdin).on('end', () => void close());
  await stdio.start();
  return { closed, close };
}
