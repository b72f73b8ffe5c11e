//! Reads the rows the portfolio figures are computed from (`figures`): one per case that may have
//! been open in the period, with the times it was escalated, resolved and closed from its timeline.
//!
//! Invariant: the statement is the same on both engines (the JSON field through the dialect); a
//! closed case whose last change is older than the period is never read (it cannot have been open
//! in it), so a desk of years reads its recent cases, not all of them.

use super::{parse_stored, time_column, Store};
use crate::case::{Level, Priority};
use crate::error::Result;
use crate::figures::{portfolio, FigureCase, Period, Portfolio};
use crate::stage::Stage;

/// The cases that may have been open in the period (`?1` its end, `?2` its start).
const IN_PERIOD: &str = "c.opened_at < ?1 AND (c.stage <> 'closed' OR c.updated_at >= ?2)";

/// Every customer update of those cases before the period's end, each case's in order (the first
/// update in the period is due from the one before it).
fn updates_statement() -> String {
    format!(
        "SELECT u.case_id, u.at FROM customer_updates u JOIN cases c ON c.id = u.case_id
         WHERE u.at < ?1 AND {IN_PERIOD} ORDER BY u.case_id, u.at, u.id"
    )
}

fn statement(store: &Store) -> String {
    let json = |key| store.conn().dialect().json_text("e.new_value", key);
    format!(
        "SELECT c.id, c.ticket, c.title, c.agency, c.level, c.stage, c.priority, c.hierarchy_level, c.opened_at,
                CASE WHEN EXISTS (SELECT 1 FROM timeline_events e WHERE e.case_id = c.id AND e.kind = 'case_opened'
                                  AND {level} = 'escalated') THEN c.opened_at
                     ELSE (SELECT MIN(e.at) FROM timeline_events e WHERE e.case_id = c.id
                           AND e.kind = 'level_changed' AND {level} = 'escalated') END,
                (SELECT MAX(e.at) FROM timeline_events e WHERE e.case_id = c.id AND e.kind = 'stage_changed'
                 AND {stage} = 'warranty'),
                (SELECT MAX(e.at) FROM timeline_events e WHERE e.case_id = c.id AND e.kind = 'stage_changed'
                 AND {stage} = 'closed'),
                c.timeline_head,
                (SELECT COUNT(*) FROM recurrences r WHERE r.case_id = c.id AND r.warranty_id IS NOT NULL
                 AND r.observed_at >= ?2 AND r.observed_at < ?1),
                a.created_at,
                (SELECT MIN(d.queued_at) FROM aar_distributions d WHERE d.aar_id = a.id),
                (SELECT COUNT(*) FROM aar_improvements i WHERE i.aar_id = a.id AND i.status <> 'done'
                 AND i.due_date < ?3),
                cad.kind, cad.every_hours, cad.fixed_times, cad.working_days_only, cad.time_zone, cad.agreed_at
         FROM cases c LEFT JOIN aars a ON a.case_id = c.id LEFT JOIN customer_cadences cad ON cad.case_id = c.id
         WHERE {IN_PERIOD}",
        level = json("level"),
        stage = json("stage"),
    )
}

/// The portfolio of `period`: every case open at some time in it, with its figures.
pub fn get_portfolio(store: &Store, period: &Period) -> Result<Portfolio> {
    let period = period.validate()?;
    let (start, end) = (super::format_time(period.start()), super::format_time(period.end()));
    let today = super::desk_now(store.conn())?
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let mut cadences = std::collections::HashMap::new();
    let mut rows = store
        .conn()
        .prepare_cached(&statement(store))?
        .query_map([end.clone(), start.clone(), today], |r| {
            let time = |i: usize| -> Result<Option<chrono::DateTime<chrono::Utc>>> {
                r.get::<_, Option<String>>(i)?.map(time_column).transpose()
            };
            Ok(FigureCase {
                id: r.get(0)?,
                ticket: r.get(1)?,
                title: r.get(2)?,
                agency: r.get(3)?,
                level: parse_stored(r.get(4)?, Level::parse, "level")?,
                stage: parse_stored(r.get(5)?, Stage::parse, "stage")?,
                priority: parse_stored(r.get(6)?, Priority::parse, "priority")?,
                hierarchy_level: r.get(7)?,
                opened_at: time_column(r.get(8)?)?,
                escalated_at: time(9)?,
                resolved_at: time(10)?,
                closed_at: time(11)?,
                timeline_head: r.get(12)?,
                recurrences: r.get(13)?,
                aar_started_at: time(14)?,
                aar_distributed_at: time(15)?,
                improvements_past_due: r.get(16)?,
                updates_on_time: 0,
                updates_late: 0,
            })
            .and_then(|case| {
                if let Some(kind) = r.get::<_, Option<String>>(17)? {
                    let (cadence, _) = super::communications::cadence_from_columns(
                        &kind,
                        r.get(18)?,
                        &r.get::<_, String>(19)?,
                        r.get(20)?,
                        r.get(21)?,
                        r.get(22)?,
                    )?;
                    cadences.insert(case.id, cadence);
                }
                Ok(case)
            })
        })?
        .collect::<Result<Vec<_>>>()?;
    // Each update against the cadence: due from the update before it (or the agreement).
    let updates: Vec<(i64, String)> = store
        .conn()
        .prepare_cached(&updates_statement())?
        .query_map([end, start], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_>>()?;
    let mut kept: std::collections::HashMap<i64, (i64, i64)> = Default::default();
    let mut previous: Option<(i64, chrono::DateTime<chrono::Utc>)> = None;
    for (case_id, at) in updates {
        let at = time_column(at)?;
        let before = previous.filter(|(id, _)| *id == case_id).map(|(_, t)| t);
        previous = Some((case_id, at));
        let Some(cadence) = cadences.get(&case_id) else {
            continue;
        };
        if at < period.start() {
            continue;
        }
        let tally = kept.entry(case_id).or_default();
        if at <= cadence.next_due(before) {
            tally.0 += 1;
        } else {
            tally.1 += 1;
        }
    }
    for case in &mut rows {
        if let Some((on_time, late)) = kept.get(&case.id) {
            (case.updates_on_time, case.updates_late) = (*on_time, *late);
        }
    }
    // The period's timelines filled the connection's page cache (64 MB, `configure`): on a desk
    // of 100,000 cases that is most of what a full desk's app holds beyond a small desk's
    // (tests/bench/first-screen). The dashboard's own pages are few and read again from the
    // system's file cache, so the cache is given back (SQLite's `shrink_memory`) rather than kept
    // for the next figures. PostgreSQL caches on the server.
    if !store.conn().is_postgres() {
        store.conn().sqlite_connection().execute_batch("PRAGMA shrink_memory")?;
    }
    Ok(portfolio(period, rows))
}

/// The statements `get_portfolio` runs (the cases with `?1` the period's end, `?2` its start, `?3`
/// today; the updates with the first two), for the benchmark's bare run of the same queries.
pub fn portfolio_statements(store: &Store) -> [String; 2] {
    [statement(store), updates_statement()]
}
