-- 0016: a sign-off proves its signer. Each is confirmed by a one-time code mailed to the signer's
-- address in the directory; the report keeps how each sign-off was confirmed. Address changes in
-- the directory are kept (who, when), and every workstation identity records the operating-system
-- account and machine that set it.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

CREATE TABLE signoff_codes (
    id               INTEGER PRIMARY KEY,
    aar_id           INTEGER NOT NULL REFERENCES aars(id),
    revision         INTEGER NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('escalation_manager', 'abrm')),
    person_id        INTEGER NOT NULL REFERENCES people(id),
    -- The directory address the code went to, as it was then.
    email            TEXT NOT NULL,
    -- SHA-256 of salt and code: the code itself is only ever in the mail.
    salt             TEXT NOT NULL,
    code_hash        TEXT NOT NULL,
    -- The digest of the report's text the code confirms: a changed text needs a new code.
    digest           TEXT NOT NULL,
    requested_by     INTEGER NOT NULL REFERENCES users(id),
    requested_at     TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'used', 'superseded', 'locked')),
    used_at          TEXT,
    outbox_id        INTEGER REFERENCES outbox(id)
);
CREATE INDEX signoff_codes_open ON signoff_codes(aar_id, role, status);

ALTER TABLE aars ADD COLUMN manager_confirmation TEXT;
ALTER TABLE aars ADD COLUMN abrm_confirmation TEXT;

CREATE TABLE person_email_changes (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id),
    old_email   TEXT NOT NULL,
    new_email   TEXT NOT NULL,
    changed_by  TEXT NOT NULL,
    changed_at  TEXT NOT NULL
);
CREATE INDEX person_email_changes_person ON person_email_changes(person_id, changed_at);
CREATE TRIGGER person_email_changes_are_never_updated BEFORE UPDATE ON person_email_changes
BEGIN
    SELECT RAISE(ABORT, 'address changes are append-only');
END;
CREATE TRIGGER person_email_changes_are_never_deleted BEFORE DELETE ON person_email_changes
BEGIN
    SELECT RAISE(ABORT, 'address changes are append-only');
END;

ALTER TABLE users ADD COLUMN os_account TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN machine TEXT NOT NULL DEFAULT '';
-- When this identity last became the workstation's current one (its changes since then are its own).
ALTER TABLE workstation ADD COLUMN since TEXT;
