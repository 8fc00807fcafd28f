/**
 * Human-readable renderings of API results for the terminal. Scripts use `--json` instead;
 * these lines may change between versions.
 */

import type { SendResult } from '../server/ops/messages.js';
import type { Agent, InboxMessage, Message, Review, Task, TaskEvent } from '../server/ops/model.js';
import type { Teammate } from '../server/ops/presence.js';
import { ago, PUSH_PAUSED, planText } from '../server/text-format.js';

/** Indents every line of `text` by two spaces. */
export const indent = (text: string, by = '  '): string =>
  text
    .split('\n')
    .map((l) => (l === '' ? l : `${by}${l}`))
    .join('\n');

/** `alice (reviewer) — claude-code, online, 2 sessions (claude-code 2.1.3), reach by push, seen 3s ago, 1 task, 2 unread` */
export function teammateLine(t: Teammate): string {
  const role = t.role ? ` (${t.role})` : '';
  const facts = [
    t.kind,
    t.presence,
    t.sessions
      ? `${t.sessions} session${t.sessions === 1 ? '' : 's'}${t.clients.length ? ` (${t.clients.join(', ')})` : ''}`
      : null,
    `reach by ${t.reachable}`,
    t.pushPaused ? PUSH_PAUSED : null,
    `seen ${ago(t.lastSeenAt)}`,
    `${t.tasksHeld} task${t.tasksHeld === 1 ? '' : 's'}`,
    t.unread ? `${t.unread} unread` : null,
    t.reservations ? `${t.reservations} reservation${t.reservations === 1 ? '' : 's'}` : null,
  ].filter(Boolean);
  const summary = t.summary ? `\n    ${t.summary}` : '';
  return `${t.name}${role} — ${facts.join(', ')}${summary}`;
}

export function agentText(a: Agent): string {
  const lines = [`${a.name} in team ${a.team} (${a.kind}${a.role ? `, role ${a.role}` : ''})`];
  if (a.summary) lines.push(`summary: ${a.summary}`);
  for (const [k, v] of [
    ['cwd', a.cwd],
    ['repo', a.repo],
    ['branch', a.branch],
  ] as const) {
    if (v) lines.push(`${k}: ${v}`);
  }
  return lines.join('\n');
}

/** `Sent 01J… in thread 01J…: delivered to bob; queued for offline carol.` */
export function sentText(r: SendResult): string {
  const live = r.recipients.filter((x) => !x.queued).map((x) => x.name);
  const queued = r.recipients.filter((x) => x.queued).map((x) => x.name);
  const parts = [
    live.length ? `delivered to ${live.join(', ')}` : null,
    queued.length ? `queued for offline ${queued.join(', ')}` : null,
  ].filter(Boolean);
  const verb = r.duplicate ? 'Already sent' : 'Sent';
  return `${verb} ${r.message.id} in thread ${r.message.threadId}${parts.length ? `: ${parts.join('; ')}` : ''}.`;
}

/** A message: header line (sender, age, ids, flags) and the indented body. */
export function messageText(m: Message | InboxMessage): string {
  const flags = [
    m.kind !== 'message' ? m.kind : null,
    m.priority !== 'normal' ? m.priority : null,
    m.ackRequired ? ('ackedAt' in m && m.ackedAt ? 'acked' : 'ack required') : null,
    'readAt' in m && m.readAt === null ? 'unread' : null,
  ].filter(Boolean);
  const subject = m.subject ? ` "${m.subject}"` : '';
  const head = `${m.id}  from ${m.from}${subject}, ${ago(m.createdAt)} (thread ${m.threadId})${flags.length ? ` [${flags.join(', ')}]` : ''}`;
  return `${head}\n${indent(m.body, '    ')}`;
}

/** `#12 Title [in_progress, owner alice, high, blocked]` */
export function taskLine(t: Task): string {
  const who = t.owner ? `owner ${t.owner}` : t.assignee ? `for ${t.assignee}` : 'unclaimed';
  const plan = t.plan && t.status === 'in_progress' ? planText(t.plan) : null;
  const facts = [t.status, who, t.priority !== 'normal' ? t.priority : null, t.blocked ? 'blocked' : null, plan]
    .filter(Boolean)
    .join(', ');
  const labels = t.labels.length ? `  labels: ${t.labels.join(', ')}` : '';
  return `#${t.number} ${t.title} [${facts}]${labels}`;
}

/** A task in full: header, facts, description, result. */
export function taskText(t: Task): string {
  const lines = [taskLine(t), `id ${t.id}, thread ${t.threadId}, created by ${t.creator} ${ago(t.createdAt)}`];
  if (t.dependsOn.length) lines.push(`depends on: ${t.dependsOn.map((d) => `#${d.number} (${d.status})`).join(', ')}`);
  if (t.blockedBy.length) lines.push(`blocked by: ${t.blockedBy.map((d) => `#${d.number}`).join(', ')}`);
  if (t.leaseExpiresAt && t.status === 'in_progress') lines.push(`lease expires ${t.leaseExpiresAt}`);
  if (t.handoff) lines.push(`hand-off offered to ${t.handoff.to}${t.handoff.note ? `: ${t.handoff.note}` : ''}`);
  if (t.description) lines.push('', indent(t.description));
  if (t.result) lines.push('', `result: ${t.result}`);
  return lines.join('\n');
}

export function eventLine(e: TaskEvent): string {
  const data = Object.entries(e.data)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${e.createdAt}  ${e.type}${e.actor ? ` by ${e.actor}` : ''}${data ? `  ${data}` : ''}`;
}

/** `01J…  [pending] (plan review of) #12 Title — reviewer rita (or role:reviewer, anyone), asked by bob` */
export function reviewLine(r: Review, task?: { number: number; title: string }): string {
  const who = r.reviewer ?? (r.reviewerRole ? `role:${r.reviewerRole}` : 'anyone but the owner');
  const by = r.submittedBy ? ` by ${r.submittedBy}` : '';
  const what = task ? `#${task.number} ${task.title}` : `task ${r.taskId}`;
  const kind = r.kind === 'plan' ? 'plan review of ' : '';
  return `${r.id}  [${r.status}${by}] ${kind}${what} — reviewer ${who}, asked by ${r.requestedBy}`;
}
