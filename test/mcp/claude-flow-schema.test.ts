/**
 * Clients that validate arguments against the advertised JSON Schema before calling (strict
 * clients) must let Claude Flow's `teammate_send_message` names through, and the call works.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTools } from '../../mcp/server.js';
import { connectAgent, startServer, type TestServer, textOf } from '../helpers/server.js';

const advertised = listTools().find((t) => t.name === 'teammate_send_message');
const validate = new AjvJsonSchemaValidator().getValidator(advertised?.inputSchema as never);

const FLOW_CALL = {
  toId: 'bob',
  payload: { step: 2, files: ['a.ts'] },
  type: 'request',
  priority: 'high',
  fromId: 'alice',
  teamName: 'default',
};

describe('teammate_send_message advertises Claude Flow argument names', () => {
  it('declares each as an optional property with a short description', () => {
    const props = advertised?.inputSchema.properties as Record<string, { description?: string }>;
    for (const name of ['toId', 'payload', 'type', 'teamName', 'fromId']) {
      expect(props[name]?.description, name).toBeTruthy();
      expect((props[name]?.description ?? '').length, name).toBeLessThanOrEqual(40);
    }
    expect(advertised?.inputSchema.required ?? []).toEqual([]);
    expect(advertised?.inputSchema.additionalProperties).toBe(false);
  });

  it('passes a strict validator for Claude Flow calls and ours, and still refuses unknown names', () => {
    expect(validate(FLOW_CALL).valid).toBe(true);
    expect(validate({ toId: 'bob', payload: 'plain text' }).valid).toBe(true);
    expect(validate({ to: ['bob', 'role:reviewer'], message: 'hi', ackRequired: true }).valid).toBe(true);
    expect(validate({ to: 'bob', body: 'hi' }).valid).toBe(false);
  });

  describe('over MCP', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer();
    });
    afterAll(async () => {
      await server.destroy();
    });

    it('sends a Claude Flow call as a message, and explains a missing body or recipient', async () => {
      const alice = await connectAgent(server, { agent: 'alice' });
      const bob = await connectAgent(server, { agent: 'bob' });
      const sent = await alice.call('teammate_send_message', FLOW_CALL);
      expect(sent.isError).toBeFalsy();
      expect(sent.data.message).toMatchObject({ kind: 'question', priority: 'high', from: 'alice' });
      const inbox = await bob.call('teammate_check_messages');
      expect(inbox.data.messages[0].body).toContain('"step": 2');
      const raw = (args: Record<string, unknown>) =>
        alice.client.callTool({ name: 'teammate_send_message', arguments: args }) as Promise<CallToolResult>;
      const noBody = await raw({ toId: 'bob' });
      expect(textOf(noBody)).toBe('Error (invalid): invalid input — message: required (the Markdown text to send)');
      const noOne = await raw({ payload: 'x' });
      expect(noOne.isError).toBe(true);
      expect(textOf(noOne)).toMatch(/to: say who the message is for/);
      expect((await bob.call('teammate_whoami')).data.unread).toBe(0);
      await alice.close();
      await bob.close();
    });
  });
});
