-- 0020: the search index (issue 14). One row per thing a search finds: a case's record, a timeline
-- event, a plan, a report section, a comment, a person. `title` and `body` are the text as shown
-- (the highlight is cut from them); `words` is the same text folded by the store (diacritics
-- dropped, lower case: search::fold), which is what is matched, so both engines match alike.
-- The store keeps the rows in step inside each change's transaction (store::search). SQLite's
-- full-text index over `words` is FTS5 with external content, kept by the triggers below.
-- Existing desks get their rows from the store at the first open after this migration: the row
-- in search_rebuild asks for it, and is removed in the same transaction the index is built in.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

CREATE TABLE search_docs (
    id       INTEGER PRIMARY KEY,
    kind     TEXT NOT NULL CHECK (kind IN ('case', 'event', 'plan', 'section', 'comment', 'person')),
    case_id  INTEGER REFERENCES cases(id),
    place    TEXT NOT NULL,
    title    TEXT NOT NULL,
    body     TEXT NOT NULL,
    words    TEXT NOT NULL
);
CREATE INDEX search_docs_case ON search_docs(case_id, kind);
CREATE INDEX search_docs_place ON search_docs(kind, place);

CREATE VIRTUAL TABLE search_fts USING fts5(
    kind, words, content = 'search_docs', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER search_docs_fts_insert AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_fts (rowid, kind, words) VALUES (new.id, new.kind, new.words);
END;
CREATE TRIGGER search_docs_fts_delete AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, kind, words) VALUES ('delete', old.id, old.kind, old.words);
END;
CREATE TRIGGER search_docs_fts_update AFTER UPDATE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, kind, words) VALUES ('delete', old.id, old.kind, old.words);
    INSERT INTO search_fts (rowid, kind, words) VALUES (new.id, new.kind, new.words);
END;

CREATE TABLE search_rebuild (id INTEGER PRIMARY KEY CHECK (id = 1));
INSERT INTO search_rebuild (id) VALUES (1);
