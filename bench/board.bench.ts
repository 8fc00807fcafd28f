/**
 * Board render time at scale: 10,000 tasks and 50 agents in a temp SQLite file, seeded through
 * the operations (creates with labels, dependencies and assignees; claims, reviews, completions,
 * cancellations; thread messages; live sessions). Each board page is then requested through
 * `app.request()` (routing, identity, queries, JSX rendering; no socket) many times and timed
 * to the last byte of the body. Prints a table of p50/p99 per page, writes
 * bench/results/board.json, and hands rows to `bench/run.ts` when it runs us.
 * Target: p99 under 100 ms for every page, 50 ms for the flow page. The flow page is measured
 * as most requests find it (the panel drawn once and shared until the team changes), just after
 * a change (announced before each request, untimed: the kept panel is served while it is drawn
 * again in the background, and that drawing shares the one JavaScript thread with the requests),
 * and at the first view of a window (a window nobody asked for yet: drawn in the request; no target).
 * Run alone: `npx tsx bench/board.bench.ts`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { createApp } from '../server/app.js';
import { createBus } from '../server/bus.js';
import { openDatabase } from '../server/db/connection.js';
import type { AppDeps } from '../server/deps.js';
import { upsertAgent } from '../server/ops/agents.js';
import { type Ctx, createCtx, withTx } from '../server/ops/context.js';
import { sendMessage } from '../server/ops/messages.js';
import type { Agent } from '../server/ops/model.js';
import { requestReview } from '../server/ops/reviews.js';
import { startSession } from '../server/ops/sessions.js';
import { cancelTask, claimTask, commentOnTask, completeTask, createTask } from '../server/ops/tasks.js';

const TASKS = Number(process.env.BENCH_BOARD_TASKS ?? 10_000);
const AGENTS = 50;
const RUNS = Number(process.env.BENCH_BOARD_RUNS ?? 60);
const WARMUP = 5;
const TARGET_P99_MS = 100;
const FLOW_TARGET_P99_MS = 50;
const LABELS = ['api', 'web', 'db', 'ops', 'docs', 'security', 'mail', 'cli'];
const ORIGIN = 'http://127.0.0.1:7800';

/** Nearest-rank percentile of ascending `sorted` samples. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function summarize(samples: number[]): { p50: number; p99: number; max: number; n: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? Number.NaN, n: s.length };
}

/** Runs `fn` for items in batches of `size`, each batch in one transaction. */
async function batched<T>(ctx: Ctx, items: T[], size: number, fn: (tx: Ctx, item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) {
    await withTx(ctx, async (tx) => {
      for (const it of items.slice(i, i + size)) await fn(tx, it);
    });
  }
}

/** Seeds the board's data set into `deps.db` through the operations. */
export async function seedBoard(deps: AppDeps, clock: { now: number }): Promise<{ agents: Agent[]; threadId: string }> {
  const base = createCtx(deps, null);
  const agents: Agent[] = [];
  for (let i = 0; i < AGENTS; i++) {
    const { agent } = await upsertAgent(base, {
      name: `agent-${String(i).padStart(2, '0')}`,
      team: 'default',
      kind: i % 5 === 0 ? 'codex' : 'claude-code',
      role: i % 10 === 0 ? 'reviewer' : 'developer',
      summary: `Working on area ${i % 8}`,
    });
    agents.push(agent);
  }
  const as = (tx: Ctx, a: Agent): Ctx => ({ ...tx, actor: a });
  const pick = (i: number) => agents[i % AGENTS] as Agent;

  // Creates: every task labelled, a fifth reserved for someone, a tenth depending on an earlier one.
  const numbers = Array.from({ length: TASKS }, (_, i) => i + 1);
  await batched(base, numbers, 500, async (tx, n) => {
    clock.now += 10;
    await createTask(as(tx, pick(n)), {
      title: `Task ${n}: ${['fix', 'add', 'refactor', 'document', 'cache'][n % 5]} the ${LABELS[n % LABELS.length]} part`,
      description: `Details for task ${n}.\n\n- step one\n- step two`,
      priority: (['low', 'normal', 'normal', 'high', 'urgent'] as const)[n % 5],
      labels: [LABELS[n % LABELS.length] as string, LABELS[(n * 3) % LABELS.length] as string],
      ...(n % 5 === 0 && { assignee: pick(n + 1).name }),
      ...(n % 10 === 3 && n > 20 && { dependsOn: [n - 7] }),
    });
  });

  // States: ~68% done, 4% cancelled, 5% in progress, 3% in review, the rest open.
  const state = (n: number) => {
    const r = (n * 7919) % 100;
    return r < 68 ? 'done' : r < 72 ? 'cancelled' : r < 77 ? 'in_progress' : r < 80 ? 'in_review' : 'open';
  };
  // Dependencies point backwards, so finishing tasks in ascending order never meets a blocker... except
  // when the dependency stays open; those tasks stay open too.
  const finished = new Set<number>();
  await batched(base, numbers, 500, async (tx, n) => {
    const s = state(n);
    if (s === 'open') return;
    if (n % 10 === 3 && n > 20 && !finished.has(n - 7)) return;
    clock.now += 10;
    const owner = n % 5 === 0 ? pick(n + 1) : pick(n + 2);
    if (s === 'cancelled') {
      await cancelTask(as(tx, pick(n)), { task: n, reason: 'not needed' });
      finished.add(n);
      return;
    }
    await claimTask(as(tx, owner), { task: n });
    if (n % 3 === 0) await commentOnTask(as(tx, owner), { task: n, message: `Progress on ${n}: halfway.` });
    if (s === 'done') {
      await completeTask(as(tx, owner), { task: n, result: 'Done and tested.' });
      finished.add(n);
    } else if (s === 'in_review') {
      await requestReview(as(tx, owner), { task: n, ...(n % 2 === 0 && { reviewer: pick(n + 3).name }) });
    }
  });

  // Direct and team messages, and live sessions for half the agents.
  let threadId = '';
  await batched(
    base,
    Array.from({ length: 1000 }, (_, i) => i),
    250,
    async (tx, i) => {
      clock.now += 10;
      const r = await sendMessage(as(tx, pick(i)), {
        to: i % 10 === 0 ? '*' : pick(i + 1).name,
        message: `Message ${i}: see **task ${i + 1}**.`,
      });
      threadId = r.message.threadId;
    },
  );
  for (let i = 0; i < AGENTS / 2; i++) {
    const a = pick(i);
    await startSession(base, {
      id: `bench-${i}`,
      teamId: a.teamId,
      agentId: a.id,
      transport: 'http',
      push: i % 2 === 0,
    });
  }
  return { agents, threadId };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-board-bench-'));
  const opened = openDatabase(join(dir, 'switchboard.db'));
  const clock = { now: Date.now() - 86_400_000 };
  const deps: AppDeps = {
    db: opened.db,
    bus: createBus(),
    logger: pino({ level: 'warn' }),
    auth: 'local',
    limits: {},
    sessionIdleMs: 30 * 60_000,
    now: () => clock.now,
  };
  const t0 = performance.now();
  const { threadId } = await seedBoard(deps, clock);
  const seedMs = performance.now() - t0;
  clock.now = Date.now();
  const { app, close } = createApp(deps);

  const cookie = 'sb_name=bench-human';
  const get = async (path: string, htmx: boolean) => {
    const res = await app.request(`${ORIGIN}${path}`, {
      headers: { cookie, ...(htmx && { 'hx-request': 'true' }) },
    });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}: ${body.slice(0, 300)}`);
    return body.length;
  };
  await get('/t/default', false); // joins the human

  const team = await opened.db.selectFrom('teams').select('id').where('name', '=', 'default').executeTakeFirstOrThrow();
  // Any task change marks the shared flow panel stale: it is drawn again in the background.
  const change = () =>
    deps.bus.emit({ type: 'task.changed', teamId: team.id, taskId: 'bench', event: 'bench', actorId: null });
  const pages: {
    name: string;
    path: string | ((i: number) => string);
    htmx: boolean;
    target?: number | null;
    before?: () => void;
  }[] = [
    { name: 'teams overview', path: '/', htmx: false },
    { name: 'board', path: '/t/default', htmx: false },
    { name: 'board panel (live refresh)', path: '/t/default', htmx: true },
    { name: 'board, label filter', path: '/t/default?label=api', htmx: true },
    { name: 'board, text filter', path: '/t/default?text=cache', htmx: true },
    { name: 'board, agent filter', path: '/t/default?agent=agent-08', htmx: true },
    { name: 'board, deep done page', path: `/t/default?done=${Math.floor(TASKS * 0.6)}`, htmx: true },
    { name: 'task page', path: `/t/default/tasks/${TASKS - 1}`, htmx: false },
    { name: 'agents roster', path: '/t/default/agents', htmx: false },
    { name: 'threads', path: '/t/default/threads', htmx: false },
    { name: 'thread view', path: `/t/default/threads/${threadId}`, htmx: false },
    { name: 'review queue', path: '/t/default/reviews', htmx: false },
    { name: 'flow (30 days), shared panel', path: '/t/default/flow', htmx: false, target: FLOW_TARGET_P99_MS },
    {
      name: 'flow (30 days), just after a change',
      path: '/t/default/flow',
      htmx: false,
      target: FLOW_TARGET_P99_MS,
      before: change,
    },
    {
      name: 'flow panel, just after a change',
      path: '/t/default/flow',
      htmx: true,
      target: FLOW_TARGET_P99_MS,
      before: change,
    },
    {
      // Windows of 26 to 90 days, each asked for once (every one holds the seeded history).
      name: 'flow, first view of a window',
      path: (i) => `/t/default/flow?days=${26 + (i % 65)}`,
      htmx: false,
      target: null,
    },
  ];

  const results: {
    page: string;
    path: string;
    fragment: boolean;
    p50: number;
    p99: number;
    max: number;
    n: number;
    kb: number;
    target: number | null;
  }[] = [];
  for (const p of pages) {
    const pathOf = (i: number) => (typeof p.path === 'string' ? p.path : p.path(i));
    let bytes = 0;
    for (let i = 0; i < WARMUP; i++) {
      p.before?.();
      bytes = await get(pathOf(i), p.htmx);
    }
    const samples: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      p.before?.();
      const s = performance.now();
      await get(pathOf(WARMUP + i), p.htmx);
      samples.push(performance.now() - s);
    }
    const sum = summarize(samples);
    results.push({
      page: p.name,
      path: pathOf(0),
      fragment: p.htmx,
      ...sum,
      kb: Math.round(bytes / 102.4) / 10,
      target: p.target === undefined ? TARGET_P99_MS : p.target,
    });
  }

  const round = (x: number) => Math.round(x * 100) / 100;
  console.log(
    `\nBoard render with ${TASKS} tasks and ${AGENTS} agents (seeded in ${(seedMs / 1000).toFixed(1)} s), ${RUNS} runs each\n`,
  );
  console.log(
    `${'page'.padEnd(30)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'KB'.padStart(7)}`,
  );
  for (const r of results) {
    console.log(
      `${r.page.padEnd(30)} ${round(r.p50).toFixed(2).padStart(8)} ${round(r.p99).toFixed(2).padStart(8)} ${round(r.max).toFixed(2).padStart(8)} ${r.kb.toFixed(1).padStart(7)}`,
    );
  }

  const outDir = new URL('./results/', import.meta.url).pathname;
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'board.json'),
    `${JSON.stringify(
      {
        bench: 'board',
        date: new Date().toISOString(),
        node: process.version,
        tasks: TASKS,
        agents: AGENTS,
        runs: RUNS,
        seedSeconds: round(seedMs / 1000),
        targetP99Ms: TARGET_P99_MS,
        pages: results.map((r) => ({ ...r, p50: round(r.p50), p99: round(r.p99), max: round(r.max) })),
      },
      null,
      2,
    )}\n`,
  );

  // Rows for bench/run.ts, which passes a file to write them to.
  if (process.env.BENCH_RESULT) {
    const rows = results.map((r) => ({
      bench: 'board',
      name: `${r.page}, ${TASKS} tasks / ${AGENTS} agents`,
      values: { p50: round(r.p50), p99: round(r.p99), max: round(r.max), kb: r.kb },
      unit: 'ms',
      ...(r.target !== null && { target: `p99 < ${r.target} ms`, ok: r.p99 < r.target }),
    }));
    writeFileSync(process.env.BENCH_RESULT, JSON.stringify(rows));
  }
  await close();
  await opened.close();
  rmSync(dir, { recursive: true, force: true });
}

// Run when executed (by `npx tsx bench/board.bench.ts` or bench/run.ts), not when imported.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
