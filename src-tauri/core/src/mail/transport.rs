//! Talking to the mail server with lettre's async SMTP transport, and turning its errors into
//! reasons a person can act on.
//!
//! Invariant: TLS is always used unless the server is on this machine and the settings say plain
//! (validated in [`SmtpSettings::validate`]); certificates are checked against the system's
//! store plus any CA the settings add, never skipped.

use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
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
}

impl SendFailure {
    /// Whether the worker should try again by itself.
    pub fn is_retryable(self) -> bool {
        !matches!(self, SendFailure::Rejected | SendFailure::NotConfigured)
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

fn classify(e: &lettre::transport::smtp::Error) -> SendError {
    let detail = {
        let mut s = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(inner) = src {
            s.push_str(": ");
            s.push_str(&inner.to_string());
            src = inner.source();
        }
        s
    };
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

/// A ready transport for the settings and password.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    sender: Address,
}

impl Mailer {
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
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.clone())
            .port(settings.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(20)));
        if !settings.username.is_empty() {
            let pw = password
                .ok_or_else(|| SendError::not_configured("The mail password has not been entered in this session."))?;
            builder = builder.credentials(Credentials::new(settings.username.clone(), pw));
        }
        Ok(Mailer {
            transport: builder.build(),
            sender,
        })
    }

    /// Sends the stored MIME text to the recipients, as is.
    pub async fn send(&self, recipients: &[String], mime: &str) -> Result<(), SendError> {
        let to: Vec<Address> = recipients
            .iter()
            .map(|r| r.parse())
            .collect::<Result<_, _>>()
            .map_err(|_| SendError {
                failure: SendFailure::Rejected,
                reason: "A recipient address is not valid.".into(),
            })?;
        let envelope = Envelope::new(Some(self.sender.clone()), to).map_err(|e| SendError {
            failure: SendFailure::Rejected,
            reason: format!("No usable recipients: {e}."),
        })?;
        self.transport
            .send_raw(&envelope, mime.as_bytes())
            .await
            .map(|_| ())
            .map_err(|e| classify(&e))
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
