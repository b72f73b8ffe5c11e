-- 0008: the After Action Report: its template (sections as data), one report per case with its
-- sections, every saved section text (append-only), comments, the improvement plan, the rendered
-- PDFs, the distribution log, and corrective actions handed to problem cases.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

CREATE TABLE aar_template_sections (
    position  INTEGER PRIMARY KEY,
    key       TEXT NOT NULL UNIQUE,
    title     TEXT NOT NULL,
    source    TEXT NOT NULL CHECK (source IN ('text', 'timeline', 'team', 'figures', 'plans', 'improvement_plan'))
);
INSERT INTO aar_template_sections (position, key, title, source) VALUES
    (1, 'executive_summary', 'Executive summary', 'text'),
    (2, 'incident_overview', 'Incident overview', 'text'),
    (3, 'impact', 'Impact', 'figures'),
    (4, 'timeline', 'Timeline', 'timeline'),
    (5, 'escalation_team', 'Escalation team', 'team'),
    (6, 'analysis', 'Analysis and root cause', 'plans'),
    (7, 'strengths', 'Strengths', 'text'),
    (8, 'areas_for_improvement', 'Areas for improvement', 'text'),
    (9, 'improvement_plan', 'Improvement plan', 'improvement_plan'),
    (10, 'lessons_learned', 'Lessons learned', 'text'),
    (11, 'appendices', 'Appendices', 'text');

CREATE TABLE aar_settings (
    id                          INTEGER PRIMARY KEY CHECK (id = 1),
    organization                TEXT NOT NULL,
    marking                     TEXT NOT NULL,
    paper                       TEXT NOT NULL CHECK (paper IN ('a4', 'letter')),
    one_message_per_recipient   INTEGER NOT NULL
);
INSERT INTO aar_settings VALUES (1, 'Department of Information Technology', 'Internal', 'letter', 1);

CREATE TABLE aars (
    id                  INTEGER PRIMARY KEY,
    case_id             INTEGER NOT NULL UNIQUE REFERENCES cases(id),
    status              TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'approved', 'distributed')),
    revision            INTEGER NOT NULL DEFAULT 1,
    version             INTEGER NOT NULL DEFAULT 1,
    timeline_event_ids  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(timeline_event_ids)),
    manager_signed_by   TEXT,
    manager_signed_at   TEXT,
    abrm_signed_by      TEXT,
    abrm_signed_at      TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

CREATE TABLE aar_sections (
    id           INTEGER PRIMARY KEY,
    aar_id       INTEGER NOT NULL REFERENCES aars(id),
    position     INTEGER NOT NULL,
    key          TEXT NOT NULL,
    title        TEXT NOT NULL,
    source       TEXT NOT NULL,
    body         TEXT NOT NULL DEFAULT '',
    assignee_id  INTEGER REFERENCES people(id),
    version      INTEGER NOT NULL DEFAULT 1,
    edited_by    TEXT,
    edited_at    TEXT,
    UNIQUE (aar_id, key)
);

-- Every saved text of every section, with the report revision it belongs to.
CREATE TABLE aar_section_versions (
    section_id  INTEGER NOT NULL REFERENCES aar_sections(id),
    version     INTEGER NOT NULL,
    revision    INTEGER NOT NULL,
    body        TEXT NOT NULL,
    edited_by   TEXT NOT NULL,
    edited_at   TEXT NOT NULL,
    PRIMARY KEY (section_id, version)
);
CREATE TRIGGER aar_section_versions_are_never_updated BEFORE UPDATE ON aar_section_versions
BEGIN
    SELECT RAISE(ABORT, 'AAR section versions are append-only');
END;
CREATE TRIGGER aar_section_versions_are_never_deleted BEFORE DELETE ON aar_section_versions
BEGIN
    SELECT RAISE(ABORT, 'AAR section versions are append-only');
END;

CREATE TABLE aar_comments (
    id           INTEGER PRIMARY KEY,
    section_id   INTEGER NOT NULL REFERENCES aar_sections(id),
    author       TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    resolved_at  TEXT,
    resolved_by  TEXT
);

CREATE TABLE aar_improvements (
    id                  INTEGER PRIMARY KEY,
    aar_id              INTEGER NOT NULL REFERENCES aars(id),
    position            INTEGER NOT NULL,
    action              TEXT NOT NULL,
    owner               TEXT NOT NULL,
    due_date            TEXT,
    status              TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done')),
    sent_to_problem_at  TEXT
);

CREATE TABLE aar_renders (
    id           INTEGER PRIMARY KEY,
    aar_id       INTEGER NOT NULL REFERENCES aars(id),
    revision     INTEGER NOT NULL,
    status       TEXT NOT NULL,
    pages        INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    pdf          BLOB NOT NULL,
    path         TEXT NOT NULL,
    rendered_at  TEXT NOT NULL,
    rendered_by  TEXT NOT NULL,
    render_ms    INTEGER NOT NULL
);

CREATE TABLE aar_distributions (
    id         INTEGER PRIMARY KEY,
    aar_id     INTEGER NOT NULL REFERENCES aars(id),
    revision   INTEGER NOT NULL,
    render_id  INTEGER NOT NULL REFERENCES aar_renders(id),
    recipient  TEXT NOT NULL,
    outbox_id  INTEGER NOT NULL REFERENCES outbox(id),
    queued_at  TEXT NOT NULL,
    queued_by  TEXT NOT NULL
);

-- Corrective actions handed from an AAR's improvement plan to a problem case.
CREATE TABLE problem_actions (
    id          INTEGER PRIMARY KEY,
    problem_id  INTEGER NOT NULL REFERENCES problems(id),
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    action      TEXT NOT NULL,
    owner       TEXT NOT NULL,
    due_date    TEXT,
    status      TEXT NOT NULL,
    received_at TEXT NOT NULL
);

-- Files attached to an outbox message (the AAR's PDF), kept apart so the message can be rebuilt
-- (new recipients, new sender) with the same attachment.
CREATE TABLE outbox_attachments (
    outbox_id     INTEGER NOT NULL REFERENCES outbox(id),
    position      INTEGER NOT NULL,
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    bytes         BLOB NOT NULL,
    PRIMARY KEY (outbox_id, position)
);
