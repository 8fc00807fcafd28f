/**
 * The teammates' timelines of the flow report (`flow.ts`): who held which task, who was asked
 * for or gave a review, and the idle stretches between, from the window's latest hold and
 * review events. Overlapping holds are laid out as one lane per teammate.
 */
import { idFloor } from '../ids.js';
import type { Ctx } from './context.js';
import { iso } from './model.js';

interface Ev {
  task: string;
  actor: string | null;
  type: string;
  data: Record<string, unknown>;
  at: number;
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The window a flow report covers: `days` whole UTC days up to now, and the step of its series. */
export interface FlowWindow {
  /** Start of the first day (UTC ms). */
  from: number;
  /** The clock when it was computed (UTC ms). */
  to: number;
  days: number;
  /** Spacing of the points of the series over time (ms, whole hours). */
  stepMs: number;
}

/** What a teammate was doing over a stretch of time. */
export type SpanKind = 'working' | 'in_review' | 'reviewing' | 'idle';

/**
 * One stretch of a teammate's timeline: `working` (holds a task in progress), `in_review`
 * (holds only tasks waiting on a review), `reviewing` (a review it was asked for or gave is
 * open), `idle` (none of these). `tasks` are the task numbers involved.
 */
export interface FlowSpan {
  kind: SpanKind;
  start: string;
  end: string;
  tasks: number[];
}

/** A teammate's timeline over the window, with time per kind (ms) and hand-offs it took. */
export interface AgentFlow {
  agent: string;
  spans: FlowSpan[];
  totals: Record<SpanKind, number>;
  claims: number;
  handoffs: number;
  reviews: number;
}

export type Status = 'open' | 'in_progress' | 'in_review' | 'done' | 'failed' | 'cancelled';

/** The status move of an event: [before, after], or null when it moves nothing. */
export function statusMove(type: string, data: Record<string, unknown>): [Status | null, Status] | null {
  switch (type) {
    case 'created':
      return [null, 'open'];
    case 'claimed':
      return ['open', 'in_progress'];
    case 'released':
    case 'lease_expired':
      return ['in_progress', 'open'];
    case 'delegated':
      return data.previousOwner ? ['in_progress', 'open'] : null;
    case 'review_requested':
      return ['in_progress', 'in_review'];
    case 'status_changed':
      return [text(data.from) as Status, text(data.to) as Status];
    default:
      return null;
  }
}

/** Most hold and review events the teammates' timelines read (the latest of the window). */
const MAX_TIMELINE_EVENTS = 4000;
const HOLD_TYPES = [
  'claimed',
  'released',
  'lease_expired',
  'delegated',
  'handoff_accepted',
  'review_requested',
  'review_reassigned',
  'review_submitted',
  'status_changed',
];

/** The teammates' timelines from the window's latest hold and review events (task_events_team). */
export async function timelines(
  ctx: Ctx,
  teamId: string,
  w: FlowWindow,
  names: Map<string, string>,
): Promise<{ agents: AgentFlow[]; timelineFrom: string }> {
  const rows = await ctx.db
    .selectFrom('task_events')
    .innerJoin('tasks', 'tasks.id', 'task_events.task_id')
    .select([
      'task_events.task_id',
      'task_events.actor_id',
      'task_events.type',
      'task_events.data',
      'task_events.created_at',
      'tasks.number',
      'tasks.owner_id',
      'tasks.status',
    ])
    .where('task_events.team_id', '=', teamId)
    .where('task_events.id', '>=', idFloor(w.from))
    .where('task_events.created_at', '>=', w.from)
    .where('task_events.type', 'in', HOLD_TYPES)
    .orderBy('task_events.id', 'desc')
    .limit(MAX_TIMELINE_EVENTS)
    .execute();
  rows.reverse();
  const from = rows.length === MAX_TIMELINE_EVENTS ? Number((rows[0] as { created_at: number }).created_at) : w.from;
  const numbers = new Map<string, number>();
  const owners = new Map<string, string | null>();
  const statuses = new Map<string, Status>();
  const byTask = new Map<string, Ev[]>();
  for (const r of rows) {
    numbers.set(r.task_id, Number(r.number));
    owners.set(r.task_id, r.owner_id ? (names.get(r.owner_id) ?? null) : null);
    statuses.set(r.task_id, r.status);
    let list = byTask.get(r.task_id);
    if (!list) {
      list = [];
      byTask.set(r.task_id, list);
    }
    list.push({
      task: r.task_id,
      actor: r.actor_id ? (names.get(r.actor_id) ?? null) : null,
      type: r.type,
      data: r.type === 'claimed' ? {} : (JSON.parse(r.data) as Record<string, unknown>),
      at: Number(r.created_at),
    });
  }
  return {
    timelineFrom: iso(from),
    agents: agentTimelines({ ...w, from }, byTask, numbers, owners, statuses, new Set(names.values())),
  };
}

interface RawSpan {
  agent: string;
  kind: Exclude<SpanKind, 'idle'>;
  start: number;
  end: number;
  task: number;
}

/** Owner of a task just before an event, where the event says it. */
function ownerBefore(e: Ev): string | null | undefined {
  switch (e.type) {
    case 'claimed':
      return null;
    case 'released':
    case 'lease_expired':
      return text(e.data.previousOwner);
    case 'delegated':
      return e.data.previousOwner ? text(e.data.previousOwner) : undefined;
    case 'handoff_accepted':
      return text(e.data.from);
    default:
      return undefined;
  }
}

/** Who held what (and who reviewed what) per task, then per teammate as non-overlapping spans. */
function agentTimelines(
  w: FlowWindow,
  byTask: Map<string, Ev[]>,
  numbers: Map<string, number>,
  owners: Map<string, string | null>,
  statuses: Map<string, Status>,
  roster: Set<string>,
): AgentFlow[] {
  const spans: RawSpan[] = [];
  const tally = new Map<string, { claims: number; handoffs: number; reviews: number }>();
  const count = (agent: string, key: 'claims' | 'handoffs' | 'reviews') => {
    let t = tally.get(agent);
    if (!t) {
      t = { claims: 0, handoffs: 0, reviews: 0 };
      tally.set(agent, t);
    }
    t[key] += 1;
  };
  for (const [taskId, events] of byTask) {
    const task = numbers.get(taskId) ?? 0;
    // The state at the window's start: the first event's move tells the status, the first
    // event that says so the owner (else the owner the task has now, kept after it finishes).
    const firstMove = events.map((e) => statusMove(e.type, e.data)).find((m) => m !== null);
    let status: Status | null = firstMove ? firstMove[0] : (statuses.get(taskId) ?? null);
    const told = events.map(ownerBefore).find((o) => o !== undefined);
    let owner: string | null = told !== undefined ? told : (owners.get(taskId) ?? null);
    let held: { kind: 'working' | 'in_review'; agent: string; start: number } | null = null;
    const hold = (at: number) => {
      const kind = status === 'in_progress' ? 'working' : status === 'in_review' ? 'in_review' : null;
      if (held && (held.kind !== kind || held.agent !== owner)) {
        if (at > held.start) spans.push({ ...held, end: at, task });
        held = null;
      }
      if (!held && kind && owner) held = { kind, agent: owner, start: at };
    };
    hold(w.from);
    let review: { reviewer: string | null; start: number } | null =
      status === 'in_review' ? { reviewer: null, start: w.from } : null;
    for (const e of events) {
      const move = statusMove(e.type, e.data);
      if (move) status = move[1];
      if (e.type === 'claimed' || e.type === 'handoff_accepted') owner = e.actor;
      if (e.type === 'claimed' && e.actor) count(e.actor, 'claims');
      if (e.type === 'handoff_accepted' && e.actor) count(e.actor, 'handoffs');
      if (move && move[1] === 'open') owner = null;
      if (e.type === 'review_requested') review = { reviewer: text(e.data.reviewer), start: e.at };
      if (e.type === 'review_reassigned') review = { reviewer: text(e.data.to), start: e.at };
      if (e.type === 'review_submitted' && e.actor) {
        spans.push({ agent: e.actor, kind: 'reviewing', start: review?.start ?? w.from, end: e.at, task });
        count(e.actor, 'reviews');
        review = null;
      }
      hold(e.at);
    }
    if (held) spans.push({ ...(held as { kind: 'working'; agent: string; start: number }), end: w.to, task });
    // A review still open with a named reviewer is on that reviewer's plate until now.
    const r = review as { reviewer: string | null; start: number } | null;
    if (r?.reviewer && roster.has(r.reviewer) && status === 'in_review') {
      spans.push({ agent: r.reviewer, kind: 'reviewing', start: r.start, end: w.to, task });
    }
  }
  const perAgent = new Map<string, RawSpan[]>();
  for (const s of spans) {
    let list = perAgent.get(s.agent);
    if (!list) {
      list = [];
      perAgent.set(s.agent, list);
    }
    list.push(s);
  }
  return [...perAgent.keys()].sort().map((agent) => {
    const laid = layOut(w, perAgent.get(agent) as RawSpan[]);
    const totals = { working: 0, in_review: 0, reviewing: 0, idle: 0 };
    for (const s of laid) totals[s.kind] += s.end - s.start;
    return {
      agent,
      spans: laid.map((s) => ({ kind: s.kind, start: iso(s.start), end: iso(s.end), tasks: s.tasks })),
      totals,
      ...(tally.get(agent) ?? { claims: 0, handoffs: 0, reviews: 0 }),
    };
  });
}

const RANK: Record<SpanKind, number> = { working: 3, reviewing: 2, in_review: 1, idle: 0 };

/** Overlapping spans as one lane: each stretch takes the busiest kind present; gaps are idle. */
function layOut(w: FlowWindow, spans: RawSpan[]): { kind: SpanKind; start: number; end: number; tasks: number[] }[] {
  const edges = [...new Set([w.from, w.to, ...spans.flatMap((s) => [s.start, s.end])])].sort((a, b) => a - b);
  const byStart = [...spans].sort((a, b) => a.start - b.start);
  const out: { kind: SpanKind; start: number; end: number; tasks: number[] }[] = [];
  let active: RawSpan[] = [];
  let next = 0;
  for (let i = 0; i + 1 < edges.length; i++) {
    const a = edges[i] as number;
    const b = edges[i + 1] as number;
    active = active.filter((s) => s.end > a);
    while (next < byStart.length && (byStart[next] as RawSpan).start <= a) {
      const s = byStart[next++] as RawSpan;
      if (s.end > a) active.push(s);
    }
    let kind: SpanKind = 'idle';
    for (const s of active) if (RANK[s.kind] > RANK[kind]) kind = s.kind;
    const tasks = [...new Set(active.filter((s) => s.kind === kind).map((s) => s.task))].sort((x, y) => x - y);
    const last = out[out.length - 1];
    if (last && last.kind === kind && last.end === a && String(last.tasks) === String(tasks)) last.end = b;
    else out.push({ kind, start: a, end: b, tasks });
  }
  return out;
}
