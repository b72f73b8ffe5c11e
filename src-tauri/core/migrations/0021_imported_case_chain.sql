-- 0021: a case imported from another desk's case file keeps the number its timeline was hashed
-- with there (each event's hash covers its case's number: timeline::HashInput). NULL for every
-- case made on this desk: its chain is hashed with its own id. See store::case_file.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

ALTER TABLE cases ADD COLUMN chain_id INTEGER;
