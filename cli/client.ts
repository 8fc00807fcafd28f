/**
 * The CLI's JSON API client and the options every API command shares. Identity comes from
 * `--token` / `SWITCHBOARD_TOKEN` (bearer), or in local mode from `--agent` / `--team`
 * (`SWITCHBOARD_AGENT` / `SWITCHBOARD_TEAM`), sent as `X-Switchboard-Agent` /
 * `X-Switchboard-Team`. Failures print the API's error envelope and exit with a code per error.
 */
import { request as httpRequest } from 'node:http';
import { type Command, InvalidArgumentError, Option } from 'commander';

export const DEFAULT_URL = 'http://127.0.0.1:7800';

/** Options added to every API command by `withApiOptions`. */
export interface ApiOptions {
  url?: string;
  agent?: string;
  team?: string;
  token?: string;
  json?: boolean;
}

/**
 * Exit codes by API error code, so scripts can tell a lost claim from a typo.
 * 1 is left to usage errors (commander) and failures of the CLI itself.
 */
export const EXIT_CODES: Record<string, number> = {
  invalid: 2,
  too_large: 2,
  unauthorized: 3,
  forbidden: 3,
  not_found: 4,
  conflict: 5,
  rate_limited: 6,
  unreachable: 7,
  unavailable: 7,
  internal: 7,
};

/** A failed API call: the envelope's code and message, the HTTP status (0 when unreachable). */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown>;

  constructor(code: string, message: string, status: number, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

type Query = Record<string, string | number | boolean | string[] | undefined>;

export interface ApiClient {
  baseUrl: string;
  get: <T>(path: string, query?: Query) => Promise<T>;
  post: <T>(path: string, body?: unknown) => Promise<T>;
  patch: <T>(path: string, body?: unknown) => Promise<T>;
}

/**
 * A client for `/api/v1` at `opts.url` (else `SWITCHBOARD_URL`, else http://127.0.0.1:7800).
 * Every call resolves to the parsed JSON body or rejects with an `ApiError`.
 */
export function createClient(opts: ApiOptions, env: NodeJS.ProcessEnv = process.env): ApiClient {
  const baseUrl = (opts.url ?? env.SWITCHBOARD_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  const token = opts.token ?? env.SWITCHBOARD_TOKEN;
  const agent = opts.agent ?? env.SWITCHBOARD_AGENT;
  const team = opts.team ?? env.SWITCHBOARD_TEAM;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  else {
    if (agent) headers['x-switchboard-agent'] = agent;
    if (team) headers['x-switchboard-team'] = team;
  }

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = `${baseUrl}/api/v1${path}`;
    let res: { status: number; text: string };
    try {
      res = await exchange(
        method,
        new URL(url),
        body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body === undefined ? undefined : JSON.stringify(body),
      );
    } catch (err) {
      const why = (err as { code?: string }).code ?? (err as Error).message;
      throw new ApiError(
        'unreachable',
        `cannot reach Switchboard at ${baseUrl} (${why}): is the server running? Start it with "switchboard serve", or set --url / SWITCHBOARD_URL`,
        0,
      );
    }
    const { status, text } = res;
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new ApiError('internal', `${method} ${url}: HTTP ${status}, not JSON: ${text.slice(0, 200)}`, status);
    }
    if (status < 200 || status > 299) {
      const e = (parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } }).error;
      throw new ApiError(e?.code ?? 'internal', e?.message ?? `HTTP ${status}`, status, e?.details ?? {});
    }
    return parsed as T;
  }

  return {
    baseUrl,
    get: (path, query) => call('GET', `${path}${queryString(query)}`),
    post: (path, body) => call('POST', path, body ?? {}),
    patch: (path, body) => call('PATCH', path, body ?? {}),
  };
}

/**
 * One HTTP request with node:http(s), resolving to the status and body text. Not `fetch`: its
 * first call loads undici, which costs a hook (one request per prompt) about a third of its
 * start-up. Rejects on a network error (`code` such as ECONNREFUSED).
 */
async function exchange(
  method: string,
  url: URL,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string }> {
  const request = url.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  const sent = body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: sent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) q.append(k, x);
    else q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Adds the shared connection, identity and output options to an API command. */
export function withApiOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--url <url>', `server URL (default ${DEFAULT_URL})`).env('SWITCHBOARD_URL'))
    .addOption(new Option('--agent <name>', 'act as this teammate (local mode)').env('SWITCHBOARD_AGENT'))
    .addOption(new Option('--team <name>', 'team of --agent (default "default")').env('SWITCHBOARD_TEAM'))
    .addOption(new Option('--token <token>', 'bearer token (instead of --agent)').env('SWITCHBOARD_TOKEN'))
    .option('--json', 'print the raw JSON result');
}

/**
 * A command group (`switchboard task …`): returns a maker of its subcommands, each with the
 * shared API options.
 */
export function apiCommandGroup(program: Command, name: string, description: string) {
  const group = program.command(name).description(description);
  return (sub: string, what: string): Command => withApiOptions(group.command(sub).description(what));
}

/**
 * Wraps a command action: builds the client from the command's options, runs `fn`, prints its
 * JSON result with `--json` or its text otherwise, and turns an `ApiError` into a message on
 * stderr and an exit code from `EXIT_CODES`.
 */
export function apiAction<A extends unknown[]>(
  fn: (client: ApiClient, opts: ApiOptions & Record<string, unknown>, ...args: A) => Promise<Output>,
) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const opts = cmd.opts() as ApiOptions & Record<string, unknown>;
    const positional = args.slice(0, -2) as A;
    try {
      const out = await fn(createClient(opts), opts, ...positional);
      if (opts.json) process.stdout.write(`${JSON.stringify(out.json, null, 2)}\n`);
      else if (out.text !== '') process.stdout.write(`${out.text}\n`);
    } catch (err) {
      process.exitCode = reportError(explainMissingIdentity(err, opts), opts.json === true);
    }
  };
}

/** The server's `unauthorized` speaks of HTTP headers; without any identity, say what the CLI takes. */
function explainMissingIdentity(err: unknown, opts: ApiOptions): unknown {
  if (!(err instanceof ApiError) || err.code !== 'unauthorized' || opts.agent || opts.token) return err;
  return new ApiError(
    err.code,
    `${err.message}. With the CLI: --agent NAME (local mode, after "switchboard join NAME") or --token TOKEN, or set SWITCHBOARD_AGENT / SWITCHBOARD_TOKEN`,
    err.status,
    err.details,
  );
}

/** What a command prints: `json` with `--json`, `text` otherwise. */
export interface Output {
  json: unknown;
  text: string;
}

/** Prints an error to stderr (the envelope with `json`) and returns the exit code. */
export function reportError(err: unknown, json: boolean): number {
  if (err instanceof ApiError) {
    if (json) {
      const envelope = { error: { code: err.code, message: err.message, details: err.details } };
      process.stderr.write(`${JSON.stringify(envelope)}\n`);
    } else {
      process.stderr.write(`switchboard: ${err.code}: ${err.message}\n`);
    }
    return EXIT_CODES[err.code] ?? 1;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(json ? `${JSON.stringify({ error: { code: 'cli', message } })}\n` : `switchboard: ${message}\n`);
  return 1;
}

/** Commander argument parser for whole numbers (`--limit 5`). */
export function wholeNumber(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('expected a whole number.');
  return Number(v);
}

/** The message text: `-m TEXT`, else all of stdin when it is not a terminal. */
export async function messageText(flag: string | undefined, what = 'message'): Promise<string> {
  if (flag !== undefined) return flag;
  if (process.stdin.isTTY) throw new Error(`give the ${what} with -m TEXT or pipe it on stdin`);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').replace(/\n$/, '');
  if (text.trim() === '') throw new Error(`the ${what} is empty: give it with -m TEXT or on stdin`);
  return text;
}
