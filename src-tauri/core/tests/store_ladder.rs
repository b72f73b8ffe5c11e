//! The hierarchical escalation ladder on a real SQLite file.

mod common;

use common::{count, new_case, person};
use escalation_core::case::Level;
use escalation_core::ladder::LadderLevelInput;
use escalation_core::page::PageRequest;
use escalation_core::store::cases::{get_case_detail, insert_case, list_cases};
use escalation_core::store::ladder::{update_hierarchy_level, update_ladder};
use escalation_core::store::outbox::list_outbox;
use escalation_core::store::timeline::list_events;
use escalation_core::timeline::EventKind;
use escalation_core::ErrorKind;

#[test]
fn a_case_climbs_the_ladder_one_level_at_a_time_notifying_each_levels_people() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let err = update_hierarchy_level(&mut t.store, case.id, case.version, "Vendor not responding").unwrap_err();
    assert!(err.to_string().contains("No escalation ladder"), "{err}");

    let grace = person(&mut t.store, "Grace Kim", "grace@doit.state.gov", &[]);
    let cio = person(&mut t.store, "Robert Chavez", "cio@doit.state.gov", &[]);
    let bad = update_ladder(
        &mut t.store,
        &[LadderLevelInput {
            name: " ".into(),
            person_ids: vec![],
        }],
    )
    .unwrap_err();
    assert_eq!(bad.payload().fields.len(), 2, "a level needs a name and people");
    update_ladder(
        &mut t.store,
        &[
            LadderLevelInput {
                name: "Department manager".into(),
                person_ids: vec![grace],
            },
            LadderLevelInput {
                name: "Chief information officer".into(),
                person_ids: vec![cio],
            },
        ],
    )
    .unwrap();

    let blank = update_hierarchy_level(&mut t.store, case.id, case.version, " ").unwrap_err();
    assert_eq!(blank.payload().field.as_deref(), Some("reason"));
    let case = update_hierarchy_level(&mut t.store, case.id, case.version, "Vendor not responding").unwrap();
    assert_eq!(case.hierarchy_level, 1);
    let mail = &list_outbox(&t.store, None, 1).unwrap()[0];
    assert_eq!(mail.recipients, ["grace@doit.state.gov"]);
    assert!(mail.subject.contains("level 1, Department manager"));
    let case = update_hierarchy_level(&mut t.store, case.id, case.version, "Outage past 4 hours").unwrap();
    assert_eq!(
        list_outbox(&t.store, None, 1).unwrap()[0].recipients,
        ["cio@doit.state.gov"]
    );
    let top = update_hierarchy_level(&mut t.store, case.id, case.version, "Again").unwrap_err();
    assert_eq!(top.kind(), ErrorKind::Refused, "no level 3");
    let stale = update_hierarchy_level(&mut t.store, case.id, case.version - 1, "x").unwrap_err();
    assert_eq!(stale.kind(), ErrorKind::Conflict);

    assert_eq!(
        list_cases(&t.store, &Default::default(), PageRequest::FIRST)
            .unwrap()
            .rows[0]
            .hierarchy_level,
        2,
        "shown on the dashboard"
    );
    assert_eq!(get_case_detail(&t.store, case.id).unwrap().ladder.len(), 2);
    let events = list_events(&t.store, case.id).unwrap();
    assert_eq!(events[0].kind, EventKind::HierarchyRaised);
    assert_eq!(
        events[0].summary,
        "Raised to level 2 (Chief information officer): Outage past 4 hours"
    );
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM outbox"), 2);
}
