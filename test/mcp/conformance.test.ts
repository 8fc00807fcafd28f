/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`, every server
 * scenario, pending ones included) run as a child process against a real Switchboard server in
 * local mode. The suite's clients name no agent, so each of its sessions is anonymous: tools/list,
 * logging, ping and resources/list need no identity, and its fixture tools are unknown tools.
 *
 * Every scenario must pass except those in conformance-expected-failures.json (scenario →
 * reason), which may only name scenarios that need the suite's own fixture tools, prompts or
 * resources. An expected failure that starts passing fails this test too, so the list stays
 * honest. (tools-call-simple-text and tools-call-error pass without their fixture tools: their
 * checks accept any text result, and an unknown tool is an `isError` result with text.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

const CLI = fileURLToPath(new URL('../../node_modules/.bin/conformance', import.meta.url));
const EXPECTED: Record<string, string> = JSON.parse(
  readFileSync(new URL('./conformance-expected-failures.json', import.meta.url), 'utf8'),
);
/** The whole suite takes about 2 s here; this bounds a hung scenario. */
const RUN_TIMEOUT_MS = 45_000;

interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | string;
  errorMessage?: string;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

function runCli(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI, args, { timeout: RUN_TIMEOUT_MS, env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, output }));
  });
}

/** Scenario name → its checks, from the `server-<scenario>-<timestamp>/checks.json` files the CLI writes. */
function readResults(dir: string): Map<string, Check[]> {
  const results = new Map<string, Check[]>();
  for (const entry of readdirSync(dir)) {
    const m = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/.exec(entry);
    if (!m) continue;
    results.set(m[1] as string, JSON.parse(readFileSync(join(dir, entry, 'checks.json'), 'utf8')) as Check[]);
  }
  return results;
}

describe('MCP conformance suite (server scenarios)', () => {
  let server: TestServer;
  let work: string;
  let scenarios: string[];
  let run: Run;
  let results: Map<string, Check[]>;

  beforeAll(async () => {
    const list = await runCli(['list', '--server']);
    expect(list.code, list.output).toBe(0);
    scenarios = [...list.output.matchAll(/^\s+- (\S+)$/gm)].map((m) => m[1] as string);

    server = await startServer();
    work = mkdtempSync(join(tmpdir(), 'switchboard-conformance-'));
    // The CLI's own baseline check, fed the same list, must agree with ours.
    const baseline = join(work, 'expected-failures.yml');
    writeFileSync(
      baseline,
      `server:\n${Object.keys(EXPECTED)
        .map((s) => `  - ${s}\n`)
        .join('')}`,
    );
    const out = join(work, 'results');
    run = await runCli([
      'server',
      '--url',
      server.mcpUrl,
      '--suite',
      'all',
      '--expected-failures',
      baseline,
      '--output-dir',
      out,
    ]);
    results = readResults(out);
  }, 60_000);

  afterAll(async () => {
    await server?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs every server scenario the suite lists, within the time limit', () => {
    expect(run.signal, run.output).toBeNull();
    expect(scenarios.length).toBeGreaterThan(25);
    expect(scenarios).toContain('server-initialize');
    expect([...results.keys()].sort()).toEqual([...scenarios].sort());
  });

  it('passes every scenario that does not need the suite’s fixtures', () => {
    const unexpected: Record<string, string[]> = {};
    for (const [scenario, checks] of results) {
      const failed = checks.filter((c) => c.status === 'FAILURE');
      if (failed.length > 0 && !(scenario in EXPECTED)) {
        unexpected[scenario] = failed.map((c) => `${c.id}: ${c.errorMessage ?? 'failed'}`);
      }
    }
    expect(unexpected).toEqual({});
    for (const generic of ['server-initialize', 'ping', 'tools-list', 'logging-set-level', 'resources-list']) {
      expect(results.get(generic)?.some((c) => c.status === 'SUCCESS')).toBe(true);
    }
  });

  it('still fails every expected failure (the list names only known scenarios, each with its reason)', () => {
    const nowPassing = Object.keys(EXPECTED).filter(
      (s) => results.has(s) && !results.get(s)?.some((c) => c.status === 'FAILURE'),
    );
    expect(nowPassing).toEqual([]);
    for (const [scenario, reason] of Object.entries(EXPECTED)) {
      expect(scenarios).toContain(scenario);
      expect(reason.length).toBeGreaterThan(20);
    }
    // The CLI's verdict with the same baseline: no unexpected failure and no stale entry.
    expect(run.code, run.output).toBe(0);
  });

  it('gives the suite’s sessions no identity: they connect anonymously and need none', async () => {
    const rows = await server.opened.db
      .selectFrom('sessions')
      .select(['agent_id', 'client_name'])
      .where('client_name', '=', 'conformance-test-client')
      .execute();
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.every((r) => r.agent_id === null)).toBe(true);
    const agents = await server.opened.db.selectFrom('agents').select('name').execute();
    expect(agents).toEqual([]);
  });
});
