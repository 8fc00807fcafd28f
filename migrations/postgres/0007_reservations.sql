-- File reservations (DESIGN.md, Reservations): an agent holds a glob of paths relative to the
-- project root, exclusive or shared, for a time renewed by its activity, optionally tied to a
-- task (it ends when the task does). In step with migrations/sqlite/0007_reservations.sql.

CREATE TABLE reservations (
  id TEXT COLLATE "C" PRIMARY KEY,
  team_id TEXT COLLATE "C" NOT NULL REFERENCES teams (id),
  agent_id TEXT COLLATE "C" NOT NULL REFERENCES agents (id),
  -- The glob as normalized by server/ops/globs.ts (no "./", no "//", a trailing "/" as "/**").
  pattern TEXT COLLATE "C" NOT NULL,
  exclusive INTEGER NOT NULL DEFAULT 1,
  reason TEXT COLLATE "C",
  task_id TEXT COLLATE "C" REFERENCES tasks (id),
  -- How long it lasts without activity by its holder (ms); each activity moves expires_at to now + ttl_ms.
  ttl_ms BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
-- One reservation per holder and pattern: a repeated create renews it.
CREATE UNIQUE INDEX reservations_holder_pattern ON reservations (agent_id, pattern);
CREATE INDEX reservations_team ON reservations (team_id, expires_at);
CREATE INDEX reservations_task ON reservations (task_id);
