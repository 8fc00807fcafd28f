/**
 * The flow page's routes through `app.request()` on a seeded week (test/helpers/flow-history.ts):
 * the full page and the live panel, charts as inline SVG with their numbers in tables, the
 * window's validation, and the task page's life line.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBus } from '../../server/bus.js';
import { completeTask } from '../../server/ops/tasks.js';
import { flowCache } from '../../web/flow-cache.js';
import { FLOW_FACTS, seedFlowHistory } from '../helpers/flow-history.js';
import { type BoardWorld, Browser, boardWorld } from './helpers.js';

const DAY0 = Date.UTC(2026, 2, 2);

describe('flow routes', () => {
  let w: BoardWorld;
  let b: Browser;
  beforeEach(async () => {
    w = await boardWorld();
    // Claims that outlast the seeded week, so no lease runs out under it.
    w.deps.limits = { leaseMs: 30 * 86_400_000 };
    await seedFlowHistory(w, DAY0);
    b = new Browser(w.sb);
    await b.join('pat');
  });
  afterEach(async () => {
    await w.close();
  });

  it('serves the charts with their numbers, as a page and as the live panel', async () => {
    const res = await b.get('/t/default/flow?days=7');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<a href="/t/default/flow" class="current">Flow</a>');
    for (const id of ['chart-done', 'chart-cycle', 'chart-counts', 'chart-agents', 'chart-unread']) {
      expect(html).toContain(`id="${id}"`);
    }
    expect(html.match(/<svg /g)?.length).toBe(5);
    // No inline style attributes in the charts: the page's CSP would drop them.
    expect(html).not.toMatch(/<svg[\s\S]*style="/);
    const done = html.match(/<table class="numbers" data-chart="done">[\s\S]*?<\/table>/)?.[0] ?? '';
    expect([...done.matchAll(/<td>(\d+)<\/td>/g)].map((m) => Number(m[1]))).toEqual(FLOW_FACTS.donePerDay);
    expect(html).toContain('5 tasks done in 7 days; most on 2026-03-03 (2).');
    expect(html).toContain('Median 4.0 h over 5 tasks.');
    expect(html).toContain('median 4.0 h');
    expect(html).toContain('Now 1 open, 1 in progress, 0 in review.');
    expect(html).toMatch(/<tr><td>bob<\/td><td>30.0 h<\/td><td>4.0 h<\/td>/);

    const panel = await b.fragment('/t/default/flow?days=7');
    const fragment = await panel.text();
    expect(fragment.startsWith('<section id="flow"')).toBe(true);
    expect(fragment).not.toContain('<html');
    expect(fragment).toContain('hx-trigger="sse:flow, sb-refresh from:body"');
    expect(fragment).toContain('hx-get="/t/default/flow?days=7"');

    // A change in the team is drawn in the background; the shared panel then shows it.
    const alice = await w.agent('alice');
    await completeTask(w.as(alice), { task: 7 });
    await vi.waitFor(
      async () => expect(await (await b.fragment('/t/default/flow?days=7')).text()).toContain('6 tasks done in 7 days'),
      { timeout: 5_000, interval: 50 },
    );
  });

  it('takes 30 days by default and refuses a window outside 1-90 days', async () => {
    const res = await b.get('/t/default/flow');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<strong aria-current="page">30 days</strong>');
    for (const days of ['0', '91', '2.5', 'week']) {
      const bad = await b.fragment(`/t/default/flow?days=${days}`);
      expect(bad.status).toBe(400);
      const text = await bad.text();
      expect(text).toContain('data-code="invalid"');
      expect(text).toContain('days');
    }
  });

  it('draws a task life with its phases and durations on the task page', async () => {
    const res = await b.get('/t/default/tasks/5');
    const html = await res.text();
    expect(html).toContain('id="task-life"');
    expect(html).toContain('aria-label="Phases: open 72.0 h, alice 2.0 h, bob 22.0 h, done"');
    expect(html).toContain('hand-off from alice');
  });
});

describe('flow panel cache', () => {
  it('draws once per team and window, redraws off the request path after a change, and says so', async () => {
    const bus = createBus();
    const clock = { now: 0 };
    const cache = flowCache(bus, () => clock.now, { ttlMs: 60_000, settleMs: 5 });
    const redrawn: string[] = [];
    cache.onRedrawn((team) => redrawn.push(team));
    const next = () => new Promise<string>((resolve) => cache.onRedrawn(resolve));
    let renders = 0;
    const render = async () => `panel ${++renders}`;
    expect(await Promise.all([cache.get('t1', '7', render), cache.get('t1', '7', render)])).toEqual([
      'panel 1',
      'panel 1',
    ]);
    expect(await cache.get('t1', '30', render)).toBe('panel 2');
    // Presence changes nothing the page shows; another team's change is not ours.
    bus.emit({ type: 'agent.changed', teamId: 't1', agentId: 'a' });
    bus.emit({ type: 'task.changed', teamId: 't2', taskId: 'x', event: 'claimed', actorId: null });
    expect(await cache.get('t1', '7', render)).toBe('panel 1');
    // A burst of changes: requests keep getting the last panel until both windows are drawn again, once.
    const redraw = next();
    bus.emit({ type: 'task.changed', teamId: 't1', taskId: 'x', event: 'claimed', actorId: null });
    bus.emit({ type: 'review.changed', teamId: 't1', taskId: 'x', reviewId: 'r' });
    expect(await cache.get('t1', '7', render)).toBe('panel 1');
    expect(await redraw).toBe('t1');
    expect(renders).toBe(4);
    expect(await cache.get('t1', '7', render)).toBe('panel 3');
    expect(await cache.get('t1', '30', render)).toBe('panel 4');
    expect(redrawn).toEqual(['t1']);
    // An aged panel is served once more and redrawn behind it.
    clock.now += 60_000;
    const aged = next();
    expect(await cache.get('t1', '7', render)).toBe('panel 3');
    await aged;
    expect(await cache.get('t1', '7', render)).toBe('panel 5');
    // A failed first draw is not kept.
    await expect(cache.get('t1', 'bad', () => Promise.reject(new Error('invalid')))).rejects.toThrow('invalid');
    expect(await cache.get('t1', 'bad', render)).toBe('panel 6');
  });

  it('drops, instead of redrawing, a panel nobody asked for within the time it is kept', async () => {
    const bus = createBus();
    const clock = { now: 0 };
    const cache = flowCache(bus, () => clock.now, { ttlMs: 1_000, settleMs: 1 });
    let renders = 0;
    const render = async () => `panel ${++renders}`;
    await cache.get('t1', '7', render);
    clock.now += 5_000;
    bus.emit({ type: 'task.changed', teamId: 't1', taskId: 'x', event: 'claimed', actorId: null });
    await new Promise((r) => setTimeout(r, 30));
    expect(renders).toBe(1);
    expect(await cache.get('t1', '7', render)).toBe('panel 2');
  });
});
