/**
 * Storage for the events sent on MCP GET streams (`mcp_events`), so a client that
 * reconnects with `Last-Event-ID` gets what it missed. The adapter is `mcp/event-store.ts`;
 * this file holds its queries. `seq` is the event id the client sees, unique within its
 * session (the key is (session_id, seq)).
 */
import type { Ctx } from './context.js';

export interface McpEventRow {
  seq: number;
  sessionId: string;
  streamId: string;
  /** The JSON-RPC message as JSON text. */
  message: string;
  createdAt: number;
}

/** SQLite allows 32766 bound variables per statement; 5 per row keeps chunks well under. */
const CHUNK = 1000;

/** Inserts events (one statement per chunk of rows); run it inside `withTx` for one commit. */
export async function appendMcpEvents(ctx: Ctx, rows: readonly McpEventRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await ctx.db
      .insertInto('mcp_events')
      .values(
        rows.slice(i, i + CHUNK).map((r) => ({
          seq: r.seq,
          session_id: r.sessionId,
          stream_id: r.streamId,
          message: r.message,
          created_at: r.createdAt,
        })),
      )
      .execute();
  }
}

/** The highest stored seq (0 when empty): new ids continue after it. */
export async function lastMcpEventSeq(ctx: Ctx): Promise<number> {
  const r = await ctx.db
    .selectFrom('mcp_events')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  return Number(r?.seq ?? 0);
}

/** The stream an event of `sessionId` was sent on, or undefined (unknown id or another session's). */
export async function mcpEventStream(ctx: Ctx, sessionId: string, seq: number): Promise<string | undefined> {
  const r = await ctx.db
    .selectFrom('mcp_events')
    .select('stream_id')
    .where('seq', '=', seq)
    .where('session_id', '=', sessionId)
    .executeTakeFirst();
  return r?.stream_id;
}

/** Events of one stream after `seq`, oldest first, at most `limit` of them. */
export async function mcpEventsAfter(
  ctx: Ctx,
  sessionId: string,
  streamId: string,
  seq: number,
  limit: number,
): Promise<{ seq: number; message: string }[]> {
  return ctx.db
    .selectFrom('mcp_events')
    .select(['seq', 'message'])
    .where('session_id', '=', sessionId)
    .where('stream_id', '=', streamId)
    .where('seq', '>', seq)
    .orderBy('seq', 'asc')
    .limit(limit)
    .execute();
}

/** Deletes a stream's events up to `seq` (the client has them: it resumed after `seq`). */
export async function ackMcpEvents(ctx: Ctx, sessionId: string, streamId: string, seq: number): Promise<void> {
  await ctx.db
    .deleteFrom('mcp_events')
    .where('session_id', '=', sessionId)
    .where('stream_id', '=', streamId)
    .where('seq', '<=', seq)
    .execute();
}

/** Deletes every event of a session (it ended: nobody can resume it). */
export async function deleteMcpEvents(ctx: Ctx, sessionId: string): Promise<void> {
  await ctx.db.deleteFrom('mcp_events').where('session_id', '=', sessionId).execute();
}

/** Deletes events stored before `before` (UTC ms); returns how many. */
export async function pruneMcpEvents(ctx: Ctx, before: number): Promise<number> {
  const r = await ctx.db.deleteFrom('mcp_events').where('created_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
