//! Talking to the mail server with lettre's SMTP connection, and turning its errors into reasons a
//! person can act on.
//!
//! Invariants:
//! - TLS is always used unless the server is on this machine and the settings say plain
//!   (validated in [`SmtpSettings::validate`]); certificates are checked against the system's
//!   store plus any CA the settings add, never skipped.
//! - A [`Session`] logs in once and sends many messages, so a wrong password costs one login, not
//!   one per queued message (servers lock accounts after a few).
//! - We drive the SMTP steps ourselves (MAIL, RCPT, DATA, then the content) so that a failure
//!   after the content was handed over (the reply timed out or the connection dropped) is told
//!   apart: that message may have arrived and is reported [`SendFailure::DeliveryUnknown`].
//! - Every step has a deadline: a server that stops answering never holds the worker.

use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::authentication::DEFAULT_MECHANISMS;
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, Tls, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};
use lettre::Address;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::settings::{Security, SmtpSettings};

/// Why a send failed, in the terms the user acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SendFailure {
    /// No connection (wrong host or port, server down, network): retried.
    Connect,
    /// The TLS handshake or certificate check failed: retried, but needs the settings fixed.
    Tls,
    /// The server refused the user name or password: retried, but needs the settings fixed.
    Authentication,
    /// A 4xx answer: the server asks to try later.
    Transient,
    /// A 5xx answer (refused sender or recipient, policy): not retried automatically.
    Rejected,
    /// Settings missing or unusable.
    NotConfigured,
    /// The content was sent but the server's reply never came: it may have been delivered.
    DeliveryUnknown,
}

impl SendFailure {
    /// Whether the worker should try again by itself.
    pub fn is_retryable(self) -> bool {
        !matches!(
            self,
            SendFailure::Rejected | SendFailure::NotConfigured | SendFailure::DeliveryUnknown
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SendError {
    pub failure: SendFailure,
    pub reason: String,
}

impl SendError {
    pub fn not_configured(reason: impl Into<String>) -> Self {
        SendError {
            failure: SendFailure::NotConfigured,
            reason: reason.into(),
        }
    }
}

/// The error and its causes, each said once: lettre's message often repeats its source's text.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        let text = inner.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        src = inner.source();
    }
    s
}

fn classify(e: &lettre::transport::smtp::Error) -> SendError {
    let detail = error_chain(e);
    let code = e.status().map(|c| c.to_string());
    let (failure, what) = if e.is_tls() {
        (
            SendFailure::Tls,
            "The secure (TLS) connection to the mail server failed",
        )
    } else if matches!(code.as_deref(), Some("535" | "534" | "530" | "538")) {
        (
            SendFailure::Authentication,
            "The mail server refused the user name or password",
        )
    } else if e.is_permanent() {
        (SendFailure::Rejected, "The mail server refused the message")
    } else if e.is_transient() {
        (SendFailure::Transient, "The mail server asked to try again later")
    } else if detail.contains("InvalidCertificate") || detail.contains("certificate") {
        (SendFailure::Tls, "The mail server's certificate is not trusted")
    } else {
        (SendFailure::Connect, "Cannot connect to the mail server")
    };
    SendError {
        failure,
        reason: format!("{what} ({detail})."),
    }
}

/// How long one SMTP step (connecting, a command, the content) may take before we give up on it.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs one SMTP step under `limit`; `Err(None)` means it timed out.
async fn step<T>(
    limit: Duration,
    fut: impl std::future::Future<Output = Result<T, lettre::transport::smtp::Error>>,
) -> Result<T, Option<lettre::transport::smtp::Error>> {
    match tokio::time::timeout(limit, fut).await {
        Ok(r) => r.map_err(Some),
        Err(_) => Err(None),
    }
}

fn step_error(e: Option<lettre::transport::smtp::Error>, what: &str) -> SendError {
    match e {
        Some(e) => classify(&e),
        None => SendError {
            failure: SendFailure::Connect,
            reason: format!("The mail server did not answer in time ({what})."),
        },
    }
}

/// Settings and password, ready to connect.
pub struct Mailer {
    host: String,
    port: u16,
    tls: Tls,
    credentials: Option<Credentials>,
    sender: Address,
    step_timeout: Duration,
}

impl Mailer {
    /// How long each SMTP step may take ([`STEP_TIMEOUT`] unless set).
    pub fn with_step_timeout(mut self, limit: Duration) -> Mailer {
        self.step_timeout = limit;
        self
    }

    pub fn new(settings: &SmtpSettings, password: Option<String>) -> Result<Mailer, SendError> {
        let sender: Address = settings
            .sender_address
            .parse()
            .map_err(|_| SendError::not_configured("The sender address in the mail settings is not valid."))?;
        let tls_params = || {
            let mut b = TlsParameters::builder(settings.host.clone());
            for pem in split_pem(&settings.extra_ca_pem) {
                let cert = Certificate::from_pem(pem.as_bytes())
                    .map_err(|e| SendError::not_configured(format!("An extra CA certificate cannot be read: {e}")))?;
                b = b.add_root_certificate(cert);
            }
            b.build_rustls()
                .map_err(|e| SendError::not_configured(format!("TLS cannot be set up: {e}")))
        };
        let tls = match settings.security {
            Security::Starttls => Tls::Required(tls_params()?),
            Security::ImplicitTls => Tls::Wrapper(tls_params()?),
            Security::Plain => Tls::None,
        };
        let credentials = if settings.username.is_empty() {
            None
        } else {
            let pw = password
                .ok_or_else(|| SendError::not_configured("The mail password has not been entered in this session."))?;
            Some(Credentials::new(settings.username.clone(), pw))
        };
        Ok(Mailer {
            host: settings.host.clone(),
            port: settings.port,
            tls,
            credentials,
            sender,
            step_timeout: STEP_TIMEOUT,
        })
    }

    /// Connects, secures the connection and logs in (once).
    pub async fn connect(&self) -> Result<Session, SendError> {
        let hello = ClientId::default();
        let wrapper = match &self.tls {
            Tls::Wrapper(p) => Some(p.clone()),
            _ => None,
        };
        let mut conn = match wrapper {
            // TLS from the first byte: lettre makes the connection and wraps it.
            Some(wrapper) => step(
                self.step_timeout,
                AsyncSmtpConnection::connect_tokio1(
                    (self.host.as_str(), self.port),
                    Some(self.step_timeout),
                    &hello,
                    Some(wrapper),
                    None,
                ),
            )
            .await
            .map_err(|e| step_error(e, "connecting"))?,
            // Our own TCP connection, without Nagle's algorithm: SMTP's short commands (MAIL,
            // RCPT, DATA, the message's last line) each waited for the server's delayed ACK,
            // about 40 ms a message, which capped the outbox at ~22 messages a second.
            None => {
                let tcp = tokio::time::timeout(
                    self.step_timeout,
                    tokio::net::TcpStream::connect((self.host.as_str(), self.port)),
                )
                .await
                .map_err(|_| step_error(None, "connecting"))?
                .map_err(|e| SendError {
                    failure: SendFailure::Connect,
                    reason: format!("Cannot connect to the mail server ({e})."),
                })?;
                let _ = tcp.set_nodelay(true);
                step(
                    self.step_timeout,
                    AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &hello),
                )
                .await
                .map_err(|e| step_error(e, "connecting"))?
            }
        };
        if let Tls::Required(p) = &self.tls {
            step(self.step_timeout, conn.starttls(p.clone(), &hello))
                .await
                .map_err(|e| step_error(e, "starting TLS"))?;
        }
        if let Some(c) = &self.credentials {
            step(self.step_timeout, conn.auth(DEFAULT_MECHANISMS, c))
                .await
                .map_err(|e| step_error(e, "logging in"))?;
        }
        Ok(Session {
            conn,
            sender: self.sender.clone(),
            step_timeout: self.step_timeout,
        })
    }

    /// Sends one message on a connection of its own (the settings screen's test message).
    pub async fn send(&self, recipients: &[String], mime: &str) -> Result<(), SendError> {
        let mut session = self.connect().await?;
        let result = session.send(recipients, mime).await;
        session.quit().await;
        result
    }
}

/// A logged-in connection that sends messages one after another.
pub struct Session {
    conn: AsyncSmtpConnection,
    sender: Address,
    step_timeout: Duration,
}

impl Session {
    /// Whether the connection can take another message (it closes itself after a failed step).
    pub fn is_usable(&self) -> bool {
        !self.conn.has_broken()
    }

    /// Sends the stored MIME text to the recipients, as is.
    pub async fn send(&mut self, recipients: &[String], mime: &str) -> Result<(), SendError> {
        let to: Vec<Address> = recipients
            .iter()
            .map(|r| r.trim().parse())
            .collect::<Result<_, _>>()
            .map_err(|_| SendError {
                failure: SendFailure::Rejected,
                reason: "A recipient address is not valid.".into(),
            })?;
        if to.is_empty() {
            return Err(SendError {
                failure: SendFailure::Rejected,
                reason: "The message has no recipients.".into(),
            });
        }
        let mut options = vec![];
        if !mime.is_ascii() {
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        if to.iter().any(|a| !a.to_string().is_ascii()) {
            options.push(MailParameter::SmtpUtfEight);
        }
        if let Err(e) = step(
            self.step_timeout,
            self.conn.command(Mail::new(Some(self.sender.clone()), options)),
        )
        .await
        {
            return Err(self.failed_before_content(e, "MAIL FROM").await);
        }
        for a in to {
            if let Err(e) = step(self.step_timeout, self.conn.command(Rcpt::new(a, vec![]))).await {
                return Err(self.failed_before_content(e, "RCPT TO").await);
            }
        }
        if let Err(e) = step(self.step_timeout, self.conn.command(Data)).await {
            return Err(self.failed_before_content(e, "DATA").await);
        }
        match step(self.step_timeout, self.conn.message(mime.as_bytes())).await {
            Ok(_) => Ok(()),
            // The server answered: it took the message or refused it, and said which.
            Err(Some(e)) if e.is_permanent() || e.is_transient() => Err(classify(&e)),
            Err(e) => {
                let why = match &e {
                    Some(e) => error_chain(e),
                    None => "no reply in time".into(),
                };
                self.close().await;
                Err(SendError {
                    failure: SendFailure::DeliveryUnknown,
                    reason: format!(
                        "The message was handed to the mail server but it never confirmed it ({why}): it may or may not have arrived. Ask a recipient, then send it again (same Message-ID, so a copy is recognisable) or leave it."
                    ),
                })
            }
        }
    }

    /// A refusal or failure before the content left: nothing was delivered, the transaction is
    /// reset (or the broken connection dropped) so the next message starts clean.
    async fn failed_before_content(&mut self, e: Option<lettre::transport::smtp::Error>, what: &str) -> SendError {
        let answered = e.as_ref().is_some_and(|e| e.is_permanent() || e.is_transient());
        let error = step_error(e, what);
        if answered {
            if step(self.step_timeout, self.conn.command(Rset)).await.is_err() {
                self.close().await;
            }
        } else {
            self.close().await;
        }
        error
    }

    /// Drops the connection. lettre's abort says QUIT and waits for the answer, which a server
    /// that stopped answering never gives: bounded like every other step.
    async fn close(&mut self) {
        let _ = tokio::time::timeout(self.step_timeout, self.conn.abort()).await;
    }

    /// Says goodbye politely; errors do not matter any more.
    pub async fn quit(mut self) {
        if self.is_usable() {
            let _ = tokio::time::timeout(self.step_timeout, self.conn.quit()).await;
        }
    }
}

fn split_pem(pem: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in pem.lines() {
        current.push_str(line);
        current.push('\n');
        if line.starts_with("-----END CERTIFICATE-----") {
            out.push(std::mem::take(&mut current));
        }
    }
    out
}
