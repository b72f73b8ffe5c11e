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
-- The open-alert list, oldest first, paged.
CREATE INDEX alerts_open_queue ON alerts(raised_at, id) WHERE acknowledged_at IS NULL;

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
