-- Events sent on MCP Streamable HTTP streams, kept so a client that reconnects with
-- Last-Event-ID gets what it missed. seq is the event id the client sees; rows of a session
-- are dropped when it ends and old rows are pruned.
CREATE TABLE mcp_events (
  seq INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL,
  stream_id TEXT NOT NULL,
  message TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX mcp_events_stream ON mcp_events (session_id, stream_id, seq);
CREATE INDEX mcp_events_age ON mcp_events (created_at);
