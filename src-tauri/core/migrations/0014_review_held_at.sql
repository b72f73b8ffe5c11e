-- 0014: when the post-escalation review meeting was actually held, as the user states it (never
-- in the future, never before it was scheduled to start... unless moved earlier: it is what
-- happened). held_recorded_at stays the time the outcome was typed in.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

ALTER TABLE review_meetings ADD COLUMN held_at TEXT;
UPDATE review_meetings SET held_at = starts_at WHERE status = 'held';
