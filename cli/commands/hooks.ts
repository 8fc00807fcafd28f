/**
 * `switchboard hook <format>`: prints the caller's unread mail in the form an agent's hook
 * expects, so an idle agent learns of mail at its next turn (DESIGN.md, Delivery 4).
 *
 * - `claude`: Claude Code hooks (and Codex hooks, which take the same JSON). Reads the hook
 *   input from stdin; for `Stop`/`SubagentStop` it blocks the stop with the mail as the
 *   reason, so the agent carries on and reads it; for any other event (`UserPromptSubmit`,
 *   `SessionStart`, `PostToolUse`) it adds the mail as context. Shown mail is marked read.
 * - `codex-notify`: Codex's `notify` program (the JSON event is the last argument; Codex
 *   ignores the output). Prints a one-line summary; marks nothing read.
 * - `text`: the mail as plain text (marks it read with `--mark-read`).
 *
 * On `PreToolUse` for Edit, Write, MultiEdit or NotebookEdit, `claude` is the reservation
 * guard instead (cli/commands/guard.ts): it denies the edit of a file another agent holds
 * exclusively, and prints nothing otherwise.
 *
 * Never fails the agent's turn: with no mail it prints nothing; when the server cannot be
 * reached it says so on stderr and exits 0.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { InboxResult } from '../../server/ops/messages.js';
import { formatMessages, mailNextStep } from '../../server/text-format.js';
import { ApiError, type ApiOptions, createClient, withApiOptions } from '../client.js';
import { type PreToolUseInput, preToolUseDecision, rootOption } from './guard.js';

const FORMATS = ['claude', 'codex-notify', 'text'] as const;
type Format = (typeof FORMATS)[number];

/** The hook events that can stop the agent; for them a hook blocks instead of adding context. */
const STOP_EVENTS = new Set(['Stop', 'SubagentStop']);

/** Reads the hook input Claude Code writes to stdin (empty or not JSON → {}). */
function hookInput(): PreToolUseInput {
  if (process.stdin.isTTY) return {};
  try {
    const text = readFileSync(0, 'utf8');
    return text.trim() ? (JSON.parse(text) as PreToolUseInput) : {};
  } catch {
    return {};
  }
}

/** The mail as the model should read it: teammates' words, quoted, with ids to act on. */
export function mailText(r: InboxResult): string {
  const more = r.unread > 0 ? `\n\n(${r.unread} more unread: call teammate_check_messages.)` : '';
  return `Switchboard: ${r.messages.length} new message(s). ${formatMessages(r.messages)}\n\n${mailNextStep(r.messages)}${more}`;
}

/**
 * What to print for `format` given the inbox, or '' for nothing.
 * `event` is the Claude Code hook event name (`hook_event_name`), when known.
 */
export function hookOutput(format: Format, r: InboxResult, event?: string): string {
  if (r.messages.length === 0) return '';
  if (format === 'codex-notify') {
    const from = [...new Set(r.messages.map((m) => m.from))].join(', ');
    return `Switchboard: ${r.messages.length + r.unread} unread message(s) (from ${from}).`;
  }
  if (format === 'text') return mailText(r);
  if (event && STOP_EVENTS.has(event)) {
    return JSON.stringify({ decision: 'block', reason: mailText(r) });
  }
  return JSON.stringify({
    hookSpecificOutput: { hookEventName: event ?? 'UserPromptSubmit', additionalContext: mailText(r) },
  });
}

export function registerHooks(program: Command): void {
  withApiOptions(
    program
      .command('hook')
      .description(
        'print unread mail for an agent hook: claude (Claude Code/Codex hooks; on PreToolUse of an edit, the reservation guard), codex-notify, text',
      )
      .argument('<format>', `one of ${FORMATS.join(', ')}`)
      .argument('[event...]', 'for codex-notify: the JSON event Codex passes (ignored)')
      .option('--peek', 'do not mark shown mail read (claude)')
      .option('--mark-read', 'mark shown mail read (text)')
      .option('--limit <n>', 'most messages to show', '10')
      .addOption(rootOption()),
  ).action(async (format: string, _event: string[], o: ApiOptions & Record<string, unknown>) => {
    if (!(FORMATS as readonly string[]).includes(format)) {
      process.stderr.write(`switchboard hook: unknown format "${format}"; use one of ${FORMATS.join(', ')}\n`);
      process.exitCode = 1;
      return;
    }
    const f = format as Format;
    const input = f === 'claude' ? hookInput() : {};
    const guarded = await preToolUseDecision(input, createClient(o), o.root as string | undefined);
    if (guarded !== null) {
      if (guarded) process.stdout.write(`${guarded}\n`);
      return;
    }
    const markRead = f === 'claude' ? o.peek !== true : f === 'text' && o.markRead === true;
    const limit = Math.min(100, Math.max(1, Number.parseInt(String(o.limit), 10) || 10));
    try {
      const client = createClient(o);
      const r = markRead
        ? await client.post<InboxResult>('/inbox/check', { limit })
        : await client.get<InboxResult>('/inbox', { limit });
      // A peek counts all unread mail; below, `unread` means mail beyond what is shown.
      if (!markRead) r.unread = Math.max(0, r.unread - r.messages.length);
      const out = hookOutput(f, r, input.hook_event_name);
      if (out) process.stdout.write(`${out}\n`);
    } catch (err) {
      const why = err instanceof ApiError ? `${err.code}: ${err.message}` : (err as Error).message;
      process.stderr.write(`switchboard hook: ${why}\n`);
    }
  });
}
