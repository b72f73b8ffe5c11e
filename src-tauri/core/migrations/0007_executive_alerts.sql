-- 0007: executive alert rules (kept as data, the process's own criteria seeded as built-in rules),
-- which rules match which case now (so a rule alerts a case once, when it starts to match), and
-- the alerts raised with their acknowledgement.
-- Append-only file: never edit a migration that has shipped; add the next number instead.

CREATE TABLE alert_rules (
    id          INTEGER PRIMARY KEY,
    -- The whole rule (name, condition tree, recipients, enabled) as the JSON of alert::Rule.
    definition  TEXT NOT NULL CHECK (json_valid(definition)),
    builtin     INTEGER NOT NULL DEFAULT 0,
    version     INTEGER NOT NULL DEFAULT 1,
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Must equal alert::builtin_rules(8) (a test compares them).
INSERT INTO alert_rules (definition, builtin) VALUES
    ('{"name":"A key contact of the agency is a senior official","condition":{"type":"key_contact","categories":["Statewide elected official","Cabinet secretary","Agency director","Governor''s office staff"]},"recipients":{"roles":["executive_management"],"people":[]},"enabled":true}', 1),
    ('{"name":"Priority P1","condition":{"type":"field","field":"priority","op":"is","value":"P1"},"recipients":{"roles":["executive_management"],"people":[]},"enabled":true}', 1),
    ('{"name":"Escalated for more than 8 hours without resolution","condition":{"type":"escalated_longer_than","hours":8},"recipients":{"roles":["executive_management"],"people":[]},"enabled":true}', 1);

-- Rules matching each case at its last evaluation. A row appears when a rule starts to match
-- (and an alert is raised) and goes when it stops matching.
CREATE TABLE alert_rule_matches (
    rule_id  INTEGER NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
    case_id  INTEGER NOT NULL REFERENCES cases(id),
    PRIMARY KEY (rule_id, case_id)
);

CREATE TABLE alerts (
    id               INTEGER PRIMARY KEY,
    case_id          INTEGER NOT NULL REFERENCES cases(id),
    -- The rule may be edited or deleted later: the alert keeps the name it was raised under.
    rule_id          INTEGER REFERENCES alert_rules(id) ON DELETE SET NULL,
    rule_name        TEXT NOT NULL,
    criteria         TEXT NOT NULL,
    raised_at        TEXT NOT NULL,
    recipients       TEXT NOT NULL,
    outbox_id        INTEGER REFERENCES outbox(id),
    acknowledged_at  TEXT,
    acknowledged_by  TEXT,
    acknowledgement  TEXT
);
CREATE INDEX alerts_open ON alerts(acknowledged_at, case_id);
CREATE INDEX alerts_case ON alerts(case_id);
