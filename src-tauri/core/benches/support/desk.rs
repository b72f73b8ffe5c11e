//! What the page benchmarks share: a generated desk (bulk SQL into the real schema, a real hash
//! chain per case) and the timing of a read. Included by `pages.rs` and `engines.rs`.

#![allow(dead_code)] // each benchmark uses its own part of this

use std::path::Path;
use std::time::{Duration, Instant};

use escalation_core::plan::{Action, ActionStatus};
use escalation_core::timeline::{event_hash, HashInput};
use escalation_core::Store;
use rusqlite::{params, Connection};

/// The dashboard's first page of escalated cases, read bare: the statements the store runs for it
/// (`store/case_list.rs`), with the level written in: the total kept by triggers, then the page's
/// ids and each row's columns (the running warranty, the cadence and last update, both plans'
/// latest actions and reviews).
pub const DASHBOARD_BARE: [&str; 2] = [
    "SELECT COALESCE(CAST(SUM(n) AS BIGINT), 0) FROM active_case_counts WHERE level = 'escalated'",
    "WITH page AS MATERIALIZED (SELECT c.id FROM cases c WHERE c.stage <> 'closed' AND c.level = 'escalated'
         ORDER BY c.priority, c.opened_at, c.id LIMIT 25 OFFSET 0)
     SELECT c.id, c.kind, c.ticket, c.title, c.agency, c.escalation_manager, c.priority, c.level,
            c.stage, c.opened_at, c.problem_id, c.hierarchy_level,
            (SELECT w.ends_at FROM warranties w WHERE w.case_id = c.id AND w.outcome IS NULL
             ORDER BY w.number DESC LIMIT 1),
            cad.kind, cad.every_hours, cad.fixed_times, cad.working_days_only, cad.time_zone, cad.agreed_at,
            (SELECT MAX(u.at) FROM customer_updates u WHERE u.case_id = c.id),
            (SELECT r.actions FROM plan_revisions r WHERE r.case_id = c.id AND r.plan = 'escalation'
             ORDER BY r.revision DESC LIMIT 1),
            (SELECT r.actions FROM plan_revisions r WHERE r.case_id = c.id AND r.plan = 'technical'
             ORDER BY r.revision DESC LIMIT 1),
            (SELECT v.next_review_due FROM plan_reviews v WHERE v.case_id = c.id AND v.plan = 'escalation'
             ORDER BY v.id DESC LIMIT 1),
            (SELECT v.next_review_due FROM plan_reviews v WHERE v.case_id = c.id AND v.plan = 'technical'
             ORDER BY v.id DESC LIMIT 1)
     FROM page JOIN cases c ON c.id = page.id LEFT JOIN customer_cadences cad ON cad.case_id = c.id
     ORDER BY c.priority, c.opened_at, c.id",
];

/// A case page's rows, read bare (`?1` is the case): every statement the store's case page
/// makes, by the same indexes, without the domain types.
pub const CASE_PAGE_BARE: &[&str] = &[
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
];

/// The rows a generated desk's pages probe.
pub struct Generated {
    /// An open escalated case with a full team, plans, mail and a problem case.
    pub probe_case: i64,
    pub probe_problem: i64,
}

/// The median of the best of five rounds (the machine is shared: the best round is the one the
/// others disturbed least).
pub fn time(mut f: impl FnMut()) -> Duration {
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

pub fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// `n` with thousands separators: core's own (the limits' messages use it).
pub use escalation_core::limits::grouped as thousands;

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

/// Writes a desk of `n` cases into a new SQLite file at `path` (migrated by `Store::open`);
/// `open_percent` of them are open (spread evenly), the others closed.
pub fn generate(path: &Path, n: usize, open_percent: usize) -> Generated {
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
        // A desk where every case is open (the first-screen comparison's small desk) fills every
        // list of the first screen, as a big desk does: each case has an open alert (a page is
        // 25), and a dozen cases are in their warranty ending this week (a page is 10). The
        // comparison is then of the desk's size, not of how many rows each list shows.
        let full_first_screen = open_percent >= 100;
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
            } else if full_first_screen && id <= 13 {
                stage = "warranty";
            }
            let agency_no = rng.below(agencies) + 1;
            // A real hash chain, so the timeline check the app runs on start finds every case
            // intact (as on a real desk) instead of reporting 100,000 broken timelines.
            let events = chain(id64, |seq| at(opened - seq));
            case.execute(params![
                id64,
                format!("INC{id:07}"),
                format!("Case {id}: claims portal slow for the agency's staff"),
                if id % RARE_EVERY == 17 {
                    format!("Reported by {RARE_REPORTER} at the agency's help desk: claims cannot be filed.")
                } else {
                    "The claims portal answers in thirty seconds; agency staff cannot file claims. ".repeat(3)
                },
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
            if rng.below(100) < 15 || probe || full_first_screen {
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
                // Ends in two days (`at` counts minutes back from now) on the full first screen.
                let ends = if full_first_screen {
                    -60 * 24 * 2
                } else {
                    started - 60 * 24 * 30
                };
                warranty
                    .execute(params![
                        id64,
                        at(started),
                        (first % people + 1) as i64,
                        at(ends),
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
    // The search index is built as on a desk migrated to 0020: at the next open (Desk's).
    tx.execute("INSERT OR IGNORE INTO search_rebuild (id) VALUES (1)", [])
        .unwrap();
    tx.commit().unwrap();
    drop(conn);
    assert!(probe_case > 0, "the desk has an open escalated case with a problem");
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
    Generated {
        probe_case,
        probe_problem,
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

/// What the generated events say, in turn: the words a desk's timelines are made of.
const SUMMARIES: [&str; 6] = [
    "Progress posted to the customer: the vendor is restarting the gateway",
    "Team appointed: incident owner and ABRM from the service desk",
    "Stage moved on after the bridge call with the agency",
    "Customer update sent by email to the agency's contacts",
    "Action plan revised: database failover tested",
    "Executive alert raised for the cabinet secretary",
];

/// One case in about 20,000 was reported by this person: the rare word the search benchmark
/// looks for (folded: "nguyen").
pub const RARE_REPORTER: &str = "Linh Nguyễn";
pub const RARE_EVERY: usize = 20_011;

/// The events of one case, each linked to the one before by its hash.
fn chain(case_id: i64, at: impl Fn(i64) -> String) -> Vec<GeneratedEvent> {
    let mut prev = "0".repeat(64);
    (1..=EVENTS_PER_CASE as i64)
        .map(|seq| {
            let at = at(seq);
            let kind = if seq == 1 { "case_opened" } else { "fields_changed" };
            let summary = format!(
                "{} (event {seq})",
                SUMMARIES[(case_id as usize + seq as usize) % SUMMARIES.len()]
            );
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
