//! Progress notices, customer contacts, cadence and customer updates, on a real SQLite file and,
//! for delivery, a real SMTP server.

mod common;

use escalation_core::page::PageRequest;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{count, new_case, person};
use escalation_core::cadence::{CadenceInput, CadenceKind};
use escalation_core::case::{CaseFilter, Level};
use escalation_core::communication::{ContactKind, CustomerUpdateInput, ProgressInput, UpdateChannel};
use escalation_core::mail::settings::FixedPassword;
use escalation_core::mail::worker::{OutboxWorker, RetryPolicy};
use escalation_core::stage::StageAction;
use escalation_core::store::cases::{get_case_detail, insert_case, list_cases, update_stage};
use escalation_core::store::communications::{
    insert_customer_update, insert_progress_update, update_cadence, update_case_contacts,
};
use escalation_core::store::mail_settings::update_smtp_settings;
use escalation_core::store::outbox::{list_outbox, OutboxStatus};
use escalation_core::store::team::insert_member;
use escalation_core::store::timeline::list_events;
use escalation_core::team::{Appointment, TeamRole};
use escalation_core::timeline::EventKind;
use escalation_core::ErrorKind;

fn progress() -> ProgressInput {
    ProgressInput {
        headline: "Failover complete".into(),
        details: "The claims portal serves 60% of claimants.".into(),
    }
}

#[test]
fn a_progress_update_goes_to_the_team_and_management_contacts_in_the_same_change() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let err = insert_progress_update(&mut t.store, case.id, &progress()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused, "no one to notify yet");
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM outbox"), 0);

    let jane = person(&mut t.store, "Jane", "jane@doit.state.gov", &[]);
    let cio = person(&mut t.store, "Robert", "cio@doit.state.gov", &[]);
    insert_member(
        &mut t.store,
        case.id,
        &Appointment {
            person_id: jane,
            role: TeamRole::IncidentOwner,
        },
    )
    .unwrap();
    update_case_contacts(&mut t.store, case.id, ContactKind::Management, &[cio]).unwrap();
    assert_eq!(insert_progress_update(&mut t.store, case.id, &progress()).unwrap(), 2);

    let mail = &list_outbox(&t.store, None, 10).unwrap()[0];
    assert_eq!(mail.recipients, ["cio@doit.state.gov", "jane@doit.state.gov"]);
    assert_eq!(mail.subject, "[INC0000001] Progress: Failover complete");
    assert_eq!(mail.status, OutboxStatus::Queued);
    let event = &list_events(&t.store, case.id).unwrap()[0];
    assert_eq!(event.kind, EventKind::ProgressPosted);
    assert!(
        event
            .new_value
            .as_deref()
            .unwrap()
            .contains(&format!("\"outboxId\":{}", mail.id)),
        "the event names its message"
    );
}

#[test]
fn a_stage_change_sends_a_notice_when_there_is_a_team() {
    let mut t = common::store();
    let lonely = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    update_stage(&mut t.store, lonely.id, lonely.version, StageAction::Advance, None).unwrap();
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM outbox"), 0, "no team, no notice");

    let case = insert_case(&mut t.store, &new_case("INC0000002", Level::Escalated)).unwrap();
    let jane = person(&mut t.store, "Jane", "jane@doit.state.gov", &[]);
    insert_member(
        &mut t.store,
        case.id,
        &Appointment {
            person_id: jane,
            role: TeamRole::IncidentOwner,
        },
    )
    .unwrap();
    update_stage(&mut t.store, case.id, case.version, StageAction::Advance, None).unwrap();
    let mail = &list_outbox(&t.store, None, 10).unwrap()[0];
    assert_eq!(mail.purpose, "stage_notice");
    assert_eq!(mail.subject, "[INC0000002] Progress: moved from Intake to Team");
}

#[test]
fn customer_updates_by_email_go_to_the_customer_contacts_and_calls_are_only_recorded() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let email = CustomerUpdateInput {
        channel: UpdateChannel::Email,
        summary: "Portal restored for most claimants".into(),
        major: false,
    };
    let err = insert_customer_update(&mut t.store, case.id, &email).unwrap_err();
    assert!(err.to_string().contains("customer contacts"), "{err}");
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM customer_updates"),
        0,
        "a refused update records nothing"
    );

    let linda = person(&mut t.store, "Linda", "linda@dws.state.gov", &[]);
    update_case_contacts(&mut t.store, case.id, ContactKind::Customer, &[linda]).unwrap();
    insert_customer_update(&mut t.store, case.id, &email).unwrap();
    let call = CustomerUpdateInput {
        channel: UpdateChannel::Phone,
        summary: "Called the deputy secretary".into(),
        major: true,
    };
    insert_customer_update(&mut t.store, case.id, &call).unwrap();

    let comms = get_case_detail(&t.store, case.id).unwrap().communications;
    assert_eq!(comms.updates.len(), 2);
    assert_eq!(
        (comms.updates[0].channel, comms.updates[0].mail_status),
        (UpdateChannel::Phone, None)
    );
    assert_eq!(comms.updates[1].mail_status, Some(OutboxStatus::Queued));
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM outbox"),
        1,
        "only the email goes out"
    );
    assert_eq!(
        list_outbox(&t.store, None, 1).unwrap()[0].recipients,
        ["linda@dws.state.gov"]
    );
    let summaries: Vec<String> = list_events(&t.store, case.id)
        .unwrap()
        .into_iter()
        .take(2)
        .map(|e| e.summary)
        .collect();
    assert_eq!(summaries[0], "Major development by phone: Called the deputy secretary");
    assert_eq!(
        summaries[1],
        "Customer update by email: Portal restored for most claimants"
    );
}

#[test]
fn an_agreed_cadence_gives_the_next_due_time_and_the_dashboard_flags_it_when_overdue() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    assert_eq!(
        list_cases(&t.store, &CaseFilter::default(), PageRequest::FIRST)
            .unwrap()
            .rows[0]
            .update_due,
        None,
        "no cadence, nothing due"
    );
    let every_hour = CadenceInput {
        kind: CadenceKind::EveryHours,
        every_hours: Some(1),
        fixed_times: vec![],
        working_days_only: false,
        time_zone: "America/Denver".into(),
    };
    update_cadence(&mut t.store, case.id, &every_hour).unwrap();
    let comms = get_case_detail(&t.store, case.id).unwrap().communications;
    let due = comms.next_update_due.unwrap();
    let agreed = comms.cadence.unwrap().agreed_at;
    assert_eq!(due - agreed, chrono::Duration::hours(1));
    assert!(!comms.update_overdue);

    // An agreement from three hours ago is overdue now.
    t.store
        .conn()
        .execute(
            "UPDATE customer_cadences SET agreed_at = ?1",
            [(chrono::Utc::now() - chrono::Duration::hours(3)).to_rfc3339()],
        )
        .unwrap();
    let row = &list_cases(&t.store, &CaseFilter::default(), PageRequest::FIRST)
        .unwrap()
        .rows[0];
    assert!(row.update_overdue, "the dashboard row is flagged");
    let phone = CustomerUpdateInput {
        channel: UpdateChannel::Phone,
        summary: "Hourly call".into(),
        major: false,
    };
    insert_customer_update(&mut t.store, case.id, &phone).unwrap();
    let row = &list_cases(&t.store, &CaseFilter::default(), PageRequest::FIRST)
        .unwrap()
        .rows[0];
    assert!(!row.update_overdue, "an update resets the clock");
    assert_eq!(
        list_events(&t.store, case.id)
            .unwrap()
            .iter()
            .filter(|e| e.kind == EventKind::CadenceAgreed)
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_posted_progress_update_is_received_by_the_mail_server() {
    let mut t = common::store();
    let pki = common::smtp::pki();
    let port = common::smtp::free_port();
    let server = common::smtp::SmtpServer::start(&pki, port, t.dir.path().join("maildir"));
    update_smtp_settings(&mut t.store, &common::smtp::settings(&pki, port)).unwrap();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let jane = person(&mut t.store, "Jane", "jane@doit.state.gov", &[]);
    insert_member(
        &mut t.store,
        case.id,
        &Appointment {
            person_id: jane,
            role: TeamRole::IncidentOwner,
        },
    )
    .unwrap();
    insert_progress_update(&mut t.store, case.id, &progress()).unwrap();
    let worker = OutboxWorker {
        store: Arc::new(Mutex::new(t.store)),
        passwords: Arc::new(FixedPassword(Some(common::smtp::PASSWORD.into()))),
        wake: Default::default(),
        on_change: None,
        policy: RetryPolicy {
            first_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
            max_attempts: 3,
            step_timeout: escalation_core::mail::transport::STEP_TIMEOUT,
            standby: std::time::Duration::from_secs(1),
        },
    };
    assert_eq!(worker.send_due().await.unwrap().sent, 1);
    let got = server.received();
    assert!(got[0].contains("Subject: [INC0000001] Progress: Failover complete"));
    assert!(got[0].contains("The claims portal serves 60% of claimants."));
    assert!(
        got[0].contains("Customer agency: Department of Workforce Solutions"),
        "built from the case's fields"
    );
}
