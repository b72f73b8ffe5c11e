-- 0003: the directory (people, agencies and their key contacts, services), case teams, and the
-- agreed order of work of people on several escalations.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

CREATE TABLE people (
    id                 INTEGER PRIMARY KEY,
    name               TEXT NOT NULL,
    email              TEXT NOT NULL UNIQUE COLLATE NOCASE,
    phone              TEXT NOT NULL DEFAULT '',
    title              TEXT NOT NULL DEFAULT '',
    department         TEXT NOT NULL DEFAULT '',
    organization_kind  TEXT NOT NULL CHECK (organization_kind IN ('division', 'agency', 'vendor')),
    organization       TEXT NOT NULL,
    retired_at         TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE person_roles (
    person_id  INTEGER NOT NULL REFERENCES people(id),
    role       TEXT NOT NULL,
    PRIMARY KEY (person_id, role)
);
CREATE INDEX person_roles_role ON person_roles(role);

CREATE TABLE contact_categories (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE COLLATE NOCASE,
    builtin  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO contact_categories (name, builtin) VALUES
    ('Statewide elected official', 1),
    ('Cabinet secretary', 1),
    ('Agency director', 1),
    ('Governor''s office staff', 1),
    ('Other', 1);

CREATE TABLE agencies (
    id                       INTEGER PRIMARY KEY,
    name                     TEXT NOT NULL UNIQUE COLLATE NOCASE,
    business_segment         TEXT NOT NULL DEFAULT '',
    abrm_id                  INTEGER REFERENCES people(id),
    customer_account_rep_id  INTEGER REFERENCES people(id),
    retired_at               TEXT,
    created_at               TEXT NOT NULL,
    updated_at               TEXT NOT NULL,
    version                  INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE agency_contacts (
    agency_id    INTEGER NOT NULL REFERENCES agencies(id),
    person_id    INTEGER NOT NULL REFERENCES people(id),
    category_id  INTEGER NOT NULL REFERENCES contact_categories(id),
    PRIMARY KEY (agency_id, person_id)
);

CREATE TABLE services (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    owner_id    INTEGER REFERENCES people(id),
    manager_id  INTEGER REFERENCES people(id),
    retired_at  TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE team_members (
    id            INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL REFERENCES cases(id),
    person_id     INTEGER NOT NULL REFERENCES people(id),
    role          TEXT NOT NULL CHECK (role IN ('incident_owner', 'abrm', 'problem_owner', 'vendor',
                                                'subject_matter_expert', 'customer_account_rep')),
    standby       INTEGER NOT NULL DEFAULT 0,
    appointed_at  TEXT NOT NULL,
    appointed_by  INTEGER NOT NULL REFERENCES users(id),
    released_at   TEXT,
    released_by   INTEGER REFERENCES users(id)
);
-- One active seat per person per case, and one active holder of each single-seat role.
CREATE UNIQUE INDEX team_members_one_seat ON team_members(case_id, person_id) WHERE released_at IS NULL;
CREATE UNIQUE INDEX team_members_single_roles ON team_members(case_id, role)
    WHERE released_at IS NULL AND role IN ('incident_owner', 'abrm', 'problem_owner', 'customer_account_rep');
CREATE INDEX team_members_person ON team_members(person_id) WHERE released_at IS NULL;

-- Each agreed order is a new row; the latest per person is the one in force, the rest its history.
CREATE TABLE work_orders (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES people(id),
    case_ids     TEXT NOT NULL,           -- JSON array, first to work on first
    agreed_by    INTEGER NOT NULL REFERENCES people(id),
    agreed_at    TEXT NOT NULL,
    reason       TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    recorded_by  INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX work_orders_person ON work_orders(person_id, id);
