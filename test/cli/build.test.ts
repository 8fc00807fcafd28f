/**
 * The compiled build (scripts/build.mjs) and the launcher (bin/switchboard.js), on copies of the
 * package in temporary folders: the build must find its files (migrations, the board's static
 * files, htmx in node_modules, package.json) from dist/, and the launcher must run dist/ only
 * while it is newer than the sources. The worktree's own dist/ is neither needed nor touched.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrationsDir } from '../../server/db/migrate.js';
import { tempDataDir } from '../helpers/server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const require = createRequire(import.meta.url);
const run = promisify(execFile);

/** The environment without the machine's SWITCHBOARD_* settings, plus `extra`. */
const cleanEnv = (extra: Record<string, string> = {}) => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SWITCHBOARD_'))),
  ...extra,
});

/** A package copy in a temporary folder: package.json, the launcher, and links to node_modules and `links`. */
function packageCopy(links: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-build-'));
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  mkdirSync(join(dir, 'bin'));
  cpSync(join(ROOT, 'bin', 'switchboard.js'), join(dir, 'bin', 'switchboard.js'));
  for (const p of ['node_modules', ...links]) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    symlinkSync(join(ROOT, p), join(dir, p));
  }
  return dir;
}

describe('the compiled build, with no TypeScript beside it', () => {
  let pkg: string;
  const dirs: string[] = [];
  beforeAll(async () => {
    // Only what the built code reads at run time; no server/, mcp/, web/*.tsx or cli/ sources.
    pkg = packageCopy(['migrations', 'web/static']);
    await run(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--outdir', join(pkg, 'dist'), '--quiet'], {
      cwd: ROOT,
    });
  }, 120_000);
  afterAll(() => {
    for (const d of [pkg, ...dirs]) rmSync(d, { recursive: true, force: true });
  });

  const cli = (args: string[], env: Record<string, string> = {}) =>
    run(process.execPath, [join(pkg, 'bin', 'switchboard.js'), ...args], { env: cleanEnv(env) });

  it('prints the version from package.json and lists every command group in help', async () => {
    expect((await cli(['--version'])).stdout.trim()).toBe(VERSION);
    const help = (await cli(['--help'])).stdout;
    for (const command of ['serve', 'join', 'send', 'task', 'review', 'token', 'backup', 'migrate', 'mcp', 'hook']) {
      expect(help).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
  });

  it('migrates a new data directory with every migration of the package', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const r = JSON.parse((await cli(['migrate', '--data-dir', dataDir, '--json'])).stdout);
    expect(r.applied).toEqual(loadMigrations(migrationsDir('sqlite')).map((m) => m.name));
  });

  it('serves (switchboard serve runs dist/main.js) the board files from the package and from node_modules', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const child = spawn(process.execPath, [join(pkg, 'bin', 'switchboard.js'), 'serve'], {
      env: cleanEnv({ SWITCHBOARD_PORT: '0', SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      let out = '';
      let err = '';
      child.stderr.on('data', (d) => {
        err += d;
      });
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          out += d;
          const m = /MCP endpoint: (http:\/\/[^/\s]+)\/mcp/.exec(out);
          if (m) resolve(m[1] as string);
        });
        void exited.then((code) => reject(new Error(`server exited with ${code}: ${err || out}`)));
      });
      const files: [string, string][] = [
        ['htmx.min.js', require.resolve('htmx.org/dist/htmx.min.js')],
        ['sse.js', require.resolve('htmx-ext-sse/dist/sse.min.js')],
        ['board.css', join(ROOT, 'web', 'static', 'board.css')],
        ['board.js', join(ROOT, 'web', 'static', 'board.js')],
      ];
      for (const [name, source] of files) {
        const res = await fetch(`${url}/static/${name}`);
        expect(res.status, name).toBe(200);
        expect(await res.text(), name).toBe(readFileSync(source, 'utf8'));
      }
      // The MCP server reports the package's version.
      const init = await fetch(`${url}/mcp?agent=alice`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'build-test', version: '1' } },
        }),
      });
      expect(await init.text()).toContain(`"serverInfo":{"name":"switchboard","version":"${VERSION}"`);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});

describe('the launcher', () => {
  let pkg: string;
  beforeAll(() => {
    // The real sources (linked) beside a stand-in build that only says it ran.
    pkg = packageCopy(['server', 'mcp', 'web', 'cli']);
    mkdirSync(join(pkg, 'dist'));
    writeFileSync(join(pkg, 'dist', 'cli.js'), "console.log('the compiled build');\n");
  });
  afterAll(() => {
    rmSync(pkg, { recursive: true, force: true });
  });

  const version = async () =>
    (await run(process.execPath, [join(pkg, 'bin', 'switchboard.js'), '--version'], { env: cleanEnv() })).stdout.trim();
  const stamp = () => join(pkg, 'dist', 'build.json');

  it('runs dist/ while its build stamp is newer than every source file', async () => {
    writeFileSync(stamp(), '{}\n');
    const later = new Date(Date.now() + 86_400_000);
    utimesSync(stamp(), later, later);
    expect(await version()).toBe('the compiled build');
  });

  it('runs the sources through tsx when one is newer than the build, or the build is incomplete', async () => {
    writeFileSync(stamp(), '{}\n');
    const old = new Date('2000-01-01T00:00:00Z');
    utimesSync(stamp(), old, old);
    expect(await version()).toBe(VERSION);
    rmSync(stamp());
    expect(await version()).toBe(VERSION);
  });
});
