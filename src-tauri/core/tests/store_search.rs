//! Search across the desk, on each engine: what is indexed, that the index follows every change
//! inside its transaction, diacritic folding, and a desk indexed whole after the migration.

mod common;

use common::{action, appoint_core_team, new_case, person};
use escalation_core::case::Level;
use escalation_core::plan::PlanKind;
use escalation_core::search::{SearchKind, SearchResults};
use escalation_core::store::aar::{get_aar, insert_aar, insert_aar_comment, update_aar_section};
use escalation_core::store::cases::insert_case;
use escalation_core::store::plans::insert_revision;
use escalation_core::store::search::{index_counts, search, HITS_PER_KIND};
use escalation_core::ErrorKind;

/// (kind, ticket or place, the marked words) of every hit, for comparing.
fn hits(r: &SearchResults) -> Vec<(SearchKind, String, Vec<String>)> {
    r.groups
        .iter()
        .flat_map(|g| g.hits.iter())
        .map(|h| {
            let marked = h
                .title
                .iter()
                .chain(h.snippet.iter())
                .filter(|p| p.hit)
                .map(|p| p.text.clone())
                .collect();
            (h.kind, h.ticket.clone().unwrap_or_else(|| h.place.clone()), marked)
        })
        .collect()
}

fn kinds(r: &SearchResults) -> Vec<SearchKind> {
    r.groups.iter().map(|g| g.kind).collect()
}

#[test]
fn a_search_finds_cases_events_plans_sections_comments_and_people_grouped_and_highlighted() {
    let mut t = common::store();
    let mut fields = new_case("INC0004242", Level::Escalated);
    fields.fields.title = "Payroll batch stalled at the mainframe gateway".into();
    let case = insert_case(&mut t.store, &fields).unwrap();
    let other = insert_case(&mut t.store, &new_case("INC0000007", Level::Escalated)).unwrap();
    appoint_core_team(&mut t.store, case.id);
    person(&mut t.store, "Linh Nguyễn", "linh.nguyen@doit.state.gov", &[]);
    insert_revision(
        &mut t.store,
        case.id,
        PlanKind::Technical,
        0,
        &[action("Restart the mainframe gateway listener")],
    )
    .unwrap();
    let aar = insert_aar(&mut t.store, case.id).unwrap();
    let section = aar.sections.iter().find(|s| s.body.trim().is_empty()).unwrap().clone();
    update_aar_section(
        &mut t.store,
        section.id,
        section.version,
        "The gateway's certificate had expired.",
    )
    .unwrap();
    insert_aar_comment(
        &mut t.store,
        section.id,
        "Ask the mainframe team who renews the certificate",
    )
    .unwrap();

    let r = search(&t.store, "mainframe", HITS_PER_KIND).unwrap();
    assert_eq!(r.terms, vec!["mainframe"]);
    // The report's generated sections carry the case's title too.
    assert_eq!(
        kinds(&r),
        vec![
            SearchKind::Case,
            SearchKind::Plan,
            SearchKind::Section,
            SearchKind::Comment,
            SearchKind::Event
        ]
    );
    let found = hits(&r);
    assert!(
        found.contains(&(SearchKind::Case, "INC0004242".into(), vec!["mainframe".into()])),
        "{found:?}"
    );
    assert!(
        found.contains(&(SearchKind::Plan, "INC0004242".into(), vec!["mainframe".into()])),
        "{found:?}"
    );
    assert!(
        found.contains(&(SearchKind::Comment, "INC0004242".into(), vec!["mainframe".into()])),
        "{found:?}"
    );
    // The case was opened with the title in its first event's summary, or not: either way the
    // other case (not about a mainframe) is never found.
    assert!(found.iter().all(|(_, t, _)| t != "INC0000007"), "{found:?} {other:?}");

    let r = search(&t.store, "certif", HITS_PER_KIND).unwrap();
    let sections: Vec<_> = r
        .groups
        .iter()
        .filter(|g| g.kind == SearchKind::Section)
        .flat_map(|g| &g.hits)
        .collect();
    assert_eq!(sections.len(), 1);
    assert_eq!(sections[0].place, section.key, "a section hit opens that section");
    assert_eq!(sections[0].case_id, Some(case.id));

    // Diacritics fold both ways, and a person is found by name.
    let r = search(&t.store, "Nguyen", HITS_PER_KIND).unwrap();
    assert_eq!(kinds(&r), vec![SearchKind::Person]);
    assert_eq!(r.groups[0].hits[0].title.iter().find(|p| p.hit).unwrap().text, "Nguyễn");
    assert_eq!(search(&t.store, "NGUYỄN linh", HITS_PER_KIND).unwrap().groups.len(), 1);

    // All words must match; words in no row find nothing.
    assert!(search(&t.store, "mainframe zebra", HITS_PER_KIND)
        .unwrap()
        .groups
        .is_empty());
}

#[test]
fn the_index_follows_edits_so_replaced_text_is_no_longer_found() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let plans = insert_revision(
        &mut t.store,
        case.id,
        PlanKind::Escalation,
        0,
        &[action("Page the storage vendor")],
    )
    .unwrap();
    let has_plan = |t: &common::TempStore, word: &str| {
        search(&t.store, word, HITS_PER_KIND)
            .unwrap()
            .groups
            .iter()
            .any(|g| g.kind == SearchKind::Plan)
    };
    assert!(has_plan(&t, "storage"));
    let mut actions = plans.escalation.actions.clone();
    actions[0].description = "Page the network vendor".into();
    insert_revision(&mut t.store, case.id, PlanKind::Escalation, 1, &actions).unwrap();
    assert!(!has_plan(&t, "storage"), "the old revision's text is out of the index");
    assert!(has_plan(&t, "network"));
    // One plan row per plan, however many revisions.
    assert_eq!(index_counts(&t.store).unwrap()["plan"], 1);
}

#[test]
fn a_refused_change_leaves_the_index_as_it_was() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let before = index_counts(&t.store).unwrap();
    // A stale plan version is refused: nothing of it may be searchable.
    let err = insert_revision(
        &mut t.store,
        case.id,
        PlanKind::Escalation,
        5,
        &[action("Quarantine the ledger")],
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(search(&t.store, "quarantine", HITS_PER_KIND).unwrap().groups.is_empty());
    assert_eq!(index_counts(&t.store).unwrap(), before);
}

#[test]
fn many_hits_show_the_newest_first_and_say_there_are_more() {
    let mut t = common::store();
    for i in 1..=12 {
        insert_case(&mut t.store, &new_case(&format!("INC00000{i:02}"), Level::Escalated)).unwrap();
    }
    let r = search(&t.store, "claims portal", 5).unwrap();
    let cases = r.groups.iter().find(|g| g.kind == SearchKind::Case).unwrap();
    assert!(cases.more);
    let tickets: Vec<_> = cases.hits.iter().map(|h| h.ticket.clone().unwrap()).collect();
    assert_eq!(
        tickets,
        ["INC0000012", "INC0000011", "INC0000010", "INC0000009", "INC0000008"]
    );
}

#[test]
fn query_syntax_is_inert_and_an_overlong_query_is_refused() {
    let mut t = common::store();
    insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    for q in [
        "\"",
        "claims\" OR \"x",
        "NEAR(claims portal)",
        "claims* -portal",
        "'; DROP TABLE cases; --",
        "a",
        "",
        "   ",
    ] {
        search(&t.store, q, HITS_PER_KIND).unwrap_or_else(|e| panic!("{q:?}: {e}"));
    }
    assert_eq!(
        search(&t.store, "claims\" OR \"x", HITS_PER_KIND).unwrap().terms,
        vec!["claims", "or"]
    );
    let err = search(&t.store, &"x".repeat(201), HITS_PER_KIND).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert_eq!(common::count(&t.store, "SELECT COUNT(*) FROM cases"), 1);
}

#[test]
fn a_desk_written_before_the_index_is_indexed_whole_at_its_next_open() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    person(&mut t.store, "Zoë Ångström", "zoe@doit.state.gov", &[]);
    let aar = insert_aar(&mut t.store, case.id).unwrap();
    let s = aar.sections.iter().find(|s| s.body.trim().is_empty()).unwrap();
    update_aar_section(&mut t.store, s.id, s.version, "Backups were untested.").unwrap();
    let built = index_counts(&t.store).unwrap();
    // As a desk migrated from 0019 is: no rows, and the migration's request to build them.
    t.store.conn().execute("DELETE FROM search_docs", []).unwrap();
    t.store
        .conn()
        .execute("INSERT INTO search_rebuild (id) VALUES (1)", [])
        .unwrap();
    assert!(search(&t.store, "untested", HITS_PER_KIND).unwrap().groups.is_empty());
    let again = t.open_again();
    assert_eq!(
        index_counts(&again).unwrap(),
        built,
        "the rebuild makes what the changes made"
    );
    assert_eq!(common::count(&again, "SELECT COUNT(*) FROM search_rebuild"), 0);
    assert_eq!(
        kinds(&search(&again, "untested", HITS_PER_KIND).unwrap()),
        vec![SearchKind::Section]
    );
    assert_eq!(
        kinds(&search(&again, "angstrom", HITS_PER_KIND).unwrap()),
        vec![SearchKind::Person]
    );
    // Every event is there once.
    let events = common::count(&again, "SELECT COUNT(*) FROM timeline_events");
    assert_eq!(index_counts(&again).unwrap()["event"], events);
    let _ = get_aar(again.conn(), case.id).unwrap();
}
