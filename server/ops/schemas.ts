/**
 * Field schemas shared by several operations, and `parseInput`, the one place operation
 * input is validated. `.describe()` texts reach agents through the MCP tool schemas, so
 * they are short and written for a model.
 */
import { z } from 'zod';
import { AGENT_KINDS, MESSAGE_KINDS, PRIORITIES, TASK_STATUSES } from '../db/schema.js';
import { DomainError, fromZodError } from '../errors.js';

/** Agent and team names: `[a-z0-9][a-z0-9._-]{0,39}` (DESIGN.md, Concepts). */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,39}$/;

export const AgentName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(NAME_PATTERN, 'must be 1-40 chars of a-z, 0-9, ".", "_", "-", starting with a letter or digit');
export type AgentName = z.infer<typeof AgentName>;

export const TeamName = AgentName;

export const AgentKind = z.enum(AGENT_KINDS);
export type AgentKind = z.infer<typeof AgentKind>;

export const Priority = z.enum(PRIORITIES);
export type Priority = z.infer<typeof Priority>;
export const PRIORITY_RANK: Record<Priority, number> = { low: 0, normal: 1, high: 2, urgent: 3 };

export const MessageKind = z.enum(MESSAGE_KINDS);
export type MessageKind = z.infer<typeof MessageKind>;

export const TaskStatus = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof TaskStatus>;
export const TERMINAL_STATUSES: readonly TaskStatus[] = ['done', 'failed', 'cancelled'];

/** A task reference: its id, its team number (`12`), or `#12`. */
export const TaskRef = z.union([z.string().trim().min(1).max(40), z.number().int().positive()]).describe('#12 or id');
export type TaskRef = z.infer<typeof TaskRef>;

export const Label = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9:._/-]{0,39}$/, 'labels are 1-40 chars of a-z, 0-9, ":", ".", "_", "/", "-"');
export type Label = z.infer<typeof Label>;

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const NOT_ONE_LINE = /[\u0000-\u0008\u000a-\u001f\u007f\u0085\u2028\u2029]/;

/**
 * Short single-line text (titles, subjects, summaries, notes). Line breaks and control
 * characters are refused: these fields are shown inside one line of model-facing text, where
 * a line break would let a teammate's words pass for a line from the server.
 */
export const ShortText = (max = 500) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !NOT_ONE_LINE.test(s), 'must be one line (no line breaks or control characters)');

/** Markdown body text; control characters other than tab/newline are refused. */
export const BodyText = (max = 64_000) =>
  z
    .string()
    .min(1)
    .max(max, `must be at most ${max} characters`)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), 'contains control characters');

export const IdempotencyKey = z.string().min(1).max(200).describe('retry key: no duplicate');
export type IdempotencyKey = z.infer<typeof IdempotencyKey>;

export const Cursor = z.string().max(100).describe('from the last page');
export type Cursor = z.infer<typeof Cursor>;
export const Limit = (def = 50, max = 200) => z.number().int().min(1).max(max).default(def);

/**
 * Advice for unknown keys an agent is likely to send to one operation (key → what to do
 * instead), shown when that operation's schema rejects the key. Kept out of the advertised
 * JSON Schema: only `parseInput` reads it.
 */
export const keyHints = z.registry<Record<string, string>>();

/**
 * The path of the first string holding a NUL character in `input`, or null. Refused before any
 * schema runs: no field may hold one, and PostgreSQL rejects it even as a query parameter.
 */
function nulPath(input: unknown, path = '', depth = 0): string | null {
  if (typeof input === 'string') return input.includes('\u0000') ? path : null;
  if (typeof input !== 'object' || input === null || depth > 8) return null;
  for (const [k, v] of Object.entries(input)) {
    const found = nulPath(v, path ? `${path}.${k}` : k, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/**
 * Parses `input` with `schema`; a failure becomes an `invalid` DomainError naming each field,
 * and for unknown keys the accepted parameters and the one probably meant (errors.ts).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const nul = nulPath(input);
  if (nul !== null) throw new DomainError('invalid', `${nul || 'input'}: contains control characters (NUL)`);
  const r = schema.safeParse(input ?? {});
  if (!r.success) {
    const accepted = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
    const hints = keyHints.get(schema);
    throw fromZodError(r.error, { accepted, given: input ?? {}, ...(hints && { hints }) });
  }
  return r.data;
}
