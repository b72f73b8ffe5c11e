//! Shared setup: a real desk with a workstation user (a SQLite file in a fresh temp folder, or a
//! fresh database on a real PostgreSQL server); a real SMTP server.
//!
//! Every store test runs once per engine with one body: `ESCALATION_TEST_ENGINE=postgres` makes
//! [`store`] open a new database on the server at `ESCALATION_TEST_PG_URL` (`.ci/test` starts a
//! throwaway cluster and runs the store tests a second time so). Without the URL such a run fails
//! at the first desk: it never falls back to SQLite silently.
#![allow(dead_code)]

pub mod smtp;

use escalation_core::case::{CaseFields, CaseKind, Level, NewCase, Rating};
use escalation_core::identity::IdentityInput;
use escalation_core::store::users::update_current_user;
use escalation_core::Store;

pub struct TempStore {
    pub store: Store,
    pub dir: tempfile::TempDir,
    /// The PostgreSQL database made for this test, dropped with it (a test that moves the store
    /// out keeps this too, or its connection is cut).
    pub pg: Option<PgDatabase>,
}

impl TempStore {
    pub fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("desk.sqlite3")
    }

    /// Another connection to the same desk, as a second workstation (or the app's worker) has.
    pub fn open_again(&self) -> Store {
        match &self.pg {
            Some(db) => Store::open_postgres(&db.url, None, None).unwrap(),
            None => Store::open(self.path()).unwrap(),
        }
    }

    /// True when this test runs on PostgreSQL (for the few checks that read engine-specific state).
    pub fn on_postgres(&self) -> bool {
        self.pg.is_some()
    }
}

/// True when the store tests are asked to run on PostgreSQL.
pub fn postgres_run() -> bool {
    match std::env::var("ESCALATION_TEST_ENGINE").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("ESCALATION_TEST_ENGINE={other:?}: use sqlite or postgres"),
    }
}

pub fn store_without_identity() -> TempStore {
    let dir = tempfile::tempdir().unwrap();
    if postgres_run() {
        let db = PgDatabase::create();
        let mut store = Store::open_postgres(&db.url, None, None).expect("the test database opens and migrates");
        // Each test's rendered files in its own folder, as each workstation has its own (tests
        // run in parallel; one shared folder let one test replace another's report file).
        store.set_files_dir(dir.path().join("files"));
        return TempStore {
            store,
            dir,
            pg: Some(db),
        };
    }
    let store = Store::open(dir.path().join("desk.sqlite3")).unwrap();
    TempStore { store, dir, pg: None }
}

/// The sync PostgreSQL client blocks: on an async test's worker, move its tasks off first.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// A new, empty database on the test server, dropped (with any connection left to it) at the end.
pub struct PgDatabase {
    admin: String,
    name: String,
    pub url: String,
}

impl PgDatabase {
    fn create() -> PgDatabase {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let admin = std::env::var("ESCALATION_TEST_PG_URL")
            .expect("ESCALATION_TEST_ENGINE=postgres needs ESCALATION_TEST_PG_URL (tests/pg/cluster start prints one)");
        let name = format!("desk_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        blocking(|| {
            let mut client = postgres::Client::connect(&admin, postgres::NoTls).expect("the test server answers");
            client.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        });
        let (base, _) = admin.rsplit_once('/').expect("a URL ending in /database");
        PgDatabase {
            url: format!("{base}/{name}"),
            admin,
            name,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        blocking(|| {
            if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
                let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
            }
        });
    }
}

/// A SQLite desk, whatever engine the run is on (a copy's source or its way home).
pub fn sqlite_store_without_identity() -> TempStore {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("desk.sqlite3")).unwrap();
    TempStore { store, dir, pg: None }
}

pub fn sqlite_store() -> TempStore {
    identify(sqlite_store_without_identity())
}

pub fn store() -> TempStore {
    identify(store_without_identity())
}

fn identify(mut t: TempStore) -> TempStore {
    be(
        &mut t.store,
        "Dana Whitfield",
        "dana.whitfield@doit.state.gov",
        "Escalation manager",
    );
    t
}

/// Makes `name <email>` the one changing the desk. On a workstation's file that is the identity
/// form; on a team desk the login is who you are, so the test's login is mapped to the person, as
/// the desk's manager maps a login (`desk grant`).
pub fn be(store: &mut Store, name: &str, email: &str, role: &str) -> escalation_core::identity::Identity {
    let input = IdentityInput {
        name: name.into(),
        email: email.into(),
        role: role.into(),
    };
    match escalation_core::store::users::desk_login(store).unwrap() {
        Some(login) => escalation_core::store::team_desk::map_login(store, &login, &input).unwrap(),
        None => update_current_user(store, &input).unwrap(),
    }
}

pub fn fields(ticket: &str) -> CaseFields {
    CaseFields {
        kind: CaseKind::Incident,
        ticket: ticket.into(),
        title: "Claims portal unavailable".into(),
        description: "HTTP 503 for all claimants".into(),
        agency: "Department of Workforce Solutions".into(),
        affected_service: "UI Claims Portal".into(),
        // By name: the store adds the agency and service to the directory if they are not there.
        agency_id: None,
        service_id: None,
        impact: Rating::High,
        urgency: Rating::High,
        reported_by: "Maria Lopez".into(),
        escalation_manager: "Dana Whitfield".into(),
    }
}

pub fn new_case(ticket: &str, level: Level) -> NewCase {
    NewCase {
        fields: fields(ticket),
        level,
        level_reason: "Statewide outage on a deadline".into(),
    }
}

pub fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The time `minutes` from now (negative: ago) as the store writes it, for a test to bind where it
/// moves a time (SQLite's strftime('now') does not run on PostgreSQL).
pub fn minutes_from_now(minutes: i64) -> String {
    escalation_core::store::format_time(escalation_core::store::now() + chrono::Duration::minutes(minutes))
}

pub fn person(store: &mut Store, name: &str, email: &str, roles: &[escalation_core::directory::OrgRole]) -> i64 {
    escalation_core::store::people::insert_person(
        store,
        &escalation_core::directory::PersonFields {
            name: name.into(),
            email: email.into(),
            phone: String::new(),
            title: String::new(),
            department: "Infrastructure".into(),
            organization_kind: escalation_core::directory::OrgKind::Division,
            organization: "DoIT".into(),
            roles: roles.to_vec(),
        },
    )
    .unwrap()
    .id
}

/// Appoints a new incident owner and ABRM, which the Team -> Appraisal guard requires.
pub fn appoint_core_team(store: &mut Store, case_id: i64) {
    use escalation_core::team::{Appointment, TeamRole};
    let owner = person(
        store,
        &format!("Owner {case_id}"),
        &format!("owner{case_id}@doit.state.gov"),
        &[],
    );
    let abrm = person(
        store,
        &format!("ABRM {case_id}"),
        &format!("abrm{case_id}@doit.state.gov"),
        &[],
    );
    escalation_core::store::team::insert_member(
        store,
        case_id,
        &Appointment {
            person_id: owner,
            role: TeamRole::IncidentOwner,
        },
    )
    .unwrap();
    escalation_core::store::team::insert_member(
        store,
        case_id,
        &Appointment {
            person_id: abrm,
            role: TeamRole::Abrm,
        },
    )
    .unwrap();
}

pub fn action(description: &str) -> escalation_core::plan::Action {
    escalation_core::plan::Action {
        id: String::new(),
        description: description.into(),
        owner_id: None,
        due: None,
        status: escalation_core::plan::ActionStatus::Open,
        resources: vec![],
    }
}

/// One action on each plan and a first review of each: what Appraisal -> Resolving requires.
pub fn make_plans_ready(store: &mut Store, case_id: i64) {
    use escalation_core::plan::{PlanKind, PlanReviewInput};
    use escalation_core::store::plans::{insert_review, insert_revision};
    for kind in [PlanKind::Escalation, PlanKind::Technical] {
        insert_revision(store, case_id, kind, 0, &[action("First step")]).unwrap();
        insert_review(
            store,
            case_id,
            kind,
            &PlanReviewInput {
                notes: "Agreed".into(),
                next_review_due: None,
            },
        )
        .unwrap();
    }
}

/// Writes, approves (as the manager and the ABRM of `appoint_core_team`), renders and distributes
/// the case's report: what closing requires. Leaves Dana Whitfield as the current user.
pub fn distribute_aar(store: &mut Store, case_id: i64) {
    use escalation_core::aar::SignOffRole;
    use escalation_core::store::aar::*;
    let be = |store: &mut Store, name: &str, email: &str| {
        be(store, name, email, "Escalation team");
    };
    let aar = match get_aar(store.conn(), case_id).unwrap() {
        Some(a) => a,
        None => insert_aar(store, case_id).unwrap(),
    };
    for s in &aar.sections {
        if s.body.trim().is_empty() {
            update_aar_section(store, s.id, s.version, "Written.").unwrap();
        }
    }
    let aar = get_aar(store.conn(), case_id).unwrap().unwrap();
    let aar = update_aar_status(store, aar.id, aar.version, AarStep::SubmitForReview).unwrap();
    be(store, "Dana Whitfield", "dana.whitfield@doit.state.gov");
    let aar = sign(store, aar.id, aar.version, SignOffRole::EscalationManager).unwrap();
    be(store, "ABRM", &format!("abrm{case_id}@doit.state.gov"));
    let aar = sign(store, aar.id, aar.version, SignOffRole::Abrm).unwrap();
    be(store, "Dana Whitfield", "dana.whitfield@doit.state.gov");
    let (aar_id, revision, status, doc) = pdf_document(store, case_id).unwrap();
    let pdf = escalation_core::aar_pdf::render_pdf(&doc).unwrap();
    insert_aar_render(store, aar_id, revision, status, &pdf, 1).unwrap();
    insert_distribution(store, aar.id, aar.version, &["cio@doit.state.gov".into()]).unwrap();
}

/// Appoints a customer account representative (who starts the warranty).
pub fn appoint_car(store: &mut Store, case_id: i64) -> i64 {
    use escalation_core::team::{Appointment, TeamRole};
    let car = person(
        store,
        &format!("CAR {case_id}"),
        &format!("car{case_id}@doit.state.gov"),
        &[],
    );
    escalation_core::store::team::insert_member(
        store,
        case_id,
        &Appointment {
            person_id: car,
            role: TeamRole::CustomerAccountRep,
        },
    )
    .unwrap();
    car
}

/// Resolving -> Warranty with a confirmation by the customer.
pub fn start_warranty(store: &mut Store, case_id: i64) -> escalation_core::case::Case {
    use escalation_core::closure::{ConfirmedHow, WarrantyInput};
    let case = escalation_core::store::cases::get_case(store, case_id).unwrap();
    escalation_core::store::closure::insert_warranty(
        store,
        case_id,
        case.version,
        &WarrantyInput {
            resolution_summary: "Storage controller replaced; failover tested".into(),
            confirmed_by: "Linda Morales".into(),
            confirmed_at: escalation_core::store::now(),
            confirmed_how: ConfirmedHow::Phone,
            period_days: None,
        },
    )
    .unwrap()
}

/// Lets the warranty period run out (moves its end into the past) and runs the periodic check.
pub fn finish_warranty(store: &mut Store, case_id: i64) -> escalation_core::case::Case {
    store
        .conn()
        .execute(
            "UPDATE warranties SET ends_at = ?2 WHERE case_id = ?1 AND outcome IS NULL",
            rusqlite::params![case_id, minutes_from_now(-1)],
        )
        .unwrap();
    assert_eq!(
        escalation_core::store::closure::update_ended_warranties(store).unwrap(),
        1
    );
    escalation_core::store::cases::get_case(store, case_id).unwrap()
}

pub fn verify_satisfied(store: &mut Store, case_id: i64) -> escalation_core::case::Case {
    let case = escalation_core::store::cases::get_case(store, case_id).unwrap();
    escalation_core::store::closure::insert_verification(
        store,
        case_id,
        case.version,
        &escalation_core::closure::VerificationInput {
            contact: "Linda Morales".into(),
            verified_at: escalation_core::store::now(),
            satisfied: true,
            notes: String::new(),
        },
    )
    .unwrap()
}

/// Schedules the review, records its outcome and hands it to a (new) problem case.
/// A review meeting `days` from now, with the CIO invited.
pub fn review_meeting(days: i64) -> escalation_core::closure::ReviewMeetingInput {
    escalation_core::closure::ReviewMeetingInput {
        starts_at: escalation_core::store::now() + chrono::Duration::days(days),
        duration_minutes: 60,
        location: "Room 4.12".into(),
        attendees: vec![escalation_core::closure::Attendee {
            name: "Robert Chavez".into(),
            email: "cio@doit.state.gov".into(),
        }],
        agenda: "1. What happened".into(),
    }
}

pub fn hold_review(store: &mut Store, case_id: i64) -> escalation_core::closure::ReviewMeeting {
    use escalation_core::closure::ReviewOutcomeInput;
    use escalation_core::store::closure::{insert_review_meeting, update_review_outcome};
    let m = insert_review_meeting(store, case_id, &review_meeting(2)).unwrap();
    update_review_outcome(
        store,
        m.id,
        &ReviewOutcomeInput {
            outcome: "Agreed on monthly failover tests".into(),
            findings: "Failover never tested under load".into(),
            actions: "Monthly failover test; vendor on call".into(),
            new_problem_ticket: Some(format!("PRB{case_id:07}")),
            held_at: Some(escalation_core::store::now()),
        },
    )
    .unwrap()
}

/// A PDF's text as `pdftotext` (poppler) reads it: what a reader of the paper sees.
pub fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs (apt-get install poppler-utils)");
    assert!(out.status.success(), "pdftotext reads the rendered file");
    String::from_utf8(out.stdout).unwrap()
}

/// The sign-off code in the newest code mail to `email`, read from the outbox as the signer would
/// read it in their mailbox.
pub fn mailed_code(store: &Store, email: &str) -> String {
    let text: String = store
        .conn()
        .query_row(
            "SELECT text_body FROM outbox WHERE purpose = 'signoff_code' AND recipients LIKE ?1 ORDER BY id DESC LIMIT 1",
            [format!("%{email}%")],
            |r| r.get(0),
        )
        .unwrap();
    let at = text.find("Your sign-off code: ").expect("the mail carries the code") + "Your sign-off code: ".len();
    text[at..at + 6].to_owned()
}

/// Signs off the way a person does: sends the code, reads it from the mail, enters it. The case's
/// escalation manager (Dana Whitfield) is put in the directory first if missing, as a desk would have them.
pub fn sign(
    store: &mut Store,
    aar_id: i64,
    version: i64,
    role: escalation_core::aar::SignOffRole,
) -> escalation_core::Result<escalation_core::aar::Aar> {
    use escalation_core::store::aar::{confirm_signoff, request_signoff_code};
    if count(store, "SELECT COUNT(*) FROM people WHERE name = 'Dana Whitfield'") == 0 {
        person(store, "Dana Whitfield", "dana.whitfield@doit.state.gov", &[]);
    }
    let sent = request_signoff_code(store, aar_id, version, role)?;
    let code = mailed_code(store, &sent.email);
    confirm_signoff(store, aar_id, version, role, &code)
}
