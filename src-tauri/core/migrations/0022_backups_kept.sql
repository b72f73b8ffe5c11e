-- 0022: how many automatic backups (daily, before a migration) this desk keeps. See
-- crate::backup for the rules and store::backup for where they are.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

ALTER TABLE workstation ADD COLUMN backups_kept INTEGER NOT NULL DEFAULT 7
    CHECK (backups_kept BETWEEN 1 AND 365);
