-- Several servers on one database (DESIGN.md, Storage): in step with
-- migrations/postgres/0005_cluster.sql. A SQLite database has one server (its data-directory
-- lock), which never writes bus_events or instances; the tables keep the two schemas equal.

CREATE TABLE bus_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  team_id TEXT NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  origin TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX bus_events_age ON bus_events (created_at);

CREATE TABLE instances (
  id TEXT PRIMARY KEY,
  started_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
);

ALTER TABLE sessions ADD COLUMN instance_id TEXT;
CREATE INDEX sessions_instance ON sessions (instance_id, ended_at);

-- Stream event ids are unique per session (PostgreSQL: per server process, across servers).
CREATE TABLE mcp_events_new (
  seq INTEGER NOT NULL,
  session_id TEXT NOT NULL,
  stream_id TEXT NOT NULL,
  message TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, seq)
);
INSERT INTO mcp_events_new (seq, session_id, stream_id, message, created_at)
  SELECT seq, session_id, stream_id, message, created_at FROM mcp_events;
DROP TABLE mcp_events;
ALTER TABLE mcp_events_new RENAME TO mcp_events;
CREATE INDEX mcp_events_stream ON mcp_events (session_id, stream_id, seq);
CREATE INDEX mcp_events_age ON mcp_events (created_at);
