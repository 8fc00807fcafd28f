-- Retention: old messages (with their delivery rows) and old task events can be moved here
-- by policy instead of being deleted, and every retention run is recorded, so nothing old
-- disappears silently. Archive tables are cold copies: no foreign keys, one index each.

CREATE TABLE archived_messages (
  id TEXT COLLATE "C" PRIMARY KEY,
  team_id TEXT COLLATE "C" NOT NULL,
  thread_id TEXT COLLATE "C" NOT NULL,
  sender_id TEXT COLLATE "C" NOT NULL,
  kind TEXT COLLATE "C" NOT NULL,
  subject TEXT COLLATE "C",
  body TEXT COLLATE "C" NOT NULL,
  priority TEXT COLLATE "C" NOT NULL,
  ack_required INTEGER NOT NULL,
  reply_to TEXT COLLATE "C",
  to_spec TEXT COLLATE "C" NOT NULL,
  idempotency_key TEXT COLLATE "C",
  created_at BIGINT NOT NULL,
  archived_at BIGINT NOT NULL
);
CREATE INDEX archived_messages_thread ON archived_messages (thread_id, id);

CREATE TABLE archived_deliveries (
  message_id TEXT COLLATE "C" NOT NULL,
  recipient_id TEXT COLLATE "C" NOT NULL,
  team_id TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  delivered_at BIGINT,
  read_at BIGINT,
  acked_at BIGINT,
  archived_at BIGINT NOT NULL,
  PRIMARY KEY (message_id, recipient_id)
);

CREATE TABLE archived_task_events (
  id TEXT COLLATE "C" PRIMARY KEY,
  team_id TEXT COLLATE "C" NOT NULL,
  task_id TEXT COLLATE "C" NOT NULL,
  actor_id TEXT COLLATE "C",
  type TEXT COLLATE "C" NOT NULL,
  data TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  archived_at BIGINT NOT NULL
);
CREATE INDEX archived_task_events_task ON archived_task_events (task_id, id);

-- One row per retention run that removed anything: when, how, the cutoff, and the counts.
CREATE TABLE retention_runs (
  id TEXT COLLATE "C" PRIMARY KEY,
  ran_at BIGINT NOT NULL,
  mode TEXT COLLATE "C" NOT NULL,
  cutoff BIGINT NOT NULL,
  messages INTEGER NOT NULL,
  deliveries INTEGER NOT NULL,
  task_events INTEGER NOT NULL
);
