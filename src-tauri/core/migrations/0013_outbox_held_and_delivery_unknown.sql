-- 0013: two outbox states a person decides on, and a pause after the server refused the login.
-- 'held': never attempted, a recipient is not an address the mail server can take (old data);
-- 'unknown': the message was sent but the server's reply never came, so it may have arrived.
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt (the migration runner
-- turns foreign keys off around migrations and checks them before each commit).
-- Append-only file: never edit a migration that has shipped; add the next number instead.

CREATE TABLE outbox_new (
    id               INTEGER PRIMARY KEY,
    message_id       TEXT NOT NULL UNIQUE,
    case_id          INTEGER REFERENCES cases(id),
    purpose          TEXT NOT NULL,
    recipients       TEXT NOT NULL,      -- JSON array of addresses
    subject          TEXT NOT NULL,
    text_body        TEXT NOT NULL,
    html_body        TEXT NOT NULL,
    mime             TEXT NOT NULL,      -- the full message as last built ('' while held)
    status           TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled', 'held', 'unknown')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    sent_at          TEXT,
    updated_at       TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);
INSERT INTO outbox_new SELECT id, message_id, case_id, purpose, recipients, subject, text_body, html_body, mime,
    status, attempts, next_attempt_at, last_error, created_at, sent_at, updated_at, version FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_case ON outbox(case_id);

-- Set when the server refused the user name or password: nothing is sent (no further logins that
-- could lock the account) until the settings are saved again or the user asks to retry.
ALTER TABLE smtp_settings ADD COLUMN paused_reason TEXT;
ALTER TABLE smtp_settings ADD COLUMN paused_at TEXT;
