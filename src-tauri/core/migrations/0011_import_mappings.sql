-- 0011: the last column mapping used to import each directory list, by header (as a slug), so a
-- directory's own export is read the same way next time. field NULL: the column was ignored.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

CREATE TABLE import_mappings (
    kind        TEXT NOT NULL CHECK (kind IN ('people', 'agencies', 'services')),
    header      TEXT NOT NULL,
    field       TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (kind, header)
);
