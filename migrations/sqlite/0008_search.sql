-- Full-text search over messages and tasks (teammate_search). FTS5 tables with external
-- content: they hold only the index, read the text back from `messages` and `tasks` by rowid,
-- and are kept in step by the triggers below, so a message deleted by retention leaves the index
-- with it.
-- Porter stemming over unicode61 words, as PostgreSQL's 'english' configuration stems.
-- (VACUUM keeps these tables' rowids in practice; should they ever move, rebuild the indexes
-- with INSERT INTO messages_fts (messages_fts) VALUES ('rebuild'), and the same for tasks_fts.)

-- Messages are indexed with who may read them, so a search is scoped inside FTS5 (no lookup of
-- each match in `messages` and `threads`): `team`, `thread` and `sender` hold one id each, and
-- `reader` holds `pub0` for a task or topic thread (the team's) or the two members of a direct
-- thread. Ids are written with a trailing 0: the porter stemmer leaves a word ending in a digit
-- alone. The view is the content FTS5 reads back (snippets, rebuild); threads never change kind.
CREATE VIEW messages_fts_source AS
SELECT m.rowid AS rid, m.subject AS subject, m.body AS body,
       m.team_id || '0' AS team,
       CASE WHEN t.kind = 'direct' THEN replace(t.direct_key, ':', '0 ') || '0' ELSE 'pub0' END AS reader,
       m.thread_id || '0' AS thread,
       m.sender_id || '0' AS sender
  FROM messages m JOIN threads t ON t.id = m.thread_id;

CREATE VIRTUAL TABLE messages_fts USING fts5 (
  subject, body, team, reader, thread, sender,
  content = 'messages_fts_source', content_rowid = 'rid',
  tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts (rowid, subject, body, team, reader, thread, sender)
  SELECT rid, subject, body, team, reader, thread, sender FROM messages_fts_source WHERE rid = new.rowid;
END;
-- BEFORE, while the row (and so the view's values) can still be read.
CREATE TRIGGER messages_fts_delete BEFORE DELETE ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, subject, body, team, reader, thread, sender)
  SELECT 'delete', rid, subject, body, team, reader, thread, sender FROM messages_fts_source WHERE rid = old.rowid;
END;
CREATE TRIGGER messages_fts_update_before BEFORE UPDATE OF subject, body, thread_id, sender_id ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, subject, body, team, reader, thread, sender)
  SELECT 'delete', rid, subject, body, team, reader, thread, sender FROM messages_fts_source WHERE rid = old.rowid;
END;
CREATE TRIGGER messages_fts_update_after AFTER UPDATE OF subject, body, thread_id, sender_id ON messages BEGIN
  INSERT INTO messages_fts (rowid, subject, body, team, reader, thread, sender)
  SELECT rid, subject, body, team, reader, thread, sender FROM messages_fts_source WHERE rid = new.rowid;
END;

CREATE VIRTUAL TABLE tasks_fts USING fts5 (
  title, description, result,
  content = 'tasks', content_rowid = 'rowid',
  tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks BEGIN
  INSERT INTO tasks_fts (rowid, title, description, result) VALUES (new.rowid, new.title, new.description, new.result);
END;
CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN
  INSERT INTO tasks_fts (tasks_fts, rowid, title, description, result)
  VALUES ('delete', old.rowid, old.title, old.description, old.result);
END;
CREATE TRIGGER tasks_fts_update AFTER UPDATE OF title, description, result ON tasks BEGIN
  INSERT INTO tasks_fts (tasks_fts, rowid, title, description, result)
  VALUES ('delete', old.rowid, old.title, old.description, old.result);
  INSERT INTO tasks_fts (rowid, title, description, result) VALUES (new.rowid, new.title, new.description, new.result);
END;

-- Index what is already there.
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
INSERT INTO tasks_fts (tasks_fts) VALUES ('rebuild');
