//! `desk copy`: a whole desk moved into an empty one, ids and chains intact. On a PostgreSQL run
//! the sample desk goes SQLite -> PostgreSQL -> SQLite; on a SQLite run, file to file.
mod common;

use escalation_core::store::desk_copy::{copy_desk, TABLES};
use escalation_core::store::sample::insert_sample_data;
use escalation_core::store::timeline::verify_all_timelines;
use escalation_core::Store;

fn heads(store: &Store) -> Vec<(i64, String)> {
    store
        .conn()
        .prepare_cached("SELECT id, timeline_head FROM cases ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn the_sample_desk_copied_there_and_back_comes_home_with_identical_chain_heads() {
    let mut source = common::sqlite_store();
    insert_sample_data(&mut source.store, "Dana Whitfield").unwrap();
    let there = common::store_without_identity();
    let report = copy_desk(&source.store, &there.store).unwrap();
    assert_eq!(
        report.cases,
        common::count(&source.store, "SELECT COUNT(*) FROM cases"),
        "{report:?}"
    );
    assert_eq!(
        report.events,
        common::count(&source.store, "SELECT COUNT(*) FROM timeline_events"),
        "{report:?}"
    );
    assert!(report.cases > 0);
    let back = common::sqlite_store_without_identity();
    copy_desk(&there.store, &back.store).unwrap();

    let original = heads(&source.store);
    assert_eq!(heads(&there.store), original, "the chain heads arrive as they left");
    assert_eq!(heads(&back.store), original, "and come back the same");
    for desk in [&there.store, &back.store] {
        let report = verify_all_timelines(desk).unwrap();
        assert!(report.broken.is_empty(), "{}", report.describe_broken(5));
        assert_eq!(report.cases_checked, original.len() as i64);
    }
    // Every table's rows came along, not just the cases.
    for table in [
        "timeline_events",
        "team_members",
        "outbox",
        "people",
        "alert_rules",
        "plan_revisions",
    ] {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        assert_eq!(
            common::count(&back.store, &sql),
            common::count(&source.store, &sql),
            "{table}"
        );
    }
}

#[test]
fn a_copy_into_a_desk_that_is_not_empty_is_refused_and_changes_nothing() {
    let mut source = common::sqlite_store();
    insert_sample_data(&mut source.store, "Dana Whitfield").unwrap();
    let target = common::store();
    let users_before = common::count(&target.store, "SELECT COUNT(*) FROM users");
    let err = copy_desk(&source.store, &target.store).unwrap_err();
    assert!(err.to_string().contains("not empty"), "{err}");
    assert_eq!(common::count(&target.store, "SELECT COUNT(*) FROM cases"), 0);
    assert_eq!(common::count(&target.store, "SELECT COUNT(*) FROM users"), users_before);
}

#[test]
fn a_new_row_after_a_copy_to_postgresql_gets_a_fresh_id() {
    let mut source = common::sqlite_store();
    insert_sample_data(&mut source.store, "Dana Whitfield").unwrap();
    let there = common::store_without_identity();
    copy_desk(&source.store, &there.store).unwrap();
    let largest = common::count(&there.store, "SELECT MAX(id) FROM people");
    let id: i64 = there
        .store
        .conn()
        .query_row(
            "INSERT INTO people (name, email, organization_kind, organization, created_at, updated_at)
             VALUES ('New Person', 'new.person@doit.state.gov', 'division', 'DoIT', ?1, ?1) RETURNING id",
            [escalation_core::store::format_time(escalation_core::store::now())],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        id > largest,
        "the identity moved past the copied ids ({id} after {largest})"
    );
}

#[test]
fn the_copy_knows_every_table_of_the_schema() {
    let t = common::sqlite_store();
    let mut tables: Vec<String> = t
        .store
        .conn()
        // search_fts and its shadow tables are FTS5's own index of search_docs, built with it.
        .prepare_cached(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'search_fts%'",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables.sort();
    let mut known: Vec<String> = TABLES.iter().map(|s| s.to_string()).collect();
    known.sort();
    assert_eq!(
        known, tables,
        "a migration added or dropped a table: update desk_copy::TABLES"
    );
}
