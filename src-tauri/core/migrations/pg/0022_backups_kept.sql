-- 0022 (PostgreSQL; SQLite's 0022 is the same column): how many automatic backups a desk keeps.
-- A team desk is backed up by its server (pg_dump), so nothing reads it here; the column keeps the
-- two schemas alike, as every lockstep migration does.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

ALTER TABLE workstation ADD COLUMN backups_kept bigint NOT NULL DEFAULT 7
    CHECK (backups_kept BETWEEN 1 AND 365);
