-- 0004: SMTP settings (never the password), the durable outbox, case contacts for notices and
-- customer updates, the customer-update cadence and the updates themselves.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

CREATE TABLE smtp_settings (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    host            TEXT NOT NULL,
    port            INTEGER NOT NULL,
    security        TEXT NOT NULL CHECK (security IN ('starttls', 'implicit_tls', 'plain')),
    username        TEXT NOT NULL,
    sender_name     TEXT NOT NULL,
    sender_address  TEXT NOT NULL,
    -- PEM of extra certificate authorities to trust (an agency's internal CA), besides the system's.
    extra_ca_pem    TEXT NOT NULL DEFAULT '',
    updated_at      TEXT NOT NULL
);

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    message_id       TEXT NOT NULL UNIQUE,
    case_id          INTEGER REFERENCES cases(id),
    purpose          TEXT NOT NULL,
    recipients       TEXT NOT NULL,      -- JSON array of addresses
    subject          TEXT NOT NULL,
    text_body        TEXT NOT NULL,
    html_body        TEXT NOT NULL,
    mime             TEXT NOT NULL,      -- the full message as last built
    status           TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    sent_at          TEXT,
    updated_at       TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_case ON outbox(case_id);

-- People who receive a case's notices: management contacts (progress) and customer contacts (updates).
CREATE TABLE case_contacts (
    case_id    INTEGER NOT NULL REFERENCES cases(id),
    person_id  INTEGER NOT NULL REFERENCES people(id),
    kind       TEXT NOT NULL CHECK (kind IN ('management', 'customer')),
    PRIMARY KEY (case_id, person_id, kind)
);

CREATE TABLE customer_cadences (
    case_id            INTEGER PRIMARY KEY REFERENCES cases(id),
    kind               TEXT NOT NULL CHECK (kind IN ('every_hours', 'fixed_times')),
    every_hours        INTEGER,
    fixed_times        TEXT NOT NULL DEFAULT '[]',   -- JSON array of "HH:MM"
    working_days_only  INTEGER NOT NULL DEFAULT 1,
    time_zone          TEXT NOT NULL,
    agreed_at          TEXT NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE customer_updates (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    at          TEXT NOT NULL,
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'phone', 'meeting')),
    summary     TEXT NOT NULL,
    major       INTEGER NOT NULL DEFAULT 0,
    outbox_id   INTEGER REFERENCES outbox(id),
    recorded_by INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX customer_updates_case ON customer_updates(case_id, at);
