//! The store's connection: the one type the store modules talk to the database through, so that
//! they do not name the engine under them (issue 12 adds PostgreSQL beside SQLite; see
//! `notes/store-engines.md` for the decision and the plan).
//!
//! Its shape follows rusqlite's (execute, query_row, prepare_cached, query_map, optional), so the
//! store's statements read as before; what differs is that rows and errors are the store's own
//! ([`Row`], [`crate::error::Error`]) and a change's transaction is a [`Tx`] guard, not a
//! rusqlite `Transaction` borrowing the connection mutably.
//!
//! Invariants:
//! - Every statement is prepared once per connection and reused (the cache holds 256).
//! - A [`Tx`] that is dropped without [`Tx::commit`] rolls back: an error or a panic in a change
//!   leaves the desk as it was.
//! - Parameters are still rusqlite's (`params!`, arrays); they become the store's own when the
//!   second engine arrives (step 4 of the plan), without touching the statements.

use std::cell::Cell;
use std::ops::Deref;

use rusqlite::types::FromSql;
use rusqlite::{Params, RowIndex};

use crate::error::{Error, Result};

/// One connection to a desk.
pub struct Db {
    conn: rusqlite::Connection,
    /// True while a [`Tx`] is open, so a nested begin is refused instead of failing obscurely.
    in_tx: Cell<bool>,
}

impl Db {
    pub(crate) fn sqlite(conn: rusqlite::Connection) -> Db {
        Db {
            conn,
            in_tx: Cell::new(false),
        }
    }

    /// The SQLite connection itself, for what only SQLite has (migrations' PRAGMAs, the online
    /// backup API, tests that corrupt a file on purpose). Store modules do not use it.
    pub fn sqlite_connection(&self) -> &rusqlite::Connection {
        &self.conn
    }

    /// The same, mutably: migrations run their own transactions on it.
    pub fn sqlite_connection_mut(&mut self) -> &mut rusqlite::Connection {
        &mut self.conn
    }

    /// Runs one statement; returns how many rows it changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        Ok(self.conn.prepare_cached(sql)?.execute(params)?)
    }

    /// Runs several statements separated by semicolons, without parameters (schema set-up).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        Ok(self.conn.execute_batch(sql)?)
    }

    /// The first row of a query, read by `f`; an error when there is none (see [`Optional`]).
    pub fn query_row<T, P: Params>(&self, sql: &str, params: P, f: impl FnOnce(&Row<'_>) -> Result<T>) -> Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>> {
        Ok(Statement(self.conn.prepare_cached(sql)?))
    }

    /// The id the last INSERT on this connection gave its row.
    pub fn last_insert_rowid(&self) -> i64 {
        self.conn.last_insert_rowid()
    }

    /// Begins a transaction that takes the write lock at once (SQLite's IMMEDIATE), so two
    /// changes never interleave their reads and writes and a stale version is always seen.
    pub fn transaction(&self) -> Result<Tx<'_>> {
        self.begin("BEGIN IMMEDIATE")
    }

    /// Begins a transaction that only reads until it first writes (SQLite's DEFERRED): for
    /// consistent multi-statement reads that must not wait for writers.
    pub fn read_transaction(&self) -> Result<Tx<'_>> {
        self.begin("BEGIN DEFERRED")
    }

    fn begin(&self, sql: &str) -> Result<Tx<'_>> {
        if self.in_tx.get() {
            return Err(Error::Internal(
                "a transaction is already open on this connection".into(),
            ));
        }
        self.conn.execute_batch(sql)?;
        self.in_tx.set(true);
        Ok(Tx { db: self, open: true })
    }

    /// True inside a [`Tx`].
    pub fn in_transaction(&self) -> bool {
        self.in_tx.get()
    }
}

/// An open transaction: derefs to the [`Db`] it runs on; rolls back unless committed.
pub struct Tx<'a> {
    db: &'a Db,
    open: bool,
}

impl Tx<'_> {
    pub fn commit(mut self) -> Result<()> {
        self.open = false;
        self.db.in_tx.set(false);
        if let Err(e) = self.db.conn.execute_batch("COMMIT") {
            // A failed COMMIT leaves SQLite's transaction open: end it so the connection is usable.
            let _ = self.db.conn.execute_batch("ROLLBACK");
            return Err(e.into());
        }
        Ok(())
    }
}

impl Deref for Tx<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        self.db
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            self.db.in_tx.set(false);
            if let Err(e) = self.db.conn.execute_batch("ROLLBACK") {
                log::error!("rolling back a transaction failed: {e}");
            }
        }
    }
}

/// A prepared statement, cached on its connection.
pub struct Statement<'a>(rusqlite::CachedStatement<'a>);

impl Statement<'_> {
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        Ok(self.0.execute(params)?)
    }

    pub fn query_row<T, P: Params>(&mut self, params: P, f: impl FnOnce(&Row<'_>) -> Result<T>) -> Result<T> {
        let mut rows = self.0.query(params)?;
        match rows.next()? {
            Some(r) => f(&Row(r)),
            None => Err(rusqlite::Error::QueryReturnedNoRows.into()),
        }
    }

    /// Every row, each read by `f`, in order. The rows are read before this returns (the
    /// statement is free again for the next call); collect into `Result<Vec<_>>`.
    pub fn query_map<T, P: Params>(
        &mut self,
        params: P,
        mut f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<std::vec::IntoIter<Result<T>>> {
        let mut rows = self.0.query(params)?;
        let mut out = Vec::new();
        loop {
            match rows.next() {
                Ok(Some(r)) => out.push(f(&Row(r))),
                Ok(None) => break,
                Err(e) => {
                    out.push(Err(e.into()));
                    break;
                }
            }
        }
        Ok(out.into_iter())
    }

    /// True when the query returns at least one row.
    pub fn exists<P: Params>(&mut self, params: P) -> Result<bool> {
        Ok(self.0.exists(params)?)
    }
}

/// One row of a result.
pub struct Row<'a>(&'a rusqlite::Row<'a>);

impl Row<'_> {
    /// The value of a column (by position or by name), converted to `T`; NULL reads as `None`.
    pub fn get<I: RowIndex, T: FromSql>(&self, idx: I) -> Result<T> {
        Ok(self.0.get(idx)?)
    }
}

/// `.optional()` on a query's result: no row is `None` instead of an error.
pub trait Optional<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> Optional<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::Storage(rusqlite::Error::QueryReturnedNoRows)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Db {
        let db = Db::sqlite(rusqlite::Connection::open_in_memory().unwrap());
        db.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
            .unwrap();
        db
    }

    fn names(db: &Db) -> Vec<String> {
        db.prepare_cached("SELECT name FROM t ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<Vec<String>>>()
            .unwrap()
    }

    #[test]
    fn a_transaction_dropped_without_commit_leaves_nothing_behind() {
        let db = db();
        {
            let tx = db.transaction().unwrap();
            tx.execute("INSERT INTO t (name) VALUES (?1)", ["lost"]).unwrap();
        }
        assert!(names(&db).is_empty());
        assert!(!db.in_transaction());
        let tx = db.transaction().unwrap();
        tx.execute("INSERT INTO t (name) VALUES (?1)", ["kept"]).unwrap();
        tx.commit().unwrap();
        assert_eq!(names(&db), ["kept"]);
    }

    #[test]
    fn a_second_transaction_on_one_connection_is_refused_while_the_first_is_open() {
        let db = db();
        let _tx = db.transaction().unwrap();
        assert!(matches!(db.transaction(), Err(Error::Internal(_))));
    }

    #[test]
    fn a_query_with_no_row_is_none_when_optional_and_an_error_otherwise() {
        let db = db();
        let sql = "SELECT name FROM t WHERE id = ?1";
        assert_eq!(
            db.query_row(sql, [1], |r| r.get::<_, String>(0)).optional().unwrap(),
            None
        );
        assert!(db.query_row(sql, [1], |r| r.get::<_, String>(0)).is_err());
        db.execute("INSERT INTO t (id, name) VALUES (1, 'one')", []).unwrap();
        assert_eq!(db.query_row(sql, [1], |r| r.get::<_, String>("name")).unwrap(), "one");
    }

    #[test]
    fn an_error_reading_a_row_is_returned_not_swallowed() {
        let db = db();
        db.execute("INSERT INTO t (name) VALUES ('x')", []).unwrap();
        let read: Result<Vec<i64>> = db
            .prepare_cached("SELECT name FROM t")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect();
        assert!(read.is_err(), "text read as a number must fail");
    }
}
