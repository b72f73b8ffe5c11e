-- 0015: a case names its agency and its service by directory id. The name columns stay as the
-- name shown in lists and matched by the dashboard's text filter, kept equal to the directory's
-- name by the triggers below (a rename reaches every case in the same statement).
-- Append-only file: never edit a migration that has shipped; add the next number instead.

ALTER TABLE cases ADD COLUMN agency_id INTEGER REFERENCES agencies(id);
ALTER TABLE cases ADD COLUMN service_id INTEGER REFERENCES services(id);
CREATE INDEX cases_agency ON cases(agency_id);
CREATE INDEX cases_service ON cases(service_id);

-- Backfill by name. A name typed at intake that the directory never had becomes a directory entry
-- (dated when the first case named it), so no case loses its agency or service.
INSERT INTO agencies (name, created_at, updated_at)
    SELECT trim(agency), MIN(opened_at), MIN(opened_at) FROM cases
    WHERE NOT EXISTS (SELECT 1 FROM agencies a WHERE a.name = trim(cases.agency) COLLATE NOCASE)
    GROUP BY trim(agency) COLLATE NOCASE;
INSERT INTO services (name, created_at, updated_at)
    SELECT trim(affected_service), MIN(opened_at), MIN(opened_at) FROM cases
    WHERE NOT EXISTS (SELECT 1 FROM services s WHERE s.name = trim(cases.affected_service) COLLATE NOCASE)
    GROUP BY trim(affected_service) COLLATE NOCASE;
UPDATE cases SET
    agency_id = (SELECT a.id FROM agencies a WHERE a.name = trim(cases.agency) COLLATE NOCASE),
    service_id = (SELECT s.id FROM services s WHERE s.name = trim(cases.affected_service) COLLATE NOCASE);
UPDATE cases SET
    agency = (SELECT a.name FROM agencies a WHERE a.id = cases.agency_id),
    affected_service = (SELECT s.name FROM services s WHERE s.id = cases.service_id);

-- Every case from now on has both ids (ALTER TABLE cannot add NOT NULL to a filled table).
CREATE TRIGGER cases_name_their_agency_and_service BEFORE INSERT ON cases
WHEN NEW.agency_id IS NULL OR NEW.service_id IS NULL
BEGIN
    SELECT RAISE(ABORT, 'a case names its agency and service by directory id');
END;
CREATE TRIGGER cases_keep_their_agency_and_service BEFORE UPDATE OF agency_id, service_id ON cases
WHEN NEW.agency_id IS NULL OR NEW.service_id IS NULL
BEGIN
    SELECT RAISE(ABORT, 'a case names its agency and service by directory id');
END;

-- The shown name follows a rename.
CREATE TRIGGER agency_rename_reaches_cases AFTER UPDATE OF name ON agencies
WHEN NEW.name IS NOT OLD.name
BEGIN
    UPDATE cases SET agency = NEW.name WHERE agency_id = NEW.id;
END;
CREATE TRIGGER service_rename_reaches_cases AFTER UPDATE OF name ON services
WHEN NEW.name IS NOT OLD.name
BEGIN
    UPDATE cases SET affected_service = NEW.name WHERE service_id = NEW.id;
END;
