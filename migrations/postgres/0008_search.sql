-- Full-text search over messages and tasks (teammate_search): GIN indexes on the 'english'
-- text-search vector of each row's text. The index is on an expression, not a stored column,
-- so the tables keep the same columns as SQLite's; queries must use these exact expressions
-- (server/ops/search.ts). Deleting a row (retention) removes it from the index as any index.

CREATE INDEX messages_search ON messages
  USING GIN (to_tsvector('english'::regconfig, coalesce(subject, '') || ' ' || body));

CREATE INDEX tasks_search ON tasks
  USING GIN (to_tsvector('english'::regconfig, title || ' ' || description || ' ' || coalesce(result, '')));
