import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTools } from '../../mcp/server.js';
import { countResultTokens } from '../../scripts/result-tokens.js';
import { countProfileTokens, countToolTokens, TOOL_TOKEN_BUDGET } from '../../scripts/tool-tokens.js';
import { connectAgent, startServer, type TestServer } from '../helpers/server.js';

describe('tool definition token budget', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.destroy();
  });

  it('counts the payload the server actually sends', async () => {
    const alice = await connectAgent(server, { agent: 'alice' });
    const { tools } = await alice.client.listTools();
    await alice.close();
    expect(tools).toEqual(listTools());
    expect(countToolTokens(tools).total).toBe(countToolTokens().total);
  });

  it(`keeps tools/list within ${TOOL_TOKEN_BUDGET} tokens (o200k_base)`, () => {
    const report = countToolTokens();
    const perTool = Object.fromEntries(report.tools.map((t) => [t.name, t.tokens]));
    expect(report.tools.length).toBeGreaterThan(0);
    expect(report.total, `per-tool tokens: ${JSON.stringify(perTool)}`).toBeLessThanOrEqual(TOOL_TOKEN_BUDGET);
  });

  it('counts every tool, each a real share of the total', () => {
    const report = countToolTokens();
    expect(report.tools.map((t) => t.name)).toEqual(listTools().map((t) => t.name));
    for (const t of report.tools) expect(t.tokens).toBeGreaterThan(t.descriptionTokens);
    const sum = report.tools.reduce((n, t) => n + t.tokens, 0);
    // The whole payload is the tools joined into one JSON array, so it is close to the sum of its parts.
    expect(Math.abs(report.total - sum)).toBeLessThan(report.tools.length * 3 + 10);
  });

  it('offers smaller profiles: messaging at most 40% of the full list, tasks under it', () => {
    const p = countProfileTokens();
    expect(p.messaging).toBeLessThan(p.all * 0.4);
    expect(p.tasks).toBeLessThan(p.all);
  });

  it('keeps typical results small: 5 messages, 20 tasks, a task with 30 events', async () => {
    const counts = Object.fromEntries((await countResultTokens()).map((r) => [r.case, r]));
    const budget: Record<string, number> = {
      'inbox of 5 messages': 400,
      '20 tasks': 500,
      'task with 30 events': 500,
    };
    for (const [name, max] of Object.entries(budget)) {
      const r = counts[name];
      expect(r, name).toBeDefined();
      expect(r?.tokens, `${name}:\n${r?.text}`).toBeLessThanOrEqual(max);
    }
    expect(counts['inbox of 5 messages']?.text.match(/^From alice/gm)).toHaveLength(5);
    expect(counts['20 tasks']?.text.match(/^#\d+ "/gm)).toHaveLength(20);
    expect(counts['task with 30 events']?.text).toMatch(/History \(22 earlier events not shown\)/);
  });

  it('describes every parameter of every tool', () => {
    const bare = listTools().flatMap((t) =>
      Object.entries((t.inputSchema.properties ?? {}) as Record<string, { description?: string }>)
        .filter(([, v]) => !v.description)
        .map(([k]) => `${t.name}.${k}`),
    );
    expect(bare).toEqual([]);
  });
});
