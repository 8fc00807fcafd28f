/**
 * Counts the tokens a model receives for typical tool results: the text each tool returns
 * (mcp/results.ts), rendered from real operations on a fresh in-memory database. The cases are
 * the heavy everyday ones: an inbox of 5 messages, a list of 20 tasks, a task with 30 events.
 */
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { toolResult } from '../mcp/results.js';
import type { ToolSession } from '../mcp/tool.js';
import { TOOLS } from '../mcp/tools/index.js';
import { createBus } from '../server/bus.js';
import { openMemoryDatabase } from '../server/db/connection.js';
import { upsertAgent } from '../server/ops/agents.js';
import { type Ctx, createCtx } from '../server/ops/context.js';
import { sendMessage } from '../server/ops/messages.js';
import { claimTask, commentOnTask, createTask, updateTask } from '../server/ops/tasks.js';

export interface ResultTokenCount {
  case: string;
  tool: string;
  tokens: number;
  /** The text the model reads. */
  text: string;
}

const NO_SESSION: ToolSession = {
  sessionId: 'tokens',
  bind: async () => {},
  admit: () => {},
  signal: new AbortController().signal,
  progress: async () => {},
};

async function render(ctx: Ctx, tool: string, args: Record<string, unknown>): Promise<string> {
  const row = TOOLS.find((t) => t.name === tool);
  if (!row) throw new Error(`no tool ${tool}`);
  const data = await row.run(ctx, args, NO_SESSION);
  const r = toolResult(data, row.text(data, ctx), { unread: 0 });
  return r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

const SENTENCE = 'The login tests fail on CI since the cookie change; can you take a look at auth/session.ts?';

/** Token counts (o200k_base) of the typical results, each with its text. */
export async function countResultTokens(): Promise<ResultTokenCount[]> {
  const opened = openMemoryDatabase();
  try {
    const deps = { db: opened.db, bus: createBus() };
    const join = async (name: string) =>
      createCtx(deps, (await upsertAgent(createCtx(deps, null), { name, team: 'default', kind: 'claude-code' })).agent);
    const alice = await join('alice');
    const bob = await join('bob');
    const out: ResultTokenCount[] = [];
    const count = async (label: string, ctx: Ctx, tool: string, args: Record<string, unknown>) => {
      const text = await render(ctx, tool, args);
      out.push({ case: label, tool, tokens: countTokens(text), text });
    };

    for (let i = 1; i <= 5; i++) await sendMessage(alice, { to: 'bob', message: `${SENTENCE} (${i})` });
    await count('inbox of 5 messages', bob, 'teammate_check_messages', {});

    for (let i = 1; i <= 20; i++) {
      await createTask(alice, { title: `Fix flaky test number ${i} in the auth suite`, labels: ['backend'] });
    }
    await claimTask(bob, { task: '#1' });
    await count('20 tasks', bob, 'task_list', { limit: 20 });

    for (let i = 0; i < 14; i++) {
      await updateTask(bob, { task: '#1', note: `progress ${i}: ${SENTENCE}` });
      await commentOnTask(alice, { task: '#1', message: `comment ${i}` });
    }
    await count('task with 30 events', bob, 'task_get', { task: '#1' });
    return out;
  } finally {
    await opened.close();
  }
}
