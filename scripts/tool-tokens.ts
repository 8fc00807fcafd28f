/**
 * Counts the tokens the MCP tool definitions cost a client: every connected agent pays for
 * the tools/list payload in its context window on every turn. The count uses the o200k_base
 * encoding (gpt-tokenizer); Claude's tokenizer is not public and differs by a modest margin,
 * so the budget leaves headroom rather than being read as an exact Claude figure.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { listTools } from '../mcp/server.js';
import { TOOL_PROFILES, type ToolProfile, toolsOf } from '../mcp/tools/index.js';

/** The most tokens (o200k_base) the whole tools/list result may take. */
export const TOOL_TOKEN_BUDGET = 6_000;

export interface ToolTokenCount {
  name: string;
  /** Tokens of this tool's JSON definition alone. */
  tokens: number;
  /** Of which the description and the input schema. */
  descriptionTokens: number;
  schemaTokens: number;
}

export interface ToolTokenReport {
  encoding: 'o200k_base';
  tools: ToolTokenCount[];
  /** Tokens of the serialized tools/list result `{"tools":[…]}`, as the server sends it. */
  total: number;
  budget: number;
}

/** Per-tool and total token counts of the tools/list payload built by `listTools()`. */
export function countToolTokens(tools: Tool[] = listTools()): ToolTokenReport {
  return {
    encoding: 'o200k_base',
    tools: tools.map((t) => ({
      name: t.name,
      tokens: countTokens(JSON.stringify(t)),
      descriptionTokens: countTokens(t.description ?? ''),
      schemaTokens: countTokens(JSON.stringify(t.inputSchema)),
    })),
    total: countTokens(JSON.stringify({ tools })),
    budget: TOOL_TOKEN_BUDGET,
  };
}

/** Tokens of the tools/list payload of each tool profile (`?tools=`). */
export function countProfileTokens(): Record<ToolProfile, number> {
  return Object.fromEntries(
    (Object.keys(TOOL_PROFILES) as ToolProfile[]).map((p) => [p, countToolTokens(listTools(toolsOf(p))).total]),
  ) as Record<ToolProfile, number>;
}
