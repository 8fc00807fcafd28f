/**
 * What the real Codex CLI hands its model as the output of Switchboard's MCP tools.
 *
 * Codex (codex-rs) gives the model `JSON.stringify(structuredContent)` when a tool result has
 * one, else the text content; DESIGN.md ("What a model sees") asks that the model read the
 * outcome, the unread notice and teammates' words framed as theirs. So this test runs
 * `codex exec` end to end: a real Switchboard server, the real Codex binary, and a scripted
 * stand-in for the OpenAI Responses API (test/helpers/model-standin.ts) in place of the model.
 * The stand-in answers turn 1 with a call to `teammate_whoami`, turn 2 with a call to
 * `teammate_check_messages`, turn 3 with a final message; it records each
 * `function_call_output` Codex sends back, which is exactly what a model would read (Codex
 * puts a "Wall time: …\nOutput:" header before it; the assertions ignore that header).
 * Everything runs on 127.0.0.1 with a throwaway CODEX_HOME: no login, no network.
 *
 * How each Codex setting was found (Codex 0.169.0). Every key is passed with `--strict-config`,
 * which rejects an unknown `-c` key ("unknown configuration field … in -c/--config override"),
 * so a key Codex renames fails this test loudly instead of being ignored:
 * - `model_providers.<id>.{name,base_url,wire_api,env_key}`, `model_provider`, `model`: Codex's
 *   custom-provider docs; a logging stand-in then showed Codex POSTing `{base_url}/responses`
 *   with `stream: true` and `Authorization: Bearer $<env_key>`, and no other request.
 * - `model_providers.<id>.{request_max_retries,stream_max_retries}` = 0: the same docs; seen
 *   without them, each failed answer is retried five times ("Reconnecting… n/5").
 * - `mcp_servers.<name>.url`: Codex's MCP docs (a `url` makes a Streamable HTTP server; 0.169
 *   needs no feature flag). The tool naming (namespace `mcp__<name>`) was read from the
 *   `tools` array in a logged request, and a `function_call` carrying that namespace was tried.
 * - `approval_policy`, `analytics.enabled`: Codex's config reference. exec already runs with
 *   approval "never" (its banner says so); set so that a new default cannot prompt and hang.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModelStandIn, startModelStandIn } from '../helpers/model-standin.js';
import { connectAgent, startServer, type TestServer } from '../helpers/server.js';

const CODEX_KILL_MS = 45_000;
const TEAM = 'falcon';
const ALICE_SAYS = 'please run the tests';

interface CodexRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** The Codex launcher from node_modules; throws (failing the suite) when @openai/codex is not installed. */
function codexLauncher(): string {
  return createRequire(import.meta.url).resolve('@openai/codex/bin/codex.js');
}

/** Runs `codex exec` in its own process group so a hang can be killed with every child. */
function runCodex(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CodexRun> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [codexLauncher(), ...args], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
    }, CODEX_KILL_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** A TOML inline table from string and number values, for a `-c key={…}` override. */
function tomlTable(values: Record<string, string | number>): string {
  const entries = Object.entries(values).map(([k, v]) => `${k}=${typeof v === 'number' ? v : JSON.stringify(v)}`);
  return `{${entries.join(',')}}`;
}

let server: TestServer | undefined;
let model: ModelStandIn | undefined;
let run: CodexRun | undefined;
const tempDirs: string[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** What Codex passed to its model as the output of `tool`. */
function outputOf(tool: string): string {
  const found = model?.toolOutputs.find((o) => o.tool === tool);
  if (!found) throw new Error(`Codex reported no output for ${tool}; run: ${JSON.stringify(run)}`);
  return found.output;
}

beforeAll(async () => {
  server = await startServer();
  // codex-agent joins the team first so that alice's mail waits for it.
  const first = await connectAgent(server, { agent: 'codex-agent', team: TEAM });
  await first.call('teammate_set_summary', { summary: 'about to start', role: 'developer' });
  await first.close();
  const alice = await connectAgent(server, { agent: 'alice', team: TEAM });
  await alice.call('teammate_send_message', { to: 'codex-agent', message: ALICE_SAYS });
  await alice.close();

  model = await startModelStandIn({
    calls: [
      { server: 'switchboard', tool: 'teammate_whoami' },
      { server: 'switchboard', tool: 'teammate_check_messages' },
    ],
    finalText: 'Checked in and read my mail.',
  });
  const mcpUrl = `${server.mcpUrl}?agent=codex-agent&team=${TEAM}`;
  const args = [
    'exec',
    '--strict-config',
    '--skip-git-repo-check',
    '--ephemeral',
    '--color',
    'never',
    '-c',
    `model_providers.sb=${tomlTable({
      name: 'sb',
      base_url: model.baseUrl,
      wire_api: 'responses',
      env_key: 'SB_KEY',
      request_max_retries: 0,
      stream_max_retries: 0,
    })}`,
    '-c',
    'model_provider="sb"',
    '-c',
    'model="stand-in"',
    '-c',
    'approval_policy="never"',
    '-c',
    'analytics.enabled=false',
    '-c',
    `mcp_servers.switchboard.url=${JSON.stringify(mcpUrl)}`,
    'Check in with the team and read your mail.',
  ];
  run = await runCodex(args, {
    cwd: tempDir('switchboard-codex-cwd-'),
    env: { ...process.env, CODEX_HOME: tempDir('switchboard-codex-home-'), SB_KEY: 'stand-in-key' },
  });
}, 60_000);

afterAll(async () => {
  await model?.close();
  await server?.destroy();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('Codex CLI against a real Switchboard server', () => {
  it('runs to the end: both scripted tool calls reach Switchboard and their outputs reach the model', () => {
    const r = run as CodexRun;
    expect(r.timedOut, `codex exec was killed after ${CODEX_KILL_MS} ms\n${r.stderr}`).toBe(false);
    expect(r.code, `codex exec failed\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
    expect(model?.problems).toEqual([]);
    expect(model?.toolOutputs.map((o) => o.tool)).toEqual(['teammate_whoami', 'teammate_check_messages']);
  });

  it('teammate_whoami: the model reads its name and team as text, not a JSON object', () => {
    const out = outputOf('teammate_whoami');
    expect(out).toContain('codex-agent');
    expect(out).toMatch(new RegExp(`\\bteam\\b[^\\n]*\\b${TEAM}\\b`, 'i'));
    expect(out, 'the model was handed JSON keys instead of a sentence').not.toMatch(/"\w+"\s*:/);
  });

  it('teammate_whoami with mail waiting: the model reads the unread notice and what to call', () => {
    const out = outputOf('teammate_whoami');
    expect(out).toMatch(/unread/i);
    expect(out).toContain('teammate_check_messages');
  });

  it("teammate_check_messages: alice's words reach the model quoted, under her name", () => {
    const lines = outputOf('teammate_check_messages').split('\n');
    const quoted = lines.findIndex((l) => l.trim() === `> ${ALICE_SAYS}`);
    expect(quoted, `no line "> ${ALICE_SAYS}" in:\n${lines.join('\n')}`).toBeGreaterThan(0);
    const header = lines
      .slice(0, quoted)
      .reverse()
      .find((l) => l.trim() !== '');
    expect(header).toMatch(/\balice\b/);
  });
});
