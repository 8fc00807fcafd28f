/**
 * The MCP tool table: every tool Switchboard offers, in the order tools/list shows them, and
 * the profiles that offer a subset to agents that need less (each tool definition costs the
 * agent context on every turn).
 */
import type { ToolDef } from '../tool.js';
import { reservationTools } from './reservation.js';
import { reviewTools } from './review.js';
import { searchTools } from './search.js';
import { taskTools } from './task.js';
import { teammateTools } from './teammate.js';
import { waitTools } from './wait.js';

export const TOOLS: readonly ToolDef[] = [
  ...teammateTools,
  ...waitTools,
  ...searchTools,
  ...taskTools,
  ...reviewTools,
  ...reservationTools,
];

const MESSAGING = [
  'teammate_join',
  'teammate_whoami',
  'teammate_list',
  'teammate_set_summary',
  'teammate_send_message',
  'teammate_check_messages',
  'teammate_ack',
  'teammate_read_thread',
  'teammate_wait_for_messages',
  'teammate_search',
];

/**
 * Tool profiles, chosen with `?tools=NAME` on the MCP URL: `all` (default); `messaging`, the
 * teammate tools alone (a peer-messaging agent); `tasks`, the task and review tools with the
 * few teammate tools a worker needs (identity, inbox, wait), and the file reservations.
 */
export const TOOL_PROFILES = {
  all: TOOLS.map((t) => t.name),
  messaging: MESSAGING,
  tasks: [
    'teammate_join',
    'teammate_whoami',
    'teammate_check_messages',
    'teammate_send_message',
    'teammate_wait_for_messages',
    ...TOOLS.filter((t) => /^(task|review|reservation)_/.test(t.name)).map((t) => t.name),
  ],
} as const satisfies Record<string, readonly string[]>;

export type ToolProfile = keyof typeof TOOL_PROFILES;

/** Whether `name` is a profile; the `/mcp` route refuses others with the list. */
export function isToolProfile(name: string): name is ToolProfile {
  return Object.hasOwn(TOOL_PROFILES, name);
}

/** The tool rows of a profile, in table order. */
export function toolsOf(profile: ToolProfile): readonly ToolDef[] {
  const names = new Set<string>(TOOL_PROFILES[profile]);
  return TOOLS.filter((t) => names.has(t.name));
}
