#!/usr/bin/env node
// Runs before `npm test`: the board's browser tests drive Debian's Chromium (/usr/bin/chromium)
// through playwright-core and never download a browser. Installs it with apt-get when missing
// and allowed (root on a Debian-like system); otherwise says how to install it and fails.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';
if (existsSync(CHROMIUM)) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
if (!isRoot || !hasApt) {
  console.error(
    `The browser tests need Chromium at ${CHROMIUM}. Install it first, e.g. "sudo apt-get install -y chromium", then run npm test again.`,
  );
  process.exit(1);
}
console.error(`Chromium is missing: installing Debian's chromium package (apt-get) for the browser tests...`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
if (!existsSync(CHROMIUM)) {
  console.error(`apt-get finished but ${CHROMIUM} is still missing.`);
  process.exit(1);
}
