-- Full-text search over messages and tasks (teammate_search). FTS5 tables with external
-- content: they hold only the index, read the text from `messages` and `tasks` by rowid, and are
-- kept in step by the triggers below, so a message deleted by retention leaves the index with it.
-- Porter stemming over unicode61 words, as PostgreSQL's 'english' configuration stems.
-- (VACUUM keeps these tables' rowids in practice; should they ever move, rebuild the indexes
-- with INSERT INTO messages_fts (messages_fts) VALUES ('rebuild'), and the same for tasks_fts.)

CREATE VIRTUAL TABLE messages_fts USING fts5 (
  subject, body,
  content = 'messages', content_rowid = 'rowid',
  tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts (rowid, subject, body) VALUES (new.rowid, new.subject, new.body);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, subject, body) VALUES ('delete', old.rowid, old.subject, old.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF subject, body ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, subject, body) VALUES ('delete', old.rowid, old.subject, old.body);
  INSERT INTO messages_fts (rowid, subject, body) VALUES (new.rowid, new.subject, new.body);
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
