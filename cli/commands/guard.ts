/**
 * The reservation guard: whether this agent may change a file, asked of the server
 * (`GET /api/v1/reservations/check?path=`), for two callers:
 * - `switchboard hook claude` on Claude Code's `PreToolUse` event for Edit, Write, MultiEdit and
 *   NotebookEdit (`preToolUseDecision`): the edit of a file another agent holds exclusively is
 *   denied with `permissionDecision: "deny"` and a reason naming holder, pattern, reason and end;
 *   anything else passes with no output.
 * - `switchboard guard pre-commit` in git's pre-commit hook: the staged files are checked and
 *   the commit stops (exit 5) naming each reserved one.
 *
 * The project root, which reservation globs are relative to, is `--root` / `SWITCHBOARD_ROOT`,
 * else the git top level of the working directory, else the working directory itself. A file
 * outside the root is not guarded. Both fail open: with the server unreachable (or any other
 * failure) nothing is denied, and one line on stderr says why.
 */
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { type Command, Option } from 'commander';
import type { PathCheck } from '../../server/ops/reservations.js';
import { type ApiClient, ApiError, type ApiOptions, createClient, EXIT_CODES, withApiOptions } from '../client.js';

/** Claude Code's file-editing tools, and the `tool_input` field naming the file each changes. */
export const EDIT_TOOLS: Readonly<Record<string, string>> = {
  Edit: 'file_path',
  Write: 'file_path',
  MultiEdit: 'file_path',
  NotebookEdit: 'notebook_path',
};

/** The parts of Claude Code's PreToolUse hook input the guard reads. */
export interface PreToolUseInput {
  hook_event_name?: string;
  tool_name?: string;
  tool_input?: Record<string, unknown>;
  cwd?: string;
}

/** The `--root` option, shared by the hook and the pre-commit guard. */
export const rootOption = () =>
  new Option('--root <dir>', 'project root reservations are relative to (default: git top level)').env(
    'SWITCHBOARD_ROOT',
  );

/** The git top level of `dir`, or null outside a repository (or without git). */
function gitTopLevel(dir: string): string | null {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--show-toplevel'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

/** `p` with symbolic links resolved as far as it exists (a file being written may not yet). */
function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    const parent = dirname(p);
    return parent === p ? p : join(real(parent), basename(p));
  }
}

/** The project root for a working directory: `explicit`, else its git top level, else itself. */
export function projectRoot(cwd: string, explicit?: string): string {
  return real(explicit ? resolve(cwd, explicit) : (gitTopLevel(cwd) ?? cwd));
}

/** `file` (absolute, or relative to `cwd`) relative to `root` with "/" separators, or null outside it. */
export function relativeToRoot(file: string, cwd: string, root: string): string | null {
  const rel = relative(root, real(resolve(cwd, file)));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
  return rel.split(sep).join('/');
}

const checkFile = (client: ApiClient, path: string) => client.get<PathCheck>('/reservations/check', { path });

/** Why a guard could not ask, for stderr. */
const failure = (err: unknown) => (err instanceof ApiError ? `${err.code}: ${err.message}` : (err as Error).message);

/**
 * What `switchboard hook claude` prints for a PreToolUse event: the deny decision as JSON when
 * another agent holds the edited file exclusively, else '' (the edit proceeds). Null when the
 * event is not an edit the guard looks at (the caller carries on as a mail hook).
 */
export async function preToolUseDecision(
  input: PreToolUseInput,
  client: ApiClient,
  root?: string,
): Promise<string | null> {
  const field = input.tool_name ? EDIT_TOOLS[input.tool_name] : undefined;
  if (input.hook_event_name !== 'PreToolUse' || !field) return null;
  const file = input.tool_input?.[field];
  if (typeof file !== 'string' || file === '') return '';
  const cwd = input.cwd && isAbsolute(input.cwd) ? input.cwd : process.cwd();
  const path = relativeToRoot(file, cwd, projectRoot(cwd, root));
  if (path === null) return '';
  try {
    const check = await checkFile(client, path);
    if (check.allowed) return '';
    return JSON.stringify({
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: 'deny',
        permissionDecisionReason: `Switchboard: ${check.reason}`,
      },
    });
  } catch (err) {
    process.stderr.write(`switchboard hook: reservation check skipped (${failure(err)}); the edit is allowed\n`);
    return '';
  }
}

/** The staged files of the repository at `cwd`, relative to its top level (deletions included). */
function stagedFiles(cwd: string): { top: string; files: string[] } {
  const top = gitTopLevel(cwd);
  if (!top) throw new Error('not inside a git repository');
  const out = execFileSync('git', ['-C', top, 'diff', '--cached', '--name-only', '-z'], { encoding: 'utf8' });
  return { top, files: out.split('\0').filter(Boolean) };
}

export function registerGuardCommands(program: Command): void {
  const guard = program.command('guard').description('stop changes to files other agents have reserved');
  withApiOptions(
    guard
      .command('pre-commit')
      .description('git pre-commit hook: refuse a commit touching files others hold exclusively (exit 5)')
      .addOption(rootOption()),
  ).action(async (o: ApiOptions & { root?: string }) => {
    const cwd = process.cwd();
    let staged: { top: string; files: string[] };
    try {
      staged = stagedFiles(cwd);
    } catch (err) {
      process.stderr.write(`switchboard guard: ${(err as Error).message}\n`);
      process.exitCode = 1;
      return;
    }
    const root = projectRoot(cwd, o.root);
    const paths = staged.files
      .map((f) => relativeToRoot(join(staged.top, f), cwd, root))
      .filter((p): p is string => p !== null);
    const client = createClient(o);
    const blocked: string[] = [];
    try {
      // A few at a time: a commit may stage many files.
      for (let i = 0; i < paths.length; i += 8) {
        const checks = await Promise.all(paths.slice(i, i + 8).map((p) => checkFile(client, p)));
        for (const c of checks) if (!c.allowed && c.reason) blocked.push(c.reason);
      }
    } catch (err) {
      process.stderr.write(`switchboard guard: reservation check skipped (${failure(err)}); the commit may proceed\n`);
      return;
    }
    if (blocked.length === 0) return;
    process.stderr.write(
      `switchboard guard: ${blocked.length} staged file(s) are reserved by other agents:\n${blocked.map((b) => `  ${b}`).join('\n')}\nUnstage them (git restore --staged FILE) or ask their holders; git commit --no-verify skips this check.\n`,
    );
    process.exitCode = EXIT_CODES.conflict;
  });
}
