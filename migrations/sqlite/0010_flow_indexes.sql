-- The board's flow page (server/ops/flow.ts, flow-mail.ts) reads a team's history by time:
-- its task moves per time bucket, each finished task's first claim, and its inbox traffic per
-- recipient and bucket. Without these, each read walks the whole log or every delivery row.
CREATE INDEX task_events_team_time ON task_events (team_id, created_at, type);
CREATE INDEX task_events_task_type ON task_events (task_id, type, created_at);
CREATE INDEX deliveries_team_created ON deliveries (team_id, created_at, recipient_id);
