/**
 * Start-up of the `switchboard` CLI (bin/switchboard.js running the compiled build in dist/,
 * which this bench builds first): `--version`, `--help`, `hook claude` as Claude Code runs it on
 * every prompt (its JSON on stdin; with a server holding no mail, one message, and no server at
 * all), and the stdio bridge (`switchboard mcp`) from spawn to its answer to `initialize`.
 * Each is the median of BENCH_STARTS runs (default 21), the cases taking turns so that a busy
 * moment of the machine falls on all of them, and is printed as a multiple of a bare
 * `node -e 0` measured in the same rounds. The TypeScript sources through tsx (what the
 * launcher falls back to without a build) are shown for comparison.
 * Target: every compiled case ≤ 3× `node -e 0`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiClient, type BenchRow, fmt, freePort, now, report, startServerProcess } from './lib.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'switchboard.js');
const STARTS = Number(process.env.BENCH_STARTS ?? 21);
const TARGET = 3;

/** What Claude Code writes to a UserPromptSubmit hook's stdin. */
const HOOK_INPUT = JSON.stringify({
  session_id: '2b1f6a4e-7c1d-4e8f-9a51-0c3d5e7f9b21',
  transcript_path: '/home/dev/.claude/projects/-home-dev-app/2b1f6a4e-7c1d-4e8f-9a51-0c3d5e7f9b21.jsonl',
  cwd: '/home/dev/app',
  permission_mode: 'default',
  hook_event_name: 'UserPromptSubmit',
  prompt: 'Carry on with the migration and run the tests.',
});

const INITIALIZE = `${JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'startup-bench', version: '1' } },
})}\n`;

const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SWITCHBOARD_')));

/** ms from spawn to exit of `node ...args` with `input` on stdin; throws on a non-zero exit. */
function timeRun(args: string[], input = ''): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = now();
    const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = now() - started;
      if (code === 0) resolve(ms);
      else reject(new Error(`node ${args.join(' ')} exited with ${code}: ${err}`));
    });
    child.stdin.end(input);
  });
}

/** ms from spawning the stdio bridge to its first line on stdout (the initialize result). */
function timeBridge(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = now();
    const child = spawn(process.execPath, [BIN, 'mcp', '--url', url, '--agent', 'bridge-bench', '--no-start'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let answered: number | null = null;
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.stdout.on('data', (d) => {
      if (answered !== null) return;
      answered = now() - started;
      out = String(d);
      child.stdin.end(); // the client leaves: the bridge ends its session and exits
    });
    child.on('close', () => {
      if (answered !== null && out.includes('"result"')) resolve(answered);
      else reject(new Error(`the bridge did not answer initialize: ${out.slice(0, 200)} ${err}`));
    });
    child.stdin.write(INITIALIZE);
  });
}

/** The newest modification time (ms) of the .ts/.tsx files under `dir`, as the launcher checks it. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    const t = e.isDirectory() ? newestSource(path) : /\.tsx?$/.test(e.name) ? statSync(path).mtimeMs : 0;
    newest = Math.max(newest, t);
  }
  return newest;
}

/** True while dist/ is newer than the sources, i.e. the launcher runs the build, not tsx. */
const distIsFresh = () =>
  ['server', 'mcp', 'web', 'cli'].every(
    (d) => newestSource(join(ROOT, d)) <= statSync(join(ROOT, 'dist', 'build.json')).mtimeMs,
  );

const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--quiet'], { stdio: 'inherit' });
if (build.status !== 0) throw new Error('npm run build failed');

const server = await startServerProcess();
const rows: BenchRow[] = [];
try {
  const setup = apiClient(server.url, null);
  for (const name of ['lead', 'hook-idle', 'hook-mail']) await setup.call('POST', '/join', { name });
  setup.close();
  const api = apiClient(server.url, 'lead');
  const noServer = `http://127.0.0.1:${await freePort()}`;
  const hook = (url: string, agent: string) => [BIN, 'hook', 'claude', '--url', url, '--agent', agent];

  const cases: { name: string; run: () => Promise<number>; compiled: boolean }[] = [
    { name: 'node -e 0', run: () => timeRun(['-e', '0']), compiled: false },
    { name: 'switchboard --version', run: () => timeRun([BIN, '--version']), compiled: true },
    { name: 'switchboard --help', run: () => timeRun([BIN, '--help']), compiled: true },
    {
      name: 'switchboard hook claude, server running, no mail',
      run: () => timeRun(hook(server.url, 'hook-idle'), HOOK_INPUT),
      compiled: true,
    },
    {
      name: 'switchboard hook claude, server running, 1 message',
      run: async () => {
        const r = await api.call('POST', '/messages', { to: 'hook-mail', message: 'The schema moved; rebase first.' });
        if (r.status !== 201) throw new Error(`send: HTTP ${r.status} ${JSON.stringify(r.json)}`);
        return timeRun(hook(server.url, 'hook-mail'), HOOK_INPUT);
      },
      compiled: true,
    },
    {
      name: 'switchboard hook claude, no server',
      run: () => timeRun(hook(noServer, 'hook-alone'), HOOK_INPUT),
      compiled: true,
    },
    {
      name: 'switchboard mcp (stdio bridge) to its initialize result',
      run: () => timeBridge(server.url),
      compiled: true,
    },
    {
      name: 'reference: hook claude from the sources through tsx (no build)',
      run: () => timeRun(['--import', 'tsx', join(ROOT, 'cli', 'index.ts'), ...hook(server.url, 'hook-idle').slice(1)]),
      compiled: false,
    },
  ];

  const samples = cases.map(() => [] as number[]);
  for (const c of cases) await c.run(); // warm the file cache and the server's code paths
  for (let i = 0; i < STARTS; i++) {
    for (const [k, c] of cases.entries()) samples[k]?.push(await c.run());
  }
  api.close();
  if (!distIsFresh()) throw new Error('a source file changed during the bench, so the launcher ran tsx: run it again');

  const median = (s: number[]) => [...s].sort((a, b) => a - b)[Math.floor(s.length / 2)] as number;
  const base = median(samples[0] as number[]);
  for (const [k, c] of cases.entries()) {
    const ms = median(samples[k] as number[]);
    const ratio = ms / base;
    rows.push({
      bench: 'startup',
      name: `start-up: ${c.name}`,
      values: { medianMs: ms, timesNode: ratio, runs: STARTS },
      unit: 'ms',
      figure: k === 0 ? `${fmt(ms)} ms (median of ${STARTS})` : `${fmt(ms)} ms = ${fmt(ratio)}× node -e 0`,
      ...(c.compiled && { target: `≤ ${TARGET}× node -e 0`, ok: ratio <= TARGET }),
    });
  }
} finally {
  await server.stop();
}
report(rows);
process.exit(0);
