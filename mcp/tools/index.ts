/** The MCP tool table: every tool Switchboard offers, in the order tools/list shows them. */
import type { ToolDef } from '../tool.js';
import { reviewTools } from './review.js';
import { taskTools } from './task.js';
import { teammateTools } from './teammate.js';
import { waitTools } from './wait.js';

export const TOOLS: readonly ToolDef[] = [...teammateTools, ...waitTools, ...taskTools, ...reviewTools];
