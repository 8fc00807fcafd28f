/** The MCP tool table: every tool Switchboard offers, in the order tools/list shows them. */
import type { ToolDef } from '../tool.js';
import { teammateTools } from './teammate.js';

export const TOOLS: readonly ToolDef[] = [...teammateTools];
