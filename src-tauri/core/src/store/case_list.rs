//! The dashboard's read model: one page of cases, sorted and filtered in SQL, with the total.
//!
//! Invariants:
//! - A page is one query (plus one count), whatever its size: the columns each row derives from
//!   other tables (the running warranty, the customer-update cadence and the last update, the
//!   plans' latest revision and review) are read by that query for the page's rows only, never
//!   by a query per row.
//! - The active cases (`stage <> 'closed'`) are read through the partial index `cases_active_queue`
//!   (migration 0017): a first page walks the first rows of the index instead of sorting the desk.
//!   The predicate is written into the SQL as text, not as a parameter, so the planner can use it.
//! - [`SUMMARY_COLUMNS`] and [`SUMMARY_FROM`] are the one place that names what a row reads.

use crate::store::db::params_from_iter;
use crate::store::db::Row;
use chrono::{DateTime, Utc};
use rusqlite::types::Value;

use super::{parse_stored, time_column, Store};
use crate::case::{CaseFilter, CaseKind, CasePage, CaseSort, CaseSummary, Level, Priority};
use crate::error::Result;
use crate::page::PageRequest;
use crate::stage::Stage;

/// What one dashboard row reads, `c` being the case (see [`summary_from_row`] for the order).
const SUMMARY_COLUMNS: &str = "c.id, c.kind, c.ticket, c.title, c.agency, c.escalation_manager, c.priority, c.level,
    c.stage, c.opened_at, c.problem_id, c.hierarchy_level,
    (SELECT w.ends_at FROM warranties w WHERE w.case_id = c.id AND w.outcome IS NULL ORDER BY w.number DESC LIMIT 1),
    cad.kind, cad.every_hours, cad.fixed_times, cad.working_days_only, cad.time_zone, cad.agreed_at,
    (SELECT MAX(u.at) FROM customer_updates u WHERE u.case_id = c.id),
    (SELECT r.actions FROM plan_revisions r WHERE r.case_id = c.id AND r.plan = 'escalation' ORDER BY r.revision DESC LIMIT 1),
    (SELECT r.actions FROM plan_revisions r WHERE r.case_id = c.id AND r.plan = 'technical' ORDER BY r.revision DESC LIMIT 1),
    (SELECT v.next_review_due FROM plan_reviews v WHERE v.case_id = c.id AND v.plan = 'escalation' ORDER BY v.id DESC LIMIT 1),
    (SELECT v.next_review_due FROM plan_reviews v WHERE v.case_id = c.id AND v.plan = 'technical' ORDER BY v.id DESC LIMIT 1)";

/// The tables a dashboard row joins, after the page's ids (`page`).
const SUMMARY_FROM: &str = "page JOIN cases c ON c.id = page.id LEFT JOIN customer_cadences cad ON cad.case_id = c.id";

/// The ORDER BY of a sort, over the case `c`.
fn order_by(sort: CaseSort) -> &'static str {
    match sort {
        CaseSort::Priority => "c.priority, c.opened_at, c.id",
        CaseSort::OldestFirst => "c.opened_at, c.id",
        CaseSort::NewestFirst => "c.opened_at DESC, c.id DESC",
        // The ticket is NOCASE on SQLite; lower() sorts it the same way on PostgreSQL.
        CaseSort::Ticket => "lower(c.ticket), c.id",
    }
}

/// The WHERE clause of a filter over the case `c`, with its parameters in order.
fn where_clause(filter: &CaseFilter) -> (String, Vec<Value>) {
    let mut terms: Vec<String> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let closed_only = filter.stage == Some(Stage::Closed);
    if !filter.include_closed && !closed_only {
        // Literal text, so that the partial index of active cases applies.
        terms.push("c.stage <> 'closed'".into());
    }
    if let Some(stage) = filter.stage {
        values.push(Value::Text(stage.as_str().into()));
        terms.push(format!("c.stage = ?{}", values.len()));
    }
    if let Some(level) = filter.level {
        values.push(Value::Text(level.as_str().into()));
        terms.push(format!("c.level = ?{}", values.len()));
    }
    if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        values.push(Value::Text(format!(
            "%{}%",
            text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
        )));
        let n = values.len();
        // Case-insensitive on both engines (PostgreSQL's LIKE is not).
        let like = |column: &str| format!("lower({column}) LIKE lower(?{n}) ESCAPE '\\'");
        terms.push(format!(
            "({} OR {} OR {} OR {} OR {})",
            like("c.ticket"),
            like("c.title"),
            like("c.agency"),
            like("c.affected_service"),
            like("c.escalation_manager")
        ));
    }
    if terms.is_empty() {
        terms.push("1 = 1".into());
    }
    (terms.join(" AND "), values)
}

fn summary_from_row(r: &Row<'_>, at: DateTime<Utc>, tz: chrono_tz::Tz) -> Result<CaseSummary> {
    let warranty_ends_at = r.get::<_, Option<String>>(12)?.map(time_column).transpose()?;
    let cadence: Option<String> = r.get(13)?;
    let (update_due, update_overdue) = match cadence {
        Some(kind) => {
            let (cadence, _) = super::communications::cadence_from_columns(
                &kind,
                r.get(14)?,
                &r.get::<_, String>(15)?,
                r.get(16)?,
                r.get(17)?,
                r.get(18)?,
            )?;
            let last = r.get::<_, Option<String>>(19)?.map(time_column).transpose()?;
            let due = cadence.next_due(last);
            (Some(due), at > due)
        }
        None => (None, false),
    };
    Ok(CaseSummary {
        id: r.get(0)?,
        kind: parse_stored(r.get(1)?, CaseKind::parse, "case kind")?,
        ticket: r.get(2)?,
        title: r.get(3)?,
        agency: r.get(4)?,
        escalation_manager: r.get(5)?,
        priority: parse_stored(r.get(6)?, Priority::parse, "priority")?,
        level: parse_stored(r.get(7)?, Level::parse, "level")?,
        stage: parse_stored(r.get(8)?, Stage::parse, "stage")?,
        opened_at: time_column(r.get(9)?)?,
        problem_id: r.get(10)?,
        hierarchy_level: r.get(11)?,
        update_due,
        update_overdue,
        plans_overdue: super::plans::plans_overdue_from([r.get(20)?, r.get(21)?], [r.get(22)?, r.get(23)?], at)?,
        warranty_ends_this_week: warranty_ends_at.is_some_and(|end| crate::closure::ends_within_week(end, at, tz)),
        warranty_ends_at,
    })
}

/// Reads the rows of the cases `ids_sql` selects (a SELECT of `c.id` ending in its ORDER BY and
/// LIMIT), in `order`.
fn read_summaries(store: &Store, ids_sql: &str, order: &str, values: &[Value]) -> Result<Vec<CaseSummary>> {
    let sql =
        format!("WITH page AS MATERIALIZED ({ids_sql}) SELECT {SUMMARY_COLUMNS} FROM {SUMMARY_FROM} ORDER BY {order}");
    let at = super::now();
    let (_, tz) = super::closure::get_process_settings(store.conn())?;
    let mut stmt = store.conn().prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(values), |r| summary_from_row(r, at, tz))?;
    rows.collect()
}

/// One page of the dashboard: active cases (unless `include_closed`, or the stage asked is
/// Closed), filtered and sorted as asked, with how many match in all.
pub fn list_cases(store: &Store, filter: &CaseFilter, page: PageRequest) -> Result<CasePage> {
    if let Some(text) = &filter.text {
        super::people::check_filter_text(text)?;
    }
    let (condition, mut values) = where_clause(filter);
    let unfiltered =
        filter.text.as_deref().is_none_or(|t| t.trim().is_empty()) && filter.stage.is_none() && !filter.include_closed;
    let total: i64 = if unfiltered {
        // The first screen's totals: kept by triggers (migration 0017), not counted each time.
        store
            .conn()
            .prepare_cached(
                // `?1 IS NULL` comes last: PostgreSQL types a parameter where it first appears.
                "SELECT COALESCE(CAST(SUM(n) AS BIGINT), 0) FROM active_case_counts WHERE level = ?1 OR ?1 IS NULL",
            )?
            .query_row([filter.level.map(Level::as_str)], |r| r.get(0))?
    } else {
        store
            .conn()
            .prepare_cached(&format!("SELECT COUNT(*) FROM cases c WHERE {condition}"))?
            .query_row(params_from_iter(&values), |r| r.get(0))?
    };
    let order = order_by(filter.sort);
    let limit = page.rows();
    values.push(Value::Integer(limit.into()));
    values.push(Value::Integer(page.offset.into()));
    let n = values.len();
    let ids_sql = format!(
        "SELECT c.id FROM cases c WHERE {condition} ORDER BY {order} LIMIT ?{} OFFSET ?{n}",
        n - 1
    );
    Ok(CasePage {
        rows: read_summaries(store, &ids_sql, order, &values)?,
        total,
        offset: page.offset,
        limit,
    })
}

/// Active cases whose running warranty ends within the week (today and the six local days after
/// it, in the office's time zone), soonest first, a page at a time with the total: the dashboard's
/// reminder, read through the index of running warranties by end.
pub fn list_warranties_ending(store: &Store, page: PageRequest) -> Result<CasePage> {
    let (_, tz) = super::closure::get_process_settings(store.conn())?;
    let (from, until) = crate::closure::week_bounds(super::now(), tz);
    // A running warranty (no outcome) belongs to an active case: closing a case gives its
    // warranty the outcome "closed" (`closure::after_move`), so the index alone answers.
    let window = "FROM warranties w WHERE w.outcome IS NULL AND w.ends_at >= ?1 AND w.ends_at < ?2";
    let (from, until) = (
        Value::Text(super::format_time(from)),
        Value::Text(super::format_time(until)),
    );
    let total: i64 = store
        .conn()
        .prepare_cached(&format!("SELECT COUNT(*) {window}"))?
        .query_row(params_from_iter([&from, &until]), |r| r.get(0))?;
    let limit = page.rows();
    let ids_sql = format!("SELECT w.case_id AS id {window} ORDER BY w.ends_at, w.case_id LIMIT ?3 OFFSET ?4");
    let values = [
        from,
        until,
        Value::Integer(limit.into()),
        Value::Integer(page.offset.into()),
    ];
    let mut rows = read_summaries(store, &ids_sql, "c.id", &values)?;
    rows.sort_by_key(|c| (c.warranty_ends_at, c.id));
    Ok(CasePage {
        rows,
        total,
        offset: page.offset,
        limit,
    })
}

/// Every case related to a problem case, closed ones included, in the dashboard's order: the
/// problem panel's rows, read by `problem_id` through its index.
pub fn list_problem_cases(store: &Store, problem_id: i64) -> Result<Vec<CaseSummary>> {
    let order = order_by(CaseSort::Priority);
    let ids_sql = format!("SELECT c.id FROM cases c WHERE c.problem_id = ?1 ORDER BY {order}");
    read_summaries(store, &ids_sql, order, &[Value::Integer(problem_id)])
}
