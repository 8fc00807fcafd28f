/**
 * The domain model: the objects operations return, and one mapper per table from rows to them.
 * Times leave the database as UTC ms and reach callers as ISO-8601 strings; agents are
 * named by name (unique in their team), not by id, wherever a person or model reads them.
 */
import type {
  AgentKind,
  AgentRow,
  MessageKind,
  MessageRow,
  Priority,
  ReservationRow,
  ReviewKind,
  ReviewRow,
  ReviewStatus,
  TaskEventRow,
  TaskRow,
  TaskStatus,
  ThreadKind,
  ThreadRow,
} from '../db/schema.js';

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export type Presence = 'online' | 'idle' | 'offline';
/** How a teammate can be reached: pushed on a live session, a waiting call, or only when it polls. */
export type Reachability = 'push' | 'wait' | 'poll';

export interface Agent {
  id: string;
  teamId: string;
  team: string;
  name: string;
  kind: AgentKind;
  role: string | null;
  summary: string | null;
  cwd: string | null;
  repo: string | null;
  branch: string | null;
  createdAt: string;
  lastSeenAt: string;
}

export function toAgent(row: AgentRow, teamName: string): Agent {
  return {
    id: row.id,
    teamId: row.team_id,
    team: teamName,
    name: row.name,
    kind: row.kind,
    role: row.role,
    summary: row.summary,
    cwd: row.cwd,
    repo: row.repo,
    branch: row.branch,
    createdAt: iso(row.created_at),
    lastSeenAt: iso(row.last_seen_at),
  };
}

export interface Message {
  id: string;
  threadId: string;
  from: string;
  kind: MessageKind;
  subject: string | null;
  body: string;
  priority: Priority;
  ackRequired: boolean;
  replyTo: string | null;
  /** The addressing as the sender wrote it, e.g. `["bob", "role:reviewer"]`. */
  to: string[];
  createdAt: string;
}

export function toMessage(row: MessageRow, senderName: string): Message {
  return {
    id: row.id,
    threadId: row.thread_id,
    from: senderName,
    kind: row.kind,
    subject: row.subject,
    body: row.body,
    priority: row.priority,
    ackRequired: row.ack_required === 1,
    replyTo: row.reply_to,
    to: JSON.parse(row.to_spec) as string[],
    createdAt: iso(row.created_at),
  };
}

/** A message as one recipient sees it: with its delivery state. */
export interface InboxMessage extends Message {
  deliveredAt: string | null;
  readAt: string | null;
  ackedAt: string | null;
}

export interface Thread {
  id: string;
  kind: ThreadKind;
  subject: string | null;
  taskId: string | null;
  createdAt: string;
  lastMessageAt: string;
  messageCount: number;
}

export function toThread(row: ThreadRow): Thread {
  return {
    id: row.id,
    kind: row.kind,
    subject: row.subject,
    taskId: row.task_id,
    createdAt: iso(row.created_at),
    lastMessageAt: iso(row.last_message_at),
    messageCount: row.message_count,
  };
}

export interface TaskSummary {
  id: string;
  number: number;
  title: string;
  status: TaskStatus;
}

/** A task row, or the task columns of a row joined to it, as a TaskSummary (the one place one is built). */
export function toSummary(r: Pick<TaskRow, 'id' | 'number' | 'title' | 'status'>): TaskSummary {
  return { id: r.id, number: r.number, title: r.title, status: r.status };
}

/** The task of a row that joined `tasks` to another table (`task_id`, `number`, `title`, `task_status`). */
export const joinedTaskSummary = (r: { task_id: string; number: number; title: string; task_status: TaskStatus }) =>
  toSummary({ id: r.task_id, number: r.number, title: r.title, status: r.task_status });

export interface Task {
  id: string;
  number: number;
  title: string;
  description: string;
  status: TaskStatus;
  /** True when an unfinished dependency prevents claiming or completing (derived). */
  blocked: boolean;
  priority: Priority;
  labels: string[];
  creator: string;
  owner: string | null;
  assignee: string | null;
  parentId: string | null;
  dependsOn: TaskSummary[];
  /** The unfinished subset of `dependsOn`. */
  blockedBy: TaskSummary[];
  threadId: string;
  claimedAt: string | null;
  leaseExpiresAt: string | null;
  handoff: { to: string; note: string | null; at: string } | null;
  /** Where the owner's plan stands: its latest plan review that was not cancelled; null when none was asked. */
  plan: PlanState | null;
  result: string | null;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  version: number;
}

export interface TaskEvent {
  id: string;
  taskId: string;
  actor: string | null;
  type: string;
  data: Record<string, unknown>;
  createdAt: string;
}

export function toTaskEvent(row: TaskEventRow, actorName: string | null): TaskEvent {
  return {
    id: row.id,
    taskId: row.task_id,
    actor: actorName,
    type: row.type,
    data: JSON.parse(row.data) as Record<string, unknown>,
    createdAt: iso(row.created_at),
  };
}

export type { ReviewKind, ReviewStatus };

/** A plan review's standing as a task shows it. */
export type PlanState = 'pending' | 'approved' | 'changes_requested';

export interface Review {
  id: string;
  taskId: string;
  /** The reviewed task, for display (`#12 "Title"`). */
  task: TaskSummary;
  /** `code` (the work; the task is in review) or `plan` (the plan before the work; the task stays in progress). */
  kind: ReviewKind;
  requestedBy: string;
  /** The named reviewer, if any. */
  reviewer: string | null;
  /** The role asked to review, if any (anyone with that role may submit). */
  reviewerRole: string | null;
  status: ReviewStatus;
  note: string | null;
  comments: string | null;
  submittedBy: string | null;
  createdAt: string;
  updatedAt: string;
  submittedAt: string | null;
}

export function toReview(row: ReviewRow, names: ReadonlyMap<string, string>, task: TaskSummary): Review {
  const name = (id: string | null) => (id === null ? null : (names.get(id) ?? id));
  return {
    id: row.id,
    taskId: row.task_id,
    task,
    kind: row.kind,
    requestedBy: name(row.requested_by) as string,
    reviewer: name(row.reviewer_id),
    reviewerRole: row.reviewer_role,
    status: row.status,
    note: row.note,
    comments: row.comments,
    submittedBy: name(row.submitted_by),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    submittedAt: isoOrNull(row.submitted_at),
  };
}

/** A file reservation (DESIGN.md, Reservations). */
export interface Reservation {
  id: string;
  /** The glob, relative to the project root, as normalized (`src/api/**`). */
  pattern: string;
  /** Who holds it. */
  holder: string;
  /** Exclusive: no other agent may reserve an overlapping glob. Shared: only exclusive ones conflict with it. */
  exclusive: boolean;
  reason: string | null;
  /** The task it belongs to (it ends with that task), or null. */
  task: TaskSummary | null;
  /** How long it lasts without activity by its holder, in seconds. */
  ttl: number;
  createdAt: string;
  /** When it ends unless its holder is active before then (ISO). */
  expiresAt: string;
}

export function toReservation(row: ReservationRow, holder: string, task: TaskSummary | null): Reservation {
  return {
    id: row.id,
    pattern: row.pattern,
    holder,
    exclusive: row.exclusive === 1,
    reason: row.reason,
    task,
    ttl: Math.round(row.ttl_ms / 1000),
    createdAt: iso(row.created_at),
    expiresAt: iso(row.expires_at),
  };
}
