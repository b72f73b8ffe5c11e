//! Portfolio figures: what the portfolio briefing (and the dashboard's figures) count and time,
//! computed from one row per case so every figure can name the cases behind it.
//!
//! Definitions (the same as the report's key figures, `store::aar::key_figures`):
//! - A case is in a period when it was open at some time in it: opened before the period's end
//!   and not closed before its start.
//! - Time to escalate: opening to the first change to "escalated" (0 for a case opened
//!   escalated); time to resolve: opening to the last move into warranty; time to close: opening
//!   to the last move into closed. Each counted for the cases that reached it within the period.
//! - AAR cycle time: the report started to its first distribution, for reports distributed in the
//!   period. Improvement actions past due: not done and due before today.
//! - A customer update is on time when it was sent by the time the agreed cadence made it due
//!   (counting from the update before it, or from the cadence's agreement); updates sent in the
//!   period are counted, for cases with a cadence.
//! - Percentiles are nearest-rank on the sorted durations (the median of 1, 2, 3, 4 is 2).

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::case::{Level, Priority};
use crate::stage::Stage;

/// A period the user chooses, as whole days: `from` through `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The longest period figures are asked for (a briefing of more is not a briefing).
pub const MAX_PERIOD_DAYS: i64 = 731;

impl Period {
    pub fn validate(&self) -> crate::Result<Period> {
        use crate::error::{Error, FieldError};
        // Outside the years a time is kept in, the period's first and last instants overflow.
        let years = crate::limits::YEARS;
        let outside: Vec<FieldError> = [("from", "starts", self.from), ("to", "ends", self.to)]
            .into_iter()
            .filter(|(_, _, d)| !years.contains(&d.year()))
            .map(|(field, verb, d)| {
                FieldError::new(
                    field,
                    format!(
                        "A period must fall between the years {} and {} (this one {verb} in {}).",
                        years.start(),
                        years.end(),
                        d.year()
                    ),
                )
            })
            .collect();
        if !outside.is_empty() {
            return Err(Error::Invalid(outside));
        }
        if self.to < self.from {
            return Err(Error::Invalid(vec![FieldError::new(
                "to",
                "The period ends before it starts: choose an end on or after the start.",
            )]));
        }
        if (self.to - self.from).num_days() >= MAX_PERIOD_DAYS {
            return Err(Error::Invalid(vec![FieldError::new(
                "from",
                format!("A period is at most {MAX_PERIOD_DAYS} days (two years)."),
            )]));
        }
        Ok(*self)
    }

    /// The first instant of the period (UTC midnight of `from`).
    pub fn start(&self) -> DateTime<Utc> {
        self.from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
    }

    /// The first instant after the period.
    pub fn end(&self) -> DateTime<Utc> {
        self.start() + Duration::days((self.to - self.from).num_days() + 1)
    }

    pub fn label(&self) -> String {
        format!("{} to {}", self.from.format("%-d %b %Y"), self.to.format("%-d %b %Y"))
    }
}

/// One case as the figures see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FigureCase {
    pub id: i64,
    pub ticket: String,
    pub title: String,
    pub agency: String,
    pub level: Level,
    pub stage: Stage,
    pub priority: Priority,
    pub hierarchy_level: i64,
    pub opened_at: DateTime<Utc>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub timeline_head: String,
    /// Recurrences observed during a warranty, in the period.
    pub recurrences: i64,
    pub aar_started_at: Option<DateTime<Utc>>,
    pub aar_distributed_at: Option<DateTime<Utc>>,
    pub improvements_past_due: i64,
    /// Customer updates sent in the period by the time they were due, and after it.
    pub updates_on_time: i64,
    pub updates_late: i64,
}

impl FigureCase {
    /// Open at some time in `[start, end)`.
    pub fn in_period(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        self.opened_at < end && !(self.stage == Stage::Closed && self.closed_at.is_some_and(|c| c < start))
    }
}

/// Median and 90th percentile of a set of durations, with the cases behind them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DurationFigure {
    pub count: usize,
    pub median_minutes: Option<i64>,
    pub p90_minutes: Option<i64>,
    pub case_ids: Vec<i64>,
}

/// Nearest-rank percentile `p` (0-100) of sorted values.
pub fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p as usize * sorted.len()).div_ceil(100)).max(1);
    Some(sorted[rank - 1])
}

fn durations(
    cases: &[&FigureCase],
    reached: impl Fn(&FigureCase) -> Option<DateTime<Utc>>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> DurationFigure {
    durations_from(cases, |c| Some(c.opened_at), reached, start, end)
}

/// From `began` to `reached`, for the cases that reached it in `[start, end)`.
fn durations_from(
    cases: &[&FigureCase],
    began: impl Fn(&FigureCase) -> Option<DateTime<Utc>>,
    reached: impl Fn(&FigureCase) -> Option<DateTime<Utc>>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> DurationFigure {
    let mut pairs: Vec<(i64, i64)> = cases
        .iter()
        .filter_map(|c| {
            let (from, at) = (began(c)?, reached(c)?);
            (at >= start && at < end).then(|| ((at - from).num_minutes().max(0), c.id))
        })
        .collect();
    pairs.sort();
    let minutes: Vec<i64> = pairs.iter().map(|p| p.0).collect();
    DurationFigure {
        count: minutes.len(),
        median_minutes: percentile(&minutes, 50),
        p90_minutes: percentile(&minutes, 90),
        case_ids: pairs.iter().map(|p| p.1).collect(),
    }
}

/// A count with the cases behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CountFigure {
    pub label: String,
    pub count: usize,
    pub case_ids: Vec<i64>,
}

fn counts<K: Ord + Clone>(
    cases: &[&FigureCase],
    key: impl Fn(&FigureCase) -> K,
    label: impl Fn(&K) -> String,
) -> Vec<CountFigure> {
    let mut groups: std::collections::BTreeMap<K, Vec<i64>> = Default::default();
    for c in cases {
        groups.entry(key(c)).or_default().push(c.id);
    }
    groups
        .into_iter()
        .map(|(k, ids)| CountFigure {
            label: label(&k),
            count: ids.len(),
            case_ids: ids,
        })
        .collect()
}

/// The three times of one agency's cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AgencyTimes {
    pub agency: String,
    pub to_escalate: DurationFigure,
    pub to_resolve: DurationFigure,
    pub to_close: DurationFigure,
}

/// A sum over cases (updates, recurrences, actions), with the cases it comes from.
fn total(cases: &[&FigureCase], label: &str, of: impl Fn(&FigureCase) -> i64) -> CountFigure {
    let with: Vec<&&FigureCase> = cases.iter().filter(|c| of(c) > 0).collect();
    CountFigure {
        label: label.to_owned(),
        count: with.iter().map(|c| of(c) as usize).sum(),
        case_ids: with.iter().map(|c| c.id).collect(),
    }
}

/// What the portfolio briefing shows for a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Portfolio {
    pub period: Period,
    /// Every case open at some time in the period, by priority, then oldest first.
    pub cases: Vec<FigureCase>,
    /// Of those, the ones still active (not closed).
    pub active: usize,
    pub by_level: Vec<CountFigure>,
    /// Current stage of the cases in the period, in the process's order.
    pub by_stage: Vec<CountFigure>,
    /// The agencies with the most cases first.
    pub by_agency: Vec<CountFigure>,
    /// Cases opened in each week (Monday to Sunday, UTC) the period touches, oldest first.
    pub new_per_week: Vec<CountFigure>,
    pub to_escalate: DurationFigure,
    pub to_resolve: DurationFigure,
    pub to_close: DurationFigure,
    /// Resolutions in the period by how long they took.
    pub resolve_buckets: Vec<CountFigure>,
    /// The times per agency, the agencies with the most cases first.
    pub times_by_agency: Vec<AgencyTimes>,
    pub updates_on_time: CountFigure,
    pub updates_late: CountFigure,
    pub recurrences: CountFigure,
    pub aar_cycle: DurationFigure,
    pub improvements_past_due: CountFigure,
}

/// Buckets for the time-to-resolve chart: (label, up to this many minutes).
const RESOLVE_BUCKETS: [(&str, i64); 5] = [
    ("under 4 hours", 4 * 60),
    ("4 to 24 hours", 24 * 60),
    ("1 to 3 days", 3 * 1440),
    ("3 to 7 days", 7 * 1440),
    ("over a week", i64::MAX),
];

pub fn portfolio(period: Period, rows: Vec<FigureCase>) -> Portfolio {
    let (start, end) = (period.start(), period.end());
    let mut cases: Vec<FigureCase> = rows.into_iter().filter(|c| c.in_period(start, end)).collect();
    cases.sort_by_key(|c| (c.priority, c.opened_at, c.id));
    let all: Vec<&FigureCase> = cases.iter().collect();
    let by_stage = counts(
        &all,
        |c| Stage::ALL.iter().position(|s| *s == c.stage).unwrap_or(0),
        |i| Stage::ALL[*i].label().to_owned(),
    );
    let mut by_agency = counts(&all, |c| c.agency.clone(), |a| a.clone());
    by_agency.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
    let by_level = counts(
        &all,
        |c| c.level == Level::Elevated,
        |e| if *e { "Elevated" } else { "Escalated" }.to_owned(),
    );
    // Weeks start on Monday; every week the period touches is listed, empty ones too.
    let monday = |d: NaiveDate| d - Duration::days(d.weekday().num_days_from_monday() as i64);
    let mut new_per_week = Vec::new();
    let mut week = monday(period.from);
    while week <= period.to {
        let (ws, we) = (
            week.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
            week + Duration::days(7),
        );
        let we = we.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        let ids: Vec<i64> = all
            .iter()
            .filter(|c| c.opened_at >= ws.max(start) && c.opened_at < we.min(end))
            .map(|c| c.id)
            .collect();
        new_per_week.push(CountFigure {
            label: week.format("%-d %b").to_string(),
            count: ids.len(),
            case_ids: ids,
        });
        week += Duration::days(7);
    }
    let to_resolve = durations(&all, |c| c.resolved_at, start, end);
    let mut resolve_buckets: Vec<CountFigure> = RESOLVE_BUCKETS
        .iter()
        .map(|(label, _)| CountFigure {
            label: (*label).to_owned(),
            count: 0,
            case_ids: Vec::new(),
        })
        .collect();
    for c in &all {
        if let Some(at) = c.resolved_at.filter(|at| *at >= start && *at < end) {
            let m = (at - c.opened_at).num_minutes().max(0);
            let i = RESOLVE_BUCKETS
                .iter()
                .position(|(_, up)| m <= *up)
                .unwrap_or(RESOLVE_BUCKETS.len() - 1);
            resolve_buckets[i].count += 1;
            resolve_buckets[i].case_ids.push(c.id);
        }
    }
    let closed = |c: &FigureCase| c.closed_at.filter(|_| c.stage == Stage::Closed);
    let times_by_agency = by_agency
        .iter()
        .map(|a| {
            let of: Vec<&FigureCase> = all.iter().copied().filter(|c| c.agency == a.label).collect();
            AgencyTimes {
                agency: a.label.clone(),
                to_escalate: durations(&of, |c| c.escalated_at, start, end),
                to_resolve: durations(&of, |c| c.resolved_at, start, end),
                to_close: durations(&of, closed, start, end),
            }
        })
        .collect();
    Portfolio {
        period,
        times_by_agency,
        updates_on_time: total(&all, "Customer updates on time", |c| c.updates_on_time),
        updates_late: total(&all, "Customer updates late", |c| c.updates_late),
        recurrences: total(&all, "Recurrences during warranty", |c| c.recurrences),
        aar_cycle: durations_from(&all, |c| c.aar_started_at, |c| c.aar_distributed_at, start, end),
        improvements_past_due: total(&all, "Improvement actions past due", |c| c.improvements_past_due),
        active: all.iter().filter(|c| c.stage != Stage::Closed).count(),
        to_escalate: durations(&all, |c| c.escalated_at, start, end),
        to_close: durations(&all, closed, start, end),
        to_resolve,
        resolve_buckets,
        by_level,
        by_stage,
        by_agency,
        new_per_week,
        cases,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(2026, 11, day)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
            .and_utc()
    }

    fn case(id: i64, opened: DateTime<Utc>, stage: Stage) -> FigureCase {
        FigureCase {
            id,
            ticket: format!("INC{id:07}"),
            title: format!("Case {id}"),
            agency: if id % 2 == 0 { "Health".into() } else { "Labor".into() },
            level: Level::Escalated,
            stage,
            priority: Priority::P2,
            hierarchy_level: 0,
            opened_at: opened,
            escalated_at: Some(opened),
            resolved_at: None,
            closed_at: None,
            timeline_head: "0".repeat(64),
            recurrences: 0,
            aar_started_at: None,
            aar_distributed_at: None,
            improvements_past_due: 0,
            updates_on_time: 0,
            updates_late: 0,
        }
    }

    fn period(from: u32, to: u32) -> Period {
        Period {
            from: NaiveDate::from_ymd_opt(2026, 11, from).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 11, to).unwrap(),
        }
    }

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(percentile(&[1, 2, 3, 4], 50), Some(2));
        assert_eq!(percentile(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90), Some(9));
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn a_case_is_in_the_period_it_was_open_in_and_a_case_closed_before_it_is_not() {
        let mut closed_before = case(1, at(1, 9), Stage::Closed);
        closed_before.closed_at = Some(at(5, 9));
        let mut closed_during = case(2, at(1, 9), Stage::Closed);
        closed_during.closed_at = Some(at(12, 9));
        let opened_after = case(3, at(25, 9), Stage::Team);
        let open = case(4, at(2, 9), Stage::Resolving);
        let p = portfolio(period(10, 20), vec![closed_before, closed_during, opened_after, open]);
        assert_eq!(p.cases.iter().map(|c| c.id).collect::<Vec<_>>(), vec![2, 4]);
        assert_eq!(p.active, 1);
        assert_eq!(p.to_close.count, 1, "the close in the period");
        assert_eq!(p.to_close.median_minutes, Some(11 * 1440));
    }

    #[test]
    fn weeks_run_monday_to_sunday_and_empty_weeks_are_listed() {
        // 2026-11-02 is a Monday.
        let p = portfolio(
            period(4, 20),
            vec![
                case(1, at(4, 9), Stage::Team),
                case(2, at(5, 9), Stage::Team),
                case(3, at(18, 9), Stage::Team),
            ],
        );
        let weeks: Vec<(String, usize)> = p.new_per_week.iter().map(|w| (w.label.clone(), w.count)).collect();
        assert_eq!(
            weeks,
            vec![("2 Nov".into(), 2), ("9 Nov".into(), 0), ("16 Nov".into(), 1)]
        );
    }

    #[test]
    fn resolutions_are_timed_bucketed_and_name_their_cases() {
        let mut fast = case(1, at(10, 8), Stage::Warranty);
        fast.resolved_at = Some(at(10, 10));
        let mut slow = case(2, at(1, 8), Stage::Warranty);
        slow.resolved_at = Some(at(12, 8));
        let p = portfolio(period(10, 20), vec![fast, slow]);
        assert_eq!(p.to_resolve.count, 2);
        assert_eq!(p.to_resolve.median_minutes, Some(120));
        assert_eq!(p.to_resolve.p90_minutes, Some(11 * 1440));
        assert_eq!(p.to_resolve.case_ids, vec![1, 2]);
        let buckets: Vec<usize> = p.resolve_buckets.iter().map(|b| b.count).collect();
        assert_eq!(buckets, vec![1, 0, 0, 0, 1]);
        assert_eq!(
            p.by_agency
                .iter()
                .map(|a| (a.label.as_str(), a.count))
                .collect::<Vec<_>>(),
            vec![("Health", 1), ("Labor", 1)]
        );
    }

    #[test]
    fn sums_name_their_cases_and_the_report_cycle_runs_from_its_start_to_its_distribution() {
        let mut a = case(1, at(1, 9), Stage::Review);
        (
            a.updates_on_time,
            a.updates_late,
            a.recurrences,
            a.improvements_past_due,
        ) = (3, 1, 2, 0);
        a.aar_started_at = Some(at(11, 9));
        a.aar_distributed_at = Some(at(13, 9));
        let mut b = case(2, at(2, 9), Stage::Resolving);
        (b.updates_on_time, b.updates_late, b.improvements_past_due) = (1, 0, 4);
        b.aar_started_at = Some(at(3, 9));
        b.aar_distributed_at = Some(at(5, 9));
        let p = portfolio(period(10, 20), vec![a, b]);
        assert_eq!(
            (p.updates_on_time.count, p.updates_on_time.case_ids.clone()),
            (4, vec![1, 2])
        );
        assert_eq!((p.updates_late.count, p.updates_late.case_ids.clone()), (1, vec![1]));
        assert_eq!((p.recurrences.count, p.improvements_past_due.count), (2, 4));
        assert_eq!(p.aar_cycle.count, 1, "only the report distributed in the period");
        assert_eq!(p.aar_cycle.median_minutes, Some(2 * 1440));
        assert_eq!(p.times_by_agency.len(), 2);
        assert_eq!(p.times_by_agency[0].to_escalate.count, 0, "escalated before the period");
    }

    #[test]
    fn a_period_must_run_forwards_and_not_too_long() {
        assert!(period(10, 9).validate().is_err());
        assert!(period(1, 30).validate().is_ok());
        let long = Period {
            from: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        };
        assert!(long.validate().is_err());
    }
}
