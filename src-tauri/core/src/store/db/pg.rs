//! The PostgreSQL engine under [`super::Db`]: the connection (TLS verified against the system roots
//! for any host off loopback) and the statement cache; the values and the `?N` -> `$N` rewrite
//! are in [`super::pg_values`].
//!
//! Invariants:
//! - A connection the server dropped (restarted, a network cut) is opened again before the next
//!   statement that is not inside a transaction; inside one, the statement fails (the transaction
//!   is gone with the connection) and the error says the connection was lost.
//! - The sync client runs its own runtime: called on a worker of a multi-threaded tokio runtime it
//!   first hands that worker's tasks off ([`off_runtime`]); the app runs every store call on a
//!   blocking thread anyway, and a current-thread runtime must do the same.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::Arc;

use postgres::types::ToSql;
use rusqlite::types::Value;

use super::pg_values::{bind, rewrite_placeholders};

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
    // An explicit provider, the one the mail client uses too (ring: see the core Cargo.toml), so
    // the choice is made here rather than by whichever crate installed a process default.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
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

pub(super) fn one_line(e: &dyn std::error::Error) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_hosts_may_skip_tls() {
        assert!(is_loopback("127.0.0.1") && is_loopback("::1") && is_loopback("localhost"));
        assert!(!is_loopback("db.state.gov") && !is_loopback("10.0.0.5"));
    }
}
