-- 0005: the escalation and technical action plans of a case, as revisions, and their reviews.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

-- Every saved state of a plan; never updated or deleted (triggers below).
CREATE TABLE plan_revisions (
    id        INTEGER PRIMARY KEY,
    case_id   INTEGER NOT NULL REFERENCES cases(id),
    plan      TEXT NOT NULL CHECK (plan IN ('escalation', 'technical')),
    revision  INTEGER NOT NULL,
    actions   TEXT NOT NULL,        -- JSON array of actions
    saved_at  TEXT NOT NULL,
    saved_by  INTEGER NOT NULL REFERENCES users(id),
    UNIQUE (case_id, plan, revision)
);

CREATE TRIGGER plan_revisions_are_never_updated BEFORE UPDATE ON plan_revisions
BEGIN
    SELECT RAISE(ABORT, 'plan revisions are append-only');
END;

CREATE TABLE plan_reviews (
    id               INTEGER PRIMARY KEY,
    case_id          INTEGER NOT NULL REFERENCES cases(id),
    plan             TEXT NOT NULL CHECK (plan IN ('escalation', 'technical')),
    revision         INTEGER NOT NULL,
    reviewed_at      TEXT NOT NULL,
    reviewed_by      INTEGER NOT NULL REFERENCES users(id),
    notes            TEXT NOT NULL,
    next_review_due  TEXT
);
CREATE INDEX plan_reviews_case ON plan_reviews(case_id, plan, id);
