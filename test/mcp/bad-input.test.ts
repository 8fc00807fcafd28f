/**
 * Bad input to every MCP tool returns a clear `invalid` error and changes nothing. Driven from
 * the tool table, so a new tool is covered the day it is added. (A failed call still counts as
 * the caller's activity — presence and lease timestamps — but changes no data.)
 */

import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTools } from '../../mcp/server.js';
import { TOOLS } from '../../mcp/tools/index.js';
import { snapshot } from '../helpers/db.js';
import { type AgentClient, connectAgent, startServer, type TestServer, textOf, withData } from '../helpers/server.js';

const snapshotOf = (server: TestServer) => snapshot(server.opened.db);

describe('bad input to every tool', () => {
  let server: TestServer;
  let dev: AgentClient;
  beforeAll(async () => {
    server = await startServer();
    const lead = await connectAgent(server, { agent: 'lead' });
    dev = await connectAgent(server, { agent: 'dev' });
    await connectAgent(server, { agent: 'rita' }).then((c) => c.close());
    const t = (await lead.call('task_create', { title: 'A task' })).data;
    await dev.call('task_claim', { task: t.id });
    await lead.call('teammate_send_message', { to: 'dev', message: 'hello' });
    await dev.call('review_request', { task: t.id, reviewer: 'rita' });
    await lead.close();
  });
  afterAll(async () => {
    await dev.close();
    await server.destroy();
  });

  const tools = listTools();

  it('covers every tool the server lists, by name', async () => {
    const served = (await dev.client.listTools()).tools.map((t) => t.name);
    expect(tools.map((t) => t.name)).toEqual(served);
    expect(served).toEqual(TOOLS.map((t) => t.name));
  });

  for (const tool of tools) {
    it(`${tool.name}: rejects unknown fields, wrong types and missing required fields without changing state`, async () => {
      const props = Object.keys((tool.inputSchema.properties ?? {}) as object);
      const required = (tool.inputSchema.required ?? []) as string[];
      const cases: Record<string, unknown>[] = [{ definitelyNotAField: 1 }];
      for (const p of props) cases.push({ [p]: { nested: ['not', 'valid'] } });
      if (required.length > 0) cases.push({});
      for (const args of cases) {
        const before = await snapshotOf(server);
        const r = withData((await dev.client.callTool({ name: tool.name, arguments: args })) as CallToolResult);
        expect(r.isError, `${tool.name} ${JSON.stringify(args)}`).toBe(true);
        const err = (r.data as { error: { code: string; message: string } }).error;
        expect(err.code, `${tool.name} ${JSON.stringify(args)}: ${err.message}`).toBe('invalid');
        expect(textOf(r as never)).toMatch(/^Error \(invalid\): invalid input — \S+/);
        expect(await snapshotOf(server)).toBe(before);
      }
    });
  }
});
