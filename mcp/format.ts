/**
 * Text renderings of results for models. Teammates' words are always framed as quoted text
 * from a named sender, never as instructions from the server (DESIGN.md, Security stance).
 */
import type { Message, Task } from '../server/ops/mappers.js';

/** `2m ago`-style age of an ISO time relative to `now` (ms). */
export function ago(isoTime: string, now: number = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(isoTime)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/** Quotes untrusted text line by line so it reads as someone's words. */
export function quote(text: string): string {
  return text
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
}

/** One message as a model should read it: header with sender and ids, then the quoted body. */
export function formatMessage(m: Message): string {
  const flags = [
    m.kind !== 'message' ? m.kind : null,
    m.priority !== 'normal' ? m.priority : null,
    m.ackRequired ? 'ack required' : null,
  ].filter(Boolean);
  const head = `From ${m.from}${m.subject ? ` — "${m.subject}"` : ''} (${ago(m.createdAt)}; id ${m.id}; thread ${m.threadId}${flags.length ? `; ${flags.join(', ')}` : ''}):`;
  return `${head}\n${quote(m.body)}`;
}

/** `#12 "Title" [in_progress, owner alice]` */
export function taskLine(t: Task): string {
  const who = t.owner ? `owner ${t.owner}` : t.assignee ? `assigned to ${t.assignee}` : 'unclaimed';
  const extra = [t.status, who, t.priority !== 'normal' ? t.priority : null, t.blocked ? 'blocked' : null]
    .filter(Boolean)
    .join(', ');
  return `#${t.number} "${t.title}" [${extra}] id ${t.id}`;
}
