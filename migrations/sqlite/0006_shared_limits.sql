-- Per-agent limits kept in the database, so that several servers on one database share them:
-- the send token bucket (one row per agent, taken by one conditional upsert per send) and
-- one row per waiting call in flight (counted under a lock on the agents row before a wait starts).

CREATE TABLE agent_limits (
  agent_id TEXT PRIMARY KEY REFERENCES agents (id),
  -- The send token bucket as the time (ms) it is full again: each send moves it one interval
  -- (60000 / sendsPerMinute, rounded up) later, from now at the earliest; a send passes while
  -- it stays within sendsPerMinute intervals of now.
  send_full_at INTEGER NOT NULL
);

-- holder: the server process holding the slot; a slot older than the longest wait is dead.
CREATE TABLE wait_slots (
  id TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL REFERENCES agents (id),
  holder TEXT NOT NULL,
  started_at INTEGER NOT NULL
);
CREATE INDEX wait_slots_agent ON wait_slots (agent_id, started_at);
