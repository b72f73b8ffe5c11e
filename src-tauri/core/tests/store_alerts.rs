//! Executive alerts on a real SQLite file: rules as data, evaluated on every change of a case,
//! raised once, mailed through the outbox, acknowledged, and tested before saving.

mod common;

use common::{count, fields, minutes_from_now, new_case, person};
use escalation_core::alert::{builtin_rules, CaseField, Condition, Op, Recipients, Rule};
use escalation_core::case::{CaseFields, Level, NewCase, Rating};
use escalation_core::directory::{AgencyFields, KeyContactInput, OrgRole};
use escalation_core::page::PageRequest;
use escalation_core::store::agencies::{insert_agency, list_contact_categories};
use escalation_core::store::alerts::{
    delete_alert_rule, evaluate_alerts, evaluate_due_alerts, insert_alert_rule, list_alert_rules, list_case_alerts,
    list_open_alerts, test_alert_rule, update_alert_acknowledged, update_alert_rule,
};
use escalation_core::store::cases::{insert_case, update_case, update_level};
use escalation_core::store::outbox::list_outbox;
use escalation_core::store::timeline::list_events;
use escalation_core::timeline::EventKind;
use escalation_core::{ErrorKind, Store};

/// A P3 case (so the built-in P1 rule stays quiet) for the given agency.
fn p3_case(ticket: &str, agency: &str) -> NewCase {
    NewCase {
        fields: CaseFields {
            agency: agency.into(),
            impact: Rating::Medium,
            urgency: Rating::Low,
            ..fields(ticket)
        },
        level: Level::Escalated,
        level_reason: "Agency deadline".into(),
    }
}

fn disable_builtins(store: &mut Store) {
    for r in list_alert_rules(store).unwrap() {
        let rule = Rule {
            enabled: false,
            ..r.rule.clone()
        };
        update_alert_rule(store, r.id, r.version, &rule).unwrap();
    }
}

fn text_rule(name: &str, needle: &str, people: Vec<i64>) -> Rule {
    Rule {
        name: name.into(),
        condition: Condition::Field {
            field: CaseField::Text,
            op: Op::Contains,
            value: needle.into(),
        },
        recipients: Recipients { roles: vec![], people },
        enabled: true,
    }
}

#[test]
fn the_built_in_rules_are_seeded_as_the_process_criteria() {
    let t = common::store();
    let stored: Vec<Rule> = list_alert_rules(&t.store)
        .unwrap()
        .into_iter()
        .map(|r| r.rule)
        .collect();
    assert_eq!(
        stored,
        builtin_rules(8),
        "migration 0007 seeds exactly builtin_rules(8)"
    );
    assert!(list_alert_rules(&t.store).unwrap().iter().all(|r| r.builtin));
}

#[test]
fn a_cabinet_secretary_key_contact_alerts_the_executives_once_through_the_outbox() {
    let mut t = common::store();
    // The one executive: the built-in rules alert executive management.
    person(
        &mut t.store,
        "Robert Chavez",
        "cio@doit.state.gov",
        &[OrgRole::ExecutiveManagement],
    );
    let linda = person(&mut t.store, "Linda Morales", "linda.morales@dws.state.gov", &[]);
    let cabinet = list_contact_categories(&t.store)
        .unwrap()
        .into_iter()
        .find(|c| c.name == "Cabinet secretary")
        .unwrap();
    insert_agency(
        &mut t.store,
        &AgencyFields {
            name: "Department of Workforce Solutions".into(),
            business_segment: "Health and human services".into(),
            abrm_id: None,
            customer_account_rep_id: None,
            contacts: vec![KeyContactInput {
                person_id: linda,
                category_id: cabinet.id,
            }],
        },
    )
    .unwrap();

    let case = insert_case(
        &mut t.store,
        &p3_case("INC0000001", "Department of Workforce Solutions"),
    )
    .unwrap();
    let alerts = list_case_alerts(&t.store, case.id).unwrap();
    assert_eq!(
        alerts.len(),
        1,
        "the key-contact rule matched as the case opened: {alerts:?}"
    );
    assert_eq!(alerts[0].rule_name, "A key contact of the agency is a senior official");
    assert_eq!(alerts[0].recipients, ["cio@doit.state.gov"]);
    let outbox = list_outbox(&t.store, None, 100).unwrap();
    let mail = outbox
        .iter()
        .find(|m| Some(m.id) == alerts[0].outbox_id)
        .expect("the alert is queued in the outbox");
    assert!(mail.subject.contains("Executive alert"), "{}", mail.subject);
    assert_eq!(mail.recipients, ["cio@doit.state.gov"]);

    // Later changes of the case, while the rule still matches, raise nothing more.
    let case = update_case(
        &mut t.store,
        case.id,
        case.version,
        &CaseFields {
            title: "Claims portal slow".into(),
            ..case.fields.clone()
        },
    )
    .unwrap();
    update_level(&mut t.store, case.id, case.version, Level::Elevated, "Workaround").unwrap();
    assert_eq!(list_case_alerts(&t.store, case.id).unwrap().len(), 1, "fire once");
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM outbox WHERE purpose = 'alert'"),
        1,
        "one alert message in all"
    );
    let kinds: Vec<EventKind> = list_events(&t.store, case.id).unwrap().iter().map(|e| e.kind).collect();
    assert_eq!(kinds.iter().filter(|k| **k == EventKind::AlertRaised).count(), 1);
}

#[test]
fn a_rule_alerts_again_only_after_it_stopped_matching_and_starts_again() {
    let mut t = common::store();
    disable_builtins(&mut t.store);
    let grace = person(&mut t.store, "Grace Kim", "grace@doit.state.gov", &[]);
    insert_alert_rule(&mut t.store, &text_rule("Payroll", "payroll", vec![grace])).unwrap();
    let case = insert_case(&mut t.store, &p3_case("INC0000001", "Department of Health")).unwrap();
    assert!(
        list_case_alerts(&t.store, case.id).unwrap().is_empty(),
        "no payroll in the text yet"
    );

    let with = |c: &escalation_core::case::Case, title: &str| CaseFields {
        title: title.into(),
        ..c.fields.clone()
    };
    let case = update_case(&mut t.store, case.id, case.version, &with(&case, "Payroll run failed")).unwrap();
    assert_eq!(
        list_case_alerts(&t.store, case.id).unwrap().len(),
        1,
        "starts to match: one alert"
    );
    let case = update_case(
        &mut t.store,
        case.id,
        case.version,
        &with(&case, "Payroll run failed again"),
    )
    .unwrap();
    assert_eq!(
        list_case_alerts(&t.store, case.id).unwrap().len(),
        1,
        "still matching: no new alert"
    );
    let case = update_case(&mut t.store, case.id, case.version, &with(&case, "Batch run failed")).unwrap();
    assert_eq!(
        list_case_alerts(&t.store, case.id).unwrap().len(),
        1,
        "stopped matching: nothing raised"
    );
    update_case(&mut t.store, case.id, case.version, &with(&case, "Payroll again")).unwrap();
    assert_eq!(
        list_case_alerts(&t.store, case.id).unwrap().len(),
        2,
        "matches again after a gap: a second alert"
    );
}

#[test]
fn an_alert_is_acknowledged_once_and_leaves_the_dashboard_list() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let open = list_open_alerts(&t.store, PageRequest::FIRST).unwrap().rows;
    assert_eq!(open.len(), 1, "the P1 rule alerted: {open:?}");
    assert!(open[0].recipients.is_empty(), "no executive in the directory yet");
    assert_eq!(open[0].outbox_id, None, "nothing to send to, nothing queued");

    let acked = update_alert_acknowledged(&mut t.store, open[0].id, "Called the CIO").unwrap();
    assert_eq!(
        acked.acknowledged_by.as_deref(),
        Some("Dana Whitfield <dana.whitfield@doit.state.gov>")
    );
    assert_eq!(acked.acknowledgement.as_deref(), Some("Called the CIO"));
    assert!(list_open_alerts(&t.store, PageRequest::FIRST).unwrap().rows.is_empty());
    let again = update_alert_acknowledged(&mut t.store, open[0].id, "").unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Refused, "{again}");
    let events = list_events(&t.store, case.id).unwrap();
    assert_eq!(events[0].kind, EventKind::AlertAcknowledged);
    assert!(events[0].summary.contains("Called the CIO"), "{}", events[0].summary);
}

#[test]
fn the_periodic_sweep_raises_the_time_based_alert_for_a_case_escalated_too_long() {
    let mut t = common::store();
    disable_builtins(&mut t.store);
    let grace = person(&mut t.store, "Grace Kim", "grace@doit.state.gov", &[]);
    insert_alert_rule(
        &mut t.store,
        &Rule {
            name: "Escalated over 2 hours".into(),
            condition: Condition::EscalatedLongerThan { hours: 2 },
            recipients: Recipients {
                roles: vec![],
                people: vec![grace],
            },
            enabled: true,
        },
    )
    .unwrap();
    let case = insert_case(&mut t.store, &p3_case("INC0000001", "Department of Health")).unwrap();
    assert_eq!(evaluate_alerts(&mut t.store).unwrap(), 0, "just opened");
    // Three hours ago, as far as the rules can tell: move the opening back (the timeline is
    // append-only, so the case row's own time is what moves).
    t.store
        .conn()
        .execute(
            "UPDATE cases SET opened_at = ?2 WHERE id = ?1",
            rusqlite::params![case.id, minutes_from_now(-180)],
        )
        .unwrap();
    assert_eq!(evaluate_alerts(&mut t.store).unwrap(), 1, "now past two hours");
    assert_eq!(evaluate_alerts(&mut t.store).unwrap(), 0, "and only once");
}

#[test]
fn a_bad_rule_is_refused_with_the_condition_named_and_nothing_saved() {
    let mut t = common::store();
    let before = list_alert_rules(&t.store).unwrap().len();
    let bad = Rule {
        name: "Bad".into(),
        condition: Condition::All {
            of: vec![Condition::Field {
                field: CaseField::Priority,
                op: Op::Contains,
                value: "P1".into(),
            }],
        },
        recipients: Recipients {
            roles: vec![OrgRole::ExecutiveManagement],
            people: vec![],
        },
        enabled: true,
    };
    let err = insert_alert_rule(&mut t.store, &bad).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert!(
        err.payload().fields[0].message.starts_with("1.1:"),
        "{:?}",
        err.payload()
    );
    let err = test_alert_rule(&t.store, &bad).unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Validation,
        "testing a bad rule is refused the same way"
    );
    assert_eq!(list_alert_rules(&t.store).unwrap().len(), before);

    let builtin = list_alert_rules(&t.store).unwrap()[0].id;
    let err = delete_alert_rule(&mut t.store, builtin).unwrap_err();
    assert!(err.to_string().contains("disable it instead"), "{err}");
}

#[test]
fn testing_a_rule_lists_the_open_cases_it_would_match_without_saving_or_alerting() {
    let mut t = common::store();
    disable_builtins(&mut t.store);
    insert_case(&mut t.store, &p3_case("INC0000001", "Department of Health")).unwrap();
    let dws = insert_case(
        &mut t.store,
        &p3_case("INC0000002", "Department of Workforce Solutions"),
    )
    .unwrap();
    let rule = Rule {
        name: "Workforce".into(),
        condition: Condition::Any {
            of: vec![
                Condition::Field {
                    field: CaseField::Agency,
                    op: Op::Is,
                    value: "department of workforce solutions".into(),
                },
                Condition::Field {
                    field: CaseField::Priority,
                    op: Op::Is,
                    value: "P1".into(),
                },
            ],
        },
        recipients: Recipients {
            roles: vec![OrgRole::ExecutiveManagement],
            people: vec![],
        },
        enabled: true,
    };
    let rules_before = list_alert_rules(&t.store).unwrap().len();
    let found = test_alert_rule(&t.store, &rule).unwrap();
    assert_eq!(found.iter().map(|c| c.id).collect::<Vec<_>>(), [dws.id]);
    assert_eq!(list_alert_rules(&t.store).unwrap().len(), rules_before, "not saved");
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM alerts"),
        0,
        "nothing raised by a test"
    );

    insert_alert_rule(&mut t.store, &rule).unwrap();
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM alerts"),
        1,
        "saving alerts the cases it matches at once"
    );
}

#[test]
fn editing_a_rule_with_a_stale_version_is_a_conflict() {
    let mut t = common::store();
    let r = list_alert_rules(&t.store).unwrap().remove(0);
    update_alert_rule(&mut t.store, r.id, r.version, &r.rule).unwrap();
    let err = update_alert_rule(&mut t.store, r.id, r.version, &r.rule).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
}

#[test]
fn a_rule_switched_off_and_on_again_alerts_the_cases_it_matches_once_more() {
    let mut t = common::store();
    disable_builtins(&mut t.store);
    let grace = person(&mut t.store, "Grace Kim", "grace@doit.state.gov", &[]);
    let rule = insert_alert_rule(&mut t.store, &text_rule("Claims", "claims", vec![grace])).unwrap();
    let case = insert_case(&mut t.store, &p3_case("INC0000001", "Department of Health")).unwrap();
    assert_eq!(list_case_alerts(&t.store, case.id).unwrap().len(), 1);
    let off = Rule {
        enabled: false,
        ..rule.rule.clone()
    };
    let rule = update_alert_rule(&mut t.store, rule.id, rule.version, &off).unwrap();
    let renamed = Rule {
        name: "Claims portal".into(),
        ..rule.rule.clone()
    };
    let rule = update_alert_rule(&mut t.store, rule.id, rule.version, &renamed).unwrap();
    let on = Rule {
        enabled: true,
        ..rule.rule.clone()
    };
    update_alert_rule(&mut t.store, rule.id, rule.version, &on).unwrap();
    assert_eq!(
        list_case_alerts(&t.store, case.id).unwrap().len(),
        2,
        "switched back on: the matching case is alerted again"
    );
}

#[test]
fn rules_matching_one_change_send_one_mail_naming_every_reason() {
    let mut t = common::store();
    disable_builtins(&mut t.store);
    let grace = person(&mut t.store, "Grace Kim", "grace@doit.state.gov", &[]);
    insert_alert_rule(&mut t.store, &text_rule("Payments mentioned", "payment", vec![grace])).unwrap();
    insert_alert_rule(&mut t.store, &text_rule("Statewide outage", "statewide", vec![grace])).unwrap();
    let mut c = p3_case("INC0000001", "Department of Health");
    c.fields.title = "Statewide payment portal down".into();
    let case = insert_case(&mut t.store, &c).unwrap();

    assert_eq!(
        list_case_alerts(&t.store, case.id).unwrap().len(),
        2,
        "each rule is its own alert to acknowledge"
    );
    let mails: Vec<_> = list_outbox(&t.store, None, 100)
        .unwrap()
        .into_iter()
        .filter(|m| m.purpose == "alert")
        .collect();
    assert_eq!(mails.len(), 1, "one situation, one mail to Grace: {mails:?}");
    assert!(mails[0].subject.contains("2 criteria met"), "{}", mails[0].subject);
    let events = list_events(&t.store, case.id).unwrap();
    let raised: Vec<&str> = events
        .iter()
        .filter(|e| e.kind == EventKind::AlertRaised)
        .map(|e| e.summary.as_str())
        .collect();
    assert!(
        raised
            .iter()
            .all(|s| s.contains("mail queued for grace@doit.state.gov") && !s.contains("sent to")),
        "queued is not sent: {raised:?}"
    );
    let alerts = list_case_alerts(&t.store, case.id).unwrap();
    assert!(
        alerts
            .iter()
            .all(|a| a.mail_status == Some(escalation_core::store::outbox::OutboxStatus::Queued)),
        "the alert says where its mail is"
    );
}

#[test]
fn the_periodic_sweep_goes_on_past_a_case_it_cannot_evaluate() {
    // Old data the app cannot read exists only in a SQLite file (PostgreSQL's timestamptz refuses
    // it on the way in), so this desk is a file whatever engine the run is on.
    let mut t = common::sqlite_store();
    disable_builtins(&mut t.store);
    let grace = person(&mut t.store, "Grace Kim", "grace@doit.state.gov", &[]);
    insert_alert_rule(
        &mut t.store,
        &Rule {
            name: "Escalated over 2 hours".into(),
            condition: Condition::EscalatedLongerThan { hours: 2 },
            recipients: Recipients {
                roles: vec![],
                people: vec![grace],
            },
            enabled: true,
        },
    )
    .unwrap();
    let broken = insert_case(&mut t.store, &p3_case("INC0000001", "Department of Health")).unwrap();
    let fine = insert_case(&mut t.store, &p3_case("INC0000002", "Department of Health")).unwrap();
    let conn = t.store.conn();
    conn.execute("UPDATE cases SET opened_at = ?1", [minutes_from_now(-180)])
        .unwrap();
    // Old data the app cannot read: the first case's opening time is not a time.
    conn.execute("UPDATE cases SET opened_at = 'last Tuesday' WHERE id = ?1", [broken.id])
        .unwrap();

    assert_eq!(
        evaluate_alerts(&mut t.store).unwrap(),
        1,
        "the readable case is still alerted"
    );
    assert_eq!(list_case_alerts(&t.store, fine.id).unwrap().len(), 1);
}

#[test]
fn the_periodic_check_evaluates_only_the_cases_whose_time_has_come() {
    let mut t = common::store();
    disable_builtins(&mut t.store);
    let grace = person(&mut t.store, "Grace Kim", "grace@doit.state.gov", &[]);
    insert_alert_rule(
        &mut t.store,
        &Rule {
            name: "Escalated over 2 hours".into(),
            condition: Condition::EscalatedLongerThan { hours: 2 },
            recipients: Recipients {
                roles: vec![],
                people: vec![grace],
            },
            enabled: true,
        },
    )
    .unwrap();
    let due = insert_case(&mut t.store, &p3_case("INC0000001", "Department of Health")).unwrap();
    let waiting = insert_case(&mut t.store, &p3_case("INC0000002", "Department of Health")).unwrap();
    let later: i64 = t
        .store
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM alert_checks_due WHERE due_at > ?1",
            [minutes_from_now(60)],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        later, 2,
        "each new case is due for a look when its two hours are up, not before"
    );
    assert_eq!(evaluate_due_alerts(&mut t.store).unwrap(), 0, "nothing is due yet");

    // Both were opened three hours ago as far as the rule can tell, but only the first case's
    // check has come due: the periodic check reads the due ones through the index and leaves
    // the others alone (they are looked at when their own time comes).
    let conn = t.store.conn();
    conn.execute("UPDATE cases SET opened_at = ?1", [minutes_from_now(-180)])
        .unwrap();
    conn.execute(
        "UPDATE alert_checks_due SET due_at = ?2 WHERE case_id = ?1",
        rusqlite::params![due.id, minutes_from_now(-60)],
    )
    .unwrap();
    assert_eq!(evaluate_due_alerts(&mut t.store).unwrap(), 1, "the due case is alerted");
    assert_eq!(
        list_case_alerts(&t.store, waiting.id).unwrap().len(),
        0,
        "the other was not evaluated"
    );
    assert_eq!(
        count(
            &t.store,
            &format!("SELECT COUNT(*) FROM alert_checks_due WHERE case_id = {}", due.id)
        ),
        0,
        "once the rule matches, time cannot raise anything more on the case"
    );
    assert_eq!(evaluate_due_alerts(&mut t.store).unwrap(), 0, "and it is alerted once");
}

#[test]
fn the_open_alerts_are_read_a_page_at_a_time_oldest_first_with_the_total() {
    let mut t = common::store();
    // The built-in P1 rule alerts each P1 case as it opens.
    let ids: Vec<i64> = (1..=5)
        .map(|i| {
            insert_case(&mut t.store, &new_case(&format!("INC000000{i}"), Level::Escalated))
                .unwrap()
                .id
        })
        .collect();
    let first = list_open_alerts(&t.store, PageRequest { offset: 0, limit: 2 }).unwrap();
    assert_eq!(first.total, 5, "the total counts every open alert, not the page");
    assert_eq!(
        first.rows.iter().map(|a| a.case.id).collect::<Vec<_>>(),
        ids[..2],
        "oldest first"
    );
    let last = list_open_alerts(&t.store, PageRequest { offset: 4, limit: 2 }).unwrap();
    assert_eq!(
        last.rows.iter().map(|a| a.case.id).collect::<Vec<_>>(),
        ids[4..],
        "the last page holds the rest"
    );
    update_alert_acknowledged(&mut t.store, first.rows[0].id, "Seen").unwrap();
    assert_eq!(
        list_open_alerts(&t.store, PageRequest { offset: 0, limit: 2 })
            .unwrap()
            .total,
        4,
        "an acknowledged alert leaves the list"
    );
}
