/**
 * How work flows through a team, from the task event log: tasks finished per day, cycle time
 * (first claim to done) per task and its median, the open / in progress / in review counts over
 * time, and per teammate what it held and when. The board's flow page draws them
 * (web/components/flow.tsx); the unread backlog is in `flow-mail.ts`.
 *
 * Every read is bounded by the window and has an index behind it (migration 0010); nothing
 * before the window is read. The state moves are counted per time bucket in the database, and
 * since every event type moves a task between known states (a delegation takes back a claim
 * only while the task is in progress, never in review), the counts at the window's start are
 * today's counts less the window's moves. Done per day and cycle times come from the tasks'
 * completion times and each one's first claim; the timelines are in `flow-timeline.ts`.
 */
import { PostgresAdapter, sql } from 'kysely';
import { z } from 'zod';
import { type Ctx, requireActor } from './context.js';
import { type AgentFlow, type FlowWindow, statusMove, timelines } from './flow-timeline.js';
import { iso } from './model.js';
import { parseInput } from './schemas.js';

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** At most this many points per series over time (the step grows with the window). */
const MAX_POINTS = 240;
/** The cycle-time chart lists the latest this many finished tasks (the median covers all). */
const MAX_CYCLE_TASKS = 200;

export type { AgentFlow, FlowSpan, FlowWindow, SpanKind } from './flow-timeline.js';

export const TeamFlow = z.strictObject({
  days: z.number().int().min(1).max(90).default(30).describe('whole UTC days to cover, today included (1-90)'),
});
export type TeamFlow = z.infer<typeof TeamFlow>;

/** The window for `days` ending at `now`. */
export function flowWindow(now: number, days: number): FlowWindow {
  const from = Math.floor(now / DAY_MS) * DAY_MS - (days - 1) * DAY_MS;
  const stepMs = Math.max(1, Math.ceil((days * 24) / MAX_POINTS)) * HOUR_MS;
  return { from, to: now, days, stepMs };
}

/** Times of the series' points: every `stepMs` from `from`, then `to` itself. */
export function pointTimes(w: FlowWindow): number[] {
  const out: number[] = [];
  for (let t = w.from; t < w.to; t += w.stepMs) out.push(t);
  out.push(w.to);
  return out;
}

/** A task finished in the window and how long it took from its first claim (ms). */
export interface CycleTime {
  number: number;
  claimedAt: string;
  doneAt: string;
  ms: number;
}

/** Counts of tasks by state at one time. */
export interface StateCounts {
  at: string;
  open: number;
  inProgress: number;
  inReview: number;
}

/** The flow report (see the file's docstring). */
export interface FlowReport {
  team: string;
  from: string;
  to: string;
  days: number;
  stepMs: number;
  /** Tasks finished as done per UTC day (`YYYY-MM-DD`), every day of the window. */
  donePerDay: { day: string; count: number }[];
  /** The latest finished tasks (at most 200, oldest first); `count` and `medianMs` cover all. */
  cycle: { tasks: CycleTime[]; count: number; medianMs: number | null };
  /** Counts at each point (every `stepMs` from `from`, then now). */
  counts: StateCounts[];
  /** Teammates with anything in the timeline, by name. */
  agents: AgentFlow[];
  /** Where the timelines start: `from`, or later when the window held more events than they read. */
  timelineFrom: string;
}

/** The median of `values` (the mean of the middle two for an even count), or null for none. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** A field of a task event's JSON data as text, in the database's own JSON dialect. */
function dataField(ctx: Ctx, key: string) {
  return ctx.db.getExecutor().adapter instanceof PostgresAdapter
    ? sql<string | null>`(task_events.data::json ->> ${sql.lit(key)})`
    : sql<string | null>`json_extract(task_events.data, ${sql.lit(`$.${key}`)})`;
}

/**
 * The flow report of the actor's team for the last `days` UTC days. The counts, the done
 * per day and the cycle times are grouped in the database; the teammates' timelines read at
 * most 4,000 of the window's latest hold and review events (`timelineFrom` says from when).
 * Errors: `invalid` (days not 1-90), `unauthorized` without an actor.
 */
export async function teamFlow(ctx: Ctx, input: unknown = {}): Promise<FlowReport> {
  const p = parseInput(TeamFlow, input);
  const me = requireActor(ctx);
  const w = flowWindow(ctx.now(), p.days);
  const bucket = (col: string) => sql<number>`(${sql.ref(col)} - ${sql.lit(w.from)}) / ${sql.lit(w.stepMs)}`;
  const [plain, withData, current, donePerDay, cycle, agents] = await Promise.all([
    // Moves whose states follow from their type come from the index alone; the rest read their data.
    ctx.db
      .selectFrom('task_events')
      .select((eb) => [bucket('created_at').as('b'), 'type', eb.fn.countAll<number>().as('n')])
      .where('team_id', '=', me.teamId)
      .where('created_at', '>=', w.from)
      .where('type', 'in', ['created', 'claimed', 'released', 'lease_expired', 'review_requested'])
      .groupBy(['b', 'type'])
      .execute(),
    ctx.db
      .selectFrom('task_events')
      .select((eb) => [
        bucket('task_events.created_at').as('b'),
        'type',
        dataField(ctx, 'from').as('from'),
        dataField(ctx, 'to').as('to'),
        dataField(ctx, 'previousOwner').as('previous'),
        eb.fn.countAll<number>().as('n'),
      ])
      .where('team_id', '=', me.teamId)
      .where('created_at', '>=', w.from)
      .where('type', 'in', ['delegated', 'status_changed'])
      .groupBy(['b', 'type', 'from', 'to', 'previous'])
      .execute(),
    ctx.db
      .selectFrom('tasks')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('team_id', '=', me.teamId)
      .where('status', 'in', ['open', 'in_progress', 'in_review'])
      .groupBy('status')
      .execute(),
    donePerDayOf(ctx, me.teamId, w),
    cycleTimes(ctx, me.teamId, w),
    ctx.db.selectFrom('agents').select(['id', 'name']).where('team_id', '=', me.teamId).execute(),
  ]);
  const now = { open: 0, in_progress: 0, in_review: 0 } as Record<string, number>;
  for (const c of current) now[c.status] = Number(c.n);
  const timeline = await timelines(ctx, me.teamId, w, new Map(agents.map((a) => [a.id, a.name])));
  return {
    team: me.team,
    from: iso(w.from),
    to: iso(w.to),
    days: w.days,
    stepMs: w.stepMs,
    donePerDay,
    cycle,
    counts: stateCounts(pointTimes(w), now, [
      ...plain.map((m) => ({ ...m, from: null, to: null, previous: null })),
      ...withData,
    ]),
    ...timeline,
  };
}

/** Counts at each point: the current counts walked back through the window's moves. */
function stateCounts(
  points: number[],
  current: Record<string, number>,
  moves: { b: number; type: string; from: string | null; to: string | null; previous: string | null; n: number }[],
): StateCounts[] {
  const keys = ['open', 'in_progress', 'in_review'] as const;
  // delta[k]: the moves between point k-1 and point k.
  const delta = points.map(() => ({ open: 0, in_progress: 0, in_review: 0 }) as Record<string, number>);
  const start = { ...current };
  for (const m of moves) {
    const move = statusMove(m.type, { from: m.from, to: m.to, previousOwner: m.previous });
    if (!move) continue;
    const n = Number(m.n);
    const d = delta[Math.min(points.length - 1, Math.floor(Number(m.b)) + 1)] as Record<string, number>;
    const [before, after] = move;
    if (before && before in d) {
      (d[before] as number) -= n;
      (start[before] as number) += n;
    }
    if (after in d) {
      (d[after] as number) += n;
      (start[after] as number) -= n;
    }
  }
  const run = { ...start };
  return points.map((t, k) => {
    for (const key of keys) (run[key] as number) += (delta[k] as Record<string, number>)[key] as number;
    return { at: iso(t), open: run.open ?? 0, inProgress: run.in_progress ?? 0, inReview: run.in_review ?? 0 };
  });
}

/** Tasks finished as done per UTC day, from the tasks' completion times (`tasks_team_completed`). */
async function donePerDayOf(ctx: Ctx, teamId: string, w: FlowWindow): Promise<FlowReport['donePerDay']> {
  const rows = await ctx.db
    .selectFrom('tasks')
    .select([
      sql<number>`(completed_at - ${sql.lit(w.from)}) / ${sql.lit(DAY_MS)}`.as('d'),
      (eb) => eb.fn.countAll<number>().as('n'),
    ])
    .where('team_id', '=', teamId)
    .where('completed_at', '>=', w.from)
    .where('status', '=', 'done')
    .groupBy('d')
    .execute();
  const perDay = new Array<number>(w.days).fill(0);
  for (const r of rows) {
    const d = Math.floor(Number(r.d));
    if (d < w.days) perDay[d] = (perDay[d] as number) + Number(r.n);
  }
  return perDay.map((count, i) => ({ day: iso(w.from + i * DAY_MS).slice(0, 10), count }));
}

/**
 * Cycle times of the tasks done in the window: from each one's first claim (an indexed look-up
 * in `task_events_task_type`) to its completion; the latest 200 and the median of all. A task
 * done without ever being claimed has none.
 */
async function cycleTimes(ctx: Ctx, teamId: string, w: FlowWindow): Promise<FlowReport['cycle']> {
  const firstClaim = sql<
    number | null
  >`(select min(e.created_at) from task_events e where e.task_id = tasks.id and e.type = 'claimed')`;
  const done = ctx.db
    .selectFrom('tasks')
    .select(['number', 'completed_at', firstClaim.as('claimed_at')])
    .where('team_id', '=', teamId)
    .where('completed_at', '>=', w.from)
    .where('status', '=', 'done');
  const rows = (await done.orderBy('completed_at').orderBy('number').execute()).filter((r) => r.claimed_at !== null);
  const latest = rows.slice(-MAX_CYCLE_TASKS);
  const count = rows.length;
  const medianMs = median(rows.map((r) => Number(r.completed_at) - Number(r.claimed_at)));
  return {
    tasks: latest.map((r) => ({
      number: Number(r.number),
      claimedAt: iso(Number(r.claimed_at)),
      doneAt: iso(Number(r.completed_at)),
      ms: Number(r.completed_at) - Number(r.claimed_at),
    })),
    count,
    medianMs,
  };
}
