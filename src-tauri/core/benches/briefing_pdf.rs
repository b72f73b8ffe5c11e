//! Benchmark: the portfolio briefing of 1,000 active cases (figures, four vector charts, the case
//! list by priority and 1,000 chain heads) rendered once to warm up, then five times; fails when
//! the median exceeds its budget. The cases are built in memory: this times the rendering, the
//! pages benchmark times reading the same figures from a 100,000-case desk.
//!
//! Run: `cargo bench -p escalation-core --bench briefing_pdf`. `BRIEFING_PDF_OUT=/tmp/p.pdf` keeps
//! the file to look at.

use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use escalation_core::aar_pdf::briefing::render_briefing;
use escalation_core::aar_pdf::Paper;
use escalation_core::briefing::{portfolio_briefing, Letterhead};
use escalation_core::case::{Level, Priority};
use escalation_core::figures::{portfolio, FigureCase, Period};
use escalation_core::stage::Stage;

const CASES: usize = 1_000;
const RUNS: usize = 5;
const MEDIAN_BUDGET: Duration = Duration::from_secs(1);

fn main() {
    let to = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
    let period = Period {
        from: to - chrono::Duration::days(89),
        to,
    };
    let start = period.start();
    let stages = [
        Stage::Team,
        Stage::Appraisal,
        Stage::Resolving,
        Stage::Warranty,
        Stage::Verification,
        Stage::Review,
    ];
    let priorities = [Priority::P1, Priority::P2, Priority::P3, Priority::P4];
    let cases: Vec<FigureCase> = (0..CASES)
        .map(|i| {
            let opened = start + chrono::Duration::minutes((i as i64 * 127) % (89 * 1440));
            let stage = stages[i % stages.len()];
            FigureCase {
                id: i as i64 + 1,
                ticket: format!("INC{:07}", 100_000 + i),
                title: format!("Claims portal answers slowly for agency staff ({i})"),
                agency: format!("Department of Agency {:02}", i % 37),
                level: if i % 3 == 0 { Level::Elevated } else { Level::Escalated },
                stage,
                priority: priorities[i % 4],
                hierarchy_level: (i % 3) as i64,
                opened_at: opened,
                escalated_at: Some(opened),
                resolved_at: (stage == Stage::Warranty).then(|| opened + chrono::Duration::hours(2 + (i % 90) as i64)),
                closed_at: None,
                timeline_head: format!("{:064x}", i * 7_919),
                recurrences: (i % 11 == 0) as i64,
                aar_started_at: None,
                aar_distributed_at: None,
                improvements_past_due: 0,
                updates_on_time: 3,
                updates_late: (i % 5 == 0) as i64,
            }
        })
        .collect();
    let p = portfolio(period, cases);
    assert_eq!(p.active, CASES, "every generated case is active in the period");
    let letterhead = Letterhead {
        organization: "Department of Information Technology".into(),
        marking: "Internal".into(),
        paper: Paper::Letter,
    };
    let now = Utc::now();
    let render = || render_briefing(&portfolio_briefing(&p, now, &letterhead)).expect("the briefing renders");
    render();
    let mut times = Vec::new();
    let mut bytes = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        bytes = render();
        times.push(started.elapsed());
    }
    times.sort();
    let (best, median) = (times[0], times[RUNS / 2]);
    if let Some(out) = std::env::var_os("BRIEFING_PDF_OUT") {
        std::fs::write(out, &bytes).unwrap();
    }
    let pages = escalation_core::store::aar::count_pages(&bytes);
    println!(
        "portfolio briefing of {CASES} active cases: {pages} pages, {} KB, best {:.0} ms, median {:.0} ms (budget {} ms)",
        bytes.len() / 1024,
        best.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e3,
        MEDIAN_BUDGET.as_millis()
    );
    if median > MEDIAN_BUDGET {
        eprintln!("over budget: the median render took {median:?}, budget {MEDIAN_BUDGET:?}");
        std::process::exit(1);
    }
}
