//! The PostgreSQL engine under [`super::Db`]: the connection (TLS verified against the system roots
//! for any host off loopback), the statement cache, the `?N` -> `$N` rewrite, and the conversion of
//! the store's values to and from PostgreSQL's types.
//!
//! Invariants:
//! - Statements are written once with SQLite's `?N` placeholders; they are rewritten here, never
//!   the other way (SQLite reads `$1` as a *named* parameter numbered by first appearance).
//! - Values cross as the store's plain values (integer, real, text, blob, null) and are converted
//!   to the type PostgreSQL expects for that parameter: RFC 3339 text to `timestamptz`, JSON text
//!   to `jsonb`, integers to `int8`/`int4`/`bool`. Read back, a `timestamptz` is the same RFC 3339
//!   text with milliseconds the SQLite desk stores, so one case's events hash identically on both.
//! - A connection the server dropped (restarted, a network cut) is opened again before the next
//!   statement that is not inside a transaction; inside one, the statement fails (the transaction
//!   is gone with the connection) and the error says the connection was lost.
//! - The sync client runs its own runtime: called on a worker of a multi-threaded tokio runtime it
//!   first hands that worker's tasks off ([`off_runtime`]); the app runs every store call on a
//!   blocking thread anyway, and a current-thread runtime must do the same.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::Arc;

use bytes::BytesMut;
use chrono::{DateTime, Utc};
use postgres::types::{IsNull, ToSql, Type};
use rusqlite::types::{Value, ValueRef};

use crate::error::{Error, Result};

/// One connection to a PostgreSQL desk.
pub(crate) struct PgConn {
    /// Always `Some` until dropped (taken out then, to close it off any runtime worker).
    client: RefCell<Option<postgres::Client>>,
    /// Prepared statements by their SQL as written (with `?N`), for the life of the connection.
    cache: RefCell<HashMap<String, postgres::Statement>>,
    /// How to connect again when the server dropped the connection.
    config: postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
    /// Between BEGIN and COMMIT/ROLLBACK: a lost connection is then not opened again here.
    in_tx: Cell<bool>,
    /// How many times the connection was opened again: what the old one held (a session
    /// advisory lock) is gone with it.
    generation: Cell<u64>,
}

/// What a lost connection means for the user: no reply, so a change may or may not have landed.
pub(crate) const CONNECTION_LOST: &str = "The connection to the team desk was lost; Escalation Desk connects again at your next action. If you were saving, check whether it was saved before trying again.";

impl PgConn {
    /// Connects to `url` (`postgres://user@host:port/database`, the password from `password` when
    /// given). TLS is required for a host off loopback; on loopback it is used when offered.
    pub(crate) fn connect(url: &str, password: Option<&str>, ca_file: Option<&std::path::Path>) -> Result<PgConn> {
        let (client, config, tls) = connect_client(url, password, ca_file)?;
        Ok(PgConn {
            client: RefCell::new(Some(client)),
            cache: RefCell::new(HashMap::new()),
            config,
            tls,
            in_tx: Cell::new(false),
            generation: Cell::new(0),
        })
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation.get()
    }

    /// Opens the connection again when the server dropped it, outside a transaction (the
    /// prepared statements went with it).
    pub(crate) fn ensure_open(&self) -> Result<()> {
        let closed = self.client.borrow().as_ref().is_some_and(|c| c.is_closed());
        if !closed || self.in_tx.get() {
            return Ok(());
        }
        let client = off_runtime(|| self.config.connect(self.tls.clone()))
            .map_err(|e| Error::Refused(format!("The team desk cannot be reached: {}", connect_reason(&e))))?;
        log::info!("connected to the team desk again");
        self.cache.borrow_mut().clear();
        *self.client.borrow_mut() = Some(client);
        self.generation.set(self.generation.get() + 1);
        Ok(())
    }
}

/// A new connection to `url` (see [`PgConn::connect`]), with what it takes to open another.
fn connect_client(
    url: &str,
    password: Option<&str>,
    ca_file: Option<&std::path::Path>,
) -> Result<(
    postgres::Client,
    postgres::Config,
    tokio_postgres_rustls::MakeRustlsConnect,
)> {
    let mut config: postgres::Config = url.parse().map_err(|e| {
        let shown = crate::store::redact_password(url);
        Error::Refused(format!("The desk address {shown:?} is not a PostgreSQL URL: {e}"))
    })?;
    if let Some(p) = password {
        config.password(p);
    }
    // A server that does not answer is said so in seconds, not after TCP's minutes (the window
    // waits on it at start); keepalives notice a connection a network cut left hanging.
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(10));
    }
    config
        .keepalives_idle(std::time::Duration::from_secs(30))
        .keepalives_interval(std::time::Duration::from_secs(10))
        .keepalives_retries(3);
    let loopback = config.get_hosts().iter().all(|h| match h {
        postgres::config::Host::Tcp(name) => is_loopback(name),
        #[cfg(unix)]
        postgres::config::Host::Unix(_) => true,
    });
    config.ssl_mode(if loopback {
        postgres::config::SslMode::Prefer
    } else {
        postgres::config::SslMode::Require
    });
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(ca_file)?);
    let client = off_runtime(|| config.connect(tls.clone()))
        // The reason alone: each caller says which desk it was opening.
        .map_err(|e| Error::Refused(connect_reason(&e)))?;
    Ok((client, config, tls))
}

/// A connection of its own, outside any store (the live-change listener's).
pub(crate) fn connect_raw(
    url: &str,
    password: Option<&str>,
    ca_file: Option<&std::path::Path>,
) -> Result<postgres::Client> {
    connect_client(url, password, ca_file).map(|(client, _, _)| client)
}

impl PgConn {
    fn client(&self) -> std::cell::RefMut<'_, postgres::Client> {
        std::cell::RefMut::map(self.client.borrow_mut(), |c| {
            c.as_mut().expect("the connection is open until dropped")
        })
    }

    pub(crate) fn batch(&self, sql: &str) -> Result<()> {
        self.ensure_open()?;
        let result = off_runtime(|| self.client().batch_execute(sql)).map_err(pg_error);
        // The store's transactions are begun and ended here (`Db::begin`, `Tx`).
        if sql.starts_with("BEGIN") {
            self.in_tx.set(result.is_ok());
        } else if sql == "COMMIT" || sql == "ROLLBACK" {
            self.in_tx.set(false);
        }
        result
    }

    fn prepare(&self, sql: &str) -> Result<postgres::Statement> {
        self.ensure_open()?;
        if let Some(s) = self.cache.borrow().get(sql) {
            return Ok(s.clone());
        }
        let rewritten = rewrite_placeholders(sql);
        // A statement PostgreSQL cannot prepare is the store's bug, not the user's: say which.
        let stmt = off_runtime(|| self.client().prepare(&rewritten)).map_err(|e| {
            if lost(&e) {
                pg_error(e)
            } else {
                Error::Internal(format!("{} in the statement: {rewritten}", one_line(&e)))
            }
        })?;
        self.cache.borrow_mut().insert(sql.to_owned(), stmt.clone());
        Ok(stmt)
    }

    pub(crate) fn column_names(&self, sql: &str) -> Result<Vec<String>> {
        Ok(self
            .prepare(sql)?
            .columns()
            .iter()
            .map(|c| c.name().to_owned())
            .collect())
    }

    pub(crate) fn execute(&self, sql: &str, values: &[Value]) -> Result<usize> {
        let stmt = self.prepare(sql)?;
        let params = bind(&stmt, values)?;
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let n = off_runtime(|| self.client().execute(&stmt, &refs)).map_err(pg_error)?;
        Ok(n as usize)
    }

    pub(crate) fn query(&self, sql: &str, values: &[Value]) -> Result<Vec<postgres::Row>> {
        let stmt = self.prepare(sql)?;
        let params = bind(&stmt, values)?;
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        off_runtime(|| self.client().query(&stmt, &refs)).map_err(pg_error)
    }
}

/// Runs a blocking call of the sync client. On a worker of a multi-threaded runtime (an async
/// test's body) the worker's other tasks move elsewhere first, as the client's own `block_on`
/// requires; anywhere else it just runs.
fn off_runtime<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

impl Drop for PgConn {
    // Closing the client blocks on its connection task, which a runtime worker may not do.
    fn drop(&mut self) {
        if let Some(client) = self.client.get_mut().take() {
            off_runtime(|| drop(client));
        }
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// rustls with the system's roots, plus the CA in `ca_file` when the desk's server uses a private one.
fn tls_config(ca_file: Option<&std::path::Path>) -> Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for cert in native.certs {
        // A system root rustls cannot parse is skipped, as browsers do; the others still verify.
        let _ = roots.add(cert);
    }
    if let Some(path) = ca_file {
        use rustls::pki_types::pem::PemObject;
        let certs = rustls::pki_types::CertificateDer::pem_file_iter(path)
            .map_err(|e| Error::Refused(format!("Cannot read the CA file {}: {e}", path.display())))?;
        for cert in certs {
            let cert = cert.map_err(|e| Error::Refused(format!("The CA file {} is not PEM: {e}", path.display())))?;
            roots.add(cert).map_err(|e| {
                Error::Refused(format!(
                    "The CA file {} holds a certificate rustls refuses: {e}",
                    path.display()
                ))
            })?;
        }
    }
    // An explicit provider: two are in the tree (ring through other crates, aws-lc-rs through
    // lettre) and rustls refuses to guess between them.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Internal(format!("TLS set-up: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// The error and its causes in one line ("error performing TLS handshake: invalid peer certificate: ...").
/// Why a connection failed, in the server's own words when it gave any (a refused login reads
/// "password authentication failed for user ..." rather than "db error: FATAL: ...").
fn connect_reason(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_owned(),
        None => one_line(e),
    }
}

fn one_line(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

/// The socket closed, or the server ended the session (shut down, restarted, the DBA's
/// pg_terminate_backend: SQLSTATE class 57P).
fn lost(e: &postgres::Error) -> bool {
    e.is_closed() || e.as_db_error().is_some_and(|db| db.code().code().starts_with("57P"))
}

pub(crate) fn pg_error(e: postgres::Error) -> Error {
    if lost(&e) {
        return Error::Refused(CONNECTION_LOST.into());
    }
    if let Some(db) = e.as_db_error() {
        // The desk's roles (store::team_desk) refuse it: say so in the user's words.
        if db.code() == &postgres::error::SqlState::INSUFFICIENT_PRIVILEGE {
            return Error::Refused(format!(
                "Your login may not do this on the team desk ({}). Ask the desk's manager for a role that may.",
                db.message()
            ));
        }
        // A trigger's refusal (an append-only table, a case without its directory ids) reads as
        // its own message, as SQLite's RAISE(ABORT) does.
        return Error::Database(db.message().to_owned());
    }
    Error::Database(one_line(&e))
}

/// `?N` -> `$N`, and a bare `?` -> the next number, outside string literals, quoted identifiers
/// and comments.
pub(crate) fn rewrite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut next = 0u32;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == '\n' {
                        break;
                    }
                }
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                out.push('$');
                if digits.is_empty() {
                    next += 1;
                    out.push_str(&next.to_string());
                } else {
                    next = next.max(digits.parse().unwrap_or(0));
                    out.push_str(&digits);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// One parameter, converted to the type the prepared statement expects.
#[derive(Debug)]
enum Param {
    Null,
    Bool(bool),
    I16(i16),
    I32(i32),
    I64(i64),
    F64(f64),
    Text(String),
    Time(DateTime<Utc>),
    Json(serde_json::Value),
    Bytes(Vec<u8>),
}

fn bind(stmt: &postgres::Statement, values: &[Value]) -> Result<Vec<Param>> {
    let types = stmt.params();
    if types.len() != values.len() {
        return Err(Error::Internal(format!(
            "the statement takes {} parameters and was given {}",
            types.len(),
            values.len()
        )));
    }
    types
        .iter()
        .zip(values)
        .enumerate()
        .map(|(i, (ty, v))| convert(i + 1, ty, v))
        .collect()
}

fn convert(n: usize, ty: &Type, value: &Value) -> Result<Param> {
    let wrong = |what: &str| Error::Internal(format!("parameter ${n}: {what} cannot be sent as {ty}"));
    Ok(match value {
        Value::Null => Param::Null,
        Value::Integer(i) => match *ty {
            Type::INT8 => Param::I64(*i),
            Type::INT4 => Param::I32(i32::try_from(*i).map_err(|_| wrong("a number this large"))?),
            Type::INT2 => Param::I16(i16::try_from(*i).map_err(|_| wrong("a number this large"))?),
            Type::BOOL => Param::Bool(*i != 0),
            Type::FLOAT8 | Type::FLOAT4 | Type::NUMERIC => Param::F64(*i as f64),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => Param::Text(i.to_string()),
            _ => return Err(wrong("an integer")),
        },
        Value::Real(f) => match *ty {
            Type::FLOAT8 | Type::FLOAT4 | Type::NUMERIC => Param::F64(*f),
            _ => return Err(wrong("a real number")),
        },
        Value::Text(s) => match *ty {
            Type::TIMESTAMPTZ | Type::TIMESTAMP => Param::Time(
                DateTime::parse_from_rfc3339(s)
                    .map_err(|e| Error::Internal(format!("parameter ${n}: {s:?} is not an RFC 3339 time: {e}")))?
                    .with_timezone(&Utc),
            ),
            Type::JSONB | Type::JSON => Param::Json(
                serde_json::from_str(s).map_err(|e| Error::Internal(format!("parameter ${n}: not JSON: {e}")))?,
            ),
            Type::INT8 => Param::I64(s.parse().map_err(|_| wrong("text"))?),
            _ => Param::Text(s.clone()),
        },
        Value::Blob(b) => match *ty {
            Type::BYTEA => Param::Bytes(b.clone()),
            _ => return Err(wrong("bytes")),
        },
    })
}

impl ToSql for Param {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Param::Null => Ok(IsNull::Yes),
            Param::Bool(v) => v.to_sql(ty, out),
            Param::I16(v) => v.to_sql(ty, out),
            Param::I32(v) => v.to_sql(ty, out),
            Param::I64(v) => v.to_sql(ty, out),
            Param::F64(v) => match *ty {
                Type::FLOAT4 => (*v as f32).to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Param::Text(v) => v.to_sql(ty, out),
            Param::Time(v) => v.to_sql(ty, out),
            Param::Json(v) => v.to_sql(ty, out),
            Param::Bytes(v) => v.to_sql(ty, out),
        }
    }

    // Each value was converted for the statement's own parameter type in `convert`.
    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// A column of a PostgreSQL row as the store's plain value (what a SQLite desk would hold).
pub(crate) fn column(row: &postgres::Row, idx: usize) -> Result<Value> {
    let ty = row
        .columns()
        .get(idx)
        .ok_or_else(|| Error::Storage(rusqlite::Error::InvalidColumnIndex(idx)))?
        .type_()
        .clone();
    let get = |e: postgres::Error| Error::Database(one_line(&e));
    Ok(match ty {
        Type::INT8 => row
            .try_get::<_, Option<i64>>(idx)
            .map_err(get)?
            .map_or(Value::Null, Value::Integer),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(idx)
            .map_err(get)?
            .map_or(Value::Null, |v| Value::Integer(v.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(idx)
            .map_err(get)?
            .map_or(Value::Null, |v| Value::Integer(v.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(idx)
            .map_err(get)?
            .map_or(Value::Null, |v| Value::Integer(v.into())),
        Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(idx)
            .map_err(get)?
            .map_or(Value::Null, Value::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(idx)
            .map_err(get)?
            .map_or(Value::Null, |v| Value::Real(v.into())),
        Type::TIMESTAMPTZ => row
            .try_get::<_, Option<DateTime<Utc>>>(idx)
            .map_err(get)?
            .map_or(Value::Null, |t| Value::Text(crate::store::format_time(t))),
        Type::JSONB | Type::JSON => row
            .try_get::<_, Option<serde_json::Value>>(idx)
            .map_err(get)?
            .map_or(Value::Null, |v| Value::Text(v.to_string())),
        Type::BYTEA => row
            .try_get::<_, Option<Vec<u8>>>(idx)
            .map_err(get)?
            .map_or(Value::Null, Value::Blob),
        Type::NUMERIC => {
            return Err(Error::Internal(format!(
                "column {idx} is numeric, which the store does not read: cast it (CAST(SUM(x) AS BIGINT))"
            )))
        }
        _ => row
            .try_get::<_, Option<String>>(idx)
            .map_err(get)?
            .map_or(Value::Null, Value::Text),
    })
}

/// A plain value borrowed as rusqlite's, so `Row::get` converts it with the same `FromSql` rules on both engines.
pub(crate) fn as_ref(v: &Value) -> ValueRef<'_> {
    match v {
        Value::Null => ValueRef::Null,
        Value::Integer(i) => ValueRef::Integer(*i),
        Value::Real(f) => ValueRef::Real(*f),
        Value::Text(s) => ValueRef::Text(s.as_bytes()),
        Value::Blob(b) => ValueRef::Blob(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_and_bare_placeholders_become_dollar_numbers_outside_quotes_and_comments() {
        assert_eq!(
            rewrite_placeholders("UPDATE t SET a = ?2, b = '?1 stays', \"c?\" = ?1 -- ?3 too\nWHERE id = ?3"),
            "UPDATE t SET a = $2, b = '?1 stays', \"c?\" = $1 -- ?3 too\nWHERE id = $3"
        );
        assert_eq!(rewrite_placeholders("SELECT ? , ?"), "SELECT $1 , $2");
        assert_eq!(rewrite_placeholders("VALUES (?10, ?9)"), "VALUES ($10, $9)");
    }

    #[test]
    fn a_time_parameter_must_be_rfc_3339_and_keeps_its_milliseconds() {
        let Param::Time(t) = convert(1, &Type::TIMESTAMPTZ, &Value::Text("2026-12-05T03:04:05.678Z".into())).unwrap()
        else {
            panic!("not a time")
        };
        assert_eq!(crate::store::format_time(t), "2026-12-05T03:04:05.678Z");
        assert!(convert(1, &Type::TIMESTAMPTZ, &Value::Text("yesterday".into())).is_err());
    }

    #[test]
    fn an_integer_too_large_for_an_int4_parameter_is_refused_not_wrapped() {
        assert!(matches!(
            convert(1, &Type::INT4, &Value::Integer(7)).unwrap(),
            Param::I32(7)
        ));
        assert!(convert(1, &Type::INT4, &Value::Integer(i64::MAX)).is_err());
    }

    #[test]
    fn only_loopback_hosts_may_skip_tls() {
        assert!(is_loopback("127.0.0.1") && is_loopback("::1") && is_loopback("localhost"));
        assert!(!is_loopback("db.state.gov") && !is_loopback("10.0.0.5"));
    }
}
