/**
 * Runs the real server (`server/main.ts` through tsx, in one process so signals reach it
 * directly) with a clean environment, and waits for it to report its address or to exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tempDataDir } from '../helpers/server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:PORT` once listening. */
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal name) when the process ends. */
  exited: Promise<number | string>;
}

/**
 * Starts the server with `env` (SWITCHBOARD_PORT defaults to 0). Resolves when it prints its
 * MCP endpoint; rejects with its output if it exits first.
 */
export function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SWITCHBOARD_')));
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: { ...clean, SWITCHBOARD_PORT: '0', SWITCHBOARD_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: string) => {
      out += d;
      const m = /MCP endpoint: (http:\/\/[^/\s]+)\/mcp/.exec(out);
      if (m) resolve({ child, url: m[1] as string, stdout: () => out, stderr: () => err, exited });
    });
    child.stderr?.on('data', (d: string) => {
      err += d;
    });
    void exited.then((code) => reject(new ExitedEarly(code, out, err)));
  });
}

export class ExitedEarly extends Error {
  constructor(
    readonly code: number | string,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`server exited with ${code}: ${stderr || stdout}`);
  }
}

/** Runs the server expecting it to fail at start-up; returns its exit code and stderr. */
export async function startExpectingFailure(env: Record<string, string>): Promise<ExitedEarly> {
  try {
    const p = await startServerProcess(env);
    p.child.kill('SIGKILL');
    throw new Error(`server started (${p.url}) but was expected to fail`);
  } catch (err) {
    if (err instanceof ExitedEarly) return err;
    throw err;
  }
}

/**
 * Per-file bookkeeping for start-up tests: `fresh()` makes a data directory and `keep(p)` a
 * server process, both cleaned up after each test (call `cleanup` in `afterEach`).
 */
export function processTracker() {
  const dirs: string[] = [];
  const procs: ServerProcess[] = [];
  return {
    fresh: () => {
      const d = tempDataDir();
      dirs.push(d);
      return d;
    },
    keep: (...ps: ServerProcess[]) => {
      procs.push(...ps);
    },
    cleanup: () => {
      for (const p of procs.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}
