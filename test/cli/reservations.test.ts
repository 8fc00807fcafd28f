/**
 * The reservation guard as Claude Code and git run it: the real `switchboard hook claude` fed
 * a PreToolUse payload on stdin, and `switchboard guard pre-commit` in a temporary git
 * repository; and the `switchboard reservation` commands.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { joinOverApi, startServer, type TestServer } from '../helpers/server.js';

describe('switchboard reservation guard', { timeout: 120_000 }, () => {
  let server: TestServer;
  let repo: string;
  let as: (agent: string, args: string[], opts?: { input?: string; cwd?: string }) => ReturnType<typeof runCli>;
  beforeEach(async () => {
    server = await startServer();
    as = (agent, args, opts = {}) =>
      runCli([...args, '--agent', agent], { env: { SWITCHBOARD_URL: server.url }, ...opts });
    await joinOverApi(server, [
      ['alice', 'lead'],
      ['bob', 'backend'],
    ]);
    repo = realpathSync(mkdtempSync(join(tmpdir(), 'sb-guard-')));
    execFileSync('git', ['init', '-q', repo]);
    mkdirSync(join(repo, 'src/api'), { recursive: true });
    mkdirSync(join(repo, 'src/web'), { recursive: true });
    writeFileSync(join(repo, 'src/api/users.ts'), 'export {};\n');
    writeFileSync(join(repo, 'src/web/app.ts'), 'export {};\n');
  });
  afterEach(async () => {
    await server.destroy();
    rmSync(repo, { recursive: true, force: true });
  });

  /** A PreToolUse payload as Claude Code writes it: absolute file path, the session's cwd. */
  const preToolUse = (tool: string, file: string, cwd = repo) =>
    JSON.stringify({
      session_id: 's1',
      transcript_path: '/tmp/t.jsonl',
      cwd,
      hook_event_name: 'PreToolUse',
      tool_name: tool,
      tool_input:
        tool === 'NotebookEdit'
          ? { notebook_path: file, new_source: 'x' }
          : { file_path: file, old_string: 'a', new_string: 'b' },
      tool_use_id: 'toolu_1',
    });

  it('denies an edit of a file another agent holds exclusively, naming holder, pattern, reason and end', async () => {
    const made = await as('alice', ['reservation', 'create', 'src/api/**', '-m', 'refactoring the users API']);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout.trim()).toBe('Reserved src/api/** (exclusive, ends in 1 h)');

    const r = await as('bob', ['hook', 'claude'], { input: preToolUse('Edit', join(repo, 'src/api/users.ts')) });
    expect(r.code, r.stderr).toBe(0);
    const out = r.json();
    expect(Object.keys(out)).toEqual(['hookSpecificOutput']);
    expect(out.hookSpecificOutput).toEqual({
      hookEventName: 'PreToolUse',
      permissionDecision: 'deny',
      permissionDecisionReason: expect.stringContaining(
        'src/api/users.ts is reserved: alice holds src/api/** exclusively for "refactoring the users API" until',
      ),
    });
    expect(out.hookSpecificOutput.permissionDecisionReason).toMatch(/UTC \(in 1 h\)\. Ask alice/);

    // Write, MultiEdit and NotebookEdit too, and a path relative to a cwd below the root.
    for (const [tool, file, cwd] of [
      ['Write', join(repo, 'src/api/new.ts'), repo],
      ['MultiEdit', 'users.ts', join(repo, 'src/api')],
      ['NotebookEdit', join(repo, 'src/api/nb.ipynb'), repo],
    ] as const) {
      const d = await as('bob', ['hook', 'claude'], { input: preToolUse(tool, file, cwd) });
      expect(d.json().hookSpecificOutput.permissionDecision, tool).toBe('deny');
    }
  });

  it('lets an edit of one’s own, an unreserved or an outside file pass silently', async () => {
    await as('alice', ['reservation', 'create', 'src/api/**']);
    const cases: [string, string][] = [
      ['alice', join(repo, 'src/api/users.ts')],
      ['bob', join(repo, 'src/web/app.ts')],
      ['bob', '/etc/hosts'],
    ];
    for (const [who, file] of cases) {
      const r = await as(who, ['hook', 'claude'], { input: preToolUse('Edit', file) });
      expect(r.code, `${who} ${file}: ${r.stderr}`).toBe(0);
      expect(r.stdout, `${who} ${file}`).toBe('');
    }
    // A root given explicitly moves what the globs are relative to: from src/, "api/users.ts" is not reserved.
    const rooted = await as('bob', ['hook', 'claude', '--root', join(repo, 'src')], {
      input: preToolUse('Edit', join(repo, 'src/api/users.ts')),
    });
    expect(rooted.stdout).toBe('');
  });

  it('fails open when the server cannot be reached: nothing on stdout, exit 0', async () => {
    const r = await runCli(['hook', 'claude', '--url', 'http://127.0.0.1:9', '--agent', 'bob'], {
      input: preToolUse('Edit', join(repo, 'src/api/users.ts')),
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('reservation check skipped');
  });

  it('guards a git commit: staged files another agent holds stop it with exit 5, naming them', async () => {
    await as('alice', ['reservation', 'create', 'src/api/**', '-m', 'refactoring the users API']);
    execFileSync('git', ['-C', repo, 'add', 'src/web/app.ts']);
    const clean = await as('bob', ['guard', 'pre-commit'], { cwd: repo });
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stderr).toBe('');

    execFileSync('git', ['-C', repo, 'add', 'src/api/users.ts']);
    const stopped = await as('bob', ['guard', 'pre-commit'], { cwd: join(repo, 'src') });
    expect(stopped.code).toBe(5);
    expect(stopped.stderr).toContain('1 staged file(s) are reserved by other agents');
    expect(stopped.stderr).toContain('src/api/users.ts is reserved: alice holds src/api/** exclusively');
    expect((await as('alice', ['guard', 'pre-commit'], { cwd: repo })).code).toBe(0);
  });

  it('creates, lists, checks and releases from the command line', async () => {
    await as('alice', ['reservation', 'create', 'src/api/**', 'docs/', '--shared', '--ttl', '600']);
    // Shared reservations overlap freely; an exclusive one of bob's there would conflict.
    const shared = await as('bob', ['reservation', 'create', 'src/**/*.ts', '--shared']);
    expect(shared.code, shared.stderr).toBe(0);
    const excl = await as('alice', ['reservation', 'create', 'lib/**']);
    expect(excl.code).toBe(0);
    const refused = await as('bob', ['reservation', 'create', 'lib/x.ts', '--shared']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('conflict: cannot reserve lib/x.ts: alice holds lib/** exclusively');
    const list = await as('bob', ['reservation', 'list', '--path', 'src/api/users.ts']);
    expect(list.stdout).toMatch(/src\/\*\*\/\*\.ts by bob \(shared, ends in 1 h\)/);
    expect(list.stdout).toMatch(/src\/api\/\*\* by alice \(shared, ends in 10 min\)/);
    const check = await as('bob', ['reservation', 'check', 'lib/a.ts']);
    expect(check.code).toBe(5);
    expect(check.stdout).toContain('alice holds lib/** exclusively');
    const released = await as('alice', ['reservation', 'release', 'lib/**', 'nope/**']);
    expect(released.stdout.trim()).toBe('Released lib/**\nYou held none of: nope/**');
    expect((await as('bob', ['reservation', 'check', 'lib/a.ts'])).stdout.trim()).toBe('lib/a.ts: free to edit.');
  });
});
