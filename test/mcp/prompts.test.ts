import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAgent, startServer, type TestServer } from '../helpers/server.js';

describe('MCP prompts', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.destroy();
  });

  it('lists checkin and handoff, and fills a hand-off prompt with its arguments', async () => {
    const alice = await connectAgent(server, { agent: 'alice' });
    const { prompts } = await alice.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(['checkin', 'handoff']);
    const got = await alice.client.getPrompt({ name: 'handoff', arguments: { task: '#3', to: 'bob' } });
    const text = got.messages[0]?.content.type === 'text' ? got.messages[0].content.text : '';
    expect(text).toContain('task_handoff {task: "#3", to: "bob"');
    const checkin = await alice.client.getPrompt({ name: 'checkin' });
    expect(JSON.stringify(checkin.messages)).toContain('teammate_whoami');
    await alice.close();
  });

  it('refuses an unknown prompt or a missing argument as invalid params, naming what is wanted', async () => {
    const alice = await connectAgent(server, { agent: 'alice' });
    await expect(alice.client.getPrompt({ name: 'standup' })).rejects.toThrow(
      /unknown prompt standup; prompts: checkin, handoff/,
    );
    await expect(alice.client.getPrompt({ name: 'handoff', arguments: { task: '#3' } })).rejects.toThrow(
      /prompt handoff needs: to/,
    );
    await alice.close();
  });
});
