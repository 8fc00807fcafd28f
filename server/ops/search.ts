/**
 * Full-text search over the team's messages and tasks (`teammate_search`, `GET /api/v1/search`,
 * `switchboard search`, the board's search box), best first, each hit with a snippet and where
 * it is. SQLite answers from FTS5 tables kept in step by triggers, PostgreSQL from GIN indexes
 * on tsvector expressions (migrations 0008_search); the query syntax is search-query.ts's.
 *
 * What a searcher sees is what it may read elsewhere: only its own team's rows, and of direct
 * threads only those it is a member of (a human teammate or a team admin sees them all), the
 * rule of `getVisibleThread`. Tasks are open to the whole team, as in task_list.
 */
import { PostgresAdapter, type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import { DomainError } from '../errors.js';
import { resolveTeammate } from './agents.js';
import { type Ctx, isPrivileged, requireActor } from './context.js';
import { iso, type TaskSummary, toSummary } from './model.js';
import { parseInput } from './schemas.js';
import {
  fts5Match,
  LT_STAND_IN,
  MARK_END,
  MARK_START,
  type ParsedQuery,
  parseQuery,
  pgTsQuery,
  splitSnippet,
} from './search-query.js';
import { getVisibleThread } from './threads.js';

export const SEARCH_SCOPES = ['messages', 'tasks', 'all'] as const;

export const SearchTeam = z.strictObject({
  query: z
    .string()
    .trim()
    .min(1, 'give the words to look for')
    .max(200, 'at most 200 characters: search for a few distinctive words')
    .describe('words, all must occur (by stem); "phrase", OR, -word'),
  in: z.enum(SEARCH_SCOPES).default('all').describe('where to look'),
  thread: z.string().min(1).max(40).optional().describe('thread id'),
  from: z.string().trim().min(1).max(40).optional().describe('sender, or task creator'),
  since: z.string().trim().min(1).max(40).optional().describe('ISO time or age: 30m, 12h, 7d'),
  limit: z.number().int().min(1).max(50).default(10).describe('most hits'),
});
export type SearchTeam = z.infer<typeof SearchTeam>;

export interface SearchHit {
  kind: 'message' | 'task';
  /** The message's id, or the task's. */
  id: string;
  /** The thread the message is in, or the task's thread. */
  threadId: string;
  threadKind: 'task' | 'direct' | 'topic';
  /** The thread's subject (topic threads), or null. */
  threadSubject: string | null;
  /** The task the hit belongs to: the task itself, or the task whose thread holds the message. */
  task: TaskSummary | null;
  /** Who sent the message, or who created the task. */
  from: string;
  /** The message's subject, or null. */
  subject: string | null;
  /** ISO time the message was sent, or the task last changed. */
  at: string;
  /** One line of the matched text around the matched words (a teammate's words, untrusted). */
  snippet: string;
  /** `[start, end)` UTF-16 offsets of the matched words in `snippet`. */
  highlights: [number, number][];
  /** Relevance, higher is better (bm25 on SQLite, ts_rank on PostgreSQL: compare within one result only). */
  score: number;
}

export interface SearchResult {
  /** Best first. */
  hits: SearchHit[];
  /** True when there may be more hits than `limit`. */
  more: boolean;
}

const AGE = /^(\d{1,6})\s*(m|min|h|d|w)$/i;
const AGE_MS: Record<string, number> = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `since` as UTC ms: an ISO time or an age before now. Errors: `invalid`. */
function sinceMs(ctx: Ctx, since: string): number {
  const age = AGE.exec(since);
  if (age) return ctx.now() - Number(age[1]) * (AGE_MS[(age[2] as string).toLowerCase()] as number);
  const t = /^\d{4}-\d{2}-\d{2}/.test(since) ? Date.parse(since) : Number.NaN;
  if (Number.isNaN(t)) {
    throw new DomainError(
      'invalid',
      `since: "${since}" is neither an ISO time (2026-12-01T09:00Z) nor an age (30m, 12h, 7d)`,
    );
  }
  return t;
}

interface Match {
  id: string;
  score: number;
  snippet: string;
}

interface Filters {
  teamId: string;
  thread?: string;
  fromId?: string;
  since?: number;
  /** The actor's id when it may not read others' direct threads; undefined when it may. */
  member?: string;
  limit: number;
}

const isPostgres = (ctx: Ctx) => ctx.db.getExecutor().adapter instanceof PostgresAdapter;

/**
 * Searches the actor's team. Errors: `invalid` (empty or over-long query, bad `since`),
 * `not_found` (a `thread` the actor may not read, an unknown teammate in `from`).
 */
export async function searchTeam(ctx: Ctx, input: unknown): Promise<SearchResult> {
  const me = requireActor(ctx);
  const p = parseInput(SearchTeam, input);
  const f: Filters = { teamId: me.teamId, limit: p.limit + 1 };
  if (p.thread) f.thread = (await getVisibleThread(ctx, p.thread)).id;
  if (p.from) f.fromId = (await resolveTeammate(ctx, me.teamId, p.from)).id;
  if (p.since) f.since = sinceMs(ctx, p.since);
  if (!isPrivileged(ctx)) f.member = me.id;
  const q = parseQuery(p.query);
  if (!q) return { hits: [], more: false };

  const pg = isPostgres(ctx);
  const [messages, tasks] = await Promise.all([
    p.in === 'tasks' ? [] : pg ? pgMessages(ctx, q, f) : sqliteMessages(ctx, q, f),
    p.in === 'messages' ? [] : pg ? pgTasks(ctx, q, f) : sqliteTasks(ctx, q, f),
  ]);
  const best = [
    ...messages.map((m) => ({ ...m, kind: 'message' as const })),
    ...tasks.map((t) => ({ ...t, kind: 'task' as const })),
  ].sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : -1));
  const shown = best.slice(0, p.limit);
  const hits = await describeHits(
    ctx,
    shown.filter((h) => h.kind === 'message'),
    shown.filter((h) => h.kind === 'task'),
  );
  const byKey = new Map(hits.map((h) => [`${h.kind}:${h.id}`, h]));
  return {
    hits: shown.map((h) => byKey.get(`${h.kind}:${h.id}`)).filter((h): h is SearchHit => h !== undefined),
    more: best.length > p.limit,
  };
}

/** The filters both dialects share, on messages `m` joined to threads `t`. */
function messageWhere(f: Filters): RawBuilder<unknown> {
  const on = [sql`m.team_id = ${f.teamId}`];
  if (f.thread) on.push(sql`m.thread_id = ${f.thread}`);
  if (f.fromId) on.push(sql`m.sender_id = ${f.fromId}`);
  if (f.since !== undefined) on.push(sql`m.created_at >= ${f.since}`);
  // Direct threads are keyed "idA:idB" (sorted): the actor's own are those naming it.
  if (f.member) {
    on.push(sql`(t.kind <> 'direct' OR t.direct_key LIKE ${`${f.member}:%`} OR t.direct_key LIKE ${`%:${f.member}`})`);
  }
  return sql.join(on, sql` AND `);
}

/** The filters both dialects share, on tasks `k`. */
function taskWhere(f: Filters): RawBuilder<unknown> {
  const on = [sql`k.team_id = ${f.teamId}`];
  if (f.thread) on.push(sql`k.thread_id = ${f.thread}`);
  if (f.fromId) on.push(sql`k.creator_id = ${f.fromId}`);
  if (f.since !== undefined) on.push(sql`k.updated_at >= ${f.since}`);
  return sql.join(on, sql` AND `);
}

// SQLite: FTS5 ranks the matches from its index alone; the scope (team, visible threads,
// filters) needs each match's row, a random read per match that costs far more than ranking
// when a word matches tens of thousands of messages. So the best few matches are ranked first
// and their rows checked; only when too few of them pass is every match joined to its row.
// bm25 is lower for better matches; subjects weigh more than bodies. Snippets come last, for
// the hits alone (snippet() reads and tokenizes the text again).

/** How many of the best matches are checked before every match is (a multiple of the limit). */
const FIRST_POOL = 4;

type Ranked = { rid: number; best: number };

async function sqliteMessages(ctx: Ctx, q: ParsedQuery, f: Filters): Promise<Match[]> {
  const match = fts5Match(q);
  const pool = f.limit * FIRST_POOL;
  const { rows: best } = await sql<Ranked>`
    SELECT rowid AS rid, bm25(messages_fts, 3.0, 1.0) AS best FROM messages_fts
     WHERE messages_fts MATCH ${match} ORDER BY best LIMIT ${pool}`.execute(ctx.db);
  if (best.length === 0) return [];
  // CROSS JOIN from the candidates: a row lookup each (as `rowid IN (…)`, SQLite scans the team's index).
  const { rows: passed } = await sql<{ rid: number }>`
    SELECT m.rowid AS rid FROM json_each(${JSON.stringify(best.map((r) => r.rid))}) AS c
      CROSS JOIN messages m CROSS JOIN threads t
     WHERE m.rowid = c.value AND t.id = m.thread_id AND ${messageWhere(f)}`.execute(ctx.db);
  const ok = new Set(passed.map((r) => r.rid));
  let top = best.filter((r) => ok.has(r.rid));
  // Fewer than asked for among the best, and more matches beyond them: rank every match in scope.
  if (top.length < f.limit && best.length === pool) {
    top = (
      await sql<Ranked>`
        SELECT m.rowid AS rid, bm25(messages_fts, 3.0, 1.0) AS best
          FROM messages_fts CROSS JOIN messages m CROSS JOIN threads t
         WHERE messages_fts MATCH ${match} AND m.rowid = messages_fts.rowid AND t.id = m.thread_id
           AND ${messageWhere(f)}
         ORDER BY best LIMIT ${f.limit}`.execute(ctx.db)
    ).rows;
  }
  top = top.slice(0, f.limit);
  if (top.length === 0) return [];
  const score = new Map(top.map((r) => [r.rid, -r.best]));
  // CROSS JOIN keeps the hits the outer loop, so FTS5 looks each up by rowid.
  const { rows } = await sql<Match & { rid: number }>`
    SELECT hit.value AS rid, m.id AS id, snippet(messages_fts, -1, ${MARK_START}, ${MARK_END}, '…', 24) AS snippet
      FROM json_each(${JSON.stringify(top.map((r) => r.rid))}) AS hit CROSS JOIN messages_fts CROSS JOIN messages m
     WHERE messages_fts.rowid = hit.value AND m.rowid = hit.value AND messages_fts MATCH ${match}`.execute(ctx.db);
  return rows.map((r) => ({ id: r.id, snippet: r.snippet, score: score.get(r.rid) ?? 0 }));
}

async function sqliteTasks(ctx: Ctx, q: ParsedQuery, f: Filters): Promise<Match[]> {
  const match = fts5Match(q);
  const { rows } = await sql<Match>`
    WITH top AS MATERIALIZED (
      SELECT k.rowid AS rid, bm25(tasks_fts, 3.0, 1.0, 1.0) AS best
        FROM tasks_fts CROSS JOIN tasks k
       WHERE tasks_fts MATCH ${match} AND k.rowid = tasks_fts.rowid AND ${taskWhere(f)}
       ORDER BY best LIMIT ${f.limit})
    SELECT k.id AS id, -top.best AS score,
           snippet(tasks_fts, -1, ${MARK_START}, ${MARK_END}, '…', 24) AS snippet
      FROM top CROSS JOIN tasks_fts CROSS JOIN tasks k
     WHERE tasks_fts.rowid = top.rid AND k.rowid = top.rid AND tasks_fts MATCH ${match}`.execute(ctx.db);
  return rows;
}

// PostgreSQL: the tsvector expressions are the indexed ones of migration 0008 (written alike,
// or the GIN index is not used); ts_headline only for the best few, for the same reason.
// ts_headline's parser drops what looks like an HTML tag (`Array<string>`), so `<` goes in as
// LT_STAND_IN and comes back in splitSnippet.
const HEADLINE = `StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=30, MinWords=12`;

async function pgMessages(ctx: Ctx, q: ParsedQuery, f: Filters): Promise<Match[]> {
  const doc = sql`to_tsvector('english'::regconfig, coalesce(m.subject, '') || ' ' || m.body)`;
  const { rows } = await sql<Match>`
    WITH q AS (SELECT ${pgTsQuery(q)} AS q),
    top AS (
      SELECT m.id, ts_rank(${doc}, q.q) AS score
        FROM messages m JOIN threads t ON t.id = m.thread_id, q
       WHERE ${doc} @@ q.q AND ${messageWhere(f)}
       ORDER BY score DESC, m.id DESC LIMIT ${f.limit})
    SELECT top.id, top.score::float8 AS score,
           ts_headline('english'::regconfig, replace(m.body, '<', ${LT_STAND_IN}), q.q, ${HEADLINE}) AS snippet
      FROM top JOIN messages m ON m.id = top.id, q`.execute(ctx.db);
  return rows;
}

async function pgTasks(ctx: Ctx, q: ParsedQuery, f: Filters): Promise<Match[]> {
  const doc = sql`to_tsvector('english'::regconfig, k.title || ' ' || k.description || ' ' || coalesce(k.result, ''))`;
  const { rows } = await sql<Match>`
    WITH q AS (SELECT ${pgTsQuery(q)} AS q),
    top AS (
      SELECT k.id, ts_rank(${doc}, q.q) AS score
        FROM tasks k, q
       WHERE ${doc} @@ q.q AND ${taskWhere(f)}
       ORDER BY score DESC, k.id DESC LIMIT ${f.limit})
    SELECT top.id, top.score::float8 AS score,
           ts_headline('english'::regconfig, replace(k.title || ' — ' || k.description || ' ' || coalesce(k.result, ''), '<', ${LT_STAND_IN}), q.q,
                       ${HEADLINE}) AS snippet
      FROM top JOIN tasks k ON k.id = top.id, q`.execute(ctx.db);
  return rows;
}

/** Where each hit is: thread, task, sender or creator, time. */
async function describeHits(ctx: Ctx, messages: Match[], tasks: Match[]): Promise<SearchHit[]> {
  const hits: SearchHit[] = [];
  const text = (m: Match) => splitSnippet(m.snippet ?? '');
  if (messages.length > 0) {
    const rows = await ctx.db
      .selectFrom('messages')
      .innerJoin('agents', 'agents.id', 'messages.sender_id')
      .innerJoin('threads', 'threads.id', 'messages.thread_id')
      .leftJoin('tasks', 'tasks.id', 'threads.task_id')
      .select([
        'messages.id',
        'messages.thread_id',
        'messages.subject',
        'messages.created_at',
        'agents.name as sender',
        'threads.kind as thread_kind',
        'threads.subject as thread_subject',
        'tasks.id as task_id',
        'tasks.number',
        'tasks.title',
        'tasks.status',
      ])
      .where(
        'messages.id',
        'in',
        messages.map((m) => m.id),
      )
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const m of messages) {
      const r = byId.get(m.id);
      if (!r) continue;
      hits.push({
        kind: 'message',
        id: r.id,
        threadId: r.thread_id,
        threadKind: r.thread_kind,
        threadSubject: r.thread_subject,
        task:
          r.task_id && r.number !== null && r.title !== null && r.status !== null
            ? toSummary({ id: r.task_id, number: r.number, title: r.title, status: r.status })
            : null,
        from: r.sender,
        subject: r.subject,
        at: iso(r.created_at),
        ...text(m),
        score: Number(m.score),
      });
    }
  }
  if (tasks.length > 0) {
    const rows = await ctx.db
      .selectFrom('tasks')
      .innerJoin('agents', 'agents.id', 'tasks.creator_id')
      .select(['tasks.id', 'tasks.number', 'tasks.title', 'tasks.status', 'tasks.thread_id', 'tasks.updated_at'])
      .select('agents.name as creator')
      .where(
        'tasks.id',
        'in',
        tasks.map((t) => t.id),
      )
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const t of tasks) {
      const r = byId.get(t.id);
      if (!r) continue;
      hits.push({
        kind: 'task',
        id: r.id,
        threadId: r.thread_id,
        threadKind: 'task',
        threadSubject: null,
        task: toSummary(r),
        from: r.creator,
        subject: null,
        at: iso(r.updated_at),
        ...text(t),
        score: Number(t.score),
      });
    }
  }
  return hits;
}
