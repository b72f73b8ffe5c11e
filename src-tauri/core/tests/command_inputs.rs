//! Property tests of every command's input (issue 15). Each command the app registers
//! (`src-tauri/build.rs` COMMANDS) is called here the way its thin wrapper in
//! `src-tauri/src/commands` calls core, with inputs generated from the real input types: text of
//! any content and size (control characters, NUL, bidi controls, combining marks, astral
//! characters, up to a few hundred KB), numbers at the extremes (i64::MIN and MAX, negative, 0),
//! invalid and extreme dates (year 0 and below, 9999 and above, the epoch, leap days, a leap
//! second, chrono's own limits), ids that do not exist, pages of any size. A few wrappers do part
//! of their work outside core (the keyring, the viewer, the restart, connecting to a server):
//! their core part is what is called here; the three commands with no core part at all are
//! listed in [`NOT_IN_CORE`], and [`every_command_the_app_registers_is_called_here_or_said_why_not`]
//! keeps the two lists in step with build.rs.
//!
//! What each call holds to, whatever the input:
//! - it does not panic (a panic fails the case, and proptest shrinks it to a small input);
//! - it returns `Ok`, or a typed error the user can act on: an `Internal` or `Storage` error for
//!   something typed is a missing validation, and fails;
//! - it leaves no transaction open;
//! - a refusal changes nothing: every row of every table reads the same before and after
//!   ([`desk_digest`]), except the one write a refusal makes on purpose (a wrong sign-off code is
//!   counted); a read changes nothing even when it succeeds;
//! - whatever it accepted, the desk still reads afterwards ([`desk_reads`]: every case page,
//!   list, export and setting, and every timeline intact).
//!
//! "Wrong types" are refused by the IPC before any command runs: Tauri reads each argument with
//! serde_json, and [`json_of_the_wrong_type_is_refused_for_every_input_type`] feeds each input
//! type JSON that does not fit it.
//!
//! Each command runs on its own copy of one seeded SQLite desk ([`desk`]): cases at every stage,
//! a report distributed and one in review with a sign-off code waiting, a review meeting, mail,
//! alerts, a ladder, a person on two escalations. `PROPTEST_CASES=n` runs n cases for each
//! command of [`CASES`] (the others scaled alike) for a longer hunt. A failure is not saved
//! beside this file: proptest prints the shrunk input, to be kept as a test at the end of this
//! file (as the ones there, each a defect these properties found).

mod common;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::{Debug, Write as _};
use std::sync::OnceLock;

use base64::Engine as _;
use chrono::{DateTime, Datelike as _, Duration, NaiveDate, NaiveDateTime, Utc};
use common::{appoint_car, appoint_core_team, make_plans_ready, new_case, person, review_meeting};
use escalation_core::aar::{AarSettings, AarStep, Improvement, ImprovementStatus, SignOffRole};
use escalation_core::alert::{CaseField, Condition, Op, Recipients, Rule};
use escalation_core::cadence::{CadenceInput, CadenceKind};
use escalation_core::case::{CaseFields, CaseFilter, CaseKind, CaseSort, Level, NewCase, Rating};
use escalation_core::closure::{
    Attendee, ConfirmedHow, ProcessSettings, RecurrenceInput, ReviewMeetingInput, ReviewOutcomeInput,
    VerificationInput, WarrantyInput,
};
use escalation_core::communication::{ContactKind, CustomerUpdateInput, ProgressInput, UpdateChannel};
use escalation_core::csv_io::{self, ImportDefaults, ImportRequest};
use escalation_core::desk::TeamDeskAddress;
use escalation_core::directory::{
    AgencyFields, DirectoryFilter, DirectoryKind, KeyContactInput, OrgKind, OrgRole, PersonFields, ServiceFields,
};
use escalation_core::figures::Period;
use escalation_core::identity::IdentityInput;
use escalation_core::ladder::LadderLevelInput;
use escalation_core::limits;
use escalation_core::mail::settings::{Security, SmtpSettings};
use escalation_core::page::PageRequest;
use escalation_core::plan::{Action, ActionStatus, PlanKind, PlanReviewInput, Resource, ResourceDecision};
use escalation_core::problem::NewProblem;
use escalation_core::stage::{Stage, StageAction};
use escalation_core::store::outbox::OutboxStatus;
use escalation_core::store::{
    aar, agencies, alerts, backup, briefings, case_file, cases, closure, communications, directory_csv, figures,
    ladder, live, mail_settings, outbox, people, plans, problems, sample, search, services, team, timeline, users,
};
use escalation_core::team::{Appointment, TeamRole, WorkOrderInput, AGREEING_ROLES};
use escalation_core::{Error, ErrorKind, Store};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Cases per command unless `PROPTEST_CASES` says otherwise.
const CASES: u32 = 64;
/// Cases for the commands that render a PDF (each render takes a while in a debug build).
const RENDER_CASES: u32 = 8;

// ------------------------------------------------------------------------------------------------
// The desk under test
// ------------------------------------------------------------------------------------------------

/// The rows of one seeded desk that the generated inputs pick from (besides ids that do not exist).
#[derive(Clone, Debug)]
struct Ids {
    cases: Vec<i64>,
    people: Vec<i64>,
    agencies: Vec<i64>,
    services: Vec<i64>,
    categories: Vec<i64>,
    /// Team members, each with their case.
    members: Vec<(i64, i64)>,
    problems: Vec<i64>,
    aars: Vec<i64>,
    sections: Vec<i64>,
    comments: Vec<i64>,
    events: Vec<i64>,
    outbox: Vec<i64>,
    alerts: Vec<i64>,
    rules: Vec<i64>,
    meetings: Vec<i64>,
    renders: Vec<i64>,
    agency_names: Vec<String>,
    service_names: Vec<String>,
    category_names: Vec<String>,
    /// A case in Review with no meeting scheduled yet.
    unscheduled: i64,
    /// A person on two active escalated cases (an order of work can be agreed for them), their
    /// cases, and a department manager who may agree it.
    overloaded: (i64, Vec<i64>, i64),
}

struct Template {
    sqlite: Vec<u8>,
    ids: Ids,
    /// A valid case file of one of the desk's cases.
    case_file: Vec<u8>,
}

struct Desk {
    t: common::TempStore,
}

fn ids_of(store: &Store, table: &str) -> Vec<i64> {
    let conn = store.conn().sqlite_connection();
    let mut stmt = conn.prepare(&format!("SELECT id FROM {table} ORDER BY id")).unwrap();
    let ids = stmt.query_map([], |r| r.get(0)).unwrap();
    ids.map(Result::unwrap).collect()
}

fn pairs_of(store: &Store, sql: &str) -> Vec<(i64, i64)> {
    let conn = store.conn().sqlite_connection();
    let mut stmt = conn.prepare(sql).unwrap();
    let pairs = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    pairs.map(Result::unwrap).collect()
}

fn names_of(store: &Store, table: &str) -> Vec<String> {
    let conn = store.conn().sqlite_connection();
    let mut stmt = conn.prepare(&format!("SELECT name FROM {table} ORDER BY id")).unwrap();
    let names = stmt.query_map([], |r| r.get(0)).unwrap();
    names.map(Result::unwrap).collect()
}

/// A new escalated case moved to Resolving, with its core team, plans and customer account rep.
fn resolving(store: &mut Store, ticket: &str) -> i64 {
    let case = cases::insert_case(store, &new_case(ticket, Level::Escalated)).unwrap();
    appoint_core_team(store, case.id);
    make_plans_ready(store, case.id);
    let mut case = cases::get_case(store, case.id).unwrap();
    for _ in 0..3 {
        case = cases::update_stage(store, case.id, case.version, StageAction::Advance, None).unwrap();
    }
    assert_eq!(case.stage, Stage::Resolving);
    appoint_car(store, case.id);
    case.id
}

/// Builds the seeded desk once (a few seconds in a debug build); every test copies its file.
fn template() -> &'static Template {
    static TEMPLATE: OnceLock<Template> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let mut t = common::sqlite_store();
        let s = &mut t.store;
        mail_settings::update_smtp_settings(
            s,
            &SmtpSettings {
                host: "127.0.0.1".into(),
                port: 2525,
                security: Security::Plain,
                username: String::new(),
                sender_name: "Escalation Desk".into(),
                sender_address: "escalations@doit.state.gov".into(),
                extra_ca_pem: String::new(),
            },
        )
        .unwrap();
        // The samples: a directory with roles, cases at several stages, a problem, mail.
        sample::insert_sample_data(s, "Dana Whitfield").unwrap();

        // A case in Review with its report distributed and its review meeting scheduled.
        let review = resolving(s, "INC0100001");
        common::start_warranty(s, review);
        common::finish_warranty(s, review);
        common::verify_satisfied(s, review);
        aar::insert_aar(s, review).unwrap();
        common::distribute_aar(s, review);
        closure::insert_review_meeting(s, review, &review_meeting(3)).unwrap();

        // A case in Resolving whose report is in review, with a comment, improvements, a sign-off
        // code waiting for the escalation manager, a cadence and customer contacts.
        let resolving_case = resolving(s, "INC0100004");
        let report = aar::insert_aar(s, resolving_case).unwrap();
        for section in &report.sections {
            aar::update_aar_section(s, section.id, section.version, "Written.").unwrap();
        }
        aar::insert_aar_comment(s, report.sections[0].id, "Check the times.").unwrap();
        let report = aar::get_aar(s.conn(), resolving_case).unwrap().unwrap();
        let report = aar::update_aar_improvements(
            s,
            report.id,
            report.version,
            &[Improvement {
                action: "Monthly failover test".into(),
                owner: "Priya Natarajan".into(),
                due_date: NaiveDate::from_ymd_opt(2030, 1, 31),
                status: ImprovementStatus::Open,
                sent_to_problem_at: None,
            }],
        )
        .unwrap();
        let report = aar::update_aar_status(s, report.id, report.version, AarStep::SubmitForReview).unwrap();
        aar::request_signoff_code(s, report.id, report.version, SignOffRole::EscalationManager).unwrap();
        communications::update_cadence(
            s,
            resolving_case,
            &CadenceInput {
                kind: CadenceKind::FixedTimes,
                every_hours: None,
                fixed_times: vec!["09:00".into(), "15:00".into()],
                working_days_only: true,
                time_zone: "America/Denver".into(),
            },
        )
        .unwrap();

        // The report's case related to the samples' problem (its improvements can be sent there).
        let problem: i64 = s
            .conn()
            .query_row(
                "SELECT problem_id FROM cases WHERE problem_id IS NOT NULL LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let version = cases::get_case(s, resolving_case).unwrap().version;
        problems::update_case_problem(s, resolving_case, version, Some(problem)).unwrap();

        // A case in Review with no meeting yet, one in its warranty, one in verification, one at intake.
        let review_unscheduled = resolving(s, "INC0100006");
        common::start_warranty(s, review_unscheduled);
        common::finish_warranty(s, review_unscheduled);
        common::verify_satisfied(s, review_unscheduled);
        let warranty = resolving(s, "INC0100002");
        common::start_warranty(s, warranty);
        let verification = resolving(s, "INC0100003");
        common::start_warranty(s, verification);
        common::finish_warranty(s, verification);
        let intake = cases::insert_case(s, &new_case("INC0100005", Level::Escalated))
            .unwrap()
            .id;

        // Someone on two active escalations, and a department manager to agree their order.
        let busy = person(s, "Sam Busy", "sam.busy@doit.state.gov", &[]);
        for case_id in [resolving_case, intake] {
            team::insert_member(
                s,
                case_id,
                &Appointment {
                    person_id: busy,
                    role: TeamRole::SubjectMatterExpert,
                },
            )
            .unwrap();
        }
        let manager = person(
            s,
            "Morgan Reyes",
            "morgan.reyes@doit.state.gov",
            &[OrgRole::DepartmentManager],
        );
        let load = team::list_staff_load(s).unwrap();
        let busy_cases: Vec<i64> = load
            .iter()
            .find(|l| l.person.id == busy)
            .expect("the busy person is on two escalations")
            .cases
            .iter()
            .map(|c| c.case.id)
            .collect();
        communications::update_case_contacts(s, resolving_case, ContactKind::Customer, &[busy, manager]).unwrap();

        // A ladder, a category and a rule of the desk's own.
        ladder::update_ladder(
            s,
            &[
                LadderLevelInput {
                    name: "Division director".into(),
                    person_ids: vec![manager],
                },
                LadderLevelInput {
                    name: "CIO".into(),
                    person_ids: vec![busy],
                },
            ],
        )
        .unwrap();
        agencies::insert_contact_category(s, "Vendor executive").unwrap();
        alerts::insert_alert_rule(
            s,
            &Rule {
                name: "Claims cases".into(),
                condition: Condition::Field {
                    field: CaseField::Text,
                    op: Op::Contains,
                    value: "claims".into(),
                },
                recipients: Recipients {
                    roles: vec![OrgRole::ExecutiveManagement],
                    people: vec![],
                },
                enabled: true,
            },
        )
        .unwrap();

        // A case file from another desk (this desk's own would be a duplicate).
        let case_file = {
            let mut other = common::sqlite_store();
            let case = cases::insert_case(&mut other.store, &new_case("INC0200001", Level::Escalated)).unwrap();
            case_file::export_case_file(&other.store, case.id).unwrap().0
        };
        let ids = Ids {
            cases: ids_of(s, "cases"),
            people: ids_of(s, "people"),
            agencies: ids_of(s, "agencies"),
            services: ids_of(s, "services"),
            categories: ids_of(s, "contact_categories"),
            members: pairs_of(s, "SELECT case_id, id FROM team_members ORDER BY id"),
            problems: ids_of(s, "problems"),
            aars: ids_of(s, "aars"),
            sections: ids_of(s, "aar_sections"),
            comments: ids_of(s, "aar_comments"),
            events: ids_of(s, "timeline_events"),
            outbox: ids_of(s, "outbox"),
            alerts: ids_of(s, "alerts"),
            rules: ids_of(s, "alert_rules"),
            meetings: ids_of(s, "review_meetings"),
            renders: ids_of(s, "aar_renders"),
            agency_names: names_of(s, "agencies"),
            service_names: names_of(s, "services"),
            category_names: names_of(s, "contact_categories"),
            unscheduled: review_unscheduled,
            overloaded: (busy, busy_cases, manager),
        };
        desk_reads(s).expect("the seeded desk reads");
        let path = t.path();
        let common::TempStore { store, dir, .. } = t;
        drop(store); // the last connection: SQLite folds the WAL into the file
        let sqlite = std::fs::read(&path).unwrap();
        drop(dir);
        Template { sqlite, ids, case_file }
    })
}

/// A fresh copy of the seeded desk, as Dana Whitfield.
fn desk() -> Desk {
    let template = template();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.sqlite3");
    std::fs::write(&path, &template.sqlite).unwrap();
    let store = Store::open(&path).unwrap();
    Desk {
        t: common::TempStore { store, dir, pg: None },
    }
}

// ------------------------------------------------------------------------------------------------
// The checks
// ------------------------------------------------------------------------------------------------

/// Every row of every table of a SQLite desk (the search index's tables too), by table, as
/// committed: read on a connection of its own ([`reader`]), so a write left uncommitted does not
/// count as unchanged, and the store's statement cache is left alone. Compared whole, not hashed.
#[derive(PartialEq)]
struct Digest(BTreeMap<String, Vec<Vec<rusqlite::types::Value>>>);

/// A read-only connection to the desk's file, for [`desk_digest`].
fn reader(store: &Store) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(store.path(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

fn desk_digest(db: &rusqlite::Connection) -> Digest {
    let tables: Vec<String> = db
        .prepare_cached("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut digest = BTreeMap::new();
    for table in tables {
        let sql = format!("SELECT * FROM \"{table}\" ORDER BY rowid");
        let mut stmt = match db.prepare_cached(&sql) {
            Ok(stmt) => stmt,
            // A table WITHOUT ROWID (the full-text index's own): ordered by all its columns.
            Err(_) => {
                let n = db
                    .prepare_cached(&format!("SELECT * FROM \"{table}\""))
                    .unwrap()
                    .column_count();
                let all: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
                db.prepare_cached(&format!("SELECT * FROM \"{table}\" ORDER BY {}", all.join(", ")))
                    .unwrap()
            }
        };
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| (0..n).map(|i| r.get(i)).collect())
            .unwrap()
            .map(Result::unwrap)
            .collect();
        digest.insert(table, rows);
    }
    Digest(digest)
}

impl Digest {
    /// The tables whose rows differ, except `allowed`.
    fn changed(&self, after: &Digest, allowed: &[&str]) -> Vec<String> {
        let names: std::collections::BTreeSet<&String> = self.0.keys().chain(after.0.keys()).collect();
        names
            .into_iter()
            .filter(|t| !allowed.contains(&t.as_str()) && self.0.get(*t) != after.0.get(*t))
            .cloned()
            .collect()
    }
}

/// Reads everything the screens read; the first failure, if any, in words.
fn desk_reads(s: &Store) -> Result<(), String> {
    fn ok<T>(what: &str, r: escalation_core::Result<T>) -> Result<T, String> {
        r.map_err(|e| format!("{what}: {e} ({:?})", e.kind()))
    }
    for id in ids_of(s, "cases") {
        ok(&format!("case {id}"), cases::get_case_detail(s, id))?;
        let chain = ok(&format!("timeline of case {id}"), timeline::verify_case_timeline(s, id))?;
        if !chain.is_intact() {
            return Err(format!("the timeline of case {id} is broken: {chain:?}"));
        }
        if ok(&format!("report of case {id}"), aar::get_aar(s.conn(), id))?.is_some() {
            ok(
                &format!("distribution suggestions of case {id}"),
                aar::list_distribution_suggestions(s, id),
            )?;
        }
    }
    for id in ids_of(s, "people") {
        ok(&format!("work orders of {id}"), team::list_work_orders(s, id))?;
    }
    let everything = CaseFilter {
        include_closed: true,
        ..CaseFilter::default()
    };
    ok("the case list", cases::list_cases(s, &everything, PageRequest::FIRST))?;
    ok(
        "warranties ending",
        cases::list_warranties_ending(s, PageRequest::FIRST),
    )?;
    ok("search", search::search(s, "claims", search::HITS_PER_KIND))?;
    let all = DirectoryFilter {
        text: None,
        include_retired: true,
    };
    ok("people", people::list_people(s, &all))?;
    ok("agencies", agencies::list_agencies(s, &all))?;
    ok("services", services::list_services(s, &all))?;
    ok("contact categories", agencies::list_contact_categories(s))?;
    for kind in [DirectoryKind::People, DirectoryKind::Agencies, DirectoryKind::Services] {
        ok(&format!("{kind:?} export"), directory_csv::export_csv(s, kind))?;
    }
    ok("staff load", team::list_staff_load(s))?;
    ok("agreeing people", people::list_people_with_role(s, &AGREEING_ROLES))?;
    ok("ladder", ladder::get_ladder(s.conn()))?;
    ok("alert rules", alerts::list_alert_rules(s))?;
    ok("open alerts", alerts::list_open_alerts(s, PageRequest::FIRST))?;
    ok("problems", problems::list_problems(s))?;
    ok("outbox", outbox::list_outbox(s, None, 500))?;
    ok("mail settings", mail_settings::get_smtp_settings(s))?;
    ok("mail pause", mail_settings::get_mail_pause(s))?;
    ok("report settings", aar::get_aar_settings(s.conn()))?;
    ok("process settings", closure::get_process_settings(s.conn()))?;
    ok("workstation", users::get_workstation(s))?;
    let today = escalation_core::store::now().date_naive();
    let year = Period {
        from: today - Duration::days(365),
        to: today,
    };
    ok("portfolio", figures::get_portfolio(s, &year))?;
    ok("backups", backup::list(s.path()))?;
    backup::kept(s);
    Ok(())
}

/// A refusal of something typed is the user's to act on: never an internal or a database error.
fn typed(e: &Error) -> bool {
    !matches!(e.kind(), ErrorKind::Internal | ErrorKind::Storage)
}

/// At most `max` characters of a value's `Debug` (formatting stops there: inputs can be huge).
fn shown(value: &impl Debug, max: usize) -> String {
    struct Bounded(String, usize);
    impl std::fmt::Write for Bounded {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            for c in s.chars() {
                if self.1 == 0 {
                    return Err(std::fmt::Error);
                }
                self.0.push(c);
                self.1 -= 1;
            }
            Ok(())
        }
    }
    let mut out = Bounded(String::new(), max);
    if write!(out, "{value:?}").is_err() {
        out.0.push_str("...");
    }
    out.0
}

/// `cases`, scaled by `PROPTEST_CASES` (which sets the number for a command of [`CASES`]).
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse::<u32>().ok())
        .map_or(cases, |n| (cases * n / CASES).max(1));
    Config {
        cases,
        // Failures are kept as regression tests in this file, not in files beside it.
        failure_persistence: None,
        max_shrink_iters: 256,
        ..Config::default()
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Does {
    /// Reads only: nothing changes, whatever the outcome.
    Read,
    /// May change the desk when it succeeds; a refusal changes nothing.
    Write,
}

/// Runs `call` on a fresh copy of the desk with `cases` inputs from `strategy`.
fn check<S>(
    command: &str,
    does: Does,
    cases: u32,
    strategy: S,
    call: impl Fn(&mut Store, S::Value) -> escalation_core::Result<()>,
) where
    S: Strategy,
    S::Value: Debug,
{
    check_on(&mut desk(), command, does, &[], cases, strategy, call);
}

/// As [`check`], on `desk`; a refusal may change the tables in `refusal_writes` (and only those).
fn check_on<S>(
    desk: &mut Desk,
    command: &str,
    does: Does,
    refusal_writes: &[&str],
    cases: u32,
    strategy: S,
    call: impl Fn(&mut Store, S::Value) -> escalation_core::Result<()>,
) where
    S: Strategy,
    S::Value: Debug,
{
    // The store, the inputs it accepted, and its digest when known (after a refusal or a read it
    // is the next case's "before").
    let db = reader(&desk.t.store);
    let state = RefCell::new((&mut desk.t.store, Vec::<String>::new(), None::<Digest>));
    let mut runner = TestRunner::new(config(cases));
    let outcome = runner.run(&strategy, |input| {
        let mut state = state.borrow_mut();
        let input_shown = shown(&input, 300);
        let before = match state.2.take() {
            Some(digest) => digest,
            None => desk_digest(&db),
        };
        let store = &mut *state.0;
        let result = call(store, input);
        prop_assert!(!store.conn().in_transaction(), "{command} left a transaction open");
        if let Err(e) = &result {
            prop_assert!(
                typed(e),
                "{command} failed with {:?} for user input: {}",
                e.kind(),
                shown(&e.to_string(), 500)
            );
        }
        if result.is_err() || does == Does::Read {
            let after = desk_digest(&db);
            let changed = before.changed(&after, refusal_writes);
            prop_assert!(
                changed.is_empty(),
                "{command} {} and changed {changed:?}",
                match &result {
                    Ok(()) => "read".to_owned(),
                    Err(e) => format!("refused ({})", shown(&e.to_string(), 300)),
                }
            );
            if refusal_writes.is_empty() {
                state.2 = Some(after);
            }
        } else {
            state.1.push(input_shown);
        }
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{command}: {e}");
    }
    let (store, accepted, _) = state.into_inner();
    if let Err(e) = desk_reads(store) {
        panic!(
            "{command}: after the inputs it accepted, the desk does not read: {e}\naccepted:\n{}",
            accepted.join("\n")
        );
    }
}

// ------------------------------------------------------------------------------------------------
// Generators
// ------------------------------------------------------------------------------------------------

/// Pieces of text that break naive handling: controls, NUL, bidi and zero-width characters,
/// combining marks, astral characters, quotes, SQL and LIKE wildcards, markup, formulas, paths.
const NASTY: &[&str] = &[
    "\0",
    "\r\n",
    "\n",
    "\r",
    "\t",
    "\u{7}",
    "\u{7f}",
    "\u{1b}[2J",
    "\u{85}",
    "\u{2028}",
    "\u{202e}",
    "\u{2066}",
    "\u{2069}",
    "\u{200b}",
    "\u{200d}",
    "\u{feff}",
    "\u{fffd}",
    "\u{fffe}",
    "\u{10ffff}",
    "\u{a0}",
    "\u{3000}",
    "e\u{301}",
    "\u{301}",
    "👩\u{200d}👩\u{200d}👧",
    "𝕏",
    "ß",
    "İ",
    "ﬁ",
    "'",
    "\"",
    "\\",
    "%",
    "_",
    "*",
    "`",
    "'; DROP TABLE cases; --",
    "<script>alert(1)</script>",
    "=HYPERLINK(\"http://x\")",
    "+cmd|' /C calc'!A0",
    "${x}{{y}}",
    "%s%n%x",
    "../../etc/passwd",
    "C:\\Windows\\",
    "> > > ",
    "- - - ",
    "# ",
    "| a | b |\n|---|---|",
    "[x](javascript:alert(1))",
    "```",
    "<!--",
    " ",
];

/// Characters a huge text is made of.
const HUGE_OF: &[char] = &['x', 'é', '𝕏', ' ', '\0', '\u{202e}', '\n', '>'];

/// Every text limit of `limits.rs` (and the search's), to land just below, on and past.
const LIMITS: &[usize] = &[
    limits::TICKET_CHARS,
    limits::TITLE_CHARS,
    limits::DESCRIPTION_CHARS,
    limits::NAME_CHARS,
    limits::EMAIL_CHARS,
    limits::PHONE_CHARS,
    limits::REASON_CHARS,
    limits::HEADLINE_CHARS,
    limits::NOTE_CHARS,
    limits::LINE_CHARS,
    limits::ACTION_CHARS,
    limits::RULE_VALUE_CHARS,
    limits::MARKING_CHARS,
    limits::AAR_SECTION_CHARS,
    limits::AAR_COMMENT_CHARS,
    escalation_core::search::MAX_QUERY_CHARS,
];

/// Text of any content and size.
fn text() -> BoxedStrategy<String> {
    prop_oneof![
        2 => Just(String::new()),
        1 => prop::sample::select(vec![" ", "\t\r\n", "\u{a0}\u{3000}", "\u{200b}", "\0"]).prop_map(String::from),
        4 => prop::collection::vec(any::<char>(), 1..40).prop_map(String::from_iter),
        4 => prop::collection::vec(prop::sample::select(NASTY), 1..8).prop_map(|p| p.concat()),
        3 => prop::sample::select(vec![
            "Claims portal down",
            "Dana Whitfield",
            "INC0012345",
            "dana.whitfield@doit.state.gov",
            "America/Denver",
            "09:00",
            "2024-02-29",
            "P1",
            "escalated",
            "a",
        ])
        .prop_map(String::from),
        2 => (prop::sample::select(LIMITS), -1isize..=1, prop::sample::select(vec!['x', 'é', '𝕏']))
            .prop_map(|(n, d, c)| std::iter::repeat_n(c, n.saturating_add_signed(d)).collect()),
        1 => (prop::sample::select(HUGE_OF), 100_000usize..400_000).prop_map(|(c, n)| std::iter::repeat_n(c, n).collect()),
    ]
    .boxed()
}

/// Text a person might type into a field: never blank and within every limit, but of any
/// characters (controls, NUL, bidi, quotes, markup among them), so accepted text is hostile too.
fn words() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "Claims portal down",
            "Dana Whitfield",
            "Department of Workforce Solutions",
            "José Núñez",
            "Ørsted & Søn",
            "李小龍",
            "O'Brien",
            "x",
        ])
        .prop_map(String::from),
        2 => (prop::collection::vec(any::<char>(), 0..20), "[A-Za-z]{1,8}")
            .prop_map(|(c, w)| format!("{w}{}", String::from_iter(c))),
        2 => (prop::collection::vec(prop::sample::select(NASTY), 1..4), "[A-Za-z]{1,8}")
            .prop_map(|(p, w)| format!("{}{w}{}", p.concat(), p.concat())),
    ]
    .boxed()
}

/// A text field of a form: mostly [`words`], sometimes any [`text`] at all.
fn field() -> BoxedStrategy<String> {
    prop_oneof![4 => words(), 1 => text()].boxed()
}

fn opt_text() -> BoxedStrategy<Option<String>> {
    prop::option::of(text()).boxed()
}

/// An email address field: valid ones, nearly valid ones, and any text.
fn email() -> BoxedStrategy<String> {
    prop_oneof![
        2 => text(),
        2 => prop::sample::select(vec![
            "dana.whitfield@doit.state.gov",
            "priya.natarajan@doit.state.gov",
            "DANA.WHITFIELD@DOIT.STATE.GOV",
            " sam.busy@doit.state.gov ",
            "a@b",
            "a@b.c",
            "\"quoted name\"@agency.gov",
            "a@[127.0.0.1]",
            "ä@ü.de",
            "a@b.gov\r\nBcc: evil@example.com",
            "a@b.gov, c@d.gov",
            "Dana <dana@agency.gov>",
            "@agency.gov",
            "dana@",
        ])
        .prop_map(String::from),
        1 => (1usize..300).prop_map(|n| format!("{}@agency.gov", "a".repeat(n))),
        4 => "[a-z]{1,10}\\.[a-z]{1,10}@[a-z]{2,8}\\.(gov|org)",
    ]
    .boxed()
}

/// A number of a range (of hours, days, minutes), mostly inside it.
fn mostly(range: std::ops::RangeInclusive<u32>) -> BoxedStrategy<u32> {
    prop_oneof![3 => range, 1 => wild_u32()].boxed()
}

/// A ticket number field.
fn ticket() -> BoxedStrategy<String> {
    prop_oneof![
        2 => "[A-Za-z]{0,4}[0-9]{1,10}",
        1 => "[A-Z0-9-]{30,34}",
        1 => Just("INC0100001".to_owned()),
        2 => text(),
    ]
    .boxed()
}

/// A number a store takes as an id, a version or a count: the extremes, negative, zero, any.
fn wild() -> BoxedStrategy<i64> {
    prop_oneof![
        Just(i64::MIN),
        Just(i64::MAX),
        Just(-1i64),
        Just(0i64),
        Just(i64::from(i32::MAX) + 1),
        any::<i64>(),
        1i64..20,
        1_000_000i64..1_000_100,
    ]
    .boxed()
}

/// An id: one of `real` (rows of the desk), or one that does not exist.
fn id_in(real: &[i64]) -> BoxedStrategy<i64> {
    if real.is_empty() {
        return wild();
    }
    prop_oneof![3 => prop::sample::select(real.to_vec()), 1 => wild()].boxed()
}

fn opt_id_in(real: &[i64]) -> BoxedStrategy<Option<i64>> {
    prop::option::of(id_in(real)).boxed()
}

fn ids_in(real: &[i64]) -> BoxedStrategy<Vec<i64>> {
    prop_oneof![
        6 => prop::collection::vec(id_in(real), 0..6),
        1 => prop::collection::vec(any::<i64>(), 1000..3000),
    ]
    .boxed()
}

fn wild_u32() -> BoxedStrategy<u32> {
    prop_oneof![
        Just(0u32),
        Just(1u32),
        Just(u32::MAX),
        Just(u32::MAX - 1),
        any::<u32>(),
        0u32..1000
    ]
    .boxed()
}

/// The version (or revision, or sequence) a change names: the current one, or any other.
#[derive(Clone, Copy, Debug)]
enum Ver {
    Current,
    Given(i64),
}

fn ver() -> BoxedStrategy<Ver> {
    prop_oneof![3 => Just(Ver::Current), 1 => wild().prop_map(Ver::Given)].boxed()
}

impl Ver {
    /// The version to send: the given one, or the row's current one read with `sql`.
    fn of(self, s: &Store, sql: &str, id: i64) -> i64 {
        match self {
            Ver::Given(v) => v,
            Ver::Current => s.conn().query_row(sql, [id], |r| r.get(0)).unwrap_or(0),
        }
    }
}

const CASE_VERSION: &str = "SELECT version FROM cases WHERE id = ?1";
const AAR_VERSION: &str = "SELECT version FROM aars WHERE id = ?1";
const SECTION_VERSION: &str = "SELECT version FROM aar_sections WHERE id = ?1";

fn ymd_hms(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32, ms: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_milli_opt(h, mi, s, ms)
        .unwrap()
        .and_utc()
}

/// An instant: the representable extremes, years 0, 1, 9999 and 10000, the epoch and just
/// before it, leap days, a leap second, near now on both sides, and any.
fn instant() -> BoxedStrategy<DateTime<Utc>> {
    let now = escalation_core::store::now();
    prop_oneof![
        1 => prop::sample::select(vec![
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
            ymd_hms(-1, 12, 31, 23, 59, 59, 999),
            ymd_hms(0, 1, 1, 0, 0, 0, 0),
            ymd_hms(1, 1, 1, 0, 0, 0, 0),
            ymd_hms(9999, 12, 31, 23, 59, 59, 999),
            ymd_hms(10000, 1, 1, 0, 0, 0, 0),
            DateTime::UNIX_EPOCH,
            DateTime::UNIX_EPOCH - Duration::milliseconds(1),
            ymd_hms(2024, 2, 29, 12, 0, 0, 0),
            ymd_hms(2000, 2, 29, 0, 0, 0, 0),
            // 23:59:60.5, a leap second.
            ymd_hms(2016, 12, 31, 23, 59, 59, 1500),
            DateTime::from_timestamp(i64::from(i32::MAX), 0).unwrap(),
        ]),
        2 => (-20_000i64..20_000).prop_map(move |m| now + Duration::minutes(m)),
        1 => (-1000i64..1000).prop_map(move |d| now + Duration::days(d)),
        1 => (DateTime::<Utc>::MIN_UTC.timestamp_millis()..=DateTime::<Utc>::MAX_UTC.timestamp_millis())
            .prop_map(|ms| DateTime::from_timestamp_millis(ms).unwrap()),
        1 => (any::<i64>(), 0u32..2_000_000_000).prop_map(|(s, ns)| DateTime::from_timestamp(s, ns).unwrap_or_default()),
    ]
    .boxed()
}

/// A calendar day: the representable extremes, years 0, 1, 9999 and 10000, the epoch, leap days,
/// near today, and any.
fn day() -> BoxedStrategy<NaiveDate> {
    let today = escalation_core::store::now().date_naive();
    let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    prop_oneof![
        1 => prop::sample::select(vec![
            NaiveDate::MIN,
            NaiveDate::MAX,
            ymd(-1, 12, 31),
            ymd(0, 1, 1),
            ymd(1, 1, 1),
            ymd(1970, 1, 1),
            ymd(1969, 12, 31),
            ymd(2024, 2, 29),
            ymd(1900, 2, 28),
            ymd(9999, 12, 31),
            ymd(10000, 1, 1),
        ]),
        2 => (-1000i64..1000).prop_map(move |d| today + Duration::days(d)),
        1 => (NaiveDate::MIN.num_days_from_ce()..=NaiveDate::MAX.num_days_from_ce())
            .prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).unwrap()),
    ]
    .boxed()
}

fn page() -> BoxedStrategy<PageRequest> {
    let n = || {
        prop_oneof![
            Just(0u32),
            Just(1u32),
            Just(25u32),
            Just(200u32),
            Just(201u32),
            Just(u32::MAX),
            any::<u32>()
        ]
    };
    (n(), n())
        .prop_map(|(offset, limit)| PageRequest { offset, limit })
        .boxed()
}

fn period() -> BoxedStrategy<Period> {
    prop_oneof![
        (day(), day()).prop_map(|(from, to)| Period { from, to }),
        (day(), -2i64..800).prop_map(|(from, n)| Period {
            from,
            to: from.checked_add_signed(Duration::days(n)).unwrap_or(from),
        }),
    ]
    .boxed()
}

fn time_zone() -> BoxedStrategy<String> {
    prop_oneof![
        2 => prop::sample::select(vec![
            "America/Denver",
            "UTC",
            "Etc/GMT+12",
            "Etc/GMT-14",
            "Pacific/Kiritimati",
            "Asia/Kathmandu",
            "Australia/Lord_Howe",
            " America/Denver ",
            "america/denver",
            "America/Nowhere",
            "Local",
            "+05:30",
        ])
        .prop_map(String::from),
        1 => text(),
    ]
    .boxed()
}

fn level() -> impl Strategy<Value = Level> {
    prop::sample::select(vec![Level::Escalated, Level::Elevated])
}

fn rating() -> impl Strategy<Value = Rating> {
    prop::sample::select(vec![Rating::High, Rating::Medium, Rating::Low])
}

fn org_roles() -> impl Strategy<Value = Vec<OrgRole>> {
    prop::collection::vec(prop::sample::select(OrgRole::ALL.to_vec()), 0..4)
}

fn team_role() -> impl Strategy<Value = TeamRole> {
    prop::sample::select(TeamRole::ALL.to_vec())
}

fn name_in(real: &[String]) -> BoxedStrategy<String> {
    prop_oneof![1 => prop::sample::select(real.to_vec()), 1 => field()].boxed()
}

fn case_fields(ids: &Ids) -> BoxedStrategy<CaseFields> {
    (
        (
            prop::sample::select(vec![CaseKind::Incident, CaseKind::ServiceRequest]),
            ticket(),
            field(),
            text(),
        ),
        (
            name_in(&ids.agency_names),
            name_in(&ids.service_names),
            opt_id_in(&ids.agencies),
            opt_id_in(&ids.services),
        ),
        (rating(), rating(), field(), field()),
    )
        .prop_map(
            |(
                (kind, ticket, title, description),
                (agency, affected_service, agency_id, service_id),
                (impact, urgency, reported_by, escalation_manager),
            )| CaseFields {
                kind,
                ticket,
                title,
                description,
                agency,
                affected_service,
                agency_id,
                service_id,
                impact,
                urgency,
                reported_by,
                escalation_manager,
            },
        )
        .boxed()
}

fn person_fields() -> BoxedStrategy<PersonFields> {
    (
        (
            field(),
            email(),
            prop_oneof![text(), "[0-9 +().x-]{0,45}".boxed()],
            text(),
        ),
        (
            text(),
            prop::sample::select(OrgKind::ALL.to_vec()),
            field(),
            org_roles(),
        ),
    )
        .prop_map(
            |((name, email, phone, title), (department, organization_kind, organization, roles))| PersonFields {
                name,
                email,
                phone,
                title,
                department,
                organization_kind,
                organization,
                roles,
            },
        )
        .boxed()
}

fn agency_fields(ids: &Ids) -> BoxedStrategy<AgencyFields> {
    let contact = (id_in(&ids.people), id_in(&ids.categories))
        .prop_map(|(person_id, category_id)| KeyContactInput { person_id, category_id });
    (
        field(),
        text(),
        opt_id_in(&ids.people),
        opt_id_in(&ids.people),
        prop::collection::vec(contact, 0..4),
    )
        .prop_map(
            |(name, business_segment, abrm_id, customer_account_rep_id, contacts)| AgencyFields {
                name,
                business_segment,
                abrm_id,
                customer_account_rep_id,
                contacts,
            },
        )
        .boxed()
}

fn service_fields(ids: &Ids) -> BoxedStrategy<ServiceFields> {
    (field(), opt_id_in(&ids.people), opt_id_in(&ids.people))
        .prop_map(|(name, owner_id, manager_id)| ServiceFields {
            name,
            owner_id,
            manager_id,
        })
        .boxed()
}

fn directory_filter() -> BoxedStrategy<DirectoryFilter> {
    (opt_text(), any::<bool>())
        .prop_map(|(text, include_retired)| DirectoryFilter { text, include_retired })
        .boxed()
}

fn plan_kind() -> impl Strategy<Value = PlanKind> {
    prop::sample::select(vec![PlanKind::Escalation, PlanKind::Technical])
}

fn plan_action(ids: &Ids) -> BoxedStrategy<Action> {
    let status = prop_oneof![
        Just(ActionStatus::Open),
        Just(ActionStatus::InProgress),
        Just(ActionStatus::Done),
        field().prop_map(ActionStatus::Dropped),
    ];
    let resource = (
        text(),
        text(),
        prop::sample::select(vec![
            ResourceDecision::Requested,
            ResourceDecision::Approved,
            ResourceDecision::Refused,
        ]),
    )
        .prop_map(|(what, from_whom, decision)| Resource {
            what,
            from_whom,
            decision,
        });
    (
        prop_oneof![
            Just(String::new()),
            Just("a1".to_owned()),
            Just("a4294967295".to_owned()),
            Just("a4294967296".to_owned()),
            Just("a-1".to_owned()),
            text(),
        ],
        field(),
        opt_id_in(&ids.people),
        prop::option::of(instant()),
        status,
        prop::collection::vec(resource, 0..3),
    )
        .prop_map(|(id, description, owner_id, due, status, resources)| Action {
            id,
            description,
            owner_id,
            due,
            status,
            resources,
        })
        .boxed()
}

/// A condition of an alert rule, nested up to a few levels (and one chain nested 60 deep: what
/// one IPC message can carry, as serde_json reads at most 128 levels).
fn condition(ids: &Ids) -> BoxedStrategy<Condition> {
    let field = prop::sample::select(vec![
        CaseField::Agency,
        CaseField::Service,
        CaseField::Priority,
        CaseField::Level,
        CaseField::Stage,
        CaseField::AgeHours,
        CaseField::Text,
    ]);
    let op = prop::sample::select(vec![Op::Is, Op::IsNot, Op::Contains, Op::AtLeast]);
    let value = prop_oneof![
        prop::sample::select(vec![
            "P1",
            "p4",
            "P0",
            "escalated",
            "review",
            "24",
            "4294967296",
            "-1",
            "claims"
        ])
        .prop_map(String::from),
        text(),
    ];
    let leaf = prop_oneof![
        (field, op, value).prop_map(|(field, op, value)| Condition::Field { field, op, value }),
        prop::collection::vec(name_in(&ids.category_names), 0..3)
            .prop_map(|categories| Condition::KeyContact { categories }),
        wild_u32().prop_map(|hours| Condition::EscalatedLongerThan { hours }),
    ];
    let tree = leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|of| Condition::All { of }),
            prop::collection::vec(inner, 0..4).prop_map(|of| Condition::Any { of }),
        ]
    });
    prop_oneof![
        8 => tree,
        1 => Just((0..60).fold(
            Condition::EscalatedLongerThan { hours: 1 },
            |c, i| if i % 2 == 0 { Condition::All { of: vec![c] } } else { Condition::Any { of: vec![c] } },
        )),
    ]
    .boxed()
}

fn rule(ids: &Ids) -> BoxedStrategy<Rule> {
    (
        field(),
        condition(ids),
        org_roles(),
        prop::collection::vec(id_in(&ids.people), 0..3),
        any::<bool>(),
    )
        .prop_map(|(name, condition, roles, people, enabled)| Rule {
            name,
            condition,
            recipients: Recipients { roles, people },
            enabled,
        })
        .boxed()
}

fn sign_off_role() -> impl Strategy<Value = SignOffRole> {
    prop::sample::select(vec![SignOffRole::EscalationManager, SignOffRole::Abrm])
}

fn aar_step() -> impl Strategy<Value = AarStep> {
    prop_oneof![
        Just(AarStep::SubmitForReview),
        Just(AarStep::ReturnToDraft),
        Just(AarStep::StartNewRevision),
        sign_off_role().prop_map(AarStep::SignOff),
    ]
}

/// Markdown meant to strain the report: nesting past the limit, long tables, raw HTML.
fn markdown() -> BoxedStrategy<String> {
    prop_oneof![
        3 => text(),
        1 => (1usize..40, prop::sample::select(vec!["> ", "- ", "1. ", "* > "])).prop_map(|(n, p)| format!("{}text", p.repeat(n))),
        1 => (1usize..400).prop_map(|n| format!("| a | b |\n|---|---|\n{}", "| x | y |\n".repeat(n))),
        1 => Just("<div><table><tr><td>raw".to_owned()),
        1 => (1usize..2000).prop_map(|n| "[".repeat(n)),
    ]
    .boxed()
}

fn improvement() -> BoxedStrategy<Improvement> {
    (
        field(),
        field(),
        prop::option::of(day()),
        prop::sample::select(vec![
            ImprovementStatus::Open,
            ImprovementStatus::InProgress,
            ImprovementStatus::Done,
        ]),
        prop::option::of(instant()),
    )
        .prop_map(|(action, owner, due_date, status, sent_to_problem_at)| Improvement {
            action,
            owner,
            due_date,
            status,
            sent_to_problem_at,
        })
        .boxed()
}

fn review_meeting_input() -> BoxedStrategy<ReviewMeetingInput> {
    let address = prop_oneof![2 => "[a-z]{1,10}@[a-z]{2,8}\\.gov".boxed(), 1 => email()];
    let attendee = (field(), address).prop_map(|(name, email)| Attendee { name, email });
    (
        instant(),
        mostly(15..=480),
        field(),
        prop_oneof![
            6 => prop::collection::vec(attendee, 0..4),
            1 => Just(vec![Attendee { name: "Robert Chavez".into(), email: "cio@doit.state.gov".into() }; 300]),
        ],
        text(),
    )
        .prop_map(
            |(starts_at, duration_minutes, location, attendees, agenda)| ReviewMeetingInput {
                starts_at,
                duration_minutes,
                location,
                attendees,
                agenda,
            },
        )
        .boxed()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Base64 of `valid` with a few bytes changed, or cut short, or any bytes; or text that is not
/// base64 at all.
fn file_base64(valid: Vec<u8>) -> BoxedStrategy<String> {
    let len = valid.len().max(1);
    let flipped = valid.clone();
    let cut = valid.clone();
    prop_oneof![
        2 => text(),
        2 => prop::collection::vec(any::<u8>(), 0..4096).prop_map(|b| b64(&b)),
        3 => prop::collection::vec((0..len, any::<u8>()), 1..8).prop_map(move |changes| {
            let mut b = flipped.clone();
            for (at, byte) in changes {
                if let Some(x) = b.get_mut(at) {
                    *x ^= byte.max(1);
                }
            }
            b64(&b)
        }),
        1 => (0..len).prop_map(move |n| b64(&cut[..n])),
        1 => Just(b64(&valid)),
    ]
    .boxed()
}

// ------------------------------------------------------------------------------------------------
// Who is at the desk, which desk
// ------------------------------------------------------------------------------------------------

fn identity() -> BoxedStrategy<IdentityInput> {
    (field(), email(), field())
        .prop_map(|(name, email, role)| IdentityInput { name, email, role })
        .boxed()
}

#[test]
fn any_identity_is_set_or_refused_with_a_typed_error_and_changes_nothing_when_refused() {
    check("set_identity", Does::Write, CASES, identity(), |s, input| {
        users::update_current_user(s, &input).map(drop)
    });
    check("get_workstation", Does::Read, 1, Just(()), |s, ()| {
        users::get_workstation(s).map(drop)
    });
}

#[test]
fn the_samples_load_into_an_empty_desk_as_any_identity_or_nothing_is_written() {
    let mut runner = TestRunner::new(config(12));
    let outcome = runner.run(&identity(), |input| {
        let mut t = common::sqlite_store_without_identity();
        let s = &mut t.store;
        if users::update_current_user(s, &input).is_err() {
            return Ok(());
        }
        let me = users::get_current_user(s).unwrap().expect("an identity was set");
        let db = reader(s);
        let before = desk_digest(&db);
        match sample::insert_sample_data(s, &me.name) {
            Ok(_) => prop_assert!(desk_reads(s).is_ok(), "the samples read"),
            Err(e) => {
                prop_assert!(typed(&e), "load_sample_data: {:?} {e}", e.kind());
                let changed = before.changed(&desk_digest(&db), &[]);
                prop_assert!(
                    changed.is_empty(),
                    "load_sample_data refused ({e}) and changed {changed:?}"
                );
            }
        }
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("load_sample_data: {e}");
    }
    // On a desk with cases the samples are refused, and nothing changes.
    check("load_sample_data", Does::Write, 1, Just(()), |s, ()| {
        sample::insert_sample_data(s, "Dana Whitfield").map(drop)
    });
}

#[test]
fn a_team_desk_address_of_any_content_is_checked_without_panicking() {
    let address = (
        prop_oneof![text(), Just("db.doit.state.gov".to_owned()), Just("[::1]".to_owned())],
        any::<u16>(),
        text(),
        text(),
        opt_text(),
    )
        .prop_map(|(host, port, database, user, ca_file)| TeamDeskAddress {
            host,
            port,
            database,
            user,
            ca_file,
        });
    // connect_team_desk: the address is checked in core; connecting, the keyring and the saved
    // address are the app's.
    let command = "connect_team_desk";
    let mut runner = TestRunner::new(config(CASES * 2));
    let outcome = runner.run(&address, |a| {
        match a.validated() {
            Ok(a) => {
                let _ = (a.url(), a.keyring_account());
            }
            Err(e) => prop_assert!(typed(&e), "{command}: {:?} {e}", e.kind()),
        }
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{command}: {e}");
    }
}

// ------------------------------------------------------------------------------------------------
// Cases
// ------------------------------------------------------------------------------------------------

#[test]
fn the_case_list_search_and_case_page_read_any_filter_page_query_and_id_and_change_nothing() {
    let ids = template().ids.clone();
    let stage = prop::option::of(prop::sample::select(Stage::ALL.to_vec()));
    let sort = prop::sample::select(vec![
        CaseSort::Priority,
        CaseSort::OldestFirst,
        CaseSort::NewestFirst,
        CaseSort::Ticket,
    ]);
    let filter = (opt_text(), stage, any::<bool>(), prop::option::of(level()), sort).prop_map(
        |(text, stage, include_closed, level, sort)| CaseFilter {
            text,
            stage,
            include_closed,
            level,
            sort,
        },
    );
    check(
        "list_cases",
        Does::Read,
        CASES,
        (filter, page()),
        |s, (filter, page)| cases::list_cases(s, &filter, page).map(drop),
    );
    check("list_warranties_ending", Does::Read, CASES, page(), |s, page| {
        cases::list_warranties_ending(s, page).map(drop)
    });
    check("search_desk", Does::Read, CASES, text(), |s, query| {
        search::search(s, &query, search::HITS_PER_KIND).map(drop)
    });
    check("get_case", Does::Read, CASES, id_in(&ids.cases), |s, id| {
        cases::get_case_detail(s, id).map(drop)
    });
    check("verify_timeline", Does::Read, CASES, id_in(&ids.cases), |s, id| {
        timeline::verify_case_timeline(s, id).map(drop)
    });
}

#[test]
fn intake_and_case_edits_accept_or_refuse_any_fields_and_a_refusal_changes_nothing() {
    let ids = template().ids.clone();
    let new = (case_fields(&ids), level(), field()).prop_map(|(fields, level, level_reason)| NewCase {
        fields,
        level,
        level_reason,
    });
    check("open_case", Does::Write, CASES, new, |s, input| {
        cases::insert_case(s, &input).map(drop)
    });
    check(
        "update_case",
        Does::Write,
        CASES,
        (id_in(&ids.cases), ver(), case_fields(&ids)),
        |s, (id, v, fields)| {
            let v = v.of(s, CASE_VERSION, id);
            cases::update_case(s, id, v, &fields)?;
            cases::get_case_detail(s, id).map(drop)
        },
    );
    check(
        "change_level",
        Does::Write,
        CASES,
        (id_in(&ids.cases), ver(), level(), text()),
        |s, (id, v, level, reason)| {
            let v = v.of(s, CASE_VERSION, id);
            cases::update_level(s, id, v, level, &reason)?;
            cases::get_case_detail(s, id).map(drop)
        },
    );
    check(
        "take_stage_action",
        Does::Write,
        CASES,
        (
            id_in(&ids.cases),
            ver(),
            prop::sample::select(StageAction::ALL.to_vec()),
            opt_text(),
        ),
        |s, (id, v, action, reason)| {
            let v = v.of(s, CASE_VERSION, id);
            cases::update_stage(s, id, v, action, reason.as_deref())?;
            cases::get_case_detail(s, id).map(drop)
        },
    );
}

#[test]
fn problems_are_created_and_related_from_any_input_or_refused_without_a_trace() {
    let ids = template().ids.clone();
    let problem = (ticket(), field()).prop_map(|(ticket, title)| NewProblem { ticket, title });
    check(
        "create_problem",
        Does::Write,
        CASES,
        (id_in(&ids.cases), ver(), problem),
        |s, (id, v, input)| {
            let v = v.of(s, CASE_VERSION, id);
            problems::insert_problem(s, id, v, &input)?;
            cases::get_case_detail(s, id).map(drop)
        },
    );
    check(
        "relate_problem",
        Does::Write,
        CASES,
        (id_in(&ids.cases), ver(), opt_id_in(&ids.problems)),
        |s, (id, v, problem_id)| {
            let v = v.of(s, CASE_VERSION, id);
            problems::update_case_problem(s, id, v, problem_id)?;
            cases::get_case_detail(s, id).map(drop)
        },
    );
    check("list_problems", Does::Read, 1, Just(()), |s, ()| {
        problems::list_problems(s).map(drop)
    });
}

#[test]
fn case_files_export_any_id_and_import_any_bytes_or_refuse_and_change_nothing() {
    let template = template();
    let ids = template.ids.clone();
    check("export_case_file", Does::Read, CASES / 2, id_in(&ids.cases), |s, id| {
        case_file::write_case_file(s, id).map(drop)
    });
    check(
        "import_case_file",
        Does::Write,
        CASES,
        file_base64(template.case_file.clone()),
        |s, file| case_file::import_case_file_base64(s, &file).map(drop),
    );
}

#[test]
fn briefings_and_the_portfolio_take_any_period_and_case_id_and_change_nothing() {
    let ids = template().ids.clone();
    check("get_portfolio", Does::Read, CASES, period(), |s, period| {
        figures::get_portfolio(s, &period).map(drop)
    });
    check(
        "render_portfolio_briefing",
        Does::Read,
        RENDER_CASES,
        period(),
        |s, period| briefings::write_portfolio_briefing(s, &period).map(drop),
    );
    check(
        "render_case_briefing",
        Does::Read,
        RENDER_CASES,
        id_in(&ids.cases),
        |s, id| briefings::write_case_briefing(s, id).map(drop),
    );
    // open_briefing: core checks the path is one of this desk's briefings; the viewer is the app's.
    let mut d = desk();
    let written = briefings::write_case_briefing(&d.t.store, ids.cases[0]).unwrap().path;
    let dir = d.t.dir.path().display().to_string();
    let paths = prop_oneof![
        3 => text(),
        1 => Just(written.clone()),
        1 => Just(format!("{written}/../../desk.sqlite3")),
        1 => Just(format!("{dir}/desk.sqlite3")),
        1 => Just(format!("{dir}/briefings/../desk.sqlite3")),
        1 => Just("/etc/passwd".to_owned()),
        1 => Just("/dev/zero".to_owned()),
    ];
    check_on(&mut d, "open_briefing", Does::Read, &[], CASES, paths, |s, path| {
        briefings::check_briefing_file(s, &path)
    });
}

// ------------------------------------------------------------------------------------------------
// Backups
// ------------------------------------------------------------------------------------------------

#[test]
fn backups_are_listed_kept_in_any_number_and_restored_by_any_name_or_refused() {
    check("get_backups", Does::Read, 1, Just(()), |s, ()| {
        backup::kept(s);
        backup::list(s.path()).map(drop)
    });
    check("set_backups_kept", Does::Write, CASES, wild(), |s, kept| {
        backup::set_kept(s, kept).map(drop)
    });
    // restore_backup: core checks the named backup and marks it for the next start (the restart
    // is the app's). No backup of this desk exists, so every name is refused.
    let names = prop_oneof![
        3 => text(),
        1 => Just("desk.sqlite3".to_owned()),
        1 => Just("../desk.sqlite3".to_owned()),
        1 => Just("desk-20240229T120000Z-daily.sqlite3".to_owned()),
        1 => Just("desk-20240229T120000Z-before-v99999999999999999999.sqlite3".to_owned()),
        1 => Just("desk-99999999T999999Z-daily.sqlite3".to_owned()),
        1 => "desk-[0-9]{8}T[0-9]{6}Z-(daily|replaced|before-v-?[0-9]{1,3})\\.sqlite3",
    ];
    check("restore_backup", Does::Read, CASES, names, |s, name| {
        let path = s.path().to_path_buf();
        match backup::restore_at_next_start(&path, &name) {
            Ok(checked) => Err(Error::Internal(format!(
                "a backup that does not exist was accepted: {checked:?}"
            ))),
            Err(e) => Err(e),
        }
    });
}

// ------------------------------------------------------------------------------------------------
// Directory
// ------------------------------------------------------------------------------------------------

#[test]
fn people_agencies_and_services_accept_or_refuse_any_fields_and_a_refusal_changes_nothing() {
    let ids = template().ids.clone();
    check("list_people", Does::Read, CASES, directory_filter(), |s, f| {
        people::list_people(s, &f).map(drop)
    });
    check("add_person", Does::Write, CASES, person_fields(), |s, f| {
        people::insert_person(s, &f).map(drop)
    });
    check(
        "update_person",
        Does::Write,
        CASES,
        (id_in(&ids.people), ver(), person_fields()),
        |s, (id, v, f)| {
            let v = v.of(s, "SELECT version FROM people WHERE id = ?1", id);
            people::update_person(s, id, v, &f).map(drop)
        },
    );
    check(
        "set_person_retired",
        Does::Write,
        CASES,
        (id_in(&ids.people), any::<bool>()),
        |s, (id, retired)| people::update_person_retired(s, id, retired).map(drop),
    );
    check("list_agencies", Does::Read, CASES, directory_filter(), |s, f| {
        agencies::list_agencies(s, &f).map(drop)
    });
    check("add_agency", Does::Write, CASES, agency_fields(&ids), |s, f| {
        agencies::insert_agency(s, &f).map(drop)
    });
    check(
        "update_agency",
        Does::Write,
        CASES,
        (id_in(&ids.agencies), ver(), agency_fields(&ids)),
        |s, (id, v, f)| {
            let v = v.of(s, "SELECT version FROM agencies WHERE id = ?1", id);
            agencies::update_agency(s, id, v, &f).map(drop)
        },
    );
    check(
        "set_agency_retired",
        Does::Write,
        CASES,
        (id_in(&ids.agencies), any::<bool>()),
        |s, (id, retired)| agencies::update_agency_retired(s, id, retired).map(drop),
    );
    check("list_contact_categories", Does::Read, 1, Just(()), |s, ()| {
        agencies::list_contact_categories(s).map(drop)
    });
    check("add_contact_category", Does::Write, CASES, text(), |s, name| {
        agencies::insert_contact_category(s, &name).map(drop)
    });
    check("list_services", Does::Read, CASES, directory_filter(), |s, f| {
        services::list_services(s, &f).map(drop)
    });
    check("add_service", Does::Write, CASES, service_fields(&ids), |s, f| {
        services::insert_service(s, &f).map(drop)
    });
    check(
        "update_service",
        Does::Write,
        CASES,
        (id_in(&ids.services), ver(), service_fields(&ids)),
        |s, (id, v, f)| {
            let v = v.of(s, "SELECT version FROM services WHERE id = ?1", id);
            services::update_service(s, id, v, &f).map(drop)
        },
    );
    check(
        "set_service_retired",
        Does::Write,
        CASES,
        (id_in(&ids.services), any::<bool>()),
        |s, (id, retired)| services::update_service_retired(s, id, retired).map(drop),
    );
}

/// The directory's import fields, as a mapping names them.
/// Every column name of the three directory files (people, agencies, services), as the import
/// reads them: the headers a mapping may name.
fn import_fields() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = [DirectoryKind::People, DirectoryKind::Agencies, DirectoryKind::Services]
        .into_iter()
        .flat_map(csv_io::column_names)
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

fn csv_cell() -> BoxedStrategy<String> {
    prop_oneof![
        3 => text(),
        2 => email(),
        1 => prop::sample::select(vec!["division", "agency", "vendor", "abrm; executive_management", "Statewide elected official: dana.whitfield@doit.state.gov"]).prop_map(String::from),
    ]
    .boxed()
}

fn csv_text() -> BoxedStrategy<String> {
    let header = prop::collection::vec(
        prop_oneof![3 => prop::sample::select(import_fields()).prop_map(String::from), 1 => text()],
        0..6,
    );
    let rows = prop::collection::vec(prop::collection::vec(csv_cell(), 0..7), 0..6);
    (header, rows, prop::sample::select(vec![",", ";", "\t"]), any::<bool>())
        .prop_map(|(header, rows, sep, quote)| {
            let line = |cells: &[String]| {
                cells
                    .iter()
                    .map(|c| {
                        if quote {
                            format!("\"{}\"", c.replace('"', "\"\""))
                        } else {
                            c.clone()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(sep)
            };
            let mut out = line(&header);
            for r in &rows {
                out.push_str("\r\n");
                out.push_str(&line(r));
            }
            out
        })
        .boxed()
}

/// A people file as a spreadsheet exports it: the usual columns, rows a person might have typed.
fn people_csv() -> BoxedStrategy<String> {
    let row = (
        field(),
        email(),
        prop::sample::select(vec!["division", "agency", "vendor", "", "Agency"]),
        field(),
        prop::sample::select(vec!["", "abrm", "executive_management; incident_manager", "janitor"]),
    );
    prop::collection::vec(row, 1..6)
        .prop_map(|rows| {
            let quote = |c: &str| format!("\"{}\"", c.replace('"', "\"\""));
            let mut out = String::from("name,email,organization_kind,organization,roles");
            for (name, email, kind, organization, roles) in rows {
                out.push_str("\r\n");
                out.push_str(&[name.as_str(), &email, kind, &organization, roles].map(quote).join(","));
            }
            out
        })
        .boxed()
}

fn import_request() -> BoxedStrategy<ImportRequest> {
    prop_oneof![
        3 => any_import_request(),
        2 => people_csv().prop_map(|t| ImportRequest {
            kind: DirectoryKind::People,
            data: b64(t.as_bytes()),
            mapping: None,
            defaults: None,
        }),
    ]
    .boxed()
}

fn any_import_request() -> BoxedStrategy<ImportRequest> {
    let kind = prop::sample::select(vec![
        DirectoryKind::People,
        DirectoryKind::Agencies,
        DirectoryKind::Services,
    ]);
    let data = prop_oneof![
        1 => text(),
        1 => prop::collection::vec(any::<u8>(), 0..2048).prop_map(|b| b64(&b)),
        4 => csv_text().prop_map(|t| b64(t.as_bytes())),
        1 => csv_text().prop_map(|t| {
            // UTF-16 with its byte order mark, as a spreadsheet may save it.
            let mut b = vec![0xff, 0xfe];
            b.extend(t.encode_utf16().flat_map(u16::to_le_bytes));
            b64(&b)
        }),
        // A long file (some 300 KB) of the same rows.
        1 => csv_text().prop_map(|t| b64(t.repeat(300_000 / t.len().max(1)).as_bytes())),
    ];
    let mapping = prop::option::of(prop::collection::vec(
        prop::option::of(prop_oneof![3 => prop::sample::select(import_fields()).prop_map(String::from), 1 => text()]),
        0..8,
    ));
    let defaults = prop::option::of(
        (prop::sample::select(OrgKind::ALL.to_vec()), text(), org_roles()).prop_map(
            |(organization_kind, organization, roles)| ImportDefaults {
                organization_kind,
                organization,
                roles,
            },
        ),
    );
    (kind, data, mapping, defaults)
        .prop_map(|(kind, data, mapping, defaults)| ImportRequest {
            kind,
            data,
            mapping,
            defaults,
        })
        .boxed()
}

#[test]
fn a_directory_import_of_any_file_and_mapping_is_previewed_applied_or_refused_whole() {
    check("preview_import", Does::Read, CASES, import_request(), |s, r| {
        directory_csv::preview_import(s, &r).map(drop)
    });
    check("apply_import", Does::Write, CASES, import_request(), |s, r| {
        directory_csv::apply_import(s, &r).map(drop)
    });
    let kind = prop::sample::select(vec![
        DirectoryKind::People,
        DirectoryKind::Agencies,
        DirectoryKind::Services,
    ]);
    check("export_directory", Does::Read, 3, kind, |s, kind| {
        let dir = s.path().parent().unwrap().join("exports");
        std::fs::create_dir_all(&dir)?;
        directory_csv::export_to_file(s, kind, &dir).map(drop)
    });
}

// ------------------------------------------------------------------------------------------------
// Team
// ------------------------------------------------------------------------------------------------

#[test]
fn team_changes_accept_or_refuse_any_case_member_and_person_and_a_refusal_changes_nothing() {
    let ids = template().ids.clone();
    check(
        "appoint_member",
        Does::Write,
        CASES,
        (id_in(&ids.cases), id_in(&ids.people), team_role()),
        |s, (case_id, person_id, role)| {
            team::insert_member(s, case_id, &Appointment { person_id, role })?;
            cases::get_case_detail(s, case_id).map(drop)
        },
    );
    check(
        "change_member_role",
        Does::Write,
        CASES,
        (member(&ids), team_role()),
        |s, ((case_id, member_id), role)| {
            team::update_member_role(s, case_id, member_id, role)?;
            cases::get_case_detail(s, case_id).map(drop)
        },
    );
    check(
        "set_member_standby",
        Does::Write,
        CASES,
        (member(&ids), any::<bool>()),
        |s, ((case_id, member_id), standby)| {
            team::update_member_standby(s, case_id, member_id, standby)?;
            cases::get_case_detail(s, case_id).map(drop)
        },
    );
    check(
        "release_member",
        Does::Write,
        CASES,
        member(&ids),
        |s, (case_id, member_id)| {
            team::update_member_released(s, case_id, member_id)?;
            cases::get_case_detail(s, case_id).map(drop)
        },
    );
    check("get_staff_load", Does::Read, 1, Just(()), |s, ()| {
        team::list_staff_load(s).map(drop)
    });
    check("list_agreeing_people", Does::Read, 1, Just(()), |s, ()| {
        people::list_people_with_role(s, &AGREEING_ROLES).map(drop)
    });
    check("list_work_orders", Does::Read, CASES, id_in(&ids.people), |s, id| {
        team::list_work_orders(s, id).map(drop)
    });
}

/// A team member with their case, or any case with any member id.
fn member(ids: &Ids) -> BoxedStrategy<(i64, i64)> {
    let member_ids: Vec<i64> = ids.members.iter().map(|m| m.1).collect();
    prop_oneof![
        3 => prop::sample::select(ids.members.clone()),
        1 => (id_in(&ids.cases), id_in(&member_ids)),
    ]
    .boxed()
}

fn work_order(ids: &Ids) -> BoxedStrategy<WorkOrderInput> {
    let (busy, busy_cases, manager) = ids.overloaded.clone();
    let mut reversed = busy_cases.clone();
    reversed.reverse();
    let case_ids = prop_oneof![
        3 => prop::sample::select(vec![busy_cases, reversed]),
        1 => ids_in(&ids.cases),
    ];
    (
        prop_oneof![3 => Just(busy), 1 => id_in(&ids.people)],
        case_ids,
        prop_oneof![3 => Just(manager), 1 => id_in(&ids.people)],
        instant(),
        field(),
    )
        .prop_map(
            |(person_id, case_ids, agreed_by_id, agreed_at, reason)| WorkOrderInput {
                person_id,
                case_ids,
                agreed_by_id,
                agreed_at,
                reason,
            },
        )
        .boxed()
}

#[test]
fn an_order_of_work_is_agreed_from_any_input_or_refused_and_the_staff_load_still_reads() {
    let ids = template().ids.clone();
    check("record_work_order", Does::Write, CASES, work_order(&ids), |s, input| {
        team::insert_work_order(s, &input)?;
        team::list_staff_load(s).map(drop)
    });
}

// ------------------------------------------------------------------------------------------------
// Mail
// ------------------------------------------------------------------------------------------------

fn smtp_settings() -> BoxedStrategy<SmtpSettings> {
    let host = prop_oneof![
        2 => text(),
        1 => prop::sample::select(vec!["smtp.state.gov", "127.0.0.1", "[::1]", "localhost", "::1", "smtp.state.gov:25"])
            .prop_map(String::from),
    ];
    let security = prop::sample::select(vec![Security::Starttls, Security::ImplicitTls, Security::Plain]);
    let pem = prop_oneof![
        2 => text(),
        1 => Just("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n".to_owned()),
        1 => Just(String::new()),
    ];
    ((host, any::<u16>(), security), (text(), field(), email(), pem))
        .prop_map(
            |((host, port, security), (username, sender_name, sender_address, extra_ca_pem))| SmtpSettings {
                host,
                port,
                security,
                username,
                sender_name,
                sender_address,
                extra_ca_pem,
            },
        )
        .boxed()
}

fn outbox_status() -> impl Strategy<Value = Option<OutboxStatus>> {
    prop::option::of(prop::sample::select(vec![
        OutboxStatus::Queued,
        OutboxStatus::Sending,
        OutboxStatus::Sent,
        OutboxStatus::Failed,
        OutboxStatus::Cancelled,
        OutboxStatus::Held,
        OutboxStatus::DeliveryUnknown,
    ]))
}

#[test]
fn mail_settings_test_messages_and_the_outbox_take_any_input_or_refuse_it_without_a_trace() {
    let ids = template().ids.clone();
    check(
        "save_mail_settings",
        Does::Write,
        CASES,
        smtp_settings(),
        |s, settings| mail_settings::update_smtp_settings(s, &settings).map(drop),
    );
    check("get_mail_settings", Does::Read, 1, Just(()), |s, ()| {
        mail_settings::get_smtp_settings(s).map(drop)
    });
    // send_test_message: core checks the address and builds the message; sending is the app's.
    check("send_test_message", Does::Read, CASES, email(), |s, to| {
        if let Some(p) = escalation_core::identity::email_problem(&to) {
            return Err(Error::invalid("to", p));
        }
        let settings = mail_settings::get_smtp_settings(s)?.expect("the seeded desk has mail settings");
        let draft = escalation_core::mail::templates::test_message(to.trim());
        let id = escalation_core::mail::message::new_message_id(&settings.sender_address);
        escalation_core::mail::message::build_mime(
            &settings.sender_name,
            &settings.sender_address,
            &id,
            std::time::SystemTime::now(),
            &draft,
        )
        .map(drop)
    });
    check("list_outbox", Does::Read, 8, outbox_status(), |s, status| {
        outbox::list_outbox(s, status, 500).map(drop)
    });
    check("get_mail_pause", Does::Read, 1, Just(()), |s, ()| {
        mail_settings::get_mail_pause(s).map(drop)
    });
    check("resume_mail", Does::Write, 1, Just(()), |s, ()| {
        mail_settings::update_mail_pause(s, None)
    });
    const OUTBOX_VERSION: &str = "SELECT version FROM outbox WHERE id = ?1";
    check(
        "retry_message",
        Does::Write,
        CASES,
        (id_in(&ids.outbox), ver()),
        |s, (id, v)| {
            let v = v.of(s, OUTBOX_VERSION, id);
            outbox::update_retry(s, id, v).map(drop)
        },
    );
    check(
        "cancel_message",
        Does::Write,
        CASES,
        (id_in(&ids.outbox), ver()),
        |s, (id, v)| {
            let v = v.of(s, OUTBOX_VERSION, id);
            outbox::update_cancelled(s, id, v).map(drop)
        },
    );
    let recipients = prop_oneof![
        6 => prop::collection::vec(email(), 0..5),
        1 => Just(vec!["a@agency.gov".to_owned(); 500]),
    ];
    check(
        "edit_recipients",
        Does::Write,
        CASES,
        (id_in(&ids.outbox), ver(), recipients),
        |s, (id, v, to)| {
            let v = v.of(s, OUTBOX_VERSION, id);
            outbox::update_recipients(s, id, v, &to).map(drop)
        },
    );
}

// ------------------------------------------------------------------------------------------------
// Communications, plans, ladder
// ------------------------------------------------------------------------------------------------

fn cadence_input() -> BoxedStrategy<CadenceInput> {
    let time = prop_oneof![
        2 => prop::sample::select(vec!["09:00", "23:59", "00:00", "24:00", "25:61", "9:00", "-1:00", "00:00:00", "12:60", " 09:00 ", "٠٩:٠٠"])
            .prop_map(String::from),
        1 => "[0-9]{1,3}:[0-9]{1,3}",
        1 => text(),
    ];
    let times = prop_oneof![
        6 => prop::collection::vec(time, 0..5),
        1 => (1usize..5000).prop_map(|n| vec!["09:00".to_owned(); n]),
    ];
    (
        prop::sample::select(vec![CadenceKind::EveryHours, CadenceKind::FixedTimes]),
        prop::option::of(mostly(1..=168)),
        times,
        any::<bool>(),
        time_zone(),
    )
        .prop_map(
            |(kind, every_hours, fixed_times, working_days_only, time_zone)| CadenceInput {
                kind,
                every_hours,
                fixed_times,
                working_days_only,
                time_zone,
            },
        )
        .boxed()
}

#[test]
fn progress_customer_updates_contacts_and_cadences_accept_or_refuse_any_input_without_a_trace() {
    let ids = template().ids.clone();
    check(
        "post_progress",
        Does::Write,
        CASES,
        (id_in(&ids.cases), field(), field()),
        |s, (case_id, headline, details)| {
            communications::insert_progress_update(s, case_id, &ProgressInput { headline, details })?;
            cases::get_case_detail(s, case_id).map(drop)
        },
    );
    let channel = prop::sample::select(vec![UpdateChannel::Email, UpdateChannel::Phone, UpdateChannel::Meeting]);
    check(
        "record_customer_update",
        Does::Write,
        CASES,
        (id_in(&ids.cases), channel, field(), any::<bool>()),
        |s, (case_id, channel, summary, major)| {
            communications::insert_customer_update(
                s,
                case_id,
                &CustomerUpdateInput {
                    channel,
                    summary,
                    major,
                },
            )?;
            cases::get_case_detail(s, case_id).map(drop)
        },
    );
    let contact_kind = prop::sample::select(vec![ContactKind::Management, ContactKind::Customer]);
    check(
        "set_case_contacts",
        Does::Write,
        CASES,
        (id_in(&ids.cases), contact_kind, ids_in(&ids.people)),
        |s, (case_id, kind, people)| {
            communications::update_case_contacts(s, case_id, kind, &people)?;
            cases::get_case_detail(s, case_id).map(drop)
        },
    );
    check(
        "set_cadence",
        Does::Write,
        CASES,
        (id_in(&ids.cases), cadence_input()),
        |s, (case_id, input)| {
            communications::update_cadence(s, case_id, &input)?;
            cases::get_case_detail(s, case_id).map(drop)
        },
    );
}

#[test]
fn action_plans_are_saved_reviewed_and_compared_from_any_input_or_refused_without_a_trace() {
    let ids = template().ids.clone();
    let revision = |s: &Store, v: Ver, case_id: i64, kind: PlanKind| match v {
        Ver::Given(v) => v,
        Ver::Current => s
            .conn()
            .query_row(
                "SELECT COALESCE(MAX(revision), 0) FROM plan_revisions WHERE case_id = ?1 AND plan = ?2",
                rusqlite::params![case_id, kind.as_str()],
                |r| r.get(0),
            )
            .unwrap_or(0),
    };
    let actions = prop_oneof![
        8 => prop::collection::vec(plan_action(&ids), 0..6),
        1 => Just(vec![common::action("Step"); 3000]),
    ];
    check(
        "save_plan",
        Does::Write,
        CASES,
        (id_in(&ids.cases), plan_kind(), ver(), actions),
        |s, (case_id, kind, v, actions)| {
            let v = revision(s, v, case_id, kind);
            plans::insert_revision(s, case_id, kind, v, &actions)?;
            cases::get_case_detail(s, case_id).map(drop)
        },
    );
    check(
        "review_plan",
        Does::Write,
        CASES,
        (id_in(&ids.cases), plan_kind(), text(), prop::option::of(instant())),
        |s, (case_id, kind, notes, next_review_due)| {
            plans::insert_review(s, case_id, kind, &PlanReviewInput { notes, next_review_due })?;
            cases::get_case_detail(s, case_id).map(drop)
        },
    );
    check(
        "plan_diff",
        Does::Read,
        CASES,
        (id_in(&ids.cases), plan_kind(), ver(), wild()),
        |s, (case_id, kind, from, to)| {
            let from = revision(s, from, case_id, kind);
            plans::get_revision_diff(s, case_id, kind, from, to).map(drop)
        },
    );
}

#[test]
fn the_ladder_is_saved_and_cases_raised_from_any_input_or_refused_without_a_trace() {
    let ids = template().ids.clone();
    let level = (field(), ids_in(&ids.people)).prop_map(|(name, person_ids)| LadderLevelInput { name, person_ids });
    check(
        "save_ladder",
        Does::Write,
        CASES,
        prop::collection::vec(level, 0..12),
        |s, levels| ladder::update_ladder(s, &levels).map(drop),
    );
    check("get_ladder", Does::Read, 1, Just(()), |s, ()| {
        ladder::get_ladder(s.conn()).map(drop)
    });
    check(
        "raise_hierarchy",
        Does::Write,
        CASES,
        (id_in(&ids.cases), ver(), text()),
        |s, (id, v, reason)| {
            let v = v.of(s, CASE_VERSION, id);
            ladder::update_hierarchy_level(s, id, v, &reason)?;
            cases::get_case_detail(s, id).map(drop)
        },
    );
}

// ------------------------------------------------------------------------------------------------
// Alerts
// ------------------------------------------------------------------------------------------------

#[test]
fn alert_rules_of_any_shape_are_saved_tested_or_refused_and_alerts_acknowledged_without_a_trace() {
    let ids = template().ids.clone();
    const RULE_VERSION: &str = "SELECT version FROM alert_rules WHERE id = ?1";
    check("list_alert_rules", Does::Read, 1, Just(()), |s, ()| {
        alerts::list_alert_rules(s).map(drop)
    });
    check("test_alert_rule", Does::Read, CASES, rule(&ids), |s, r| {
        alerts::test_alert_rule(s, &r).map(drop)
    });
    check("add_alert_rule", Does::Write, CASES, rule(&ids), |s, r| {
        alerts::insert_alert_rule(s, &r).map(drop)
    });
    check(
        "update_alert_rule",
        Does::Write,
        CASES,
        (id_in(&ids.rules), ver(), rule(&ids)),
        |s, (id, v, r)| {
            let v = v.of(s, RULE_VERSION, id);
            alerts::update_alert_rule(s, id, v, &r).map(drop)
        },
    );
    check("delete_alert_rule", Does::Write, CASES, id_in(&ids.rules), |s, id| {
        alerts::delete_alert_rule(s, id)
    });
    check("list_open_alerts", Does::Read, CASES, page(), |s, page| {
        alerts::list_open_alerts(s, page).map(drop)
    });
    check(
        "acknowledge_alert",
        Does::Write,
        CASES,
        (id_in(&ids.alerts), text()),
        |s, (id, note)| alerts::update_alert_acknowledged(s, id, &note).map(drop),
    );
}

// ------------------------------------------------------------------------------------------------
// After Action Report
// ------------------------------------------------------------------------------------------------

/// render_aar: core reads the report, the renderer draws it (on a blocking thread in the app),
/// core keeps the PDF.
fn render_aar(s: &mut Store, case_id: i64) -> escalation_core::Result<()> {
    let (aar_id, revision, status, doc) = aar::pdf_document(s, case_id)?;
    let pdf = escalation_core::aar_pdf::render_pdf(&doc)?;
    aar::insert_aar_render(s, aar_id, revision, status, &pdf, 1)?;
    aar::get_aar(s.conn(), case_id).map(drop)
}

#[test]
fn report_sections_and_comments_take_any_text_or_refuse_it_and_the_report_still_renders() {
    let ids = template().ids.clone();
    let mut d = desk();
    check_on(
        &mut d,
        "save_aar_section",
        Does::Write,
        &[],
        CASES,
        (id_in(&ids.sections), ver(), markdown()),
        |s, (id, v, body)| {
            let v = v.of(s, SECTION_VERSION, id);
            aar::update_aar_section(s, id, v, &body).map(drop)
        },
    );
    check_on(
        &mut d,
        "add_aar_comment",
        Does::Write,
        &[],
        CASES,
        (id_in(&ids.sections), text()),
        |s, (id, body)| aar::insert_aar_comment(s, id, &body).map(drop),
    );
    // Whatever the sections and comments now hold, each report renders.
    let reports: Vec<i64> = ids_of(&d.t.store, "aars")
        .into_iter()
        .map(|id| {
            d.t.store
                .conn()
                .query_row("SELECT case_id FROM aars WHERE id = ?1", [id], |r| r.get(0))
                .unwrap()
        })
        .collect();
    check_on(
        &mut d,
        "render_aar",
        Does::Write,
        &[],
        RENDER_CASES,
        prop_oneof![2 => prop::sample::select(reports), 1 => id_in(&ids.cases)],
        render_aar,
    );
    check(
        "refresh_aar_section",
        Does::Write,
        CASES,
        (id_in(&ids.sections), ver()),
        |s, (id, v)| {
            let v = v.of(s, SECTION_VERSION, id);
            aar::update_aar_section_from_case(s, id, v).map(drop)
        },
    );
    check(
        "assign_aar_section",
        Does::Write,
        CASES,
        (id_in(&ids.sections), opt_id_in(&ids.people)),
        |s, (id, person)| aar::update_aar_section_assignee(s, id, person).map(drop),
    );
    check(
        "resolve_aar_comment",
        Does::Write,
        CASES,
        id_in(&ids.comments),
        |s, id| aar::update_aar_comment_resolved(s, id).map(drop),
    );
    check(
        "list_aar_section_versions",
        Does::Read,
        CASES,
        id_in(&ids.sections),
        |s, id| aar::list_section_versions(s, id).map(drop),
    );
    check(
        "announce_aar_presence",
        Does::Read,
        CASES,
        (id_in(&ids.aars), opt_id_in(&ids.sections), any::<bool>()),
        |s, (aar_id, section, typing)| live::announce_presence(s, aar_id, section, typing),
    );
}

#[test]
fn reports_are_started_and_their_events_improvements_and_status_changed_from_any_input_or_refused() {
    let ids = template().ids.clone();
    check("get_aar", Does::Read, CASES, id_in(&ids.cases), |s, id| {
        aar::get_aar(s.conn(), id).map(drop)
    });
    check("start_aar", Does::Write, CASES, id_in(&ids.cases), |s, id| {
        aar::insert_aar(s, id).map(drop)
    });
    check(
        "set_aar_timeline_events",
        Does::Write,
        CASES,
        (id_in(&ids.aars), ver(), ids_in(&ids.events)),
        |s, (id, v, events)| {
            let v = v.of(s, AAR_VERSION, id);
            aar::update_aar_timeline_events(s, id, v, &events).map(drop)
        },
    );
    let improvements = prop_oneof![
        8 => prop::collection::vec(improvement(), 0..5),
        1 => Just(vec![Improvement {
            action: "Test".into(),
            owner: "Dana".into(),
            due_date: None,
            status: ImprovementStatus::Open,
            sent_to_problem_at: None,
        }; 3000]),
    ];
    check(
        "save_aar_improvements",
        Does::Write,
        CASES,
        (id_in(&ids.aars), ver(), improvements),
        |s, (id, v, items)| {
            let v = v.of(s, AAR_VERSION, id);
            aar::update_aar_improvements(s, id, v, &items).map(drop)
        },
    );
    check(
        "send_improvements_to_problem",
        Does::Write,
        CASES,
        (id_in(&ids.aars), ver()),
        |s, (id, v)| {
            let v = v.of(s, AAR_VERSION, id);
            aar::insert_problem_actions(s, id, v).map(drop)
        },
    );
    check(
        "change_aar_status",
        Does::Write,
        CASES,
        (id_in(&ids.aars), ver(), aar_step()),
        |s, (id, v, step)| {
            let v = v.of(s, AAR_VERSION, id);
            aar::update_aar_status(s, id, v, step).map(drop)
        },
    );
    check(
        "diff_aar_revisions",
        Does::Read,
        CASES,
        (id_in(&ids.aars), wild(), wild()),
        |s, (id, from, to)| aar::diff_aar_revisions(s, id, from, to).map(drop),
    );
    check(
        "list_distribution_suggestions",
        Does::Read,
        CASES,
        id_in(&ids.cases),
        |s, id| aar::list_distribution_suggestions(s, id).map(drop),
    );
    let recipients = prop_oneof![
        6 => prop::collection::vec(email(), 0..5),
        1 => Just(vec!["a@agency.gov".to_owned(); 500]),
    ];
    check(
        "distribute_aar",
        Does::Write,
        CASES,
        (id_in(&ids.aars), ver(), recipients),
        |s, (id, v, to)| {
            let v = v.of(s, AAR_VERSION, id);
            aar::insert_distribution(s, id, v, &to).map(drop)
        },
    );
}

#[test]
fn sign_off_codes_are_sent_and_confirmed_for_any_input_and_a_wrong_code_only_counts_a_try() {
    let ids = template().ids.clone();
    check(
        "send_signoff_code",
        Does::Write,
        CASES,
        (id_in(&ids.aars), ver(), sign_off_role()),
        |s, (id, v, role)| {
            let v = v.of(s, AAR_VERSION, id);
            aar::request_signoff_code(s, id, v, role).map(drop)
        },
    );
    let code = prop_oneof![
        3 => "[0-9]{6}",
        1 => Just("１２３４５６".to_owned()),
        1 => Just(" 123456 ".to_owned()),
        1 => "[0-9]{0,12}",
        2 => text(),
    ];
    // A wrong code is counted (and the fifth locks the code, on the timeline): the one write a
    // refusal makes, on purpose, so that codes cannot be guessed.
    check_on(
        &mut desk(),
        "confirm_signoff",
        Does::Write,
        &[
            "signoff_codes",
            "timeline_events",
            "cases",
            "search_docs",
            "search_fts",
            "search_fts_data",
            "search_fts_idx",
            "search_fts_docsize",
        ],
        CASES,
        (id_in(&ids.aars), ver(), sign_off_role(), code),
        |s, (id, v, role, code)| {
            let v = v.of(s, AAR_VERSION, id);
            aar::confirm_signoff(s, id, v, role, &code).map(drop)
        },
    );
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        writer
            .write_image_data(&vec![0x7f; (width * height * 4) as usize])
            .unwrap();
        writer.finish().unwrap();
    }
    out
}

/// The CRC-32 a PNG chunk ends with (over its type and data).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG that claims a huge image in its header and carries almost no data.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut b = png(1, 1);
    // IHDR's width and height follow the signature (8), the chunk's length (4) and type (4).
    b[16..20].copy_from_slice(&width.to_be_bytes());
    b[20..24].copy_from_slice(&height.to_be_bytes());
    // The chunk's CRC, over its type and its 13 bytes of data, so the header reads as valid.
    let crc = crc32(&b[12..29]);
    b[29..33].copy_from_slice(&crc.to_be_bytes());
    b
}

#[test]
fn report_settings_and_logos_of_any_content_are_saved_or_refused_and_the_report_still_renders() {
    let ids = template().ids.clone();
    let mut d = desk();
    let paper = prop_oneof![
        2 => prop::sample::select(vec!["a4", "letter", "A4", "Letter", "legal"]).prop_map(String::from),
        1 => text(),
    ];
    let settings = (field(), field(), paper, any::<bool>(), any::<bool>()).prop_map(
        |(organization, marking, paper, one_message_per_recipient, has_logo)| AarSettings {
            organization,
            marking,
            paper,
            one_message_per_recipient,
            has_logo,
        },
    );
    check_on(
        &mut d,
        "save_aar_settings",
        Does::Write,
        &[],
        CASES,
        settings,
        |s, settings| aar::update_aar_settings(s, &settings).map(drop),
    );
    check_on(&mut d, "get_aar_settings", Does::Read, &[], 1, Just(()), |s, ()| {
        aar::get_aar_settings(s.conn()).map(drop)
    });
    let logo = prop_oneof![
        1 => Just(None),
        2 => (1u32..64, 1u32..64).prop_map(|(w, h)| Some(b64(&png(w, h)))),
        2 => file_base64(png(8, 8)).prop_map(Some),
        1 => prop::sample::select(vec![(65_535, 65_535), (u32::MAX, u32::MAX), (1, u32::MAX), (0, 0)])
            .prop_map(|(w, h)| Some(b64(&png_claiming(w, h)))),
    ];
    let case = ids.cases[0];
    // Each accepted logo is drawn on a cover at once: a logo that breaks rendering fails here.
    check_on(&mut d, "save_aar_logo", Does::Write, &[], CASES / 2, logo, |s, logo| {
        aar::update_aar_logo(s, logo.as_deref())?;
        let doc = aar::pdf_document(s, review_case(s, case)).map(|(_, _, _, doc)| doc)?;
        escalation_core::aar_pdf::render_pdf(&doc).map(drop)
    });
    let renders = ids.renders.clone();
    check_on(
        &mut d,
        "get_aar_pdf",
        Does::Read,
        &[],
        CASES,
        id_in(&renders),
        |s, id| aar::get_render_pdf(s, id).map(drop),
    );
    let dir = d.t.dir.path().display().to_string();
    let paths = prop_oneof![
        3 => text(),
        1 => Just(format!("{dir}/desk.sqlite3")),
        1 => Just("/etc/passwd".to_owned()),
    ];
    // open_aar_pdf: core says whether the path is a rendered report; the viewer is the app's.
    check_on(
        &mut d,
        "open_aar_pdf",
        Does::Read,
        &[],
        CASES,
        paths,
        |s, path| match aar::is_rendered_report(s, &path)? {
            true => Ok(()),
            false => Err(Error::Refused("not a rendered report".into())),
        },
    );
}

/// The case of the first report on the desk (`fallback` if there is none).
fn review_case(s: &Store, fallback: i64) -> i64 {
    s.conn()
        .query_row("SELECT case_id FROM aars ORDER BY id LIMIT 1", [], |r| r.get(0))
        .unwrap_or(fallback)
}

// ------------------------------------------------------------------------------------------------
// Closure
// ------------------------------------------------------------------------------------------------

#[test]
fn warranty_recurrence_and_verification_accept_or_refuse_any_input_and_a_refusal_changes_nothing() {
    let ids = template().ids.clone();
    let how = prop::sample::select(vec![ConfirmedHow::Email, ConfirmedHow::Phone, ConfirmedHow::Meeting]);
    let warranty = (field(), field(), instant(), how, prop::option::of(mostly(1..=365))).prop_map(
        |(resolution_summary, confirmed_by, confirmed_at, confirmed_how, period_days)| WarrantyInput {
            resolution_summary,
            confirmed_by,
            confirmed_at,
            confirmed_how,
            period_days,
        },
    );
    check(
        "start_warranty",
        Does::Write,
        CASES,
        (id_in(&ids.cases), ver(), warranty),
        |s, (id, v, input)| {
            let v = v.of(s, CASE_VERSION, id);
            closure::insert_warranty(s, id, v, &input)?;
            cases::get_case_detail(s, id).map(drop)
        },
    );
    let recurrence = (instant(), field()).prop_map(|(observed_at, description)| RecurrenceInput {
        observed_at,
        description,
    });
    check(
        "record_recurrence",
        Does::Write,
        CASES,
        (id_in(&ids.cases), ver(), recurrence),
        |s, (id, v, input)| {
            let v = v.of(s, CASE_VERSION, id);
            closure::insert_recurrence(s, id, v, &input)?;
            cases::get_case_detail(s, id).map(drop)
        },
    );
    let verification =
        (field(), instant(), any::<bool>(), text()).prop_map(|(contact, verified_at, satisfied, notes)| {
            VerificationInput {
                contact,
                verified_at,
                satisfied,
                notes,
            }
        });
    check(
        "verify_satisfaction",
        Does::Write,
        CASES,
        (id_in(&ids.cases), ver(), verification),
        |s, (id, v, input)| {
            let v = v.of(s, CASE_VERSION, id);
            closure::insert_verification(s, id, v, &input)?;
            cases::get_case_detail(s, id).map(drop)
        },
    );
}

#[test]
fn review_meetings_and_their_outcome_accept_or_refuse_any_input_and_a_refusal_changes_nothing() {
    let ids = template().ids.clone();
    const SEQUENCE: &str = "SELECT sequence FROM review_meetings WHERE id = ?1";
    check(
        "schedule_review",
        Does::Write,
        CASES,
        (
            prop_oneof![1 => Just(ids.unscheduled), 2 => id_in(&ids.cases)],
            review_meeting_input(),
        ),
        |s, (id, input)| {
            closure::insert_review_meeting(s, id, &input)?;
            cases::get_case_detail(s, id).map(drop)
        },
    );
    check(
        "reschedule_review",
        Does::Write,
        CASES,
        (id_in(&ids.meetings), ver(), review_meeting_input()),
        |s, (meeting, v, input)| {
            let v = v.of(s, SEQUENCE, meeting);
            closure::update_review_meeting(s, meeting, v, &input).map(drop)
        },
    );
    check(
        "cancel_review",
        Does::Write,
        CASES,
        (id_in(&ids.meetings), ver()),
        |s, (meeting, v)| {
            let v = v.of(s, SEQUENCE, meeting);
            closure::update_review_meeting_cancelled(s, meeting, v).map(drop)
        },
    );
    let outcome = (
        field(),
        field(),
        field(),
        prop::option::of(ticket()),
        prop::option::of(instant()),
    )
        .prop_map(
            |(outcome, findings, actions, new_problem_ticket, held_at)| ReviewOutcomeInput {
                outcome,
                findings,
                actions,
                new_problem_ticket,
                held_at,
            },
        );
    check(
        "record_review_outcome",
        Does::Write,
        CASES,
        (id_in(&ids.meetings), outcome),
        |s, (meeting, input)| closure::update_review_outcome(s, meeting, &input).map(drop),
    );
}

#[test]
fn process_settings_of_any_value_are_saved_or_refused_and_a_refusal_changes_nothing() {
    let settings = (mostly(1..=365), time_zone()).prop_map(|(warranty_days, time_zone)| ProcessSettings {
        warranty_days,
        time_zone,
    });
    check("save_process_settings", Does::Write, CASES, settings, |s, settings| {
        closure::update_process_settings(s, &settings).map(drop)
    });
    check("get_process_settings", Does::Read, 1, Just(()), |s, ()| {
        closure::get_process_settings(s.conn()).map(drop)
    });
}

// ------------------------------------------------------------------------------------------------
// Every command
// ------------------------------------------------------------------------------------------------

/// The commands with no core part to call, and why.
const NOT_IN_CORE: &[(&str, &str)] = &[
    (
        "get_integrity",
        "no input: the app's own result of the start-up timeline check",
    ),
    (
        "get_team_desk",
        "no input: the app reads its saved team-desk address file",
    ),
    (
        "use_workstation_desk",
        "no input: the app reopens this workstation's own file",
    ),
];

#[test]
fn every_command_the_app_registers_is_called_here_or_said_why_not() {
    let build = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../build.rs")).unwrap();
    let list = &build[build.find("const COMMANDS").expect("build.rs lists COMMANDS")..];
    let list = &list[..list.find("];").unwrap()];
    let names: Vec<&str> = list.split('"').skip(1).step_by(2).collect();
    assert!(names.len() > 100, "the list was read: {names:?}");
    let this = include_str!("command_inputs.rs");
    // The checks name their command in a string of its own; the ones not here are listed.
    let checks = &this[..this.find("const NOT_IN_CORE").unwrap()];
    for name in names {
        let here = checks.contains(&format!("\"{name}\""));
        let listed = NOT_IN_CORE.iter().any(|(n, _)| *n == name);
        assert!(
            here != listed,
            "{name}: called here, or listed in NOT_IN_CORE with the reason (not both)"
        );
    }
}

// ------------------------------------------------------------------------------------------------
// Wrong types: what the IPC refuses before any command runs
// ------------------------------------------------------------------------------------------------

/// One input type: a valid value of it as JSON, and whether a JSON value reads as it.
struct InputType {
    name: &'static str,
    valid: serde_json::Value,
    reads: fn(serde_json::Value) -> bool,
}

macro_rules! input_type {
    ($t:ty, $valid:expr) => {
        InputType {
            name: stringify!($t),
            valid: serde_json::to_value(&$valid).unwrap(),
            reads: |v| serde_json::from_value::<$t>(v).is_ok(),
        }
    };
}

/// Every input type a command takes, with a valid value of each (Tauri reads each argument on its
/// own with serde_json).
fn input_types() -> Vec<InputType> {
    let now = escalation_core::store::now();
    let today = now.date_naive();
    vec![
        input_type!(i64, 1i64),
        input_type!(bool, true),
        input_type!(String, "text"),
        input_type!(Option<i64>, Some(1i64)),
        input_type!(Option<String>, Some("text")),
        input_type!(Vec<i64>, vec![1i64, 2]),
        input_type!(Vec<String>, vec!["a@agency.gov"]),
        input_type!(
            IdentityInput,
            IdentityInput {
                name: "Dana".into(),
                email: "dana@agency.gov".into(),
                role: "Escalation manager".into()
            }
        ),
        input_type!(
            CaseFilter,
            CaseFilter {
                text: Some("x".into()),
                stage: Some(Stage::Review),
                include_closed: true,
                level: Some(Level::Elevated),
                sort: CaseSort::Ticket
            }
        ),
        input_type!(PageRequest, PageRequest { offset: 25, limit: 25 }),
        input_type!(NewCase, new_case("INC0000001", Level::Escalated)),
        input_type!(
            CaseFields,
            CaseFields {
                agency_id: Some(1),
                service_id: Some(2),
                ..common::fields("INC0000001")
            }
        ),
        input_type!(Level, Level::Escalated),
        input_type!(StageAction, StageAction::Close),
        input_type!(Period, Period { from: today, to: today }),
        input_type!(
            NewProblem,
            NewProblem {
                ticket: "PRB0000001".into(),
                title: "x".into()
            }
        ),
        input_type!(
            PersonFields,
            PersonFields {
                name: "Dana".into(),
                email: "dana@agency.gov".into(),
                phone: "1".into(),
                title: "t".into(),
                department: "d".into(),
                organization_kind: OrgKind::Agency,
                organization: "o".into(),
                roles: vec![OrgRole::Abrm]
            }
        ),
        input_type!(
            AgencyFields,
            AgencyFields {
                name: "a".into(),
                business_segment: "b".into(),
                abrm_id: Some(1),
                customer_account_rep_id: Some(2),
                contacts: vec![KeyContactInput {
                    person_id: 1,
                    category_id: 1
                }]
            }
        ),
        input_type!(
            ServiceFields,
            ServiceFields {
                name: "s".into(),
                owner_id: Some(1),
                manager_id: Some(1)
            }
        ),
        input_type!(
            DirectoryFilter,
            DirectoryFilter {
                text: Some("x".into()),
                include_retired: true
            }
        ),
        input_type!(DirectoryKind, DirectoryKind::Agencies),
        input_type!(
            ImportRequest,
            ImportRequest {
                kind: DirectoryKind::People,
                data: "bmFtZQ==".into(),
                mapping: Some(vec![Some("name".into()), None]),
                defaults: Some(ImportDefaults::default())
            }
        ),
        input_type!(
            Appointment,
            Appointment {
                person_id: 1,
                role: TeamRole::Vendor
            }
        ),
        input_type!(TeamRole, TeamRole::Abrm),
        input_type!(
            WorkOrderInput,
            WorkOrderInput {
                person_id: 1,
                case_ids: vec![1, 2],
                agreed_by_id: 3,
                agreed_at: now,
                reason: "r".into()
            }
        ),
        input_type!(
            SmtpSettings,
            SmtpSettings {
                host: "h".into(),
                port: 587,
                security: Security::Starttls,
                username: "u".into(),
                sender_name: "n".into(),
                sender_address: "a@b.gov".into(),
                extra_ca_pem: String::new()
            }
        ),
        input_type!(Option<OutboxStatus>, Some(OutboxStatus::Failed)),
        input_type!(
            ProgressInput,
            ProgressInput {
                headline: "h".into(),
                details: "d".into()
            }
        ),
        input_type!(
            CustomerUpdateInput,
            CustomerUpdateInput {
                channel: UpdateChannel::Phone,
                summary: "s".into(),
                major: true
            }
        ),
        input_type!(ContactKind, ContactKind::Customer),
        input_type!(
            CadenceInput,
            CadenceInput {
                kind: CadenceKind::EveryHours,
                every_hours: Some(4),
                fixed_times: vec!["09:00".into()],
                working_days_only: true,
                time_zone: "UTC".into()
            }
        ),
        input_type!(PlanKind, PlanKind::Technical),
        input_type!(
            Vec<Action>,
            vec![Action {
                id: "a1".into(),
                description: "d".into(),
                owner_id: Some(1),
                due: Some(now),
                status: ActionStatus::Dropped("why".into()),
                resources: vec![Resource {
                    what: "w".into(),
                    from_whom: "f".into(),
                    decision: ResourceDecision::Approved
                }]
            }]
        ),
        input_type!(
            PlanReviewInput,
            PlanReviewInput {
                notes: "n".into(),
                next_review_due: Some(now)
            }
        ),
        input_type!(
            Vec<LadderLevelInput>,
            vec![LadderLevelInput {
                name: "n".into(),
                person_ids: vec![1]
            }]
        ),
        input_type!(
            Rule,
            Rule {
                name: "r".into(),
                condition: Condition::All {
                    of: vec![
                        Condition::Field {
                            field: CaseField::Priority,
                            op: Op::AtLeast,
                            value: "P2".into()
                        },
                        Condition::KeyContact {
                            categories: vec!["c".into()]
                        },
                        Condition::EscalatedLongerThan { hours: 4 }
                    ]
                },
                recipients: Recipients {
                    roles: vec![OrgRole::ExecutiveManagement],
                    people: vec![1]
                },
                enabled: true
            }
        ),
        input_type!(
            Vec<Improvement>,
            vec![Improvement {
                action: "a".into(),
                owner: "o".into(),
                due_date: Some(today),
                status: ImprovementStatus::Done,
                sent_to_problem_at: Some(now)
            }]
        ),
        input_type!(AarStep, AarStep::SignOff(SignOffRole::Abrm)),
        input_type!(SignOffRole, SignOffRole::EscalationManager),
        input_type!(
            AarSettings,
            AarSettings {
                organization: "o".into(),
                marking: "m".into(),
                paper: "a4".into(),
                one_message_per_recipient: true,
                has_logo: true
            }
        ),
        input_type!(
            WarrantyInput,
            WarrantyInput {
                resolution_summary: "r".into(),
                confirmed_by: "c".into(),
                confirmed_at: now,
                confirmed_how: ConfirmedHow::Email,
                period_days: Some(30)
            }
        ),
        input_type!(
            RecurrenceInput,
            RecurrenceInput {
                observed_at: now,
                description: "d".into()
            }
        ),
        input_type!(
            VerificationInput,
            VerificationInput {
                contact: "c".into(),
                verified_at: now,
                satisfied: false,
                notes: "n".into()
            }
        ),
        input_type!(ReviewMeetingInput, review_meeting(1)),
        input_type!(
            ReviewOutcomeInput,
            ReviewOutcomeInput {
                outcome: "o".into(),
                findings: "f".into(),
                actions: "a".into(),
                new_problem_ticket: Some("PRB1".into()),
                held_at: Some(now)
            }
        ),
        input_type!(
            ProcessSettings,
            ProcessSettings {
                warranty_days: 30,
                time_zone: "UTC".into()
            }
        ),
        // TeamDeskInput is read from the webview only (no Serialize): its JSON by hand.
        InputType {
            name: "TeamDeskInput",
            valid: serde_json::json!({
                "address": {"host": "db", "port": 5432, "database": "desk", "user": "u", "caFile": "/ca.pem"},
                "password": "p"
            }),
            reads: |v| serde_json::from_value::<escalation_core::desk::TeamDeskInput>(v).is_ok(),
        },
    ]
}

/// The paths of every value in `v` (object keys and array indexes), with the value found there.
fn leaves(v: &serde_json::Value, path: Vec<String>, out: &mut Vec<(Vec<String>, serde_json::Value)>) {
    out.push((path.clone(), v.clone()));
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let mut p = path.clone();
                p.push(k.clone());
                leaves(x, p, out);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let mut p = path.clone();
                p.push(i.to_string());
                leaves(x, p, out);
            }
        }
        _ => {}
    }
}

fn replace_at(v: &mut serde_json::Value, path: &[String], with: serde_json::Value) {
    match path.split_first() {
        None => *v = with,
        Some((head, rest)) => {
            let inner = match v {
                serde_json::Value::Object(m) => m.get_mut(head),
                serde_json::Value::Array(a) => head.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
                _ => None,
            };
            if let Some(inner) = inner {
                replace_at(inner, rest, with);
            }
        }
    }
}

/// JSON values of a different kind than `of` (never null, which an optional field takes): a
/// number for a string, a string for a number, a fraction or a number beyond i64 for an integer,
/// objects, arrays, booleans.
fn wrong_for(of: &serde_json::Value) -> Vec<serde_json::Value> {
    use serde_json::{json, Value};
    let beyond_i64 = serde_json::from_str::<Value>("18446744073709551616").unwrap();
    let huge = serde_json::from_str::<Value>("1e300").unwrap();
    let mut candidates = vec![
        json!("text"),
        json!(""),
        json!("1"),
        json!(1),
        json!(-1),
        json!(0.5),
        json!(u64::MAX),
        beyond_i64,
        huge,
        json!(-1e300),
        json!(true),
        json!([]),
        json!([1, "x", null]),
        json!({}),
        json!({"nested": {"object": [1]}}),
    ];
    let kind = |v: &Value| match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    };
    match of {
        // An integer field also refuses a fraction and numbers beyond i64 (no field is a u64).
        Value::Number(n) if n.is_i64() || n.is_u64() => candidates
            .retain(|c| kind(c) != 2 || c.as_f64().is_some_and(|f| f.fract() != 0.0) || (c.is_number() && !c.is_i64())),
        _ => candidates.retain(|c| kind(c) != kind(of)),
    }
    candidates
}

/// Strings that are not the date or time a date or time field holds.
const NOT_DATES: &[&str] = &[
    "",
    "not a date",
    "2023-02-29",
    "2024-13-01",
    "2024-00-10",
    "2024-01-32",
    "2024-02-29T25:00:00Z",
    "2024-02-29T12:60:00Z",
    "99999999-01-01",
    "1e10",
    "2024/02/29",
    "29.02.2024",
    "\u{0}",
];

#[test]
fn json_of_the_wrong_type_is_refused_for_every_input_type() {
    use serde_json::Value;
    let mut tried = 0;
    for t in input_types() {
        assert!((t.reads)(t.valid.clone()), "{}: the valid example reads", t.name);
        // The whole value of another kind.
        for wrong in [
            Value::Null,
            serde_json::json!("x"),
            serde_json::json!(7),
            serde_json::json!([[]]),
        ] {
            if std::mem::discriminant(&wrong) != std::mem::discriminant(&t.valid) && !t.name.starts_with("Option") {
                assert!(!(t.reads)(wrong.clone()), "{}: {wrong} is refused", t.name);
                tried += 1;
            }
        }
        // Each value inside replaced by one of another kind.
        let mut all = Vec::new();
        leaves(&t.valid, Vec::new(), &mut all);
        for (path, value) in all {
            if value.is_null() {
                continue;
            }
            // serde reads the tag of a tagged enum (`type`, a plan action's `status`) by its
            // variant's index too: an index names a real variant, it is not a wrong type.
            let tag = matches!(path.last().map(String::as_str), Some("type" | "status")) && value.is_string();
            for wrong in wrong_for(&value).into_iter().filter(|w| !(tag && w.is_u64())) {
                let mut v = t.valid.clone();
                replace_at(&mut v, &path, wrong.clone());
                let read = std::panic::catch_unwind(|| (t.reads)(v.clone()));
                assert!(
                    matches!(read, Ok(false)),
                    "{} at {path:?}: {wrong} in place of {value} is refused, without a panic",
                    t.name
                );
                tried += 1;
            }
            // A negative number, or one past the type, where the field is unsigned (a page, a
            // number of hours, days or minutes, a port).
            let unsigned = matches!(
                path.last().map(String::as_str),
                Some(
                    "offset"
                        | "limit"
                        | "everyHours"
                        | "warrantyDays"
                        | "durationMinutes"
                        | "periodDays"
                        | "hours"
                        | "port"
                )
            );
            if unsigned && value.is_u64() {
                let past = if path.last().is_some_and(|p| p == "port") {
                    65_536u64
                } else {
                    1u64 << 32
                };
                for bad in [
                    serde_json::json!(-1),
                    serde_json::json!(i64::MIN),
                    serde_json::json!(past),
                ] {
                    let mut v = t.valid.clone();
                    replace_at(&mut v, &path, bad.clone());
                    assert!(!(t.reads)(v), "{} at {path:?}: {bad} is refused", t.name);
                    tried += 1;
                }
            }
            // A date or a time that is not one.
            let is_date = value.as_str().is_some_and(|s| {
                s.parse::<DateTime<Utc>>().is_ok()
                    || s.parse::<NaiveDate>().is_ok()
                    || s.parse::<NaiveDateTime>().is_ok()
            });
            if is_date {
                for bad in NOT_DATES {
                    let mut v = t.valid.clone();
                    replace_at(&mut v, &path, Value::String((*bad).to_owned()));
                    assert!(
                        !(t.reads)(v),
                        "{} at {path:?}: {bad:?} is not a date and is refused",
                        t.name
                    );
                    tried += 1;
                }
            }
        }
    }
    assert!(tried > 1000, "every input type was tried ({tried} values)");
}

/// Deeper than serde_json reads (128 levels): an IPC message nested so deep is refused whole,
/// before a command could recurse over it.
#[test]
fn json_nested_past_the_parser_limit_is_refused_not_overflowed() {
    let deep = format!(
        "{{\"name\":\"r\",\"recipients\":{{\"roles\":[],\"people\":[1]}},\"enabled\":true,\"condition\":{}{{\"type\":\"escalated_longer_than\",\"hours\":1}}{}}}",
        "{\"type\":\"all\",\"of\":[".repeat(200),
        "]}".repeat(200)
    );
    assert!(serde_json::from_str::<Rule>(&deep).is_err());
    assert!(serde_json::from_str::<serde_json::Value>(&"[".repeat(100_000)).is_err());
}

#[test]
fn any_json_at_all_reads_as_each_input_type_or_is_refused_without_a_panic() {
    // Any JSON at all, read as each input type: a reading is Ok or Err, never a panic.
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        text().prop_map(serde_json::Value::from),
        prop::sample::select(NOT_DATES).prop_map(serde_json::Value::from),
    ];
    let keys = prop_oneof![
        prop::sample::select(vec![
            "name",
            "email",
            "role",
            "kind",
            "ticket",
            "title",
            "fields",
            "level",
            "levelReason",
            "from",
            "to",
            "offset",
            "limit",
            "type",
            "of",
            "field",
            "op",
            "value",
            "status",
            "reason",
            "due",
            "id",
            "startsAt",
            "attendees",
            "address",
            "port",
            "host",
            "personId",
            "caseIds",
            "agreedAt",
            "heldAt",
            "timeZone",
            "everyHours",
        ])
        .prop_map(String::from),
        text(),
    ];
    let json = leaf.prop_recursive(4, 32, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(keys.clone(), inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    });
    let types = input_types();
    let mut runner = TestRunner::new(config(CASES * 8));
    let outcome = runner.run(&json, |v| {
        for t in &types {
            let _ = (t.reads)(v.clone());
        }
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("reading JSON: {e}");
    }
}

// ------------------------------------------------------------------------------------------------
// Regressions: the failing cases the properties above found, kept as plain tests
// ------------------------------------------------------------------------------------------------

/// The field of a validation error, and its message.
fn invalid_on(e: Error) -> (String, String) {
    let p = e.payload();
    assert_eq!(p.kind, ErrorKind::Validation, "{p:?}");
    let first = p.fields.first().expect("a validation error names its field");
    (first.field.clone(), first.message.clone())
}

#[test]
fn an_alert_rule_counting_more_hours_than_the_clock_holds_is_saved_and_evaluated_without_a_panic() {
    let mut d = desk();
    let s = &mut d.t.store;
    for condition in [
        Condition::EscalatedLongerThan { hours: u32::MAX },
        Condition::Field {
            field: CaseField::AgeHours,
            op: Op::AtLeast,
            value: u32::MAX.to_string(),
        },
    ] {
        let rule = Rule {
            name: "Forever".into(),
            condition,
            recipients: Recipients {
                roles: vec![OrgRole::ExecutiveManagement],
                people: vec![],
            },
            enabled: true,
        };
        // Saving evaluates the rule against every open case: the moment it would match lies past
        // the year 9999, so there is none (it was a `DateTime + TimeDelta` overflow, a panic).
        alerts::test_alert_rule(s, &rule).unwrap();
        alerts::insert_alert_rule(s, &rule).unwrap();
    }
    desk_reads(s).unwrap();
}

#[test]
fn a_period_outside_the_years_1_to_9999_is_refused_beside_its_field_for_figures_and_briefings() {
    let d = desk();
    let s = &d.t.store;
    let day = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
    for (period, field) in [
        (
            Period {
                from: NaiveDate::MIN,
                to: NaiveDate::MIN,
            },
            "from",
        ),
        (
            Period {
                from: NaiveDate::MAX,
                to: NaiveDate::MAX,
            },
            "from",
        ),
        (
            Period {
                from: day(0, 12, 1),
                to: day(1, 1, 31),
            },
            "from",
        ),
        (
            Period {
                from: day(9999, 12, 1),
                to: day(10000, 1, 31),
            },
            "to",
        ),
    ] {
        // Each was a `DateTime + TimeDelta` overflow (a panic) in the period's first or last instant.
        let (f, message) = invalid_on(figures::get_portfolio(s, &period).unwrap_err());
        assert_eq!(f, field, "{period:?}");
        assert!(message.contains("1 and 9999"), "the message names the years: {message}");
        let (f, _) = invalid_on(briefings::write_portfolio_briefing(s, &period).unwrap_err());
        assert_eq!(f, field, "{period:?}");
    }
    let edges = Period {
        from: day(1, 1, 1),
        to: day(1, 1, 31),
    };
    figures::get_portfolio(s, &edges).unwrap();
}

#[test]
fn an_order_of_work_agreed_outside_the_years_1_to_9999_is_refused_and_the_case_pages_still_read() {
    let mut d = desk();
    let s = &mut d.t.store;
    let (busy, cases_of_busy, manager) = template().ids.overloaded.clone();
    let db = reader(s);
    let before = desk_digest(&db);
    for agreed_at in [ymd_hms(-1, 12, 31, 23, 59, 59, 999), ymd_hms(10000, 1, 1, 0, 0, 0, 0)] {
        let input = WorkOrderInput {
            person_id: busy,
            case_ids: cases_of_busy.clone(),
            agreed_by_id: manager,
            agreed_at,
            reason: "Claims portal first".into(),
        };
        // It was stored, and then no page that shows the order could read its time again.
        let (field, message) = invalid_on(team::insert_work_order(s, &input).unwrap_err());
        assert_eq!(field, "agreedAt");
        assert!(message.contains("1 and 9999"), "{message}");
    }
    assert!(before.changed(&desk_digest(&db), &[]).is_empty());
    desk_reads(s).unwrap();
}

#[test]
fn an_order_of_work_or_a_timeline_check_for_an_id_that_does_not_exist_is_not_found() {
    let mut d = desk();
    let s = &mut d.t.store;
    let (_, cases_of_busy, manager) = template().ids.overloaded.clone();
    let input = WorkOrderInput {
        person_id: i64::MIN,
        case_ids: cases_of_busy,
        agreed_by_id: manager,
        agreed_at: escalation_core::store::now(),
        reason: "Claims portal first".into(),
    };
    // Both were database errors ("Query returned no rows").
    assert_eq!(
        team::insert_work_order(s, &input).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        timeline::verify_case_timeline(s, i64::MIN).unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[test]
fn a_filter_text_past_its_limit_is_refused_beside_the_box_on_the_dashboard_and_in_the_directory() {
    let d = desk();
    let s = &d.t.store;
    // SQLite refuses a LIKE pattern past 50,000 bytes: this was a database error.
    let long = Some("x".repeat(60_000));
    let directory = DirectoryFilter {
        text: long.clone(),
        include_retired: false,
    };
    let dashboard = CaseFilter {
        text: long,
        ..CaseFilter::default()
    };
    let errors = [
        people::list_people(s, &directory).map(drop).unwrap_err(),
        agencies::list_agencies(s, &directory).map(drop).unwrap_err(),
        services::list_services(s, &directory).map(drop).unwrap_err(),
        cases::list_cases(s, &dashboard, PageRequest::FIRST)
            .map(drop)
            .unwrap_err(),
    ];
    for e in errors {
        let (field, message) = invalid_on(e);
        assert_eq!(field, "text");
        assert_eq!(message, "Keep the filter text to 200 characters (this one has 60,000).");
    }
    let fits = DirectoryFilter {
        text: Some("x".repeat(limits::FILTER_CHARS)),
        include_retired: true,
    };
    people::list_people(s, &fits).unwrap();
}

#[test]
fn an_address_the_mail_library_cannot_send_to_is_refused_where_it_is_typed() {
    use escalation_core::identity::email_problem;
    // lettre reads these, but cannot address a message to them: a test message failed with an
    // internal error, and every mail to such a person would have.
    for address in [
        "\"quoted name\"@agency.gov",
        "\"a@b\"@agency.gov",
        "a@[127.0.0.1]",
        "a@[IPv6:::1]",
    ] {
        assert!(email_problem(address).is_some(), "{address} is refused");
        let mut d = desk();
        let fields = PersonFields {
            name: "Quoted".into(),
            email: address.into(),
            phone: String::new(),
            title: String::new(),
            department: String::new(),
            organization_kind: OrgKind::Agency,
            organization: "DWS".into(),
            roles: vec![],
        };
        assert_eq!(
            invalid_on(people::insert_person(&mut d.t.store, &fields).unwrap_err()).0,
            "email"
        );
    }
    // What the library can send to stays accepted, and builds a message.
    for address in [
        "\"a\"@agency.gov",
        "o'brien+desk@agency.gov",
        "zoë@agencia.gov",
        "ops@localhost",
    ] {
        assert_eq!(email_problem(address), None, "{address}");
        let draft = escalation_core::mail::templates::test_message(address);
        escalation_core::mail::message::build_mime(
            "Desk",
            "desk@state.gov",
            "<1@state.gov>",
            std::time::SystemTime::now(),
            &draft,
        )
        .unwrap();
    }
}

#[test]
fn the_samples_are_refused_whole_when_the_identity_does_not_fit_the_directory() {
    let mut t = common::sqlite_store_without_identity();
    let s = &mut t.store;
    let long_role = "r".repeat(2000);
    // A role past the limit is refused on the identity form, naming the limit...
    let input = IdentityInput {
        name: "Dana Whitfield".into(),
        email: "dana.whitfield@doit.state.gov".into(),
        role: long_role.clone(),
    };
    let (field, message) = invalid_on(users::update_current_user(s, &input).unwrap_err());
    assert_eq!(
        (field.as_str(), message.as_str()),
        ("role", "Keep the role to 120 characters (this one has 2,000).")
    );
    // ...and an identity saved before that limit (its role becomes the manager's title in the
    // directory) stops the samples before anything is written: they stopped half way, with the
    // directory loaded and no case.
    users::update_current_user(
        s,
        &IdentityInput {
            role: "Escalation manager".into(),
            ..input
        },
    )
    .unwrap();
    s.conn()
        .execute("UPDATE users SET role = ?1", [long_role.as_str()])
        .unwrap();
    let db = reader(s);
    let before = desk_digest(&db);
    let (field, _) = invalid_on(sample::insert_sample_data(s, "Dana Whitfield").unwrap_err());
    assert_eq!(field, "title");
    assert!(before.changed(&desk_digest(&db), &[]).is_empty(), "nothing was written");
}

#[test]
fn an_improvement_due_or_sent_outside_the_years_1_to_9999_is_refused_and_the_report_still_reads() {
    let mut d = desk();
    let s = &mut d.t.store;
    let report = template().ids.aars[1];
    let version: i64 = s.conn().query_row(AAR_VERSION, [report], |r| r.get(0)).unwrap();
    let item = |due_date, sent_to_problem_at| Improvement {
        action: "Monthly failover test".into(),
        owner: "Priya Natarajan".into(),
        due_date,
        status: ImprovementStatus::Open,
        sent_to_problem_at,
    };
    for items in [
        vec![item(None, Some(ymd_hms(-1, 1, 1, 0, 0, 0, 0)))],
        vec![item(None, Some(DateTime::<Utc>::MAX_UTC))],
        vec![item(NaiveDate::from_ymd_opt(10000, 1, 1), None)],
        vec![item(None, None), item(Some(NaiveDate::MIN), None)],
    ] {
        // A sent mark outside the years was stored and the report no longer read; a due date
        // outside them was stored and silently lost on reading.
        let (field, message) = invalid_on(aar::update_aar_improvements(s, report, version, &items).unwrap_err());
        assert_eq!(field, "improvements");
        assert!(
            message.starts_with("Row ") && message.contains("1 and 9999"),
            "{message}"
        );
    }
    desk_reads(s).unwrap();
}

#[test]
fn names_holding_a_nul_are_refused_beside_the_field_instead_of_failing_in_the_database() {
    let mut d = desk();
    let s = &mut d.t.store;
    // SQLite's NOCASE collation stops at a NUL, so these two names were "equal" to the unique
    // index while the store's own check saw two names: the second failed as a database error
    // (found by the property test above with "\0AaA\0"). PostgreSQL refuses a NUL in any text.
    for name in ["\0AaA\0", "\0BbB\0"] {
        let service = ServiceFields {
            name: name.into(),
            owner_id: None,
            manager_id: None,
        };
        let (field, message) = invalid_on(services::insert_service(s, &service).unwrap_err());
        assert_eq!(field, "name");
        assert!(message.contains("NUL"), "{message}");
        let agency = AgencyFields {
            name: name.into(),
            business_segment: String::new(),
            abrm_id: None,
            customer_account_rep_id: None,
            contacts: Vec::new(),
        };
        let (field, _) = invalid_on(agencies::insert_agency(s, &agency).unwrap_err());
        assert_eq!(field, "name");
    }
    desk_reads(s).unwrap();
}
