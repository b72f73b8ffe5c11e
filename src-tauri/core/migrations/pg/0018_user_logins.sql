-- 0018 (PostgreSQL; SQLite's 0018 is the same change): a person is named by the login that
-- authenticated (session_user), mapped here by a manager with `escalation-desk desk grant`.
-- One login names at most one person. The desk's roles may read the mapping; only a manager (and
-- the desk's owner) may write it, or a member could map their own login to someone else
-- (store::team_desk re-grants this on `desk init`; done here for desks that already have roles).
-- Append-only file: never edit a migration that has shipped; add the next number instead.

ALTER TABLE users ADD COLUMN login text;
CREATE UNIQUE INDEX users_login ON users(login);

DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'desk_member') THEN
        REVOKE INSERT, UPDATE, DELETE ON users, workstation FROM desk_member;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'desk_manager') THEN
        GRANT INSERT, UPDATE ON users TO desk_manager;
    END IF;
END $$;
