-- 0009: the end of the process: warranties (with the resolution and the customer's confirmation),
-- recurrences, verifications of continued satisfaction, the post-escalation review meeting and
-- its input to problem management, and the closing summary.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

CREATE TABLE process_settings (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    warranty_days  INTEGER NOT NULL CHECK (warranty_days BETWEEN 1 AND 365),
    -- The office's IANA time zone: warranty end dates and meeting invitations are in it.
    time_zone      TEXT NOT NULL
);
INSERT INTO process_settings VALUES (1, 30, 'America/Denver');

CREATE TABLE warranties (
    id                  INTEGER PRIMARY KEY,
    case_id             INTEGER NOT NULL REFERENCES cases(id),
    number              INTEGER NOT NULL,
    resolution_summary  TEXT NOT NULL,
    confirmed_by        TEXT NOT NULL,
    confirmed_at        TEXT NOT NULL,
    confirmed_how       TEXT NOT NULL CHECK (confirmed_how IN ('email', 'phone', 'meeting')),
    period_days         INTEGER NOT NULL,
    car_person_id       INTEGER NOT NULL REFERENCES people(id),
    started_at          TEXT NOT NULL,
    ends_at             TEXT NOT NULL,
    started_by          TEXT NOT NULL,
    ended_at            TEXT,
    -- completed: the period ran out; recurred: a recurrence ended it; closed: the case closed first.
    outcome             TEXT CHECK (outcome IN ('completed', 'recurred', 'closed')),
    UNIQUE (case_id, number)
);
CREATE INDEX warranties_open ON warranties(outcome, ends_at);

CREATE TABLE recurrences (
    id            INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL REFERENCES cases(id),
    warranty_id   INTEGER REFERENCES warranties(id),
    observed_at   TEXT NOT NULL,
    description   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    recorded_by   TEXT NOT NULL
);

CREATE TABLE verifications (
    id            INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL REFERENCES cases(id),
    contact       TEXT NOT NULL,
    verified_at   TEXT NOT NULL,
    satisfied     INTEGER NOT NULL,
    notes         TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    recorded_by   TEXT NOT NULL
);

CREATE TABLE review_meetings (
    id                INTEGER PRIMARY KEY,
    case_id           INTEGER NOT NULL REFERENCES cases(id),
    -- Stable across updates and the cancellation, as calendar clients require.
    uid               TEXT NOT NULL UNIQUE,
    sequence          INTEGER NOT NULL DEFAULT 0,
    starts_at         TEXT NOT NULL,
    duration_minutes  INTEGER NOT NULL,
    location          TEXT NOT NULL,
    attendees         TEXT NOT NULL CHECK (json_valid(attendees)),
    agenda            TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('scheduled', 'cancelled', 'held')),
    outcome           TEXT,
    findings          TEXT,
    actions           TEXT,
    held_recorded_at  TEXT,
    held_recorded_by  TEXT,
    problem_id        INTEGER REFERENCES problems(id),
    handed_at         TEXT,
    created_at        TEXT NOT NULL
);

-- Findings and actions of a post-escalation review, handed to a problem case.
CREATE TABLE problem_inputs (
    id           INTEGER PRIMARY KEY,
    problem_id   INTEGER NOT NULL REFERENCES problems(id),
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    findings     TEXT NOT NULL,
    actions      TEXT NOT NULL,
    received_at  TEXT NOT NULL
);

ALTER TABLE cases ADD COLUMN closing_summary TEXT;
