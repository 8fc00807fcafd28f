/**
 * The flow page in a real browser (Debian's chromium through playwright-core) against a real
 * server, on history seeded through the operations with a clock set days back: the charts
 * render with the seeded numbers, follow a change live, and give the README screenshot
 * (docs/flow.png when UPDATE_SCREENSHOTS=1, else test-results/).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { upsertAgent } from '../../server/ops/agents.js';
import { createCtx } from '../../server/ops/context.js';
import { sendMessage } from '../../server/ops/messages.js';
import type { Agent } from '../../server/ops/model.js';
import { requestReview, submitReview } from '../../server/ops/reviews.js';
import { claimTask, completeTask, createTask } from '../../server/ops/tasks.js';
import { launchChromium, openBoardAs } from '../helpers/browser.js';
import { FLOW_FACTS, type HistoryWorld, seedFlowHistory } from '../helpers/flow-history.js';
import { startServer, type TestServer } from '../helpers/server.js';

const DAY = 86_400_000;
const H = 3_600_000;

describe('the flow page in a browser', () => {
  let browser: BrowserContext;
  let server: TestServer;
  let page: Page;

  let closeBrowser: () => Promise<void> = async () => {};

  beforeAll(async () => {
    ({ browser, close: closeBrowser } = await launchChromium({ width: 1200, height: 900 }));
  });
  afterAll(async () => {
    await closeBrowser();
  });
  beforeEach(async () => {
    server = await startServer();
    page = await browser.newPage();
  });
  afterEach(async () => {
    await page.close();
    await server.destroy();
    await browser.clearCookies();
  });

  /** The operations on the server's database, with a clock of our own (claims that never lapse). */
  function history(): HistoryWorld & { clock: { now: number } } {
    const clock = { now: Date.now() };
    const deps = { ...server.deps, now: () => clock.now, limits: { leaseMs: 60 * DAY } };
    return {
      clock,
      agent: async (name, o = {}) =>
        (await upsertAgent(createCtx(deps, null), { name, team: 'default', ...(o.role && { role: o.role }) })).agent,
      as: (agent: Agent) => createCtx(deps, agent),
    };
  }

  it('draws the seeded week with its numbers and follows a finished task live', async () => {
    const today = Math.floor(Date.now() / DAY) * DAY;
    const w = history();
    const { alice } = await seedFlowHistory(w, today - 6 * DAY);
    await openBoardAs(page, server.url, 'pat', '/t/default/flow?days=7');

    // The table beside the chart, the bars' labels in the SVG, and the chart's accessible name.
    const doneCells = page.locator('table[data-chart=done] tbody td:nth-child(2)');
    expect(await doneCells.allTextContents()).toEqual(FLOW_FACTS.donePerDay.map(String));
    const bars = await page.locator('#chart-done svg text').allTextContents();
    for (const n of [1, 2]) expect(bars).toContain(String(n));
    expect(await page.locator('#chart-done svg path').count()).toBeGreaterThan(5);
    expect(await page.locator('#chart-done [role=img]').getAttribute('aria-label')).toContain('5 tasks done in 7 days');
    expect(await page.locator('#chart-cycle figcaption').textContent()).toContain('Median 4.0 h over 5 tasks');
    expect(await page.locator('#chart-cycle svg').textContent()).toContain('median 4.0 h');
    expect(await page.locator('#chart-counts figcaption').textContent()).toContain(
      'Now 1 open, 1 in progress, 0 in review',
    );
    // The timeline names its rows and the tasks in its spans.
    const timeline = await page.locator('#chart-agents svg').textContent();
    for (const s of ['alice', 'bob', 'rita', '#5']) expect(timeline).toContain(s);
    const bob = page.locator('table[data-chart=agents] tr', { hasText: 'bob' });
    expect(await bob.locator('td').allTextContents()).toEqual([
      'bob',
      '30.0 h',
      '4.0 h',
      '0 min',
      expect.any(String),
      '4',
      '1',
      '0',
    ]);
    // Fonts reach the SVG as attributes: the page's CSP drops inline style attributes.
    expect(await page.locator('#chart-done svg text').first().getAttribute('font-size')).toBe('12px');

    // Alice finishes task #7 now: the panel refreshes over the live stream.
    w.clock.now = Date.now();
    await completeTask(w.as(alice), { task: 7 });
    await expect.poll(async () => (await doneCells.allTextContents()).at(-1), { timeout: 10_000 }).toBe('1');
    expect(await page.locator('#chart-done [role=img]').getAttribute('aria-label')).toContain('6 tasks done in 7 days');

    // The task page shows its life with durations.
    await page.goto(`${server.url}/t/default/tasks/4`);
    const life = page.locator('#task-life');
    expect(await life.locator('ol.phases li').count()).toBe(6);
    expect(await life.locator('ol.phases').textContent()).toContain('changes requested');
    expect(await life.locator('[role=img]').getAttribute('aria-label')).toContain('bob 1.0 h');
  });

  it('takes the flow screenshot from a busier fortnight', async () => {
    const now = Date.now();
    const w = history();
    const names = ['ana', 'ben', 'cleo', 'dev', 'eli', 'rita'];
    const team: Agent[] = [];
    for (const n of names) team.push(await w.agent(n, n === 'rita' ? { role: 'reviewer' } : {}));
    const rita = team[5] as Agent;
    // A deterministic fortnight: each day a few tasks are created, claimed, some reviewed, most finished.
    let seed = 7;
    const rand = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    let n = 0;
    for (let day = 13; day >= 0; day--) {
      const start = now - day * DAY - 14 * H;
      for (let k = 0; k < 3 + Math.floor(rand() * 4); k++) {
        const who = team[Math.floor(rand() * 5)] as Agent;
        w.clock.now = start + k * 40 * 60_000;
        await createTask(w.as(team[0] as Agent), { title: `Work item ${++n}` });
        if (day === 0 && k > 2) continue;
        w.clock.now += Math.round((0.5 + rand()) * H);
        await claimTask(w.as(who), { task: n });
        if (day === 0 && k > 0) continue;
        w.clock.now += Math.round((1 + rand() * 7) * H);
        if (rand() < 0.4) {
          await requestReview(w.as(who), { task: n, reviewer: 'rita' });
          w.clock.now += Math.round((0.5 + rand() * 3) * H);
          await submitReview(w.as(rita), { review: `#${n}`, verdict: 'approved' });
        } else {
          await completeTask(w.as(who), { task: n });
        }
      }
      w.clock.now = start + 3 * H;
      for (let m = 0; m < 4; m++) {
        await sendMessage(w.as(team[m] as Agent), {
          to: names[(m + 1 + (day % 4)) % 5] as string,
          message: `Note ${day}/${m}`,
        });
      }
    }
    await openBoardAs(page, server.url, 'pat', '/t/default/flow?days=14');
    await page.locator('#chart-agents svg').waitFor();
    expect(
      Number(await page.locator('table[data-chart=done] tbody td:nth-child(2)').first().textContent()),
    ).toBeGreaterThan(0);
    await page.setViewportSize({ width: 1100, height: 1500 });
    const out = process.env.UPDATE_SCREENSHOTS === '1' ? 'docs' : 'test-results';
    mkdirSync(out, { recursive: true });
    const shot = await page.screenshot({ path: join(out, 'flow.png'), type: 'png', fullPage: false });
    expect(shot.length).toBeGreaterThan(10_000);
    expect(shot.length).toBeLessThan(1_000_000);
  });
});
