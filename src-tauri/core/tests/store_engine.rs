//! The store's connection (`store::db`) on whichever engine the run asks for: the same statement,
//! written once with `?N`, reads and writes the same values on SQLite and on PostgreSQL.
mod common;

use escalation_core::store::db::Optional;

fn scratch(t: &common::TempStore) {
    let db = t.store.conn();
    // Written for both engines: PostgreSQL reads BIGINT and TEXT as SQLite does; the time column is
    // timestamptz there and text here, as in the desk's own schema.
    let time_type = if t.on_postgres() { "timestamptz" } else { "text" };
    db.execute_batch(&format!(
        "CREATE TABLE scratch (id bigint PRIMARY KEY, name text NOT NULL, at {time_type}, n bigint, ratio double precision)"
    ))
    .unwrap();
}

#[test]
fn a_statement_written_once_with_numbered_placeholders_runs_and_reads_back_the_same_values() {
    let t = common::store_without_identity();
    scratch(&t);
    let db = t.store.conn();
    let at = "2026-12-05T03:04:05.678Z";
    let id: i64 = db
        .query_row(
            "INSERT INTO scratch (id, name, at, n, ratio) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            rusqlite::params![7, "Ünïcode 'quoted' ?1", at, i64::MAX, 0.25],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(id, 7);
    let (name, read_at, n, ratio): (String, String, i64, f64) = db
        .query_row("SELECT name, at, n, ratio FROM scratch WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get("at")?, r.get(2)?, r.get(3)?))
        })
        .unwrap();
    assert_eq!(name, "Ünïcode 'quoted' ?1");
    assert_eq!(
        read_at, at,
        "a time reads back as the exact text written (it is hashed into chains)"
    );
    assert_eq!((n, ratio), (i64::MAX, 0.25));
    // Parameters out of order, and a time compared with a bound time.
    let later = db
        .query_row(
            "SELECT COUNT(*) FROM scratch WHERE at < ?2 AND id = ?1",
            rusqlite::params![7, "2026-12-06T00:00:00.000Z"],
            |r| r.get::<_, i64>(0),
        )
        .unwrap();
    assert_eq!(later, 1);
}

#[test]
fn no_row_is_none_when_optional_and_null_reads_as_none() {
    let t = common::store_without_identity();
    scratch(&t);
    let db = t.store.conn();
    let missing: Option<String> = db
        .query_row("SELECT name FROM scratch WHERE id = ?1", [1], |r| r.get(0))
        .optional()
        .unwrap();
    assert_eq!(missing, None);
    db.execute(
        "INSERT INTO scratch (id, name) VALUES (?1, ?2)",
        rusqlite::params![1, "no time"],
    )
    .unwrap();
    let at: Option<String> = db
        .query_row("SELECT at FROM scratch WHERE id = ?1", [1], |r| r.get(0))
        .unwrap();
    assert_eq!(at, None);
}

#[test]
fn a_transaction_dropped_uncommitted_leaves_nothing_and_a_committed_one_keeps_everything() {
    let t = common::store_without_identity();
    scratch(&t);
    let db = t.store.conn();
    {
        let tx = db.transaction().unwrap();
        tx.execute("INSERT INTO scratch (id, name) VALUES (1, 'lost')", [])
            .unwrap();
    }
    let count = || {
        db.query_row("SELECT COUNT(*) FROM scratch", [], |r| r.get::<_, i64>(0))
            .unwrap()
    };
    assert_eq!(count(), 0);
    let tx = db.transaction().unwrap();
    tx.execute("INSERT INTO scratch (id, name) VALUES (2, 'kept')", [])
        .unwrap();
    tx.commit().unwrap();
    assert_eq!(count(), 1);
}

#[test]
fn a_value_that_does_not_fit_its_column_is_an_error_not_a_silent_change() {
    let t = common::store_without_identity();
    scratch(&t);
    let db = t.store.conn();
    db.execute("INSERT INTO scratch (id, name) VALUES (1, 'x')", [])
        .unwrap();
    let read: Result<i64, _> = db.query_row("SELECT name FROM scratch", [], |r| r.get(0));
    assert!(read.is_err(), "text read as a number must fail on both engines");
}
