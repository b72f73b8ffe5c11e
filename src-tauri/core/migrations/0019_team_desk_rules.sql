-- 0019: nothing on a workstation's own file. On a team desk (PostgreSQL's 0019) the server checks
-- who may sign, escalate and write a section by the login that authenticated; a file has one
-- person at one keyboard and no logins to check, so the window's own checks are the rule here.
-- Kept as a number so both engines' migrations stay in lockstep.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

SELECT 1;
