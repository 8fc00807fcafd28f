#!/usr/bin/env node
/**
 * Compiles the CLI (`cli/index.ts`) and the server (`server/main.ts`) into `dist/` with esbuild,
 * so `switchboard` (bin/switchboard.js), its hooks, its stdio bridge and `npm start` run
 * JavaScript instead of compiling TypeScript through tsx at every start. Run by
 * `npm install`/`npm ci` (`prepare`), before `npm test` (`pretest`) and by `npm run build`.
 *
 * - `dist/main.js`: the server, one ESM file; every package stays an import from node_modules,
 *   so the server runs the same package code as from the sources.
 * - `dist/cli.js` + `dist/cli/`: the CLI, split so each command group stays a chunk loaded only
 *   when its command runs (cli/index.ts). commander (which every command loads) and zod (the
 *   local commands' schemas) are bundled in: one file loads faster than dozens. `switchboard
 *   serve` runs dist/main.js.
 *
 * `dist/build.json` is written last; the launcher runs dist/ only when that stamp is newer
 * than every TypeScript file in server/, mcp/, web/ and cli/, so a half-written or stale build
 * is never run.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const outArg = process.argv.indexOf('--outdir');
/** dist/ of the package, or `--outdir <dir>` (the tests build a package copy elsewhere). */
const OUT = outArg > 0 ? resolve(process.argv[outArg + 1]) : join(ROOT, 'dist');
/** Built beside OUT, then swapped in: a CLI starting meanwhile finds the old build or none. */
const TMP = `${OUT}.building-${process.pid}`;

/** Packages bundled into the CLI, with whatever they import that is not a dependency of ours. */
const BUNDLED_IN_CLI = new Set(['commander', 'zod']);
const OWN_DEPENDENCIES = new Set(
  Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).dependencies),
);
const BUILTINS = new Set(builtinModules);
/** Where the CLI's chunks go, under dist/. */
const CHUNKS = 'cli';
const packageName = (spec) => spec.split('/', spec.startsWith('@') ? 2 : 1).join('/');

/**
 * Leaves an import of a package external unless it is in BUNDLED_IN_CLI or is only a package's
 * own dependency reached from one of those. Each of our dependencies is thus either wholly in
 * the bundle or wholly in node_modules, never both (two copies of one package would not share
 * state). Native and file-reading packages (better-sqlite3, pg, pino) stay external.
 */
const cliExternals = {
  name: 'cli-externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || BUILTINS.has(args.path)) return { external: true };
      const name = packageName(args.path);
      if (BUNDLED_IN_CLI.has(name)) return undefined;
      if (OWN_DEPENDENCIES.has(name) || !args.importer.includes('/node_modules/')) return { external: true };
      return undefined;
    });
    // `switchboard serve` runs the server build rather than a second copy of the server. The
    // import is in a chunk (CHUNKS/), so the path is relative to that folder.
    b.onResolve({ filter: /\/server\/main\.js$/ }, () => ({ path: '../main.js', external: true }));
  },
};

const common = {
  absWorkingDir: ROOT,
  outdir: TMP,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  tsconfig: 'tsconfig.json',
  sourcemap: 'linked',
  logLevel: 'warning',
  metafile: true,
};

const started = Date.now();
rmSync(TMP, { recursive: true, force: true });
process.on('exit', () => rmSync(TMP, { recursive: true, force: true }));
const [server, cli] = await Promise.all([
  build({ ...common, entryPoints: { main: 'server/main.ts' }, packages: 'external' }),
  build({
    ...common,
    entryPoints: { cli: 'cli/index.ts' },
    splitting: true,
    chunkNames: `${CHUNKS}/[name]-[hash]`,
    plugins: [cliExternals],
    // Bundled CommonJS (commander) calls require() for Node's modules; an ES module has none.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  }),
]);
const files = [server, cli]
  .flatMap((r) => Object.keys(r.metafile.outputs))
  .filter((f) => f.endsWith('.js'))
  .map((f) => relative(TMP, join(ROOT, f)));
writeFileSync(join(TMP, 'build.json'), `${JSON.stringify({ builtAt: new Date().toISOString(), files }, null, 2)}\n`);
rmSync(OUT, { recursive: true, force: true });
renameSync(TMP, OUT);
if (!process.argv.includes('--quiet')) console.log(`built dist/ (${files.length} files) in ${Date.now() - started} ms`);
