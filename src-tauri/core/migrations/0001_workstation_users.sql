-- 0001: the people who use this workstation; every change names one of them.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- One row: who is using this workstation now.
CREATE TABLE workstation (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    current_user_id  INTEGER NOT NULL REFERENCES users(id)
);
