-- The board's Done column lists a team's finished tasks newest first and pages back through
-- them; without this index every page sorts all of a team's finished tasks.
CREATE INDEX tasks_team_completed ON tasks (team_id, completed_at, number);
