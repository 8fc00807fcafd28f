-- Events sent on MCP Streamable HTTP streams, kept so a client that reconnects with
-- Last-Event-ID gets what it missed. seq is the event id the client sees; rows of a session
-- are dropped when it ends and old rows are pruned.
-- SQLite's `seq INTEGER PRIMARY KEY` is a rowid alias that would number rows left without
-- one; the server always assigns seq itself, so here it is a plain BIGINT key.
CREATE TABLE mcp_events (
  seq BIGINT PRIMARY KEY,
  session_id TEXT COLLATE "C" NOT NULL,
  stream_id TEXT COLLATE "C" NOT NULL,
  message TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX mcp_events_stream ON mcp_events (session_id, stream_id, seq);
CREATE INDEX mcp_events_age ON mcp_events (created_at);
