-- A session whose event stream is not read (a stuck or suspended client) holds a bounded backlog,
-- then gets no more pushes until it reads again (mcp/stream-backlog.ts). push_paused_at: when push
-- to it paused (UTC ms), null while it is pushed to; the roster reads it, from any server.
-- In step with migrations/sqlite/0011_push_paused.sql.
ALTER TABLE sessions ADD COLUMN push_paused_at BIGINT;
