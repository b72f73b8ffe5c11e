//! Benchmark: the pages of a full desk. Generates desks of 50, 10,000 and 100,000 cases by bulk SQL
//! into the real schema (`Store::open` migrates it): most cases closed, 15% open, about twelve
//! timeline events a case (1.2 million on the full desk), four team members a case, three outbox
//! rows a case, alerts, warranties, plans, cadences and problem cases. Then reads each page through
//! the store and the same rows bare (rusqlite on the same file, statements prepared once, rows read
//! into plain tuples), and fails when a budget is exceeded:
//! - each page read within 3x of its bare read;
//! - a case page on 100,000 cases within 1.5x of the same page on 10,000;
//! - the first screen (the store reads the dashboard makes on start) on 100,000 cases within 1.5x
//!   of the first screen on 50.
//!
//! Run: `cargo bench -p escalation-core --bench pages`. `PAGES_BENCH_CASES=20000` makes the large
//! desk smaller (CI does not; see the README for the full-size figures).

use std::path::Path;
use std::time::{Duration, Instant};

use escalation_core::case::{CaseFilter, Level};
use escalation_core::page::PageRequest;
use escalation_core::plan::{Action, ActionStatus};
use escalation_core::store::{alerts, cases, problems, team, users};
use escalation_core::timeline::{event_hash, HashInput};
use escalation_core::Store;
use rusqlite::{params, Connection};

const PAGE_BUDGET: f64 = 3.0;
const GROWTH_BUDGET: f64 = 1.5;
/// Timings this small are at the mercy of the machine: a read whose bare query takes less than
/// this is compared against this floor instead (a sub-0.1 ms read cannot be held to 3x of nothing).
const FLOOR: Duration = Duration::from_micros(100);

fn main() {
    let big: usize = std::env::var("PAGES_BENCH_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    // PAGES_BENCH_DIR keeps the generated desks there (to look at them with the sqlite3 shell).
    let kept = std::env::var("PAGES_BENCH_DIR").ok().map(std::path::PathBuf::from);
    let at = |name: &str| kept.as_deref().unwrap_or(dir.path()).join(name);
    // The small desk is a new one, where nothing has closed yet: its first screen shows full
    // pages, as the large desk's does, so the comparison is of desk size, not of rows shown.
    let tiny = Desk::generate(&at("tiny.sqlite3"), 50, 100);
    let mid = Desk::generate(&at("mid.sqlite3"), 10_000, 15);
    let large = Desk::generate(&at("large.sqlite3"), big, 15);

    if std::env::var("PAGES_BENCH_PROFILE").is_ok() {
        use escalation_core::store::{closure, communications, ladder, plans, timeline};
        let s = &large.store;
        let id = large.probe_case;
        let case = cases::get_case(s, id).unwrap();
        let parts: Vec<Part> = vec![
            (
                "get_case",
                Box::new(|| {
                    cases::get_case(s, id).unwrap();
                }),
            ),
            (
                "events",
                Box::new(|| {
                    timeline::list_events(s, id).unwrap();
                }),
            ),
            (
                "team",
                Box::new(|| {
                    team::get_team(s.conn(), &case).unwrap();
                }),
            ),
            (
                "comms",
                Box::new(|| {
                    communications::get_communications(s, id).unwrap();
                }),
            ),
            (
                "plans",
                Box::new(|| {
                    plans::get_plans(s.conn(), id).unwrap();
                }),
            ),
            (
                "ladder",
                Box::new(|| {
                    ladder::get_ladder(s.conn()).unwrap();
                }),
            ),
            (
                "alerts",
                Box::new(|| {
                    alerts::list_case_alerts(s, id).unwrap();
                }),
            ),
            (
                "closure",
                Box::new(|| {
                    closure::get_closure(s.conn(), &case).unwrap();
                }),
            ),
            (
                "problem",
                Box::new(|| {
                    problems::get_problem_detail(s, large.probe_problem).unwrap();
                }),
            ),
            (
                "workstation",
                Box::new(|| {
                    users::get_workstation(s).unwrap();
                }),
            ),
            (
                "warranties ending",
                Box::new(|| {
                    cases::list_warranties_ending(s, PageRequest { offset: 0, limit: 10 }).unwrap();
                }),
            ),
            (
                "alerts page",
                Box::new(|| {
                    alerts::list_open_alerts(s, PageRequest::FIRST).unwrap();
                }),
            ),
            (
                "elevated page",
                Box::new(|| {
                    cases::list_cases(
                        s,
                        &CaseFilter {
                            level: Some(Level::Elevated),
                            ..CaseFilter::default()
                        },
                        PageRequest::FIRST,
                    )
                    .unwrap();
                }),
            ),
        ];
        for (name, f) in parts {
            println!("{name:<20} {}", ms(time(&*f)));
        }
    }
    let mut failures = Vec::new();
    println!(
        "\n{:<34} {:>12} {:>12} {:>7}   (median of the best round; {} cases)",
        "page",
        "store",
        "bare",
        "ratio",
        thousands(big)
    );
    for page in Page::ALL {
        let store = time(|| page.read(&large));
        let bare = time(|| page.read_bare(&large));
        let ratio = secs(store) / secs(bare.max(FLOOR));
        println!("{:<34} {:>12} {:>12} {:>6.2}x", page.name(), ms(store), ms(bare), ratio);
        if ratio > PAGE_BUDGET {
            failures.push(format!(
                "{}: {} against {} bare ({ratio:.2}x, budget {PAGE_BUDGET}x)",
                page.name(),
                ms(store),
                ms(bare)
            ));
        }
    }

    let case_mid = time(|| Page::CaseDetail.read(&mid));
    let case_large = time(|| Page::CaseDetail.read(&large));
    let ratio = secs(case_large) / secs(case_mid.max(FLOOR));
    println!(
        "{:<34} {:>12} {:>12} {:>6.2}x   ({} cases against 10,000)",
        "case page, desk growth",
        ms(case_large),
        ms(case_mid),
        ratio,
        thousands(big)
    );
    if ratio > GROWTH_BUDGET {
        failures.push(format!(
            "case page: {} on {} cases against {} on 10,000 ({ratio:.2}x, budget {GROWTH_BUDGET}x)",
            ms(case_large),
            thousands(big),
            ms(case_mid)
        ));
    }

    let first_tiny = time(|| first_screen(&tiny));
    let first_large = time(|| first_screen(&large));
    let ratio = secs(first_large) / secs(first_tiny.max(FLOOR));
    println!(
        "{:<34} {:>12} {:>12} {:>6.2}x   ({} cases against 50)",
        "first screen, desk growth",
        ms(first_large),
        ms(first_tiny),
        ratio,
        thousands(big)
    );
    if ratio > GROWTH_BUDGET {
        failures.push(format!(
            "first screen: {} on {} cases against {} on 50 ({ratio:.2}x, budget {GROWTH_BUDGET}x)",
            ms(first_large),
            thousands(big),
            ms(first_tiny)
        ));
    }

    if !failures.is_empty() {
        eprintln!("\nover budget:\n  {}", failures.join("\n  "));
        std::process::exit(1);
    }
    println!("\nevery page within its budget");
}

/// The store reads the dashboard makes when the app starts: the workstation, the first page of
/// each group, the first page of open alerts, and the warranties ending this week.
fn first_screen(desk: &Desk) {
    users::get_workstation(&desk.store).unwrap();
    for level in [Level::Escalated, Level::Elevated] {
        let filter = CaseFilter {
            level: Some(level),
            ..CaseFilter::default()
        };
        cases::list_cases(&desk.store, &filter, PageRequest::FIRST).unwrap();
    }
    alerts::list_open_alerts(&desk.store, PageRequest::FIRST).unwrap();
    cases::list_warranties_ending(&desk.store, PageRequest { offset: 0, limit: 10 }).unwrap();
}

/// A named part of a page, timed on its own by `PAGES_BENCH_PROFILE=1`.
type Part<'a> = (&'a str, Box<dyn Fn() + 'a>);

#[derive(Clone, Copy)]
enum Page {
    Dashboard,
    Alerts,
    CaseDetail,
    ProblemPanel,
    StaffLoad,
}

impl Page {
    const ALL: [Page; 5] = [
        Page::Dashboard,
        Page::Alerts,
        Page::CaseDetail,
        Page::ProblemPanel,
        Page::StaffLoad,
    ];

    fn name(self) -> &'static str {
        match self {
            Page::Dashboard => "dashboard, first page (escalated)",
            Page::Alerts => "open alerts, first page",
            Page::CaseDetail => "case page (CaseDetail)",
            Page::ProblemPanel => "problem panel",
            Page::StaffLoad => "staff load",
        }
    }

    fn read(self, desk: &Desk) {
        let s = &desk.store;
        match self {
            Page::Dashboard => {
                let filter = CaseFilter {
                    level: Some(Level::Escalated),
                    ..CaseFilter::default()
                };
                let page = cases::list_cases(s, &filter, PageRequest::FIRST).unwrap();
                assert_eq!(page.rows.len(), 25);
            }
            Page::Alerts => {
                assert_eq!(alerts::list_open_alerts(s, PageRequest::FIRST).unwrap().rows.len(), 25);
            }
            Page::CaseDetail => {
                cases::get_case_detail(s, desk.probe_case).unwrap();
            }
            Page::ProblemPanel => {
                problems::get_problem_detail(s, desk.probe_problem).unwrap();
            }
            Page::StaffLoad => {
                team::list_staff_load(s).unwrap();
            }
        }
    }

    /// The same rows, read bare: plain SQL by the same indexes, rows into tuples, no domain types.
    fn read_bare(self, desk: &Desk) {
        let c = &desk.bare;
        let n = match self {
            Page::Dashboard => {
                let total: i64 = c
                    .prepare_cached("SELECT COUNT(*) FROM cases WHERE stage <> 'closed' AND level = 'escalated'")
                    .unwrap()
                    .query_row([], |r| r.get(0))
                    .unwrap();
                total as usize
                    + rows(
                        c,
                        "SELECT c.id, c.kind, c.ticket, c.title, c.agency, c.escalation_manager, c.priority, c.level,
                        c.stage, c.opened_at, c.problem_id, c.hierarchy_level, w.ends_at, cad.kind, cad.every_hours,
                        cad.fixed_times, cad.working_days_only, cad.time_zone, cad.agreed_at
                 FROM cases c LEFT JOIN warranties w ON w.case_id = c.id AND w.outcome IS NULL
                 LEFT JOIN customer_cadences cad ON cad.case_id = c.id
                 WHERE c.stage <> 'closed' AND c.level = 'escalated' ORDER BY c.priority, c.opened_at, c.id LIMIT 25",
                        [],
                    )
            }
            Page::Alerts => {
                let total: i64 = c
                    .prepare_cached("SELECT COUNT(*) FROM alerts WHERE acknowledged_at IS NULL")
                    .unwrap()
                    .query_row([], |r| r.get(0))
                    .unwrap();
                total as usize
                    + rows(
                        c,
                        "SELECT a.*, c.ticket, c.title, c.level, c.priority, c.stage, o.status
                         FROM alerts a JOIN cases c ON c.id = a.case_id LEFT JOIN outbox o ON o.id = a.outbox_id
                         WHERE a.acknowledged_at IS NULL ORDER BY a.raised_at, a.id LIMIT 25",
                        [],
                    )
            }
            Page::CaseDetail => {
                let id = desk.probe_case;
                [
                    "SELECT c.*, u.name FROM cases c JOIN users u ON u.id = c.opened_by WHERE c.id = ?1",
                    "SELECT * FROM timeline_events WHERE case_id = ?1 ORDER BY seq DESC",
                    "SELECT t.*, p.name, p.email FROM team_members t JOIN people p ON p.id = t.person_id
                     WHERE t.case_id = ?1",
                    "SELECT * FROM customer_cadences WHERE case_id = ?1",
                    "SELECT * FROM customer_updates WHERE case_id = ?1",
                    "SELECT id, subject, status, created_at FROM outbox WHERE case_id = ?1",
                    "SELECT * FROM plan_revisions WHERE case_id = ?1",
                    "SELECT * FROM plan_reviews WHERE case_id = ?1",
                    "SELECT * FROM alerts WHERE case_id = ?1",
                    "SELECT * FROM warranties WHERE case_id = ?1",
                    "SELECT * FROM verifications WHERE case_id = ?1",
                    "SELECT * FROM review_meetings WHERE case_id = ?1",
                    "SELECT l.*, p.name, p.email FROM ladder_levels l LEFT JOIN ladder_people lp ON lp.level = l.level
                     LEFT JOIN people p ON p.id = lp.person_id WHERE ?1 > 0",
                    "SELECT a.id, o.status FROM alerts a LEFT JOIN outbox o ON o.id = a.outbox_id WHERE a.case_id = ?1",
                    "SELECT p.* FROM case_contacts cc JOIN people p ON p.id = cc.person_id WHERE cc.case_id = ?1",
                    "SELECT w.* FROM work_orders w WHERE w.person_id IN
                         (SELECT person_id FROM team_members WHERE case_id = ?1 AND released_at IS NULL)",
                    "SELECT * FROM services WHERE id = (SELECT service_id FROM cases WHERE id = ?1)",
                    "SELECT * FROM aars WHERE case_id = ?1",
                    "SELECT * FROM recurrences WHERE case_id = ?1",
                    // The team members' other active escalations, the problem panel, the
                    // directory rows the team's suggestions and the review's chair come from.
                    "SELECT t.person_id, c.id, c.ticket, c.title, c.level, c.priority, c.stage, t.role
                     FROM team_members t JOIN cases c ON c.id = t.case_id WHERE t.released_at IS NULL
                       AND t.person_id IN (SELECT person_id FROM team_members WHERE case_id = ?1 AND released_at IS NULL)",
                    "SELECT * FROM problems WHERE id = (SELECT problem_id FROM cases WHERE id = ?1)",
                    "SELECT c.id, c.kind, c.ticket, c.title, c.agency, c.escalation_manager, c.priority, c.level,
                            c.stage, c.opened_at, c.problem_id, c.hierarchy_level
                     FROM cases c WHERE c.problem_id = (SELECT problem_id FROM cases WHERE id = ?1)",
                    "SELECT * FROM agencies WHERE id = (SELECT agency_id FROM cases WHERE id = ?1)",
                    "SELECT * FROM people WHERE name = (SELECT escalation_manager FROM cases WHERE id = ?1) COLLATE NOCASE",
                ]
                .iter()
                .map(|sql| rows(c, sql, [id]))
                .sum()
            }
            Page::ProblemPanel => {
                let id = desk.probe_problem;
                rows(c, "SELECT * FROM problems WHERE id = ?1", [id])
                    + rows(
                        c,
                        "SELECT c.id, c.kind, c.ticket, c.title, c.agency, c.escalation_manager, c.priority, c.level,
                                c.stage, c.opened_at, c.problem_id, c.hierarchy_level
                         FROM cases c WHERE c.problem_id = ?1",
                        [id],
                    )
                    + rows(c, "SELECT * FROM problem_actions WHERE problem_id = ?1", [id])
                    + rows(c, "SELECT * FROM problem_inputs WHERE problem_id = ?1", [id])
            }
            Page::StaffLoad => rows(
                c,
                "SELECT p.id, p.name, p.email, c.id, c.ticket, c.title, c.level, c.priority, c.stage, t.role
                 FROM team_members t JOIN cases c ON c.id = t.case_id JOIN people p ON p.id = t.person_id
                 WHERE t.released_at IS NULL AND c.stage <> 'closed' AND t.person_id IN (
                     SELECT m.person_id FROM team_members m JOIN cases k ON k.id = m.case_id
                     WHERE m.released_at IS NULL AND k.level = 'escalated' AND k.stage <> 'closed'
                     GROUP BY m.person_id HAVING COUNT(DISTINCT m.case_id) > 1)",
                [],
            ),
        };
        std::hint::black_box(n);
    }
}

/// Reads every row and every column of a query into plain values; returns how many rows.
fn rows<P: rusqlite::Params>(c: &Connection, sql: &str, p: P) -> usize {
    let mut stmt = c.prepare_cached(sql).unwrap();
    let width = stmt.column_count();
    let mut rows = stmt.query(p).unwrap();
    let mut n = 0;
    while let Some(r) = rows.next().unwrap() {
        for i in 0..width {
            std::hint::black_box(r.get_ref(i).unwrap());
        }
        n += 1;
    }
    n
}

/// The median of the best of five rounds (the machine is shared: the best round is the one the
/// others disturbed least).
fn time(mut f: impl FnMut()) -> Duration {
    f();
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let mut round = Vec::new();
        let started = Instant::now();
        while round.len() < 5 || (round.len() < 60 && started.elapsed() < Duration::from_millis(300)) {
            let t = Instant::now();
            f();
            round.push(t.elapsed());
        }
        round.sort();
        best = best.min(round[round.len() / 2]);
    }
    best
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A generated desk: the store, a bare connection to the same file, and the rows the pages probe.
struct Desk {
    store: Store,
    bare: Connection,
    /// An open escalated case with a full team, plans, mail and a problem case.
    probe_case: i64,
    probe_problem: i64,
}

const PRIORITIES: [&str; 4] = ["P1", "P2", "P3", "P4"];
const OPEN_STAGES: [&str; 7] = [
    "intake",
    "team",
    "appraisal",
    "resolving",
    "warranty",
    "verification",
    "review",
];
const ROLES: [&str; 4] = [
    "incident_owner",
    "abrm",
    "subject_matter_expert",
    "customer_account_rep",
];
const EVENTS_PER_CASE: usize = 12;

/// A small deterministic generator (xorshift), so every run builds the same desk.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

impl Desk {
    /// `open_percent` of the `n` cases are open (spread evenly), the others closed.
    fn generate(path: &Path, n: usize, open_percent: usize) -> Desk {
        let started = Instant::now();
        let store = Store::open(path).unwrap();
        drop(store);
        let mut conn = Connection::open(path).unwrap();
        // Bulk load: one transaction, no fsync per row, references checked by construction.
        conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
        conn.pragma_update(None, "synchronous", "OFF").unwrap();
        let tx = conn.transaction().unwrap();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ n as u64);
        let people = (n / 20).clamp(30, 5_000);
        let agencies = (n / 300).clamp(5, 300);
        let problems = (n / 50).max(1);
        let now = chrono::Utc::now();
        let at = |minutes_ago: i64| escalation_core::store::format_time(now - chrono::Duration::minutes(minutes_ago));
        tx.execute(
            "INSERT INTO users (id, name, email, role, created_at) VALUES (1, 'Bench', 'bench@doit.state.gov', 'Escalation manager', ?1)",
            [at(1_000_000)],
        )
        .unwrap();
        tx.execute("INSERT INTO workstation (id, current_user_id) VALUES (1, 1)", [])
            .unwrap();
        {
            let mut person = tx
                .prepare(
                    "INSERT INTO people (id, name, email, phone, title, department, organization_kind, organization,
                        created_at, updated_at) VALUES (?1, ?2, ?3, '505-555-0100', 'Engineer', 'Operations',
                        'division', 'DoIT', ?4, ?4)",
                )
                .unwrap();
            for p in 1..=people {
                person
                    .execute(params![
                        p as i64,
                        format!("Person {p:05}"),
                        format!("person{p}@doit.state.gov"),
                        at(900_000)
                    ])
                    .unwrap();
            }
            let mut agency = tx
                .prepare("INSERT INTO agencies (id, name, abrm_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)")
                .unwrap();
            for a in 1..=agencies {
                agency
                    .execute(params![
                        a as i64,
                        format!("Agency {a:03}"),
                        (a % people + 1) as i64,
                        at(900_000)
                    ])
                    .unwrap();
            }
            // Every case names its agency and its service by directory id (migration 0015).
            tx.execute(
                "INSERT INTO services (id, name, created_at, updated_at) VALUES (1, 'Claims portal', ?1, ?1)",
                [at(900_000)],
            )
            .unwrap();
        }
        let open_every = 100.0 / open_percent as f64;
        let action = |i: usize, due_minutes_ago: i64| Action {
            id: format!("a{i}"),
            description: "Restart the claims gateway and watch the queue".into(),
            owner_id: None,
            due: Some(now - chrono::Duration::minutes(due_minutes_ago)),
            status: ActionStatus::Open,
            resources: Vec::new(),
        };
        let plan_json = serde_json::to_string(&vec![action(1, -600), action(2, -1200)]).unwrap();
        let mut probe_case = 0;
        {
            let mut case = tx
                .prepare(
                    "INSERT INTO cases (id, kind, ticket, title, description, agency, affected_service, impact, urgency,
                        priority, reported_by, escalation_manager, level, level_reason, stage, problem_id, opened_at,
                        opened_by, updated_at, version, timeline_head, agency_id, service_id)
                     VALUES (?1, 'incident', ?2, ?3, ?4, ?5, 'Claims portal', 'high', 'medium', ?6, 'Service desk',
                        'Bench', ?7, 'Customer impact', ?8, ?9, ?10, 1, ?10, 3, ?11, ?12, 1)",
                )
                .unwrap();
            let mut event = tx
                .prepare(
                    "INSERT INTO timeline_events (case_id, seq, at, actor_id, actor, kind, summary, old_value, new_value,
                        prev_hash, hash) VALUES (?1, ?2, ?3, 1, 'Bench', ?4, ?5, NULL, ?6, ?7, ?8)",
                )
                .unwrap();
            let mut member = tx
                .prepare(
                    "INSERT INTO team_members (case_id, person_id, role, standby, appointed_at, appointed_by, released_at,
                        released_by) VALUES (?1, ?2, ?3, 0, ?4, 1, ?5, ?6)",
                )
                .unwrap();
            let mut outbox = tx
                .prepare(
                    "INSERT INTO outbox (message_id, case_id, purpose, recipients, subject, text_body, html_body, mime,
                        status, attempts, next_attempt_at, created_at, sent_at, updated_at)
                     VALUES (?1, ?2, 'progress', '[\"person1@doit.state.gov\"]', ?3, ?4, ?4, '', 'sent', 1, ?5, ?5, ?5, ?5)",
                )
                .unwrap();
            let mut alert = tx
                .prepare(
                    "INSERT INTO alerts (case_id, rule_id, rule_name, criteria, raised_at, recipients, outbox_id,
                        acknowledged_at, acknowledged_by) VALUES (?1, 2, 'Priority P1', 'priority is P1', ?2,
                        '[\"exec@doit.state.gov\"]', ?3, ?4, ?5)",
                )
                .unwrap();
            let mut warranty = tx
                .prepare(
                    "INSERT INTO warranties (case_id, number, resolution_summary, confirmed_by, confirmed_at, confirmed_how,
                        period_days, car_person_id, started_at, ends_at, started_by, ended_at, outcome)
                     VALUES (?1, 1, 'Fixed', 'Customer', ?2, 'email', 30, ?3, ?2, ?4, 'Bench', ?5, ?6)",
                )
                .unwrap();
            let mut plan = tx
                .prepare(
                    "INSERT INTO plan_revisions (case_id, plan, revision, actions, saved_at, saved_by) VALUES (?1, ?2, 1, ?3, ?4, 1)",
                )
                .unwrap();
            let mut cadence = tx
                .prepare(
                    "INSERT INTO customer_cadences (case_id, kind, every_hours, fixed_times, working_days_only, time_zone,
                        agreed_at) VALUES (?1, 'every_hours', 4, '[]', 0, 'America/Denver', ?2)",
                )
                .unwrap();
            let mut update = tx
                .prepare(
                    "INSERT INTO customer_updates (case_id, at, channel, summary, major, recorded_by)
                     VALUES (?1, ?2, 'email', 'Progress', 0, 1)",
                )
                .unwrap();
            for id in 1..=n {
                let open = (id as f64 % open_every) < 1.0;
                // Closed cases are the old ones; open ones are spread over the last weeks.
                let opened = if open {
                    rng.below(60 * 24 * 30) as i64 + 60
                } else {
                    60 * 24 * 40 + (n - id) as i64 * 5
                };
                let id64 = id as i64;
                // The case the case page and the problem panel probe: the first open one, of the
                // same shape on every desk (escalated, resolving, an open alert, a problem case).
                let probe = open && probe_case == 0;
                let mut stage = if open {
                    OPEN_STAGES[rng.below(OPEN_STAGES.len())]
                } else {
                    "closed"
                };
                let mut level = if rng.below(2) == 0 { "escalated" } else { "elevated" };
                let mut problem = (rng.below(5) == 0).then(|| (rng.below(problems) + 1) as i64);
                if probe {
                    probe_case = id64;
                    (stage, level, problem) = ("resolving", "escalated", Some(1));
                }
                let agency_no = rng.below(agencies) + 1;
                // A real hash chain, so the timeline check the app runs on start finds every case
                // intact (as on a real desk) instead of reporting 100,000 broken timelines.
                let events = chain(id64, |seq| at(opened - seq));
                case.execute(params![
                    id64,
                    format!("INC{id:07}"),
                    format!("Case {id}: claims portal slow for the agency's staff"),
                    "The claims portal answers in thirty seconds; agency staff cannot file claims. ".repeat(3),
                    format!("Agency {agency_no:03}"),
                    PRIORITIES[rng.below(4)],
                    level,
                    stage,
                    problem,
                    at(opened),
                    events.last().map_or_else(|| "0".repeat(64), |e| e.hash.clone()),
                    agency_no as i64,
                ])
                .unwrap();
                for e in &events {
                    event
                        .execute(params![
                            id64,
                            e.seq,
                            e.at,
                            e.kind,
                            e.summary,
                            e.new_value,
                            e.prev_hash,
                            e.hash
                        ])
                        .unwrap();
                }
                let released = (!open).then(|| at(opened - 60 * 24 * 20));
                let first = rng.below(people);
                for (k, role) in ROLES.iter().enumerate() {
                    let person = ((first + k * 7) % people + 1) as i64;
                    member
                        .execute(params![
                            id64,
                            person,
                            role,
                            at(opened - 30),
                            released,
                            released.as_ref().map(|_| 1)
                        ])
                        .unwrap();
                }
                let mut last_mail = 0;
                for m in 0..3 {
                    outbox
                        .execute(params![
                            format!("<{id}.{m}@bench.doit.state.gov>"),
                            id64,
                            format!("[INC{id:07}] Progress {m}"),
                            "A progress notice of ordinary length. ".repeat(4),
                            at(opened - 100 * m as i64),
                        ])
                        .unwrap();
                    last_mail = tx.last_insert_rowid();
                }
                // About 2,200 open alerts on the full desk; the closed cases' alerts are acknowledged.
                if rng.below(100) < 15 || probe {
                    let acknowledged = (!open).then(|| at(opened - 120));
                    alert
                        .execute(params![
                            id64,
                            at(opened - 60),
                            last_mail,
                            acknowledged,
                            acknowledged.as_ref().map(|_| "Bench")
                        ])
                        .unwrap();
                }
                if !open || stage == "warranty" {
                    let started = opened - 60 * 24 * 2;
                    let running = open.then_some(());
                    warranty
                        .execute(params![
                            id64,
                            at(started),
                            (first % people + 1) as i64,
                            at(started - 60 * 24 * 30),
                            running.map_or_else(|| Some(at(started - 60 * 24 * 30)), |_| None),
                            running.map_or(Some("completed"), |_| None),
                        ])
                        .unwrap();
                }
                if open || rng.below(10) == 0 {
                    plan.execute(params![id64, "escalation", plan_json, at(opened - 10)])
                        .unwrap();
                    plan.execute(params![id64, "technical", plan_json, at(opened - 10)])
                        .unwrap();
                }
                if open && level == "escalated" {
                    cadence.execute(params![id64, at(opened - 5)]).unwrap();
                    update.execute(params![id64, at(opened - 20)]).unwrap();
                }
            }
            let mut problem = tx
                .prepare(
                    "INSERT INTO problems (id, ticket, title, origin_case_id, created_at, created_by)
                     VALUES (?1, ?2, 'Recurring gateway timeouts', ?3, ?4, 1)",
                )
                .unwrap();
            for p in 1..=problems {
                problem
                    .execute(params![p as i64, format!("PRB{p:07}"), p.min(n) as i64, at(1_000)])
                    .unwrap();
            }
        }
        let probe_problem: i64 = tx
            .query_row("SELECT problem_id FROM cases WHERE id = ?1", [probe_case], |r| r.get(0))
            .unwrap();
        tx.commit().unwrap();
        drop(conn);
        assert!(probe_case > 0, "the desk has an open escalated case with a problem");
        let store = Store::open(path).unwrap();
        let bare = Connection::open(path).unwrap();
        let (open, events): (i64, i64) = bare
            .query_row(
                "SELECT (SELECT COUNT(*) FROM cases WHERE stage <> 'closed'), (SELECT COUNT(*) FROM timeline_events)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        println!(
            "desk of {} cases ({} open, {} events) generated in {:.1} s",
            thousands(n),
            thousands(open as usize),
            thousands(events as usize),
            started.elapsed().as_secs_f64()
        );
        Desk {
            store,
            bare,
            probe_case,
            probe_problem,
        }
    }
}

/// One generated timeline event, hashed as the store hashes it.
struct GeneratedEvent {
    seq: i64,
    at: String,
    kind: &'static str,
    summary: String,
    new_value: &'static str,
    prev_hash: String,
    hash: String,
}

/// The events of one case, each linked to the one before by its hash.
fn chain(case_id: i64, at: impl Fn(i64) -> String) -> Vec<GeneratedEvent> {
    let mut prev = "0".repeat(64);
    (1..=EVENTS_PER_CASE as i64)
        .map(|seq| {
            let at = at(seq);
            let kind = if seq == 1 { "case_opened" } else { "fields_changed" };
            let summary = format!("Event {seq} of the case: what was done and by whom");
            let new_value = "{\"stage\":\"resolving\"}";
            let hash = event_hash(&HashInput {
                prev_hash: &prev,
                case_id,
                seq,
                at: &at,
                actor: "Bench",
                kind,
                summary: &summary,
                old_value: None,
                new_value: Some(new_value),
            });
            let event = GeneratedEvent {
                seq,
                at,
                kind,
                summary,
                new_value,
                prev_hash: prev.clone(),
                hash,
            };
            prev = event.hash.clone();
            event
        })
        .collect()
}
