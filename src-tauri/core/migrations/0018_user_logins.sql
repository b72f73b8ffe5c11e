-- 0018: a person can be named by a login (issue 13, "Who is here is known, not typed"). On a team
-- desk the identity is the database login the workstation authenticated as, mapped to a person
-- here by a manager (`escalation-desk desk grant`); a workstation's own file keeps its identity
-- form and leaves the column empty. One login names at most one person.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

ALTER TABLE users ADD COLUMN login TEXT;
CREATE UNIQUE INDEX users_login ON users(login);
