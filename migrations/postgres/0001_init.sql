-- Switchboard core schema (PostgreSQL), in step with migrations/sqlite/0001_init.sql: teams,
-- agents, sessions, tokens, threads, messages with per-recipient delivery state, tasks with
-- labels, dependencies and events, reviews.
-- Timestamps are UTC milliseconds since the epoch (BIGINT; the driver parses int8 to a JS
-- number, exact below 2^53 ms, i.e. for the next 285,000 years). Ids are ULIDs (TEXT).
-- Flags SQLite stores as 0/1 INTEGER stay INTEGER here, so the same queries work on both.
-- Text is COLLATE "C": comparisons and ORDER BY in byte order, like SQLite's BINARY, whatever
-- the database's locale.

CREATE TABLE teams (
  id TEXT COLLATE "C" PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL UNIQUE,
  next_task_number INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL
);

INSERT INTO teams (id, name, next_task_number, created_at)
VALUES ('00000000000000000000000000', 'default', 1, 0);

CREATE TABLE agents (
  id TEXT COLLATE "C" PRIMARY KEY,
  team_id TEXT COLLATE "C" NOT NULL REFERENCES teams (id),
  name TEXT COLLATE "C" NOT NULL,
  kind TEXT COLLATE "C" NOT NULL DEFAULT 'other',
  role TEXT COLLATE "C",
  summary TEXT COLLATE "C",
  cwd TEXT COLLATE "C",
  repo TEXT COLLATE "C",
  branch TEXT COLLATE "C",
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  UNIQUE (team_id, name)
);

-- One row per MCP session (or other live connection) of an agent; presence derives from it.
CREATE TABLE sessions (
  id TEXT COLLATE "C" PRIMARY KEY,
  team_id TEXT COLLATE "C" NOT NULL REFERENCES teams (id),
  agent_id TEXT COLLATE "C" REFERENCES agents (id),
  transport TEXT COLLATE "C" NOT NULL,
  client_name TEXT COLLATE "C",
  client_version TEXT COLLATE "C",
  push INTEGER NOT NULL DEFAULT 0,
  started_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  ended_at BIGINT
);
CREATE INDEX sessions_agent ON sessions (agent_id, ended_at);

-- Bearer tokens, stored as SHA-256 hashes. scope 'agent' names an agent; 'admin' a team admin.
CREATE TABLE tokens (
  id TEXT COLLATE "C" PRIMARY KEY,
  team_id TEXT COLLATE "C" NOT NULL REFERENCES teams (id),
  agent_id TEXT COLLATE "C" REFERENCES agents (id),
  scope TEXT COLLATE "C" NOT NULL,
  label TEXT COLLATE "C",
  hash TEXT COLLATE "C" NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at BIGINT
);

CREATE TABLE threads (
  id TEXT COLLATE "C" PRIMARY KEY,
  team_id TEXT COLLATE "C" NOT NULL REFERENCES teams (id),
  kind TEXT COLLATE "C" NOT NULL,
  subject TEXT COLLATE "C",
  task_id TEXT COLLATE "C",
  -- For direct threads: the two agent ids, sorted and joined, so a pair shares one thread.
  direct_key TEXT COLLATE "C",
  created_by TEXT COLLATE "C" REFERENCES agents (id),
  created_at BIGINT NOT NULL,
  last_message_at BIGINT NOT NULL,
  message_count INTEGER NOT NULL DEFAULT 0,
  UNIQUE (team_id, direct_key)
);
CREATE INDEX threads_team_recent ON threads (team_id, last_message_at);

CREATE TABLE messages (
  id TEXT COLLATE "C" PRIMARY KEY,
  team_id TEXT COLLATE "C" NOT NULL REFERENCES teams (id),
  thread_id TEXT COLLATE "C" NOT NULL REFERENCES threads (id),
  sender_id TEXT COLLATE "C" NOT NULL REFERENCES agents (id),
  kind TEXT COLLATE "C" NOT NULL DEFAULT 'message',
  subject TEXT COLLATE "C",
  body TEXT COLLATE "C" NOT NULL,
  priority TEXT COLLATE "C" NOT NULL DEFAULT 'normal',
  ack_required INTEGER NOT NULL DEFAULT 0,
  reply_to TEXT COLLATE "C" REFERENCES messages (id),
  -- The addressing as the sender wrote it (JSON array of strings), for display.
  to_spec TEXT COLLATE "C" NOT NULL DEFAULT '[]',
  idempotency_key TEXT COLLATE "C",
  created_at BIGINT NOT NULL,
  UNIQUE (sender_id, idempotency_key)
);
CREATE INDEX messages_thread ON messages (thread_id, id);
CREATE INDEX messages_team ON messages (team_id, id);

-- Per-recipient delivery state: queued (all null) -> delivered -> read -> acked. Never deleted on read.
CREATE TABLE deliveries (
  message_id TEXT COLLATE "C" NOT NULL REFERENCES messages (id),
  recipient_id TEXT COLLATE "C" NOT NULL REFERENCES agents (id),
  team_id TEXT COLLATE "C" NOT NULL REFERENCES teams (id),
  created_at BIGINT NOT NULL,
  delivered_at BIGINT,
  read_at BIGINT,
  acked_at BIGINT,
  PRIMARY KEY (message_id, recipient_id)
);
CREATE INDEX deliveries_inbox ON deliveries (recipient_id, read_at, message_id);

CREATE TABLE tasks (
  id TEXT COLLATE "C" PRIMARY KEY,
  team_id TEXT COLLATE "C" NOT NULL REFERENCES teams (id),
  number INTEGER NOT NULL,
  title TEXT COLLATE "C" NOT NULL,
  description TEXT COLLATE "C" NOT NULL DEFAULT '',
  status TEXT COLLATE "C" NOT NULL DEFAULT 'open',
  priority TEXT COLLATE "C" NOT NULL DEFAULT 'normal',
  -- 0 low .. 3 urgent, kept beside priority so ordering needs no CASE.
  priority_rank INTEGER NOT NULL DEFAULT 1,
  creator_id TEXT COLLATE "C" NOT NULL REFERENCES agents (id),
  owner_id TEXT COLLATE "C" REFERENCES agents (id),
  assignee_id TEXT COLLATE "C" REFERENCES agents (id),
  parent_id TEXT COLLATE "C" REFERENCES tasks (id),
  thread_id TEXT COLLATE "C" NOT NULL REFERENCES threads (id),
  claimed_at BIGINT,
  lease_expires_at BIGINT,
  handoff_to_id TEXT COLLATE "C" REFERENCES agents (id),
  handoff_note TEXT COLLATE "C",
  handoff_at BIGINT,
  result TEXT COLLATE "C",
  idempotency_key TEXT COLLATE "C",
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  completed_at BIGINT,
  version INTEGER NOT NULL DEFAULT 1,
  UNIQUE (team_id, number),
  UNIQUE (creator_id, idempotency_key)
);
CREATE INDEX tasks_team_status ON tasks (team_id, status, priority_rank);
CREATE INDEX tasks_owner ON tasks (owner_id, status);
CREATE INDEX tasks_lease ON tasks (lease_expires_at);

CREATE TABLE task_labels (
  task_id TEXT COLLATE "C" NOT NULL REFERENCES tasks (id),
  label TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (task_id, label)
);
CREATE INDEX task_labels_label ON task_labels (label, task_id);

CREATE TABLE task_dependencies (
  task_id TEXT COLLATE "C" NOT NULL REFERENCES tasks (id),
  depends_on_id TEXT COLLATE "C" NOT NULL REFERENCES tasks (id),
  PRIMARY KEY (task_id, depends_on_id)
);
CREATE INDEX task_dependencies_reverse ON task_dependencies (depends_on_id, task_id);

-- Append-only log of everything that happened to a task. data is a JSON object (TEXT, as in SQLite).
CREATE TABLE task_events (
  id TEXT COLLATE "C" PRIMARY KEY,
  team_id TEXT COLLATE "C" NOT NULL REFERENCES teams (id),
  task_id TEXT COLLATE "C" NOT NULL REFERENCES tasks (id),
  actor_id TEXT COLLATE "C" REFERENCES agents (id),
  type TEXT COLLATE "C" NOT NULL,
  data TEXT COLLATE "C" NOT NULL DEFAULT '{}',
  created_at BIGINT NOT NULL
);
CREATE INDEX task_events_task ON task_events (task_id, id);
CREATE INDEX task_events_team ON task_events (team_id, id);

CREATE TABLE reviews (
  id TEXT COLLATE "C" PRIMARY KEY,
  team_id TEXT COLLATE "C" NOT NULL REFERENCES teams (id),
  task_id TEXT COLLATE "C" NOT NULL REFERENCES tasks (id),
  requested_by TEXT COLLATE "C" NOT NULL REFERENCES agents (id),
  -- Exactly one of: a named reviewer, a role, or neither (anyone but the owner).
  reviewer_id TEXT COLLATE "C" REFERENCES agents (id),
  reviewer_role TEXT COLLATE "C",
  status TEXT COLLATE "C" NOT NULL DEFAULT 'pending',
  note TEXT COLLATE "C",
  comments TEXT COLLATE "C",
  submitted_by TEXT COLLATE "C" REFERENCES agents (id),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  submitted_at BIGINT
);
CREATE INDEX reviews_task ON reviews (task_id, status);
CREATE INDEX reviews_team_status ON reviews (team_id, status);
