-- Retention: old messages (with their delivery rows) and old task events can be moved here
-- by policy instead of being deleted, and every retention run is recorded, so nothing old
-- disappears silently. Archive tables are cold copies: no foreign keys, one index each.

CREATE TABLE archived_messages (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL,
  thread_id TEXT NOT NULL,
  sender_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  subject TEXT,
  body TEXT NOT NULL,
  priority TEXT NOT NULL,
  ack_required INTEGER NOT NULL,
  reply_to TEXT,
  to_spec TEXT NOT NULL,
  idempotency_key TEXT,
  created_at INTEGER NOT NULL,
  archived_at INTEGER NOT NULL
);
CREATE INDEX archived_messages_thread ON archived_messages (thread_id, id);

CREATE TABLE archived_deliveries (
  message_id TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER,
  read_at INTEGER,
  acked_at INTEGER,
  archived_at INTEGER NOT NULL,
  PRIMARY KEY (message_id, recipient_id)
);

CREATE TABLE archived_task_events (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  actor_id TEXT,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  archived_at INTEGER NOT NULL
);
CREATE INDEX archived_task_events_task ON archived_task_events (task_id, id);

-- One row per retention run that removed anything: when, how, the cutoff, and the counts.
CREATE TABLE retention_runs (
  id TEXT PRIMARY KEY,
  ran_at INTEGER NOT NULL,
  mode TEXT NOT NULL,
  cutoff INTEGER NOT NULL,
  messages INTEGER NOT NULL,
  deliveries INTEGER NOT NULL,
  task_events INTEGER NOT NULL
);
