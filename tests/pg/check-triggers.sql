-- Proves the triggers of migrations/pg/0017_desk.sql on a desk loaded from it: each append-only
-- table refuses UPDATE, DELETE, TRUNCATE and an insert naming an existing key with SQLite's exact
-- message; cases refuse a missing directory id; renames and the first screen's totals follow.
-- Runs in one transaction that is rolled back: the desk is left as it was (its sequences aside).
-- Usage: psql URL -X -q -v ON_ERROR_STOP=1 -f tests/pg/check-triggers.sql (fails on the first miss)
\set QUIET on
SET client_min_messages = warning;  -- not TRUNCATE CASCADE's list of tables
BEGIN;

-- refused(statement, message): runs the statement, which must fail with exactly that message.
-- A miss raises assert_failure, which the handler below does not catch, so psql stops on it.
CREATE FUNCTION pg_temp.refused(stmt text, msg text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RAISE EXCEPTION USING ERRCODE = 'assert_failure', MESSAGE = 'not refused: ' || stmt;
EXCEPTION WHEN raise_exception OR check_violation OR unique_violation THEN
    IF SQLERRM <> msg THEN
        RAISE EXCEPTION USING ERRCODE = 'assert_failure',
            MESSAGE = format('refused with %L instead of %L: %s', SQLERRM, msg, stmt);
    END IF;
    RETURN format('refused, %s: %s', msg, stmt);
END $$;

CREATE FUNCTION pg_temp.check(ok boolean, what text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION USING ERRCODE = 'assert_failure', MESSAGE = 'failed: ' || what;
    END IF;
    RETURN 'ok, ' || what;
END $$;

-- One of each row the triggers guard, with the ids given, as a copy from SQLite keeps them; then
-- each identity continues after the highest id, as the copy must leave them.
INSERT INTO users (id, name, email, role, created_at) VALUES (1, 'Dana', 'dana@example.org', 'manager', now());
INSERT INTO people (id, name, email, organization_kind, organization, created_at, updated_at)
    VALUES (1, 'Ann', 'ann@example.org', 'agency', 'Health', now(), now());
INSERT INTO agencies (id, name, created_at, updated_at) VALUES (1, 'Health', now(), now());
INSERT INTO services (id, name, created_at, updated_at) VALUES (1, 'Mail', now(), now());
INSERT INTO cases (id, kind, ticket, title, description, agency, affected_service, impact, urgency, priority,
    reported_by, escalation_manager, level, level_reason, stage, opened_at, opened_by, updated_at, timeline_head,
    agency_id, service_id)
    VALUES (1, 'incident', 'INC1', 't', 'd', 'Health', 'Mail', 'high', 'high', 'P1', 'r', 'm', 'escalated', 'x',
            'intake', now(), 1, now(), 'h', 1, 1);
INSERT INTO timeline_events (id, case_id, seq, at, actor_id, actor, kind, summary, prev_hash, hash)
    VALUES (1, 1, 1, '2026-12-05T03:21:32.777Z', 1, 'Dana', 'opened', 'opened', 'g', 'h');
INSERT INTO plan_revisions (id, case_id, plan, revision, actions, saved_at, saved_by)
    VALUES (1, 1, 'technical', 1, '[]', now(), 1);
INSERT INTO aars (id, case_id, status, created_at, updated_at) VALUES (1, 1, 'draft', now(), now());
INSERT INTO aar_sections (id, aar_id, position, key, title, source) VALUES (1, 1, 1, 'k', 't', 'text');
INSERT INTO aar_section_versions (section_id, version, revision, body, edited_by, edited_at)
    VALUES (1, 1, 1, 'b', 'Dana', now());
INSERT INTO person_email_changes (id, person_id, old_email, new_email, changed_by, changed_at)
    VALUES (1, 1, 'a@example.org', 'ann@example.org', 'Dana', now());
DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT table_name, column_name FROM information_schema.columns
             WHERE table_schema = 'public' AND is_identity = 'YES' LOOP
        EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, %L), COALESCE((SELECT max(%I) FROM %I), 0) + 1, false)',
                       c.table_name, c.column_name, c.column_name, c.table_name);
    END LOOP;
END $$;

\pset tuples_only on
\pset format unaligned
\echo '-- timeline_events'
SELECT pg_temp.refused('UPDATE timeline_events SET summary = ''nothing happened''', 'timeline events are append-only');
SELECT pg_temp.refused('DELETE FROM timeline_events', 'timeline events are append-only');
SELECT pg_temp.refused('TRUNCATE timeline_events', 'timeline events are append-only');
SELECT pg_temp.refused('TRUNCATE cases CASCADE', 'timeline events are append-only');
SELECT pg_temp.refused($$INSERT INTO timeline_events (id, case_id, seq, at, actor_id, actor, kind, summary, prev_hash, hash)
    VALUES (1, 1, 9, now(), 1, 'Mallory', 'opened', 'forged', 'x', 'y')$$, 'timeline events are append-only');
SELECT pg_temp.refused($$INSERT INTO timeline_events (id, case_id, seq, at, actor_id, actor, kind, summary, prev_hash, hash)
    VALUES (99, 1, 1, now(), 1, 'Mallory', 'opened', 'forged', 'x', 'y')$$, 'timeline events are append-only');
SELECT pg_temp.refused($$INSERT INTO timeline_events (id, case_id, seq, at, actor_id, actor, kind, summary, prev_hash, hash)
    VALUES (1, 1, 1, now(), 1, 'Mallory', 'opened', 'forged', 'x', 'y')
    ON CONFLICT (id) DO UPDATE SET summary = 'forged'$$, 'timeline events are append-only');
SELECT pg_temp.refused($$INSERT INTO timeline_events (id, case_id, seq, at, actor_id, actor, kind, summary, prev_hash, hash)
    VALUES (2, 1, 1, now(), 1, 'Mallory', 'opened', 'forged', 'x', 'y')
    ON CONFLICT (case_id, seq) DO UPDATE SET summary = 'forged'$$, 'timeline events are append-only');
-- Row triggers, as in SQLite: a statement that touches no row is not refused.
UPDATE timeline_events SET summary = 'x' WHERE id = -1;
SELECT pg_temp.check(count(*) = 1 AND min(summary) = 'opened', 'the event is unchanged') FROM timeline_events;
-- The stored time reads back as the very text that was hashed (RFC 3339 UTC, milliseconds).
SELECT pg_temp.check(to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') = '2026-12-05T03:21:32.777Z',
                     'timeline_events.at round-trips its text') FROM timeline_events;
-- The next event appends.
INSERT INTO timeline_events (case_id, seq, at, actor_id, actor, kind, summary, prev_hash, hash)
    VALUES (1, 2, now(), 1, 'Dana', 'edited', 'edited', 'h', 'i');

\echo '-- plan_revisions'
SELECT pg_temp.refused('UPDATE plan_revisions SET actions = ''[]''', 'plan revisions are append-only');
SELECT pg_temp.refused('DELETE FROM plan_revisions', 'plan revisions are append-only');
SELECT pg_temp.refused('TRUNCATE plan_revisions', 'plan revisions are append-only');
SELECT pg_temp.refused($$INSERT INTO plan_revisions (id, case_id, plan, revision, actions, saved_at, saved_by)
    SELECT id, case_id, plan, revision, '[]', saved_at, saved_by FROM plan_revisions LIMIT 1$$, 'plan revisions are append-only');
SELECT pg_temp.refused($$INSERT INTO plan_revisions (id, case_id, plan, revision, actions, saved_at, saved_by)
    VALUES (99, 1, 'technical', 1, '[]', now(), 1)$$, 'plan revisions are append-only');
SELECT pg_temp.refused($$INSERT INTO plan_revisions (id, case_id, plan, revision, actions, saved_at, saved_by)
    VALUES (1, 1, 'technical', 1, '[]', now(), 1) ON CONFLICT (id) DO UPDATE SET actions = '[]'$$, 'plan revisions are append-only');

\echo '-- aar_section_versions'
SELECT pg_temp.refused('UPDATE aar_section_versions SET body = ''x''', 'AAR section versions are append-only');
SELECT pg_temp.refused('DELETE FROM aar_section_versions', 'AAR section versions are append-only');
SELECT pg_temp.refused('TRUNCATE aar_section_versions', 'AAR section versions are append-only');
SELECT pg_temp.refused($$INSERT INTO aar_section_versions (section_id, version, revision, body, edited_by, edited_at)
    VALUES (1, 1, 1, 'forged', 'Mallory', now())$$, 'AAR section versions are append-only');
SELECT pg_temp.refused($$INSERT INTO aar_section_versions (section_id, version, revision, body, edited_by, edited_at)
    VALUES (1, 1, 1, 'forged', 'Mallory', now()) ON CONFLICT (section_id, version) DO UPDATE SET body = 'forged'$$,
    'AAR section versions are append-only');

\echo '-- person_email_changes (SQLite has no replace trigger here: a key conflict is a unique violation)'
SELECT pg_temp.refused('UPDATE person_email_changes SET new_email = ''x''', 'address changes are append-only');
SELECT pg_temp.refused('DELETE FROM person_email_changes', 'address changes are append-only');
SELECT pg_temp.refused('TRUNCATE person_email_changes', 'address changes are append-only');
SELECT pg_temp.refused($$INSERT INTO person_email_changes (id, person_id, old_email, new_email, changed_by, changed_at)
    VALUES (1, 1, 'a', 'b', 'Mallory', now()) ON CONFLICT (id) DO UPDATE SET new_email = 'b'$$, 'address changes are append-only');
SELECT pg_temp.refused($$INSERT INTO person_email_changes (id, person_id, old_email, new_email, changed_by, changed_at)
    VALUES (1, 1, 'a', 'b', 'Mallory', now())$$,
    'duplicate key value violates unique constraint "person_email_changes_pkey"');

\echo '-- cases name their agency and service'
SELECT pg_temp.refused($$INSERT INTO cases (kind, ticket, title, description, agency, affected_service, impact, urgency,
    priority, reported_by, escalation_manager, level, level_reason, stage, opened_at, opened_by, updated_at, timeline_head,
    agency_id, service_id) VALUES ('incident', 'INC2', 't', 'd', 'Health', 'Mail', 'high', 'high', 'P1', 'r', 'm',
    'elevated', 'x', 'intake', now(), 1, now(), 'g', 1, NULL)$$, 'a case names its agency and service by directory id');
SELECT pg_temp.refused('UPDATE cases SET agency_id = NULL', 'a case names its agency and service by directory id');
SELECT pg_temp.refused('UPDATE cases SET service_id = NULL', 'a case names its agency and service by directory id');

\echo '-- NOCASE keys and json_valid'
SELECT pg_temp.refused($$INSERT INTO agencies (name, created_at, updated_at) VALUES ('HEALTH', now(), now())$$,
    'duplicate key value violates unique constraint "agencies_name_key"');
SELECT pg_temp.refused($$UPDATE aars SET timeline_event_ids = '[1,'$$,
    'new row for relation "aars" violates check constraint "aars_timeline_event_ids_check"');

\echo '-- a rename reaches the cases; a change of letter case only does not (as in SQLite, NOCASE)'
UPDATE agencies SET name = 'Health Department' WHERE id = 1;
UPDATE services SET name = 'Mail relay' WHERE id = 1;
SELECT pg_temp.check(agency = 'Health Department' AND affected_service = 'Mail relay', 'renamed in the case') FROM cases;
UPDATE agencies SET name = 'HEALTH DEPARTMENT' WHERE id = 1;
SELECT pg_temp.check(agency = 'Health Department', 'case-only rename kept the shown name') FROM cases;

\echo '-- the first screen''s totals'
SELECT pg_temp.check(n = 1, 'one active escalated case') FROM active_case_counts WHERE level = 'escalated';
UPDATE cases SET level = 'elevated';
SELECT pg_temp.check(string_agg(level || '=' || n, ',' ORDER BY level) = 'elevated=1,escalated=0', 'level change moved the count')
    FROM active_case_counts;
UPDATE cases SET stage = 'closed';
SELECT pg_temp.check(sum(n) = 0, 'closing left no active case') FROM active_case_counts;
INSERT INTO alerts (id, case_id, rule_name, criteria, raised_at, recipients) VALUES (1, 1, 'r', 'c', now(), '[]');
SELECT pg_temp.check(n = 1, 'one open alert') FROM open_alert_count;
UPDATE alerts SET acknowledged_at = now(), acknowledged_by = 'Dana';
SELECT pg_temp.check(n = 0, 'acknowledged: no open alert') FROM open_alert_count;
DELETE FROM alerts;
SELECT pg_temp.check(n = 0, 'deleting an acknowledged alert leaves the count') FROM open_alert_count;

ROLLBACK;
\echo 'all trigger checks passed'
