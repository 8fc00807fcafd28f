/**
 * Request-body guards: a size limit on every request (hono's `bodyLimit`), and for JSON
 * surfaces (`/api/…`, `/mcp`) on POST, PUT and PATCH a JSON content type, valid UTF-8 and a
 * nesting limit and well-formed Unicode, so hostile bodies are refused before any handler parses them.
 * Errors: 413 `too_large` (size, naming the limit), 415 `invalid` (content type),
 * 400 `invalid` (bad UTF-8, nesting, unpaired surrogates).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppDeps } from '../deps.js';
import { DomainError } from '../errors.js';
import { errorResponse } from '../http-errors.js';
import { DEFAULT_LIMITS } from '../ops/context.js';

/** Deepest accepted JSON nesting (objects and arrays); Switchboard's inputs need fewer than 10. */
export const MAX_JSON_DEPTH = 64;

/** Refuses bodies larger than `limits.maxRequestBytes` with 413 `too_large`. */
export function sizeGuard(deps: AppDeps): MiddlewareHandler {
  const max = deps.limits.maxRequestBytes ?? DEFAULT_LIMITS.maxRequestBytes;
  const tooLarge = (c: Context) =>
    errorResponse(
      c,
      new DomainError(
        'too_large',
        `request body is larger than ${max} bytes, the limit (SWITCHBOARD_MAX_REQUEST_BYTES)`,
        { limit: max },
      ),
      deps.logger,
    );
  const streamed = bodyLimit({ maxSize: max, onError: tooLarge });
  return (c, next) => {
    // A declared length is enforced by the HTTP parser, so the header decides; no length and no
    // chunked encoding means no body. Only chunked bodies need counting as they stream (hono's
    // bodyLimit, which would otherwise turn every request into a web stream).
    if (!c.req.header('transfer-encoding')) {
      const length = c.req.header('content-length');
      return length !== undefined && Number(length) > max ? Promise.resolve(tooLarge(c)) : next();
    }
    return streamed(c, next);
  };
}

/**
 * Scans JSON `text` once (strings skipped) for what the parsers would accept but Switchboard
 * must not: nesting deeper than `maxDepth`, or a `\\uD800`-style escape that leaves a UTF-16
 * surrogate unpaired (SQLite cannot store it faithfully: the text would change silently).
 * Returns the problem, or null.
 */
export function scanJson(text: string, maxDepth: number): 'depth' | 'surrogate' | null {
  let depth = 0;
  let inString = false;
  let pendingHigh = false;
  const hex = (i: number) => Number.parseInt(text.slice(i, i + 4), 16);
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \\ */) {
        const next = text.charCodeAt(i + 1);
        if (next === 117 /* u */) {
          const code = hex(i + 2);
          const high = code >= 0xd800 && code <= 0xdbff;
          const low = code >= 0xdc00 && code <= 0xdfff;
          if ((pendingHigh && !low) || (!pendingHigh && low)) return 'surrogate';
          pendingHigh = high;
          i += 5;
          continue;
        }
        if (pendingHigh) return 'surrogate';
        i++;
      } else {
        if (pendingHigh) return 'surrogate';
        if (ch === 34 /* " */) inString = false;
      }
    } else if (ch === 34) inString = true;
    else if (ch === 123 /* { */ || ch === 91 /* [ */) {
      if (++depth > maxDepth) return 'depth';
    } else if (ch === 125 /* } */ || ch === 93 /* ] */) depth--;
  }
  return pendingHigh ? 'surrogate' : null;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

function invalid(c: Context, deps: AppDeps, message: string, status: 400 | 415 = 400): Response {
  if (status === 400) return errorResponse(c, new DomainError('invalid', message), deps.logger);
  return c.json({ error: { code: 'invalid', message } }, 415);
}

/**
 * For POST/PUT/PATCH: `Content-Type: application/json` (charset utf-8 if given), a body that is
 * valid UTF-8, nests at most `MAX_JSON_DEPTH` levels and escapes no unpaired surrogate. Mount after `sizeGuard` on `/api/*` and `/mcp`.
 */
export function jsonGuard(deps: AppDeps): MiddlewareHandler {
  return async (c, next) => {
    if (!BODY_METHODS.has(c.req.method)) return next();
    const type = (c.req.header('content-type') ?? '').toLowerCase();
    const [media = '', ...params] = type.split(';').map((s) => s.trim());
    const charset = params.find((p) => p.startsWith('charset='))?.slice(8);
    if (media !== 'application/json' || (charset && charset.replace(/"/g, '') !== 'utf-8')) {
      return invalid(
        c,
        deps,
        `Content-Type must be application/json (got ${type ? `"${type.slice(0, 80)}"` : 'none'})`,
        415,
      );
    }
    const raw = c.req.raw;
    // Read without touching `raw.body`: on @hono/node-server that getter builds a full web
    // Request around the socket, where `arrayBuffer()` reads the Node request directly. A
    // request without a body reads as empty text, as `c.req.text()` would give it.
    const bytes = new Uint8Array(await raw.arrayBuffer());
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return invalid(c, deps, 'request body is not valid UTF-8');
    }
    const problem = scanJson(text, MAX_JSON_DEPTH);
    if (problem === 'depth') return invalid(c, deps, `request body nests JSON deeper than ${MAX_JSON_DEPTH} levels`);
    if (problem === 'surrogate') {
      return invalid(
        c,
        deps,
        'request body has an unpaired UTF-16 surrogate escape (\\uD800-\\uDFFF): not valid Unicode text',
      );
    }
    // The body stream is spent. Rather than rebuild a Request around it, hand the checked text
    // on: Hono's body readers (`c.req.text()`, `c.req.json()`) serve it from their cache, and
    // the MCP route gives it to its transport already parsed (`checkedBody`).
    checked.set(raw, text);
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
    return next();
  };
}

/** Request bodies `jsonGuard` has read and checked, by request. */
const checked = new WeakMap<Request, string>();

/**
 * The body text `jsonGuard` read and checked for this request (its stream is spent by then),
 * or undefined when the guard did not read one (no body, or a method without one).
 */
export function checkedBody(c: Context): string | undefined {
  return checked.get(c.req.raw);
}
