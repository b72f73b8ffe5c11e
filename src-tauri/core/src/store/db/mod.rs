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
//! - Parameters are written as for rusqlite (`params!`, arrays) and values read with its `FromSql`
//!   on both engines: on PostgreSQL they cross as plain values and are converted to the types the
//!   statement expects (see [`pg`]), so a module cannot tell which engine it runs on.

use std::cell::Cell;
use std::ops::Deref;

use rusqlite::types::{FromSql, Value};
use rusqlite::ToSql;

use crate::error::{Error, Result};

pub mod dialect;
mod pg;

pub(crate) use pg::{connect_raw, pg_error};
mod pg_values;

pub use dialect::Dialect;

/// The values of a statement's parameters, in order: what `params![...]`, an array of values, or
/// a slice of them gives.
pub trait Params {
    fn values(&self) -> Vec<&dyn ToSql>;
}

impl Params for [&(dyn ToSql + Send + Sync); 0] {
    fn values(&self) -> Vec<&dyn ToSql> {
        Vec::new()
    }
}

impl<T: ToSql> Params for &[T] {
    fn values(&self) -> Vec<&dyn ToSql> {
        self.iter().map(|v| v as &dyn ToSql).collect()
    }
}

/// Parameters from an iterator of values (a filter's list of values, built at run time).
pub struct ParamsFromIter<T>(Vec<T>);

pub fn params_from_iter<I: IntoIterator>(iter: I) -> ParamsFromIter<I::Item>
where
    I::Item: ToSql,
{
    ParamsFromIter(iter.into_iter().collect())
}

impl<T: ToSql> Params for ParamsFromIter<T> {
    fn values(&self) -> Vec<&dyn ToSql> {
        self.0.iter().map(|v| v as &dyn ToSql).collect()
    }
}

macro_rules! params_for_arrays {
    ($($n:literal)+) => {$(
        impl<T: ToSql> Params for [T; $n] {
            fn values(&self) -> Vec<&dyn ToSql> {
                self.iter().map(|v| v as &dyn ToSql).collect()
            }
        }
    )+};
}
params_for_arrays!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);

/// A column by position or by name.
pub trait ColumnIndex: rusqlite::RowIndex + Copy {
    fn position(self, row: &postgres::Row) -> Option<usize>;
}

impl ColumnIndex for usize {
    fn position(self, _: &postgres::Row) -> Option<usize> {
        Some(self)
    }
}

impl ColumnIndex for &str {
    fn position(self, row: &postgres::Row) -> Option<usize> {
        row.columns().iter().position(|c| c.name() == self)
    }
}

/// The parameters as owned plain values (what crosses to PostgreSQL).
fn owned(params: &impl Params) -> Result<Vec<Value>> {
    params
        .values()
        .into_iter()
        .map(|p| {
            use rusqlite::types::ToSqlOutput;
            use rusqlite::types::ValueRef;
            Ok(match p.to_sql()? {
                ToSqlOutput::Borrowed(ValueRef::Null) => Value::Null,
                ToSqlOutput::Borrowed(ValueRef::Integer(i)) => Value::Integer(i),
                ToSqlOutput::Borrowed(ValueRef::Real(f)) => Value::Real(f),
                ToSqlOutput::Borrowed(ValueRef::Text(t)) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                ToSqlOutput::Borrowed(ValueRef::Blob(b)) => Value::Blob(b.to_vec()),
                ToSqlOutput::Owned(v) => v,
                _ => return Err(Error::Internal("a parameter kind the store does not use".into())),
            })
        })
        .collect()
}

enum Engine {
    Sqlite(rusqlite::Connection),
    // Boxed: the client and its statement cache are large, and a desk holds one engine for life.
    Postgres(Box<pg::PgConn>),
}

/// One connection to a desk.
pub struct Db {
    engine: Engine,
    /// True while a [`Tx`] is open, so a nested begin is refused instead of failing obscurely.
    in_tx: Cell<bool>,
}

impl Db {
    pub(crate) fn sqlite(conn: rusqlite::Connection) -> Db {
        Db {
            engine: Engine::Sqlite(conn),
            in_tx: Cell::new(false),
        }
    }

    /// Connects to a PostgreSQL desk (see [`pg::PgConn::connect`] for TLS).
    pub(crate) fn postgres(url: &str, password: Option<&str>, ca_file: Option<&std::path::Path>) -> Result<Db> {
        Ok(Db {
            engine: Engine::Postgres(Box::new(pg::PgConn::connect(url, password, ca_file)?)),
            in_tx: Cell::new(false),
        })
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.engine, Engine::Postgres(_))
    }

    /// Changes each time a team desk's connection is opened again after the server dropped it
    /// (what the old connection held, such as a session lock, is gone). Always 0 on SQLite.
    pub fn connection_generation(&self) -> u64 {
        match &self.engine {
            Engine::Sqlite(_) => 0,
            Engine::Postgres(c) => {
                // A connection known to be lost is opened again first, so its loss shows here.
                let _ = c.ensure_open();
                c.generation()
            }
        }
    }

    /// How this engine spells what the engines spell differently.
    pub fn dialect(&self) -> &'static Dialect {
        match self.engine {
            Engine::Sqlite(_) => &dialect::SQLITE,
            Engine::Postgres(_) => &dialect::POSTGRES,
        }
    }

    /// The SQLite connection itself, for what only SQLite has (migrations' PRAGMAs, the online
    /// backup API, the figures giving back their page cache, tests that corrupt a file on
    /// purpose). Other store modules do not use it.
    ///
    /// # Panics
    /// On a PostgreSQL desk: a caller that reaches for SQLite there is a bug to find at once.
    pub fn sqlite_connection(&self) -> &rusqlite::Connection {
        match &self.engine {
            Engine::Sqlite(c) => c,
            Engine::Postgres(_) => panic!("a SQLite-only operation was asked of a PostgreSQL desk"),
        }
    }

    /// The same, mutably: migrations run their own transactions on it.
    pub fn sqlite_connection_mut(&mut self) -> &mut rusqlite::Connection {
        match &mut self.engine {
            Engine::Sqlite(c) => c,
            Engine::Postgres(_) => panic!("a SQLite-only operation was asked of a PostgreSQL desk"),
        }
    }

    /// Runs one statement; returns how many rows it changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    /// Runs several statements separated by semicolons, without parameters (schema set-up).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.engine {
            Engine::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Engine::Postgres(c) => c.batch(sql),
        }
    }

    /// The first row of a query, read by `f`; an error when there is none (see [`Optional`]).
    pub fn query_row<T, P: Params>(&self, sql: &str, params: P, f: impl FnOnce(&Row<'_>) -> Result<T>) -> Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>> {
        Ok(Statement(match &self.engine {
            Engine::Sqlite(c) => StatementOn::Sqlite(c.prepare_cached(sql)?),
            Engine::Postgres(c) => StatementOn::Postgres(c, sql.to_owned()),
        }))
    }

    /// Begins a transaction that takes the write lock at once (SQLite's IMMEDIATE), so two
    /// changes never interleave their reads and writes and a stale version is always seen. On
    /// PostgreSQL: READ COMMITTED (see `notes/store-engines.md` for why).
    pub fn transaction(&self) -> Result<Tx<'_>> {
        self.begin(match self.engine {
            Engine::Sqlite(_) => "BEGIN IMMEDIATE",
            Engine::Postgres(_) => "BEGIN ISOLATION LEVEL READ COMMITTED",
        })
    }

    /// Begins a transaction that only reads until it first writes (SQLite's DEFERRED): for
    /// consistent multi-statement reads that must not wait for writers. On PostgreSQL a
    /// REPEATABLE READ snapshot, which gives the same.
    pub fn read_transaction(&self) -> Result<Tx<'_>> {
        self.begin(match self.engine {
            Engine::Sqlite(_) => "BEGIN DEFERRED",
            Engine::Postgres(_) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        })
    }

    /// A read snapshot for several statements that must agree, unless a transaction is already
    /// open (which is one). Dropped, it ends without writing anything.
    pub fn snapshot(&self) -> Result<Option<Tx<'_>>> {
        match self.in_transaction() {
            true => Ok(None),
            false => self.read_transaction().map(Some),
        }
    }

    fn begin(&self, sql: &str) -> Result<Tx<'_>> {
        if self.in_tx.get() {
            return Err(Error::Internal(
                "a transaction is already open on this connection".into(),
            ));
        }
        self.execute_batch(sql)?;
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
        if let Err(e) = self.db.execute_batch("COMMIT") {
            // A failed COMMIT can leave the transaction open: end it so the connection is usable.
            let _ = self.db.execute_batch("ROLLBACK");
            return Err(e);
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
            if let Err(e) = self.db.execute_batch("ROLLBACK") {
                log::error!("rolling back a transaction failed: {e}");
            }
        }
    }
}

/// A prepared statement, cached on its connection.
pub struct Statement<'a>(StatementOn<'a>);

enum StatementOn<'a> {
    Sqlite(rusqlite::CachedStatement<'a>),
    /// PostgreSQL statements are prepared (and cached) when they run: the parameters' types
    /// come from the server's answer to the prepare.
    Postgres(&'a pg::PgConn, String),
}

impl Statement<'_> {
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        match &mut self.0 {
            StatementOn::Sqlite(s) => Ok(s.execute(rusqlite::params_from_iter(params.values()))?),
            StatementOn::Postgres(c, sql) => c.execute(sql, &owned(&params)?),
        }
    }

    pub fn query_row<T, P: Params>(&mut self, params: P, f: impl FnOnce(&Row<'_>) -> Result<T>) -> Result<T> {
        match &mut self.0 {
            StatementOn::Sqlite(s) => {
                let mut rows = s.query(rusqlite::params_from_iter(params.values()))?;
                match rows.next()? {
                    Some(r) => f(&Row(RowOn::Sqlite(r))),
                    None => Err(rusqlite::Error::QueryReturnedNoRows.into()),
                }
            }
            StatementOn::Postgres(c, sql) => match c.query(sql, &owned(&params)?)?.first() {
                Some(r) => f(&Row(RowOn::Postgres(r))),
                None => Err(rusqlite::Error::QueryReturnedNoRows.into()),
            },
        }
    }

    /// Every row, each read by `f`, in order. The rows are read before this returns (the
    /// statement is free again for the next call); collect into `Result<Vec<_>>`.
    pub fn query_map<T, P: Params>(
        &mut self,
        params: P,
        mut f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<std::vec::IntoIter<Result<T>>> {
        let mut out = Vec::new();
        match &mut self.0 {
            StatementOn::Sqlite(s) => {
                let mut rows = s.query(rusqlite::params_from_iter(params.values()))?;
                loop {
                    match rows.next() {
                        Ok(Some(r)) => out.push(f(&Row(RowOn::Sqlite(r)))),
                        Ok(None) => break,
                        Err(e) => {
                            out.push(Err(e.into()));
                            break;
                        }
                    }
                }
            }
            StatementOn::Postgres(c, sql) => {
                for r in &c.query(sql, &owned(&params)?)? {
                    out.push(f(&Row(RowOn::Postgres(r))));
                }
            }
        }
        Ok(out.into_iter())
    }

    /// The names of the columns the statement returns, in order.
    pub fn column_names(&self) -> Result<Vec<String>> {
        match &self.0 {
            StatementOn::Sqlite(s) => Ok(s.column_names().map(str::to_owned).collect()),
            StatementOn::Postgres(c, sql) => c.column_names(sql),
        }
    }

    /// True when the query returns at least one row.
    pub fn exists<P: Params>(&mut self, params: P) -> Result<bool> {
        match &mut self.0 {
            StatementOn::Sqlite(s) => Ok(s.exists(rusqlite::params_from_iter(params.values()))?),
            StatementOn::Postgres(c, sql) => Ok(!c.query(sql, &owned(&params)?)?.is_empty()),
        }
    }
}

/// One row of a result.
pub struct Row<'a>(RowOn<'a>);

enum RowOn<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a postgres::Row),
}

impl Row<'_> {
    /// The value of a column (by position or by name), converted to `T` by the same rules on
    /// both engines; NULL reads as `None`.
    pub fn get<I: ColumnIndex, T: FromSql>(&self, idx: I) -> Result<T> {
        match &self.0 {
            RowOn::Sqlite(r) => Ok(r.get(idx)?),
            RowOn::Postgres(r) => {
                let i = idx
                    .position(r)
                    .ok_or(Error::Storage(rusqlite::Error::InvalidColumnName(
                        "a column this query does not return".into(),
                    )))?;
                let value = pg_values::column(r, i)?;
                T::column_result(pg_values::as_ref(&value)).map_err(|e| {
                    Error::Storage(rusqlite::Error::FromSqlConversionFailure(
                        i,
                        value.data_type(),
                        Box::new(e),
                    ))
                })
            }
        }
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
