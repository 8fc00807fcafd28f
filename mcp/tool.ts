/**
 * One row of the MCP tool table: the tool is data (name, title, description for a model,
 * input schema taken from the operation, annotations) plus the operation it calls and the
 * text the model reads of its result (mcp/results.ts).
 */
import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { Ctx } from '../server/ops/context.js';

/** Per-session state the tools see: the MCP session and the identity bound to it. */
export interface ToolSession {
  sessionId: string;
  /**
   * Called by `teammate_join` before it writes anything: takes this session's place among the
   * agent's live sessions. Errors: `rate_limited` at the per-agent session limit.
   */
  admit: (agent: { team: string; name: string }) => void | Promise<void>;
  /** Called by `teammate_join` to bind an identity to this session. */
  bind: (agentId: string) => Promise<void>;
  /** Progress and cancellation for long-running calls (the waiting tool). */
  signal: AbortSignal;
  progress: (message: string) => Promise<void>;
}

export interface ToolDef<R = unknown> {
  name: string;
  title: string;
  description: string;
  /** The operation's input schema; advertised as JSON Schema in tools/list. */
  input: z.ZodObject;
  annotations: ToolAnnotations;
  /** False for tools usable before the session has an identity (only `teammate_join`). */
  needsActor?: boolean;
  run: (ctx: Ctx, args: unknown, session: ToolSession) => Promise<R>;
  /**
   * The text the model reads (mcp/results.ts): the outcome, and the next step where there is
   * one. `ctx` gives the clock and the actor.
   */
  text: (result: R, ctx: Ctx) => string;
}

/** Types a tool row while keeping the table heterogeneous. */
export function defineTool<R>(def: ToolDef<R>): ToolDef {
  return def as unknown as ToolDef;
}

export const READ_ONLY: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, openWorldHint: false };
export const WRITE: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: false,
};
export const IDEMPOTENT_WRITE: ToolAnnotations = { ...WRITE, idempotentHint: true };
export const DESTRUCTIVE: ToolAnnotations = { ...WRITE, destructiveHint: true };
