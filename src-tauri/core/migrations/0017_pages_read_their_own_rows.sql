-- 0017: every page reads only its own rows through an index, and a closed case no longer holds
-- its team (issue 11, "Pages that do not slow down as the desk fills").
-- Append-only file: never edit a migration that has shipped; add the next number instead.
-- (0015 and 0016 are taken by the cases -> directory ids change.)

-- Closing a case releases its team; cases closed before this release them now, at the time the
-- case was last moved (its closing), so nobody counts as busy on a closed case. The membership
-- rows stay: the team's history is kept, marked released.
UPDATE team_members
SET released_at = COALESCE(
        (SELECT MAX(e.at) FROM timeline_events e WHERE e.case_id = team_members.case_id AND e.kind = 'stage_changed'),
        (SELECT c.updated_at FROM cases c WHERE c.id = team_members.case_id))
WHERE released_at IS NULL
  AND case_id IN (SELECT id FROM cases WHERE stage = 'closed');

-- The dashboard's queue of active cases, per level, in its default order (priority, then oldest):
-- a page walks the first rows of this index instead of sorting every case.
CREATE INDEX cases_active_queue ON cases(level, priority, opened_at, id) WHERE stage <> 'closed';
-- The open-alert list, oldest first, paged. It replaces alerts_open, which the planner preferred
-- (equality on acknowledged_at) and which then sorted every open alert for one page.
DROP INDEX alerts_open;
CREATE INDEX alerts_open_queue ON alerts(raised_at, id) WHERE acknowledged_at IS NULL;

-- The totals the first screen shows without a filter, kept by triggers so that showing "7,511
-- escalated" does not count 7,511 index entries on every load. Filtered totals are counted.
-- (A migration that rebuilds cases or alerts must create these triggers again.)
CREATE TABLE active_case_counts (
    level  TEXT PRIMARY KEY CHECK (level IN ('escalated', 'elevated')),
    n      INTEGER NOT NULL
);
INSERT INTO active_case_counts (level, n)
SELECT l.level, (SELECT COUNT(*) FROM cases c WHERE c.level = l.level AND c.stage <> 'closed')
FROM (SELECT 'escalated' AS level UNION ALL SELECT 'elevated') l;
CREATE TRIGGER active_case_counts_on_insert AFTER INSERT ON cases WHEN NEW.stage <> 'closed'
BEGIN
    UPDATE active_case_counts SET n = n + 1 WHERE level = NEW.level;
END;
CREATE TRIGGER active_case_counts_on_delete AFTER DELETE ON cases WHEN OLD.stage <> 'closed'
BEGIN
    UPDATE active_case_counts SET n = n - 1 WHERE level = OLD.level;
END;
CREATE TRIGGER active_case_counts_on_update AFTER UPDATE OF stage, level ON cases
BEGIN
    UPDATE active_case_counts SET n = n - 1 WHERE level = OLD.level AND OLD.stage <> 'closed';
    UPDATE active_case_counts SET n = n + 1 WHERE level = NEW.level AND NEW.stage <> 'closed';
END;

CREATE TABLE open_alert_count (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    n   INTEGER NOT NULL
);
INSERT INTO open_alert_count (id, n) SELECT 1, COUNT(*) FROM alerts WHERE acknowledged_at IS NULL;
CREATE TRIGGER open_alert_count_on_insert AFTER INSERT ON alerts WHEN NEW.acknowledged_at IS NULL
BEGIN
    UPDATE open_alert_count SET n = n + 1;
END;
CREATE TRIGGER open_alert_count_on_delete AFTER DELETE ON alerts WHEN OLD.acknowledged_at IS NULL
BEGIN
    UPDATE open_alert_count SET n = n - 1;
END;
CREATE TRIGGER open_alert_count_on_update AFTER UPDATE OF acknowledged_at ON alerts
BEGIN
    UPDATE open_alert_count SET n = n - (OLD.acknowledged_at IS NULL) + (NEW.acknowledged_at IS NULL);
END;

-- The case page looks its escalation manager up by name in the directory (people.name).
CREATE INDEX people_name ON people(name COLLATE NOCASE);

-- The case page reads these by case (or problem, or report); without them each was a scan of
-- the whole table.
CREATE INDEX team_members_case ON team_members(case_id);
CREATE INDEX alert_rule_matches_case ON alert_rule_matches(case_id);
CREATE INDEX recurrences_case ON recurrences(case_id);
CREATE INDEX verifications_case ON verifications(case_id);
CREATE INDEX review_meetings_case ON review_meetings(case_id);
CREATE INDEX problem_actions_problem ON problem_actions(problem_id);
CREATE INDEX problem_inputs_problem ON problem_inputs(problem_id);
CREATE INDEX aar_improvements_aar ON aar_improvements(aar_id, position);
CREATE INDEX aar_renders_aar ON aar_renders(aar_id);
CREATE INDEX aar_distributions_aar ON aar_distributions(aar_id);
CREATE INDEX aar_comments_section ON aar_comments(section_id);

-- When the periodic alert check next needs to look at a case: the earliest moment a time-based
-- condition (age, escalated longer than) of an enabled rule could make a rule start to match it.
-- Written by every evaluation of the case; no row means time alone cannot raise an alert on it.
-- The check reads the rows that are due through the index instead of evaluating every open case.
CREATE TABLE alert_checks_due (
    case_id  INTEGER PRIMARY KEY REFERENCES cases(id),
    due_at   TEXT NOT NULL
);
CREATE INDEX alert_checks_due_at ON alert_checks_due(due_at);
-- Existing open cases are looked at once by the first check after the upgrade.
INSERT INTO alert_checks_due (case_id, due_at) SELECT id, opened_at FROM cases WHERE stage <> 'closed';
