/**
 * Resumable MCP streams. The SDK transport hands every event it sends to an `EventStore`
 * and, when a client reconnects with `Last-Event-ID`, asks it for what came after.
 *
 * - GET stream events (pushes: channel, inbox and log notifications) are stored in the
 *   database (`mcp_events`), written in batches, so a client that was away gets them on
 *   reconnect (at most `REPLAY_MAX_BYTES` per resume). They are dropped when the session
 *   ends, when the client resumes past them, or after `retentionMs`. A stream the client
 *   stops reading gets no more pushes once its backlog is full (mcp/stream-backlog.ts), so
 *   it stores none either.
 * - Events on a tool call's own stream (progress, the result) live in memory until
 *   `requestGraceMs` after the result: enough to resume a call whose connection dropped,
 *   without writing every tool result to disk.
 *
 * Event ids are opaque to clients: `123` for a stored GET-stream event, `r.<stream>.<n>` for
 * a call's stream. Each id is checked against the asking session. Stored ids come from this
 * process's counter and are keyed by (session, id): several servers on one database number
 * from the same start without colliding, since a session lives on the server that opened it. (The SDK's example store
 * parses ids by `_`, which its own `_GET_stream` id contains, and so loses events on resume.)
 */
import type { EventStore } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { AppDeps } from '../server/deps.js';
import { baseCtx } from '../server/identity.js';
import { type Ctx, withTx } from '../server/ops/context.js';
import {
  ackMcpEvents,
  appendMcpEvents,
  deleteMcpEvents,
  lastMcpEventSeq,
  type McpEventRow,
  mcpEventStream,
  mcpEventsAfter,
  pruneMcpEvents,
} from '../server/ops/mcp-events.js';

/** The SDK's id for a session's standalone GET stream. */
export const GET_STREAM = '_GET_stream';

export interface EventLogOptions {
  /** How long stored GET-stream events are kept (ms). Default 10 minutes. */
  retentionMs?: number;
  /** How long a finished tool call's events are kept for a resume (ms). Default 30 s. */
  requestGraceMs?: number;
}

export interface EventLog {
  /** The SDK event store for one session; `sessionId()` is read when events arrive. */
  storeFor: (sessionId: () => string) => EventStore;
  /** Stores an event on a session's GET stream and returns its id (used for priming). */
  store: (sessionId: string, streamId: string, message: JSONRPCMessage | Record<string, never>) => Promise<string>;
  /** Writes pending events now. */
  flush: () => Promise<void>;
  /**
   * Runs `work` in the transaction of the next batch of events (one commit for both): for
   * small best-effort writes that need not land before the caller moves on.
   */
  defer: (work: (tx: Ctx) => Promise<void>) => void;
  /** Drops every event of an ended session. */
  forget: (sessionId: string) => Promise<void>;
  /** Deletes stored events older than the retention; returns how many. */
  prune: () => Promise<number>;
}

interface CallStream {
  sessionId: string;
  events: { n: number; message: JSONRPCMessage }[];
  doneAt: number | null;
}

/** Most bytes of stored events (JSON text) one resume replays; about the backlog a stream may hold. */
export const REPLAY_MAX_BYTES = 1024 * 1024;
/** Stored events read per query while replaying. */
const REPLAY_PAGE = 50;

const isResponse = (m: JSONRPCMessage) => 'id' in m && ('result' in m || 'error' in m);

export function createEventLog(deps: AppDeps, opts: EventLogOptions = {}): EventLog {
  const retentionMs = opts.retentionMs ?? 10 * 60_000;
  const requestGraceMs = opts.requestGraceMs ?? 30_000;
  const now = deps.now ?? Date.now;
  const ctx = baseCtx(deps);

  let seq: number | null = null;
  let seeding: Promise<void> | null = null;
  let pending: McpEventRow[] = [];
  let deferred: ((tx: Ctx) => Promise<void>)[] = [];
  let flushing: Promise<void> | null = null;
  let scheduled = false;

  const calls = new Map<string, CallStream>();
  /** Finished call streams, oldest first, for pruning without a timer. */
  const done: { streamId: string; at: number }[] = [];
  let callSeq = 0;

  async function nextSeq(): Promise<number> {
    if (seq === null) {
      seeding ??= lastMcpEventSeq(ctx).then((last) => {
        seq = Math.max(seq ?? 0, last);
      });
      await seeding;
    }
    seq = (seq as number) + 1;
    return seq;
  }

  async function writePending(): Promise<void> {
    while (pending.length > 0 || deferred.length > 0) {
      const rows = pending;
      const work = deferred;
      pending = [];
      deferred = [];
      try {
        await withTx(ctx, async (tx) => {
          if (rows.length > 0) await appendMcpEvents(tx, rows);
          for (const w of work) await w(tx);
        });
      } catch (err) {
        // Best-effort: the mailbox is the truth; a lost replay row costs only a duplicate-free resume.
        deps.logger.error({ err, rows: rows.length }, 'storing MCP events failed');
      }
    }
  }

  function flush(): Promise<void> {
    flushing ??= writePending().finally(() => {
      flushing = null;
    });
    return flushing;
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void flush();
    });
  }

  function pruneCalls(at: number) {
    while (done.length > 0 && (done[0] as { at: number }).at < at - requestGraceMs) {
      calls.delete((done.shift() as { streamId: string }).streamId);
    }
  }

  async function store(
    sessionId: string,
    streamId: string,
    message: JSONRPCMessage | Record<string, never>,
  ): Promise<string> {
    const t = now();
    if (streamId === GET_STREAM) {
      const n = await nextSeq();
      pending.push({ seq: n, sessionId, streamId, message: JSON.stringify(message), createdAt: t });
      schedule();
      return String(n);
    }
    let s = calls.get(streamId);
    if (!s) {
      s = { sessionId, events: [], doneAt: null };
      calls.set(streamId, s);
    }
    callSeq += 1;
    s.events.push({ n: callSeq, message: message as JSONRPCMessage });
    if (s.doneAt === null && isResponse(message as JSONRPCMessage)) {
      s.doneAt = t;
      done.push({ streamId, at: t });
      pruneCalls(t);
    }
    return `r.${streamId}.${callSeq}`;
  }

  function parseId(id: string): { streamId: string; n: number } | null {
    if (/^\d+$/.test(id)) return { streamId: GET_STREAM, n: Number(id) };
    const m = /^r\.([A-Za-z0-9-]{1,100})\.(\d+)$/.exec(id);
    return m ? { streamId: m[1] as string, n: Number(m[2]) } : null;
  }

  function storeFor(sessionId: () => string): EventStore {
    return {
      storeEvent: (streamId, message) => store(sessionId(), streamId, message),

      async getStreamIdForEventId(eventId) {
        const id = parseId(eventId);
        if (!id) return undefined;
        if (id.streamId !== GET_STREAM) {
          return calls.get(id.streamId)?.sessionId === sessionId() ? id.streamId : undefined;
        }
        await flush();
        return mcpEventStream(ctx, sessionId(), id.n);
      },

      async replayEventsAfter(eventId, { send }) {
        const id = parseId(eventId);
        const sid = sessionId();
        if (!id) throw new Error('unknown event id');
        if (id.streamId !== GET_STREAM) {
          const s = calls.get(id.streamId);
          if (!s || s.sessionId !== sid) throw new Error('unknown event id');
          for (const e of s.events) if (e.n > id.n) await send(`r.${id.streamId}.${e.n}`, e.message);
          return id.streamId;
        }
        await flush();
        // The SDK queues a replay in memory at once: send at most REPLAY_MAX_BYTES, read a page
        // at a time. What is left comes with the client's next resume (it resumes after the
        // last id it got); it is only announcements: the mailbox has the mail.
        let last = id.n;
        let bytes = 0;
        let more = true;
        while (more && bytes < REPLAY_MAX_BYTES) {
          const page = await mcpEventsAfter(ctx, sid, GET_STREAM, last, REPLAY_PAGE);
          more = page.length === REPLAY_PAGE;
          for (const row of page) {
            if (bytes >= REPLAY_MAX_BYTES) break;
            await send(String(row.seq), JSON.parse(row.message) as JSONRPCMessage);
            bytes += row.message.length;
            last = row.seq;
          }
        }
        // Events stored while replaying are still pending: send them too (the SDK skips repeats).
        for (const row of bytes < REPLAY_MAX_BYTES ? pending : []) {
          if (row.sessionId === sid && row.streamId === GET_STREAM && row.seq > last) {
            await send(String(row.seq), JSON.parse(row.message) as JSONRPCMessage);
          }
        }
        // The client holds everything up to its Last-Event-ID.
        await ackMcpEvents(ctx, sid, GET_STREAM, id.n).catch((err) =>
          deps.logger.error({ err }, 'dropping acknowledged MCP events failed'),
        );
        return GET_STREAM;
      },
    };
  }

  return {
    storeFor,
    store,
    flush,
    defer: (work) => {
      deferred.push(work);
      schedule();
    },
    forget: async (sessionId) => {
      for (const [streamId, s] of calls) if (s.sessionId === sessionId) calls.delete(streamId);
      await flush();
      await deleteMcpEvents(ctx, sessionId);
    },
    prune: async () => {
      pruneCalls(now());
      await flush();
      return pruneMcpEvents(ctx, now() - retentionMs);
    },
  };
}
