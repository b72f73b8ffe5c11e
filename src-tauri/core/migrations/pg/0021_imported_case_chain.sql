-- 0021 (PostgreSQL; SQLite's 0021 is the same change): the number an imported case's timeline was
-- hashed with on the desk it came from (NULL: its own id). See store::case_file.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

ALTER TABLE cases ADD COLUMN chain_id bigint;
