/**
 * Debian's Chromium for the board's browser tests, driven by playwright-core: never a
 * downloaded browser. `npm test` installs the package first (scripts/ensure-chromium.mjs);
 * without it these tests fail, never skip.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** A headless Chromium on a fresh profile, with the flags this network needs; `close` removes the profile. */
export async function launchChromium(viewport: {
  width: number;
  height: number;
}): Promise<{ browser: BrowserContext; close: () => Promise<void> }> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run npm test (it installs chromium) or apt-get install chromium`);
  const profile = mkdtempSync(join(tmpdir(), 'switchboard-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens `path` on the board as a human named `name` (the first visit asks for a name), once its live stream is open. */
export async function openBoardAs(page: Page, baseUrl: string, name: string, path = '/t/default'): Promise<void> {
  await page.goto(`${baseUrl}${path}`);
  await page.waitForURL(/\/welcome/);
  await page.fill('input[name=name]', name);
  await page.click('button[type=submit]');
  await page.waitForURL(`${baseUrl}${path}`);
  // The live dot turns on once the SSE stream is open.
  await page.waitForSelector('body.live');
}
