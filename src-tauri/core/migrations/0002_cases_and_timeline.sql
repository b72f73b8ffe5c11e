-- 0002: cases, problem cases and the hash-chained, append-only timeline.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

CREATE TABLE problems (
    id              INTEGER PRIMARY KEY,
    ticket          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    title           TEXT NOT NULL,
    origin_case_id  INTEGER NOT NULL REFERENCES cases(id),
    created_at      TEXT NOT NULL,
    created_by      INTEGER NOT NULL REFERENCES users(id)
);

CREATE TABLE cases (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL CHECK (kind IN ('incident', 'service_request')),
    ticket              TEXT NOT NULL UNIQUE COLLATE NOCASE,
    title               TEXT NOT NULL,
    description         TEXT NOT NULL,
    agency              TEXT NOT NULL,
    affected_service    TEXT NOT NULL,
    impact              TEXT NOT NULL CHECK (impact IN ('high', 'medium', 'low')),
    urgency             TEXT NOT NULL CHECK (urgency IN ('high', 'medium', 'low')),
    priority            TEXT NOT NULL CHECK (priority IN ('P1', 'P2', 'P3', 'P4')),
    reported_by         TEXT NOT NULL,
    escalation_manager  TEXT NOT NULL,
    level               TEXT NOT NULL CHECK (level IN ('escalated', 'elevated')),
    level_reason        TEXT NOT NULL,
    stage               TEXT NOT NULL CHECK (stage IN ('intake', 'team', 'appraisal', 'resolving',
                                                       'warranty', 'verification', 'review', 'closed')),
    problem_id          INTEGER REFERENCES problems(id),
    opened_at           TEXT NOT NULL,
    opened_by           INTEGER NOT NULL REFERENCES users(id),
    updated_at          TEXT NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1,
    -- Hash of the case's last timeline event: detects events cut off the end of the chain.
    timeline_head       TEXT NOT NULL
);
CREATE INDEX cases_stage ON cases(stage);
CREATE INDEX cases_problem ON cases(problem_id);

CREATE TABLE timeline_events (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    seq         INTEGER NOT NULL,
    at          TEXT NOT NULL,
    actor_id    INTEGER NOT NULL REFERENCES users(id),
    actor       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    summary     TEXT NOT NULL,
    old_value   TEXT,
    new_value   TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    UNIQUE (case_id, seq)
);

CREATE TRIGGER timeline_events_are_never_updated BEFORE UPDATE ON timeline_events
BEGIN
    SELECT RAISE(ABORT, 'timeline events are append-only');
END;

CREATE TRIGGER timeline_events_are_never_deleted BEFORE DELETE ON timeline_events
BEGIN
    SELECT RAISE(ABORT, 'timeline events are append-only');
END;
