-- 0012: append-only tables refuse INSERT OR REPLACE / REPLACE as well as UPDATE and DELETE.
-- REPLACE resolves a key conflict by deleting the old row, and SQLite fires DELETE triggers for
-- that only with PRAGMA recursive_triggers (a per-connection setting a sqlite3 shell does not
-- have), so a row could be swapped silently. A BEFORE INSERT trigger runs before conflict
-- resolution on every connection: an insert that names an existing key is refused outright.
-- Plan revisions also get the DELETE trigger 0005 left out.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

CREATE TRIGGER timeline_events_are_never_replaced BEFORE INSERT ON timeline_events
WHEN EXISTS (SELECT 1 FROM timeline_events WHERE id = NEW.id OR (case_id = NEW.case_id AND seq = NEW.seq))
BEGIN
    SELECT RAISE(ABORT, 'timeline events are append-only');
END;

CREATE TRIGGER plan_revisions_are_never_replaced BEFORE INSERT ON plan_revisions
WHEN EXISTS (SELECT 1 FROM plan_revisions
             WHERE id = NEW.id OR (case_id = NEW.case_id AND plan = NEW.plan AND revision = NEW.revision))
BEGIN
    SELECT RAISE(ABORT, 'plan revisions are append-only');
END;

CREATE TRIGGER plan_revisions_are_never_deleted BEFORE DELETE ON plan_revisions
BEGIN
    SELECT RAISE(ABORT, 'plan revisions are append-only');
END;

CREATE TRIGGER aar_section_versions_are_never_replaced BEFORE INSERT ON aar_section_versions
WHEN EXISTS (SELECT 1 FROM aar_section_versions WHERE section_id = NEW.section_id AND version = NEW.version)
BEGIN
    SELECT RAISE(ABORT, 'AAR section versions are append-only');
END;
