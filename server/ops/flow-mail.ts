/**
 * The mail side of the flow page: each teammate's unread backlog over the window, at the same
 * points as the task counts (`flow.ts` `pointTimes`). Grouped in the database per recipient and
 * time bucket from covering indexes (`deliveries_team_created` for arrivals, `deliveries_inbox`
 * for reads and today's backlog), so the rows read back stay few however much mail the team
 * sends, and nothing before the window is read.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import { type Ctx, requireActor } from './context.js';
import { flowWindow, pointTimes } from './flow.js';
import { iso } from './model.js';
import { parseInput } from './schemas.js';

export const UnreadBacklog = z.strictObject({
  days: z.number().int().min(1).max(90).default(30).describe('whole UTC days to cover, today included (1-90)'),
});
export type UnreadBacklog = z.infer<typeof UnreadBacklog>;

/** A teammate's unread messages at each point of `UnreadReport.at`, and the most at any point. */
export interface UnreadSeries {
  agent: string;
  unread: number[];
  peak: number;
}

export interface UnreadReport {
  /** The points' times (ISO), every `stepMs` from the window's start, then now. */
  at: string[];
  stepMs: number;
  /** Teammates whose backlog was above zero at some point, by name. */
  agents: UnreadSeries[];
}

/**
 * Unread backlog per teammate of the actor's team over the last `days` UTC days: at each point,
 * messages delivered to it before then and not read by then.
 * Errors: `invalid` (days not 1-90), `unauthorized` without an actor.
 */
export async function unreadBacklog(ctx: Ctx, input: unknown = {}): Promise<UnreadReport> {
  const p = parseInput(UnreadBacklog, input);
  const me = requireActor(ctx);
  const w = flowWindow(ctx.now(), p.days);
  const points = pointTimes(w);
  const bucket = (col: 'created_at' | 'read_at') =>
    sql<number>`(${sql.ref(`deliveries.${col}`)} - ${sql.lit(w.from)}) / ${sql.lit(w.stepMs)}`;
  const team = ctx.db.selectFrom('agents as m').select('m.id').where('m.team_id', '=', me.teamId);
  const [agents, unreadNow, arrived, read] = await Promise.all([
    ctx.db
      .selectFrom('agents')
      .select(['id', 'name'])
      .where('team_id', '=', me.teamId)
      .where('kind', '!=', 'system')
      .execute(),
    // Unread now; walked back through the window's arrivals and reads below.
    ctx.db
      .selectFrom('deliveries')
      .select(['recipient_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('recipient_id', 'in', team)
      .where('read_at', 'is', null)
      .groupBy('recipient_id')
      .execute(),
    ctx.db
      .selectFrom('deliveries')
      .select(['recipient_id', bucket('created_at').as('b'), (eb) => eb.fn.countAll<number>().as('n')])
      .where('team_id', '=', me.teamId)
      .where('created_at', '>=', w.from)
      .groupBy(['recipient_id', 'b'])
      .execute(),
    ctx.db
      .selectFrom('deliveries')
      .select(['recipient_id', bucket('read_at').as('b'), (eb) => eb.fn.countAll<number>().as('n')])
      .where('recipient_id', 'in', team)
      .where('read_at', '>=', w.from)
      .groupBy(['recipient_id', 'b'])
      .execute(),
  ]);
  const last = points.length - 1;
  const delta = new Map<string, number[]>();
  const add = (id: string, k: number, n: number) => {
    let d = delta.get(id);
    if (!d) {
      d = new Array<number>(points.length).fill(0);
      delta.set(id, d);
    }
    d[Math.min(last, k)] = (d[Math.min(last, k)] as number) + n;
  };
  // A message arriving (or read) in bucket b counts from the point that ends the bucket; the
  // backlog at the window's start is today's less what arrived since, plus what was read since.
  for (const r of unreadNow) add(r.recipient_id, 0, Number(r.n));
  for (const r of arrived) {
    add(r.recipient_id, Math.floor(Number(r.b)) + 1, Number(r.n));
    add(r.recipient_id, 0, -Number(r.n));
  }
  for (const r of read) {
    add(r.recipient_id, Math.floor(Number(r.b)) + 1, -Number(r.n));
    add(r.recipient_id, 0, Number(r.n));
  }
  const out: UnreadSeries[] = [];
  for (const a of agents.sort((x, y) => (x.name < y.name ? -1 : 1))) {
    const d = delta.get(a.id);
    if (!d) continue;
    let run = 0;
    const unread = d.map((n) => (run += n));
    const peak = Math.max(...unread);
    if (peak > 0) out.push({ agent: a.name, unread, peak });
  }
  return { at: points.map(iso), stepMs: w.stepMs, agents: out };
}
