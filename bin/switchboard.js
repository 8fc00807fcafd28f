#!/usr/bin/env node
// Launcher for the `switchboard` CLI. Runs the compiled JavaScript in dist/ (built by
// `npm install`, `npm test` and `npm run build`: scripts/build.mjs) when that build is newer
// than every source file; otherwise the TypeScript sources through tsx, which is correct but
// starts several times slower (a terminal is told to run `npm run build`). Hooks start on
// every prompt, so the check is a stat of each source file, about 2 ms.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The newest modification time (ms) of the .ts/.tsx files under `dir` (0 when there is none). */
function newestSource(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    const t = e.isDirectory() ? newestSource(path) : /\.tsx?$/.test(e.name) ? statSync(path).mtimeMs : 0;
    if (t > newest) newest = t;
  }
  return newest;
}

/** True when dist/ holds a complete build (its stamp is written last) newer than the sources. */
function distIsFresh() {
  let built;
  try {
    built = statSync(join(root, 'dist', 'build.json')).mtimeMs;
  } catch {
    return false;
  }
  return ['server', 'mcp', 'web', 'cli'].every((d) => newestSource(join(root, d)) <= built);
}

if (distIsFresh()) {
  await import('../dist/cli.js');
} else {
  if (process.stderr.isTTY) {
    process.stderr.write(
      'switchboard: dist/ is missing or older than the sources; running them through tsx (run `npm run build` to start fast)\n',
    );
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/index.ts');
}
