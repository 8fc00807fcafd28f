/** The state of one MCP session, shared by its server (mcp/server.ts), its transport (mcp/route.ts) and push. */
import type { Agent } from '../server/ops/model.js';
import type { ToolProfile } from './tools/index.js';

/** Mutable per-session state shared by the server and its transport. */
export interface SessionState {
  sessionId: string;
  actor: Agent | null;
  admin: boolean;
  /** The tools this session offers (`?tools=` on the MCP URL); `all` when absent. */
  profile?: ToolProfile;
  /** Said once, before the text of the session's next tool result (then cleared). */
  notice?: string | undefined;
  /** Resource URIs the client subscribed to (`switchboard://inbox`). */
  subscriptions?: Set<string>;
  /**
   * True while push to this session is paused: its GET stream holds a full backlog the client
   * has not read (mcp/stream-backlog.ts). Mail still lands in the inbox.
   */
  pushPaused?: boolean;
  /** Messages not pushed while paused, told in one notification when push resumes. */
  pushMissed?: number;
}
