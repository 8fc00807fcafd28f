-- Plan approval: a review is of the work ('code': the task moves to in_review and an approval
-- finishes it) or of the owner's plan before the work ('plan': the task stays in progress with
-- its owner whatever the verdict).
ALTER TABLE reviews ADD COLUMN kind TEXT NOT NULL DEFAULT 'code';

-- A team setting: a task with this label needs an approved plan before a code review.
-- NULL (the default) turns the rule off.
ALTER TABLE teams ADD COLUMN plan_label TEXT;
