/**
 * Kysely table types for the Switchboard schema (`migrations/sqlite/*.sql`, and `migrations/postgres/*.sql` kept in step).
 * Timestamps are UTC milliseconds; ids are ULIDs; nullable columns are `T | null`.
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** The values the text columns below may hold; operations validate against these lists (server/ops/schemas.ts). */
export const AGENT_KINDS = ['claude-code', 'codex', 'human', 'cli', 'other'] as const;
/** What an agent row may be: a joinable kind, or `system` for the per-team `switchboard` agent that sends server notices. */
export type AgentKind = (typeof AGENT_KINDS)[number] | 'system';
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const MESSAGE_KINDS = ['message', 'question', 'answer', 'status', 'handoff', 'review', 'system'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];
export const TASK_STATUSES = ['open', 'in_progress', 'in_review', 'done', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const REVIEW_STATUSES = ['pending', 'approved', 'changes_requested', 'cancelled'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];
/** What a review is of: the work (`code`, the default) or the owner's plan before the work (`plan`). */
export const REVIEW_KINDS = ['code', 'plan'] as const;
export type ReviewKind = (typeof REVIEW_KINDS)[number];
export type ThreadKind = 'task' | 'direct' | 'topic';

export interface TeamTable {
  id: string;
  name: string;
  next_task_number: Generated<number>;
  created_at: number;
  /** Tasks with this label need an approved plan before a code review; null: no such rule (migration 0009). */
  plan_label: string | null;
}

export interface AgentTable {
  id: string;
  team_id: string;
  name: string;
  kind: Generated<AgentKind>;
  role: string | null;
  summary: string | null;
  cwd: string | null;
  repo: string | null;
  branch: string | null;
  created_at: number;
  last_seen_at: number;
}

export interface SessionTable {
  id: string;
  team_id: string;
  agent_id: string | null;
  transport: string;
  client_name: string | null;
  client_version: string | null;
  push: Generated<number>;
  started_at: number;
  last_seen_at: number;
  ended_at: number | null;
  /** The server process holding the session in memory (`instances.id`); null before migration 0005. */
  instance_id: string | null;
  /** When push to the session paused because its event stream is not read (UTC ms); null while pushed to. Migration 0011. */
  push_paused_at: number | null;
}

export interface TokenTable {
  id: string;
  team_id: string;
  agent_id: string | null;
  scope: string;
  label: string | null;
  hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface ThreadTable {
  id: string;
  team_id: string;
  kind: ThreadKind;
  subject: string | null;
  task_id: string | null;
  direct_key: string | null;
  created_by: string | null;
  created_at: number;
  last_message_at: number;
  message_count: Generated<number>;
}

export interface MessageTable {
  id: string;
  team_id: string;
  thread_id: string;
  sender_id: string;
  kind: Generated<MessageKind>;
  subject: string | null;
  body: string;
  priority: Generated<Priority>;
  ack_required: Generated<number>;
  reply_to: string | null;
  to_spec: Generated<string>;
  idempotency_key: string | null;
  created_at: number;
}

export interface DeliveryTable {
  message_id: string;
  recipient_id: string;
  team_id: string;
  created_at: number;
  delivered_at: number | null;
  read_at: number | null;
  acked_at: number | null;
}

export interface TaskTable {
  id: string;
  team_id: string;
  number: number;
  title: string;
  description: Generated<string>;
  status: Generated<TaskStatus>;
  priority: Generated<Priority>;
  priority_rank: Generated<number>;
  creator_id: string;
  owner_id: string | null;
  assignee_id: string | null;
  parent_id: string | null;
  thread_id: string;
  claimed_at: number | null;
  lease_expires_at: number | null;
  handoff_to_id: string | null;
  handoff_note: string | null;
  handoff_at: number | null;
  result: string | null;
  idempotency_key: string | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  version: Generated<number>;
}

export interface TaskLabelTable {
  task_id: string;
  label: string;
}

export interface TaskDependencyTable {
  task_id: string;
  depends_on_id: string;
}

export interface TaskEventTable {
  id: string;
  team_id: string;
  task_id: string;
  actor_id: string | null;
  type: string;
  data: Generated<string>;
  created_at: number;
}

export interface ReviewTable {
  id: string;
  team_id: string;
  task_id: string;
  requested_by: string;
  reviewer_id: string | null;
  reviewer_role: string | null;
  kind: Generated<ReviewKind>;
  status: Generated<ReviewStatus>;
  note: string | null;
  comments: string | null;
  submitted_by: string | null;
  created_at: number;
  updated_at: number;
  submitted_at: number | null;
}

/** An event sent on an MCP stream, kept for replay after a reconnect (`Last-Event-ID`). Key: (session_id, seq). */
export interface McpEventTable {
  /** The event id the client sees; unique within its session. */
  seq: number;
  session_id: string;
  stream_id: string;
  /** The JSON-RPC message as JSON text. */
  message: string;
  created_at: number;
}

/**
 * A bus event as the servers sharing a PostgreSQL database see it (server/ops/bus-events.ts):
 * written in the transaction of the change, read by the others in `seq` order.
 */
export interface BusEventTable {
  seq: Generated<number>;
  team_id: string;
  type: string;
  /** The event (server/bus.ts `BusEvent`) as JSON text. */
  payload: string;
  /** The instance that wrote it (`instances.id`). */
  origin: string;
  created_at: number;
}

/** A running server on a shared database, with its heartbeat (UTC ms). */
export interface InstanceTable {
  id: string;
  started_at: number;
  last_seen_at: number;
}

/** An agent's send token bucket, shared by every server on the database (server/ops/rate-limit.ts). */
export interface AgentLimitsTable {
  agent_id: string;
  /** When the bucket is full again (ms); see `chargeSend`. */
  send_full_at: number;
}

/** A waiting call in flight (`teammate_wait_for_messages`), held by one server process. */
export interface WaitSlotTable {
  id: string;
  agent_id: string;
  /** The holding process's token (`Guards.holder`). */
  holder: string;
  started_at: number;
}

/** A file reservation: a glob of paths relative to the project root held by an agent (server/ops/reservations.ts). */
export interface ReservationTable {
  id: string;
  team_id: string;
  agent_id: string;
  /** The normalized glob (server/ops/globs.ts). */
  pattern: string;
  /** 1: exclusive, 0: shared. */
  exclusive: Generated<number>;
  reason: string | null;
  /** The task it belongs to: it ends when that task is finished or its holder's claim on it ends. */
  task_id: string | null;
  /** How long it lasts without activity by its holder (ms). */
  ttl_ms: number;
  created_at: number;
  expires_at: number;
}

/** Messages moved out of `messages` by the retention policy (cold copies, no foreign keys). */
export interface ArchivedMessageTable {
  id: string;
  team_id: string;
  thread_id: string;
  sender_id: string;
  kind: MessageKind;
  subject: string | null;
  body: string;
  priority: Priority;
  ack_required: number;
  reply_to: string | null;
  to_spec: string;
  idempotency_key: string | null;
  created_at: number;
  archived_at: number;
}

export interface ArchivedDeliveryTable {
  message_id: string;
  recipient_id: string;
  team_id: string;
  created_at: number;
  delivered_at: number | null;
  read_at: number | null;
  acked_at: number | null;
  archived_at: number;
}

export interface ArchivedTaskEventTable {
  id: string;
  team_id: string;
  task_id: string;
  actor_id: string | null;
  type: string;
  data: string;
  created_at: number;
  archived_at: number;
}

/** One retention run that removed anything (mode `archive` or `delete`). */
export interface RetentionRunTable {
  id: string;
  ran_at: number;
  mode: string;
  cutoff: number;
  messages: number;
  deliveries: number;
  task_events: number;
}

export interface Database {
  teams: TeamTable;
  agents: AgentTable;
  sessions: SessionTable;
  tokens: TokenTable;
  threads: ThreadTable;
  messages: MessageTable;
  deliveries: DeliveryTable;
  tasks: TaskTable;
  task_labels: TaskLabelTable;
  task_dependencies: TaskDependencyTable;
  task_events: TaskEventTable;
  reviews: ReviewTable;
  mcp_events: McpEventTable;
  bus_events: BusEventTable;
  instances: InstanceTable;
  archived_messages: ArchivedMessageTable;
  archived_deliveries: ArchivedDeliveryTable;
  archived_task_events: ArchivedTaskEventTable;
  retention_runs: RetentionRunTable;
  agent_limits: AgentLimitsTable;
  wait_slots: WaitSlotTable;
  reservations: ReservationTable;
}

export type TeamRow = Selectable<TeamTable>;
export type AgentRow = Selectable<AgentTable>;
export type SessionRow = Selectable<SessionTable>;
export type TokenRow = Selectable<TokenTable>;
export type ThreadRow = Selectable<ThreadTable>;
export type MessageRow = Selectable<MessageTable>;
export type DeliveryRow = Selectable<DeliveryTable>;
export type TaskRow = Selectable<TaskTable>;
export type TaskEventRow = Selectable<TaskEventTable>;
export type ReviewRow = Selectable<ReviewTable>;
export type ReservationRow = Selectable<ReservationTable>;
export type NewTask = Insertable<TaskTable>;
export type TaskUpdate = Updateable<TaskTable>;
