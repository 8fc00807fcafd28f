/**
 * MCP prompts: short workflows a person can start from their client (Claude Code lists them as
 * slash commands, e.g. `/mcp__switchboard__checkin`). Each returns one user message that names
 * the tools to call; the tools' results then carry the details and the next step.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';

interface PromptDef {
  name: string;
  title: string;
  description: string;
  arguments: { name: string; description: string; required: boolean }[];
  text: (args: Record<string, string>) => string;
}

const PROMPTS: readonly PromptDef[] = [
  {
    name: 'checkin',
    title: 'Check in with the team',
    description: 'See what is on your plate, read your mail, and pick up work.',
    arguments: [],
    text: () =>
      'Check in with the Switchboard team: call teammate_whoami to see what is on your plate, read any mail with teammate_check_messages, then follow the next step the results give (continue a task you hold, answer a hand-off or review, or task_claim {} for ready work).',
  },
  {
    name: 'handoff',
    title: 'Hand off a task',
    description: 'Write hand-off notes for a task you hold and offer it to a teammate.',
    arguments: [
      { name: 'task', description: 'the task, e.g. "#12"', required: true },
      { name: 'to', description: 'the teammate to take it over', required: true },
    ],
    text: (a) =>
      `Hand off task ${a.task} to ${a.to} on Switchboard. First write hand-off notes: what is done, what is left, and where the work is (branch, files, commands to run). Then call task_handoff {task: "${a.task}", to: "${a.to}", note: <the notes>}. The task stays yours until ${a.to} accepts.`,
  },
];

/** The prompts capability the server declares. */
export const PROMPTS_CAPABILITY = { listChanged: false };

/** Registers prompts/list and prompts/get. An unknown prompt or a missing argument is -32602 (invalid params). */
export function registerPrompts(server: Server): void {
  server.setRequestHandler(ListPromptsRequestSchema, async () => ({
    prompts: PROMPTS.map(({ text: _t, ...p }) => p),
  }));
  server.setRequestHandler(GetPromptRequestSchema, async (req) => {
    const p = PROMPTS.find((x) => x.name === req.params.name);
    if (!p) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `unknown prompt ${req.params.name}; prompts: ${PROMPTS.map((x) => x.name).join(', ')}`,
      );
    }
    const args = req.params.arguments ?? {};
    const missing = p.arguments.filter((a) => a.required && !args[a.name]?.trim()).map((a) => a.name);
    if (missing.length) throw new McpError(ErrorCode.InvalidParams, `prompt ${p.name} needs: ${missing.join(', ')}`);
    return {
      description: p.description,
      messages: [{ role: 'user' as const, content: { type: 'text' as const, text: p.text(args) } }],
    };
  });
}
