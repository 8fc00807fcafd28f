-- Switchboard core schema: teams, agents, sessions, tokens, threads, messages with
-- per-recipient delivery state, tasks with labels, dependencies and events, reviews.
-- All timestamps are UTC milliseconds since the epoch (INTEGER). Ids are ULIDs (TEXT).

CREATE TABLE teams (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  next_task_number INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL
);

INSERT INTO teams (id, name, next_task_number, created_at)
VALUES ('00000000000000000000000000', 'default', 1, 0);

CREATE TABLE agents (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL REFERENCES teams (id),
  name TEXT NOT NULL,
  kind TEXT NOT NULL DEFAULT 'other',
  role TEXT,
  summary TEXT,
  cwd TEXT,
  repo TEXT,
  branch TEXT,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  UNIQUE (team_id, name)
);

-- One row per MCP session (or other live connection) of an agent; presence derives from it.
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL REFERENCES teams (id),
  agent_id TEXT REFERENCES agents (id),
  transport TEXT NOT NULL,
  client_name TEXT,
  client_version TEXT,
  push INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  ended_at INTEGER
);
CREATE INDEX sessions_agent ON sessions (agent_id, ended_at);

-- Bearer tokens, stored as SHA-256 hashes. scope 'agent' names an agent; 'admin' a team admin.
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL REFERENCES teams (id),
  agent_id TEXT REFERENCES agents (id),
  scope TEXT NOT NULL,
  label TEXT,
  hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
);

CREATE TABLE threads (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL REFERENCES teams (id),
  kind TEXT NOT NULL,
  subject TEXT,
  task_id TEXT,
  -- For direct threads: the two agent ids, sorted and joined, so a pair shares one thread.
  direct_key TEXT,
  created_by TEXT REFERENCES agents (id),
  created_at INTEGER NOT NULL,
  last_message_at INTEGER NOT NULL,
  message_count INTEGER NOT NULL DEFAULT 0,
  UNIQUE (team_id, direct_key)
);
CREATE INDEX threads_team_recent ON threads (team_id, last_message_at);

CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL REFERENCES teams (id),
  thread_id TEXT NOT NULL REFERENCES threads (id),
  sender_id TEXT NOT NULL REFERENCES agents (id),
  kind TEXT NOT NULL DEFAULT 'message',
  subject TEXT,
  body TEXT NOT NULL,
  priority TEXT NOT NULL DEFAULT 'normal',
  ack_required INTEGER NOT NULL DEFAULT 0,
  reply_to TEXT REFERENCES messages (id),
  -- The addressing as the sender wrote it (JSON array of strings), for display.
  to_spec TEXT NOT NULL DEFAULT '[]',
  idempotency_key TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (sender_id, idempotency_key)
);
CREATE INDEX messages_thread ON messages (thread_id, id);
CREATE INDEX messages_team ON messages (team_id, id);

-- Per-recipient delivery state: queued (all null) -> delivered -> read -> acked. Never deleted on read.
CREATE TABLE deliveries (
  message_id TEXT NOT NULL REFERENCES messages (id),
  recipient_id TEXT NOT NULL REFERENCES agents (id),
  team_id TEXT NOT NULL REFERENCES teams (id),
  created_at INTEGER NOT NULL,
  delivered_at INTEGER,
  read_at INTEGER,
  acked_at INTEGER,
  PRIMARY KEY (message_id, recipient_id)
);
CREATE INDEX deliveries_inbox ON deliveries (recipient_id, read_at, message_id);

CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL REFERENCES teams (id),
  number INTEGER NOT NULL,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'open',
  priority TEXT NOT NULL DEFAULT 'normal',
  -- 0 low .. 3 urgent, kept beside priority so ordering needs no CASE.
  priority_rank INTEGER NOT NULL DEFAULT 1,
  creator_id TEXT NOT NULL REFERENCES agents (id),
  owner_id TEXT REFERENCES agents (id),
  assignee_id TEXT REFERENCES agents (id),
  parent_id TEXT REFERENCES tasks (id),
  thread_id TEXT NOT NULL REFERENCES threads (id),
  claimed_at INTEGER,
  lease_expires_at INTEGER,
  handoff_to_id TEXT REFERENCES agents (id),
  handoff_note TEXT,
  handoff_at INTEGER,
  result TEXT,
  idempotency_key TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  completed_at INTEGER,
  version INTEGER NOT NULL DEFAULT 1,
  UNIQUE (team_id, number),
  UNIQUE (creator_id, idempotency_key)
);
CREATE INDEX tasks_team_status ON tasks (team_id, status, priority_rank);
CREATE INDEX tasks_owner ON tasks (owner_id, status);
CREATE INDEX tasks_lease ON tasks (lease_expires_at);

CREATE TABLE task_labels (
  task_id TEXT NOT NULL REFERENCES tasks (id),
  label TEXT NOT NULL,
  PRIMARY KEY (task_id, label)
);
CREATE INDEX task_labels_label ON task_labels (label, task_id);

CREATE TABLE task_dependencies (
  task_id TEXT NOT NULL REFERENCES tasks (id),
  depends_on_id TEXT NOT NULL REFERENCES tasks (id),
  PRIMARY KEY (task_id, depends_on_id)
);
CREATE INDEX task_dependencies_reverse ON task_dependencies (depends_on_id, task_id);

-- Append-only log of everything that happened to a task. data is a JSON object.
CREATE TABLE task_events (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL REFERENCES teams (id),
  task_id TEXT NOT NULL REFERENCES tasks (id),
  actor_id TEXT REFERENCES agents (id),
  type TEXT NOT NULL,
  data TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL
);
CREATE INDEX task_events_task ON task_events (task_id, id);
CREATE INDEX task_events_team ON task_events (team_id, id);

CREATE TABLE reviews (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL REFERENCES teams (id),
  task_id TEXT NOT NULL REFERENCES tasks (id),
  requested_by TEXT NOT NULL REFERENCES agents (id),
  -- Exactly one of: a named reviewer, a role, or neither (anyone but the owner).
  reviewer_id TEXT REFERENCES agents (id),
  reviewer_role TEXT,
  status TEXT NOT NULL DEFAULT 'pending',
  note TEXT,
  comments TEXT,
  submitted_by TEXT REFERENCES agents (id),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  submitted_at INTEGER
);
CREATE INDEX reviews_task ON reviews (task_id, status);
CREATE INDEX reviews_team_status ON reviews (team_id, status);
