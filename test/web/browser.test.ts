/**
 * The board in a real browser (Debian's chromium through playwright-core) against a real
 * server, with agents acting over MCP in the same test. Also takes the README screenshot
 * from real data (written to docs/board.png when UPDATE_SCREENSHOTS=1, else test-results/).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium, openBoardAs } from '../helpers/browser.js';
import { type AgentClient, connectAgent, startServer, type TestServer } from '../helpers/server.js';

describe('the board in a browser', () => {
  let browser: BrowserContext;
  let server: TestServer;
  let page: Page;
  let agents: AgentClient[] = [];
  let dialogs: string[] = [];

  let closeBrowser: () => Promise<void> = async () => {};

  beforeAll(async () => {
    ({ browser, close: closeBrowser } = await launchChromium({ width: 1400, height: 900 }));
  });
  afterAll(async () => {
    await closeBrowser();
  });

  beforeEach(async () => {
    server = await startServer();
    page = await browser.newPage();
    dialogs = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  });
  afterEach(async () => {
    await page.close();
    for (const a of agents) await a.close();
    agents = [];
    await server.destroy();
    await browser.clearCookies();
  });

  const agent = async (name: string) => {
    const a = await connectAgent(server, { agent: name });
    agents.push(a);
    return a;
  };

  it('shows a task created over MCP without reloading, then its thread on the task page', async () => {
    const alice = await agent('alice');
    await agent('bob');
    await openBoardAs(page, server.url, 'pat');
    await page.evaluate(() => {
      (window as unknown as { boardMarker: number }).boardMarker = 42;
    });
    const created = await alice.call('task_create', {
      title: 'Wire the deploy pipeline',
      labels: ['ops'],
      assignee: 'bob',
    });
    const card = page.locator(`#card-${created.data.number}`);
    await card.waitFor();
    await expect(card.textContent()).resolves.toContain('Wire the deploy pipeline');
    // Same document: the marker set before the change is still there.
    expect(await page.evaluate(() => (window as unknown as { boardMarker?: number }).boardMarker)).toBe(42);

    const bob = agents[1] as AgentClient;
    await bob.call('task_claim', { task: created.data.number });
    await page.locator('.col-in_progress').getByText('Wire the deploy pipeline').waitFor();

    await alice.call('teammate_send_message', {
      thread: created.data.threadId,
      message: 'Pipeline config is in **deploy/ci.yml**',
    });
    await card.locator('h3 a').click();
    await page.waitForURL(/\/t\/default\/tasks\/1$/);
    const thread = page.locator('section.thread');
    await thread.getByText('Pipeline config is in').waitFor();
    expect(await thread.locator('strong', { hasText: 'deploy/ci.yml' }).count()).toBe(1);
    // A new message lands in the open thread live.
    await alice.call('teammate_send_message', { thread: created.data.threadId, message: 'Now green.' });
    await thread.getByText('Now green.').waitFor();
  });

  it('shows hostile titles and message bodies as text and runs nothing', async () => {
    const mallory = await agent('mallory');
    await agent('eve');
    const title = `<script>window.pwned='title'</script><img src=x onerror="window.pwned='img'"> [x](javascript:window.pwned='link')`;
    const body = [
      '<script>window.pwned="body"</script>',
      '<img src=x onerror="window.pwned=\'body-img\'">',
      "[click me](javascript:window.pwned='body-link')",
      '<a href="javascript:window.pwned=1">raw link</a>',
    ].join('\n\n');
    const t = await mallory.call('task_create', { title, description: body, assignee: 'eve' });
    await mallory.call('teammate_send_message', { thread: t.data.threadId, message: body });

    await openBoardAs(page, server.url, 'pat');
    const card = page.locator(`#card-${t.data.number}`);
    await card.waitFor();
    expect(await card.locator('h3').textContent()).toBe(title);

    await page.goto(`${server.url}/t/default/tasks/${t.data.number}`);
    const thread = page.locator('section.thread');
    await thread.getByText('<script>window.pwned="body"</script>').waitFor();
    expect(await page.locator('h1').textContent()).toContain(title);
    await thread.getByText('click me').waitFor();
    // Nothing ran, nothing became an element or a link.
    expect(await page.evaluate(() => (window as unknown as { pwned?: string }).pwned)).toBeUndefined();
    expect(await page.locator('main script, main img').count()).toBe(0);
    expect(await page.locator('a[href^="javascript" i]').count()).toBe(0);
    expect(await thread.locator('.md a').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('searches from the header box, narrows the hits as one types, and links to the thread', async () => {
    const alice = await agent('alice');
    await agent('bob');
    await alice.call('teammate_send_message', {
      to: 'bob',
      message: 'The flaky <img src=x onerror="window.pwned=1"> integration test again',
    });
    await alice.call('task_create', { title: 'Quarantine the flaky integration test' });
    await openBoardAs(page, server.url, 'pat');
    await page.fill('header .header-search input[name=q]', 'flaky');
    await page.press('header .header-search input[name=q]', 'Enter');
    await page.waitForURL(/\/t\/default\/search\?q=flaky$/);
    await expect(page.locator('ol.hits li').count()).resolves.toBe(2);
    expect(await page.locator('ol.hits mark').first().textContent()).toBe('flaky');
    await page.evaluate(() => {
      (window as unknown as { searchMarker: number }).searchMarker = 7;
    });
    // Typing in the page's form swaps in new hits (htmx, same document) and the URL follows.
    await page.selectOption('form.search select[name=in]', 'tasks');
    await page.fill('form.search input[name=q]', 'flaky integration');
    await page.waitForURL(/in=tasks/);
    await page.locator('ol.hits li.hit-task').waitFor();
    await expect(page.locator('ol.hits li').count()).resolves.toBe(1);
    expect(await page.evaluate(() => (window as unknown as { searchMarker?: number }).searchMarker)).toBe(7);
    await page.selectOption('form.search select[name=in]', 'messages');
    await page.locator('ol.hits li.hit-message').waitFor();
    expect(await page.locator('ol.hits .snippet').textContent()).toContain('<img src=x onerror=');
    expect(await page.locator('main img').count()).toBe(0);
    await page.locator('ol.hits li.hit-message a.title').click();
    await page.waitForURL(/\/t\/default\/threads\/[0-9A-Z]+#m-[0-9A-Z]+$/);
    await page.locator('section.thread').getByText('integration test again').waitFor();
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  });

  it('lets a human approve a review, and the agent sees the verdict over MCP', async () => {
    const alice = await agent('alice');
    const t = await alice.call('task_create', { title: 'Add rate limits' });
    const n = t.data.number;
    await alice.call('task_claim', { task: n });
    await openBoardAs(page, server.url, 'pat', '/t/default/reviews');
    await page.locator('.empty', { hasText: 'No reviews are waiting' }).waitFor();

    const review = await alice.call('review_request', { task: n, note: 'Please check the limits table' });
    const row = page.locator(`#review-${review.data.id}`);
    await row.waitFor();
    await row.locator('textarea[name=comments]').fill('Looks right to me.');
    await row.locator('button[value=approved]').click();
    await page.locator('.notice', { hasText: `#${n} is done` }).waitFor();

    const after = await alice.call('task_get', { task: n });
    expect(after.data.task.status).toBe('done');
    const verdict = after.data.reviews[0];
    expect(verdict).toMatchObject({ status: 'approved', submittedBy: 'pat', comments: 'Looks right to me.' });
  });

  it('takes the board screenshot from real data', async () => {
    const lead = await agent('lead');
    const ana = await agent('ana');
    const ben = await agent('ben');
    await ana.call('teammate_set_summary', { summary: 'Building the login API', role: 'backend' });
    await ben.call('teammate_set_summary', { summary: 'Reviewing the schema change', role: 'reviewer' });
    const mk = async (title: string, extra: Record<string, unknown> = {}) =>
      (await lead.call('task_create', { title, ...extra })).data.number as number;
    const schema = await mk('Design the session schema', { labels: ['db'], priority: 'high' });
    const login = await mk('Login endpoint with rate limits', { labels: ['api'], dependsOn: [schema] });
    await mk('Password reset e-mails', { labels: ['api', 'mail'] });
    await mk('Audit log for admin actions', { labels: ['security'], priority: 'urgent' });
    const docs = await mk('Write the API reference', { labels: ['docs'], priority: 'low' });
    const ci = await mk('Cache dependencies in CI', { labels: ['ops'] });
    await ana.call('task_claim', { task: schema });
    await ana.call('review_request', { task: schema, reviewer: 'ben', note: 'Schema in migrations/0004.sql' });
    await ben.call('task_claim', { task: ci });
    await ben.call('task_complete', { task: ci, result: 'Builds take 40% less time.' });
    await ana.call('task_claim', { task: docs });
    await lead.call('teammate_send_message', { to: 'ana', message: 'Ping me when the schema lands.' });
    expect(login).toBeGreaterThan(0);

    await openBoardAs(page, server.url, 'pat');
    await page.locator(`#card-${schema}`).waitFor();
    await page.setViewportSize({ width: 1400, height: 560 });
    const out = process.env.UPDATE_SCREENSHOTS === '1' ? 'docs' : 'test-results';
    mkdirSync(out, { recursive: true });
    const shot = await page.screenshot({ path: join(out, 'board.png'), type: 'png' });
    expect(shot.length).toBeGreaterThan(10_000);
    expect(shot.length).toBeLessThan(1_000_000);
  });
});
