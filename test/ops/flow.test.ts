/**
 * The flow report and the unread backlog on a known week of history (test/helpers/flow-history.ts),
 * with the clock injected: done per day, cycle times and their median, counts over time, each
 * teammate's spans, the unread backlog, a task's phases, and the window's validation.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { teamFlow } from '../../server/ops/flow.js';
import { unreadBacklog } from '../../server/ops/flow-mail.js';
import { checkMessages, sendMessage } from '../../server/ops/messages.js';
import { taskPhases } from '../../server/ops/task-phases.js';
import { getTask } from '../../server/ops/tasks.js';
import { createWorld, rejects, type TestWorld } from '../helpers/ctx.js';
import { FLOW_FACTS, seedFlowHistory } from '../helpers/flow-history.js';

const H = 3_600_000;
const DAY0 = Date.UTC(2026, 2, 2);

describe('flow report', () => {
  let w: TestWorld;
  beforeEach(async () => {
    w = await createWorld({ leaseMs: 30 * 24 * H });
  });
  afterEach(() => w.close());

  it('counts tasks done per day and the cycle time from first claim to done, with its median', async () => {
    const { alice } = await seedFlowHistory(w, DAY0);
    const f = await teamFlow(w.as(alice), { days: 7 });
    expect(f.from).toBe(new Date(DAY0).toISOString());
    expect(f.stepMs).toBe(H);
    expect(f.donePerDay.map((d) => d.count)).toEqual(FLOW_FACTS.donePerDay);
    expect(f.donePerDay[0]?.day).toBe('2026-03-02');
    expect(f.cycle.count).toBe(5);
    expect(f.cycle.tasks.map((t) => [t.number, t.ms / H])).toEqual([
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 6],
      [5, 24],
    ]);
    expect((f.cycle.medianMs ?? 0) / H).toBe(FLOW_FACTS.medianHours);
    // A shorter window keeps only what finished in it: day 4's task, claimed before the window.
    const short = await teamFlow(w.as(alice), { days: 3 });
    expect(short.donePerDay.map((d) => d.count)).toEqual([1, 0, 0]);
    expect(short.cycle.tasks.map((t) => [t.number, t.ms / H])).toEqual([[5, 24]]);
  });

  it('walks the state counts back from now through the window', async () => {
    const { alice } = await seedFlowHistory(w, DAY0);
    const f = await teamFlow(w.as(alice), { days: 7 });
    expect(f.counts).toHaveLength(6 * 24 + 12 + 1);
    const point = (h: number) => {
      const c = f.counts[h];
      return c && [c.at, c.open, c.inProgress, c.inReview];
    };
    const iso = (h: number) => new Date(DAY0 + h * H).toISOString();
    expect(point(0)).toEqual([iso(0), 0, 0, 0]);
    expect(point(11)).toEqual([iso(11), 5, 1, 0]);
    expect(point(24)).toEqual([iso(24), 5, 0, 0]);
    expect(point(36)).toEqual([iso(36), 3, 1, 1]);
    expect(point(60)).toEqual([iso(60), 2, 1, 0]);
    const last = f.counts[f.counts.length - 1];
    expect(last && { open: last.open, inProgress: last.inProgress, inReview: last.inReview }).toEqual(
      FLOW_FACTS.countsNow,
    );
    // Seen from a later window start, the counts at its start come out the same.
    const later = await teamFlow(w.as(alice), { days: 5 });
    expect(later.counts[0] && [later.counts[0].open, later.counts[0].inProgress]).toEqual([3, 0]);
  });

  it('lays out what each teammate held, waited on and reviewed, and the idle time between', async () => {
    const { alice } = await seedFlowHistory(w, DAY0);
    const f = await teamFlow(w.as(alice), { days: 7 });
    expect(f.agents.map((a) => a.agent)).toEqual(['alice', 'bob', 'rita']);
    for (const a of f.agents) {
      const want = FLOW_FACTS.agents[a.agent as keyof typeof FLOW_FACTS.agents];
      const hoursOf = (k: 'working' | 'in_review' | 'reviewing') => a.totals[k] / H;
      expect({
        working: hoursOf('working'),
        in_review: hoursOf('in_review'),
        reviewing: hoursOf('reviewing'),
        claims: a.claims,
        handoffs: a.handoffs,
        reviews: a.reviews,
      }).toEqual(want);
      expect(a.totals.idle / H).toBe(FLOW_FACTS.windowHours - want.working - want.in_review - want.reviewing);
    }
    const bob = f.agents.find((a) => a.agent === 'bob');
    const span = (start: number, end: number) => ({
      start: new Date(DAY0 + start * H).toISOString(),
      end: new Date(DAY0 + end * H).toISOString(),
    });
    // Task #4: working, waiting on review, back after changes were asked for, waiting again.
    expect(bob?.spans.filter((s) => s.tasks.includes(4))).toEqual([
      { kind: 'working', tasks: [4], ...span(57.5, 58.5) },
      { kind: 'in_review', tasks: [4], ...span(58.5, 59.5) },
      { kind: 'working', tasks: [4], ...span(59.5, 61.5) },
      { kind: 'in_review', tasks: [4], ...span(61.5, 63.5) },
    ]);
    // The hand-off: task #5 is bob's from its acceptance to its completion.
    expect(bob?.spans.find((s) => s.tasks.includes(5))).toEqual({ kind: 'working', tasks: [5], ...span(83.5, 105.5) });
    const alices = f.agents.find((a) => a.agent === 'alice');
    expect(alices?.spans.find((s) => s.tasks.includes(5))).toEqual({
      kind: 'working',
      tasks: [5],
      ...span(81.5, 83.5),
    });
    expect(alices?.spans.at(-1)).toEqual({ kind: 'working', tasks: [7], ...span(133.5, 156) });
  });

  it('tells a task phases with durations', async () => {
    const { alice } = await seedFlowHistory(w, DAY0);
    const d = await getTask(w.as(alice), { task: 4 });
    const phases = taskPhases(d.events, w.clock.now);
    expect(phases.map((p) => [p.state, p.who, p.why, p.ms / H])).toEqual([
      ['open', null, 'created', 57.5 - 9.5],
      ['in_progress', 'bob', 'claimed', 1],
      ['in_review', 'bob', 'review asked of rita', 1],
      ['in_progress', 'bob', 'changes requested', 2],
      ['in_review', 'bob', 'review asked of rita', 2],
      ['done', null, 'finished', 0],
    ]);
    const open = taskPhases((await getTask(w.as(alice), { task: 7 })).events, w.clock.now);
    expect(open.at(-1)).toMatchObject({ state: 'in_progress', who: 'alice', end: null, ms: 22.5 * H });
  });

  it('follows each teammate unread backlog over the window', async () => {
    w.clock.now = DAY0 + 9.5 * H;
    const carol = await w.agent('carol');
    const dan = await w.agent('dan');
    await sendMessage(w.as(carol), { to: 'dan', message: 'one' });
    w.tick(H);
    await sendMessage(w.as(carol), { to: 'dan', message: 'two' });
    await sendMessage(w.as(dan), { to: 'carol', message: 'hi' });
    w.clock.now = DAY0 + 24 * H + 10.5 * H;
    await sendMessage(w.as(carol), { to: 'dan', message: 'three' });
    w.clock.now = DAY0 + 48 * H + 10.5 * H;
    await checkMessages(w.as(dan), {});
    w.clock.now = DAY0 + 60 * H;
    const m = await unreadBacklog(w.as(carol), { days: 3 });
    expect(m.at).toHaveLength(61);
    expect(m.agents.map((a) => [a.agent, a.peak])).toEqual([
      ['carol', 1],
      ['dan', 3],
    ]);
    const dans = m.agents.find((a) => a.agent === 'dan')?.unread ?? [];
    expect([dans[9], dans[10], dans[11], dans[34], dans[35], dans[58], dans[59], dans[60]]).toEqual([
      0, 1, 2, 2, 3, 3, 0, 0,
    ]);
    // A window that starts after the mail arrived counts it from its first point.
    const later = await unreadBacklog(w.as(carol), { days: 1 });
    expect(later.agents.find((a) => a.agent === 'dan')?.unread.slice(0, 11)).toEqual(new Array(11).fill(3));
  });

  it('rejects a window outside 1-90 days and changes nothing', async () => {
    const alice = await w.agent('alice');
    for (const days of [0, 91, 2.5, 'many']) {
      await rejects(teamFlow(w.as(alice), { days }), 'invalid', /days/);
      await rejects(unreadBacklog(w.as(alice), { days }), 'invalid', /days/);
    }
    await rejects(teamFlow(w.as(alice), { days: 7, team: 'other' }), 'invalid');
    await rejects(teamFlow(w.as(null), {}), 'unauthorized');
  });
});
