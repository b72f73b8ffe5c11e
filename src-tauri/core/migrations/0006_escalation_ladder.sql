-- 0006: the hierarchical escalation ladder (levels naming people) and each case's current level.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

CREATE TABLE ladder_levels (
    level  INTEGER PRIMARY KEY CHECK (level >= 1),
    name   TEXT NOT NULL
);

CREATE TABLE ladder_people (
    level      INTEGER NOT NULL REFERENCES ladder_levels(level),
    person_id  INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (level, person_id)
);

-- 0: not raised; n: raised to ladder level n.
ALTER TABLE cases ADD COLUMN hierarchy_level INTEGER NOT NULL DEFAULT 0;
