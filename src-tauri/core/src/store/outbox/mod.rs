//! The outbox: every message is stored here, whole, before anything tries to send it.
//!
//! Invariants:
//! - A message is inserted in the same transaction as the change that caused it ([`insert_message_in`]).
//! - Status moves queued -> sending -> sent, or -> queued again (retry later), or -> failed, or ->
//!   delivery unknown (sent, but the server's reply never came: never resent by itself); a user
//!   may retry a failed, cancelled, held or unknown message (same Message-ID), edit a failed,
//!   cancelled or held one's recipients, or cancel.
//! - A message with a recipient the mail library cannot parse (old data) never fails the change
//!   that queues it: it is stored held, naming the bad recipient, and never attempted until fixed.
//! - A message found in "sending" when the worker starts (the app stopped mid-send) is marked failed,
//!   not resent: the server may already have it, and nothing is sent twice unless the user asks.
//! - The Message-ID never changes, whatever is rebuilt.

use crate::store::db::{Db, Optional, Row};
use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

mod actions;

pub use actions::{update_cancelled, update_recipients, update_retry};

use super::mail_settings::get_smtp_settings;
use super::{format_time, now, parse_stored, time_column, Store};
use crate::error::{Error, Result};
use crate::mail::message::{build_mime, new_message_id, Attachment, Draft};

/// Used until the mail settings name a sender; rebuilt with the real one before sending.
pub const PLACEHOLDER_SENDER: &str = "not-configured@escalation-desk.invalid";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    Queued,
    Sending,
    Sent,
    Failed,
    Cancelled,
    /// Not attempted: a recipient is not an address the mail server can take.
    Held,
    /// Sent, but the server's reply never came: it may have arrived. The user decides.
    DeliveryUnknown,
}

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Queued => "queued",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
            OutboxStatus::Cancelled => "cancelled",
            OutboxStatus::Held => "held",
            OutboxStatus::DeliveryUnknown => "unknown",
        }
    }
    pub fn parse(s: &str) -> Option<OutboxStatus> {
        use OutboxStatus::*;
        [Queued, Sending, Sent, Failed, Cancelled, Held, DeliveryUnknown]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OutboxMessage {
    pub id: i64,
    pub message_id: String,
    pub case_id: Option<i64>,
    pub ticket: Option<String>,
    /// What the message is: "progress", "customer_update", "test", ...
    pub purpose: String,
    pub recipients: Vec<String>,
    pub subject: String,
    pub status: OutboxStatus,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub version: i64,
}

const COLUMNS: &str =
    "o.id, o.message_id, o.case_id, c.ticket, o.purpose, o.recipients, o.subject, o.status, o.attempts,
    o.next_attempt_at, o.last_error, o.created_at, o.sent_at, o.version";

fn from_row(r: &Row<'_>) -> Result<OutboxMessage> {
    let recipients: String = r.get(5)?;
    let sent: Option<String> = r.get(12)?;
    Ok(OutboxMessage {
        id: r.get(0)?,
        message_id: r.get(1)?,
        case_id: r.get(2)?,
        ticket: r.get(3)?,
        purpose: r.get(4)?,
        recipients: serde_json::from_str(&recipients).unwrap_or_default(),
        subject: r.get(6)?,
        status: parse_stored(r.get(7)?, OutboxStatus::parse, "outbox status")?,
        attempts: r.get(8)?,
        next_attempt_at: time_column(r.get(9)?)?,
        last_error: r.get(10)?,
        created_at: time_column(r.get(11)?)?,
        sent_at: sent.map(time_column).transpose()?,
        version: r.get(13)?,
    })
}

pub fn get_message(conn: &Db, id: i64) -> Result<OutboxMessage> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbox o LEFT JOIN cases c ON c.id = o.case_id WHERE o.id = ?1"
    ))?
    .query_row([id], from_row)
    .optional()?
    .ok_or(Error::NotFound { entity: "Message", id })
}

/// Newest first; `status` narrows to one state.
pub fn list_outbox(store: &Store, status: Option<OutboxStatus>, limit: i64) -> Result<Vec<OutboxMessage>> {
    // `?1 IS NULL` comes last: PostgreSQL types a parameter where it first appears.
    let mut stmt = store.conn().prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbox o LEFT JOIN cases c ON c.id = o.case_id
         WHERE o.status = ?1 OR ?1 IS NULL ORDER BY o.id DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![status.map(OutboxStatus::as_str), limit], from_row)?;
    rows.collect::<Result<_>>()
}

/// A case's messages, newest first (the case page's "mail for this case").
pub fn list_case_messages(conn: &Db, case_id: i64, limit: i64) -> Result<Vec<OutboxMessage>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbox o LEFT JOIN cases c ON c.id = o.case_id
         WHERE o.case_id = ?1 ORDER BY o.id DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![case_id, limit], from_row)?;
    rows.collect::<Result<_>>()
}

/// How many messages are in each state (for the navigation badge and the outbox screen).
pub fn count_by_status(store: &Store) -> Result<Vec<(OutboxStatus, i64)>> {
    let mut stmt = store
        .conn()
        .prepare_cached("SELECT status, COUNT(*) FROM outbox GROUP BY status")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            parse_stored(r.get(0)?, OutboxStatus::parse, "outbox status")?,
            r.get(1)?,
        ))
    })?;
    rows.collect::<Result<_>>()
}

pub(super) fn sender(conn: &Db) -> Result<(String, String)> {
    let settings: Option<(String, String)> = conn
        .prepare_cached("SELECT sender_name, sender_address FROM smtp_settings WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(settings.unwrap_or_else(|| ("Escalation Desk".into(), PLACEHOLDER_SENDER.into())))
}

/// Why these recipients cannot be sent to, naming each bad one; `None` when all can.
pub(super) fn recipient_problem(recipients: &[String]) -> Option<String> {
    if recipients.is_empty() {
        return Some("The message has no recipients.".into());
    }
    let bad: Vec<String> = recipients
        .iter()
        .filter_map(|r| {
            crate::identity::email_problem(r).map(|p| format!("{r:?}: {}", p.replace("your email", "an email")))
        })
        .collect();
    (!bad.is_empty()).then(|| format!("Held, not sent: {} Correct the recipients, then send.", bad.join(" ")))
}

/// Stores a message, whole, inside the caller's transaction. Returns its outbox id. A recipient
/// that cannot be sent to does not fail the caller's change: the message is stored held.
pub fn insert_message_in(conn: &Db, case_id: Option<i64>, purpose: &str, draft: &Draft) -> Result<i64> {
    let (name, address) = sender(conn)?;
    let message_id = new_message_id(&address);
    // The desk's clock: on a team desk another workstation may send it, by the server's time.
    let at = super::desk_now(conn)?;
    let text = format_time(at);
    let held = recipient_problem(&draft.recipients);
    let mime = match held {
        Some(_) => String::new(), // built when the recipients are corrected
        None => build_mime(&name, &address, &message_id, at.into(), draft)?,
    };
    let id = insert_row(conn, case_id, purpose, draft, &message_id, &mime, &text)?;
    if let Some(reason) = held {
        log::warn!("message {id} held: {reason}");
        conn.prepare_cached("UPDATE outbox SET status = 'held', last_error = ?2 WHERE id = ?1")?
            .execute(params![id, reason])?;
    }
    for (i, a) in draft.attachments.iter().enumerate() {
        conn.prepare_cached("INSERT INTO outbox_attachments (outbox_id, position, filename, content_type, bytes) VALUES (?1, ?2, ?3, ?4, ?5)")?.execute(params![id, i as i64, a.filename, a.content_type, a.bytes],
        )?;
    }
    Ok(id)
}

fn insert_row(
    conn: &Db,
    case_id: Option<i64>,
    purpose: &str,
    draft: &Draft,
    message_id: &str,
    mime: &str,
    text: &str,
) -> Result<i64> {
    conn.query_row(
        "INSERT INTO outbox (message_id, case_id, purpose, recipients, subject, text_body, html_body, mime, status,
            next_attempt_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'queued', ?9, ?9, ?9) RETURNING id",
        params![
            message_id,
            case_id,
            purpose,
            serde_json::to_string(&draft.recipients).expect("strings serialize"),
            draft.subject,
            draft.text,
            draft.html,
            mime,
            text
        ],
        |r| r.get(0),
    )
}

/// The files of a stored message, for rebuilding it.
pub(super) fn load_attachments(conn: &Db, id: i64) -> Result<Vec<Attachment>> {
    conn.prepare_cached(
        "SELECT filename, content_type, bytes FROM outbox_attachments WHERE outbox_id = ?1 ORDER BY position",
    )?
    .query_map([id], |r| {
        Ok(Attachment {
            filename: r.get(0)?,
            content_type: r.get(1)?,
            bytes: r.get(2)?,
        })
    })?
    .collect::<Result<_>>()
}

/// A message claimed for sending.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    /// The store (desk) it was claimed from: settled there only (see `mail::worker`).
    pub origin: u64,
    pub recipients: Vec<String>,
    pub mime: String,
    pub attempts: i64,
}

/// Takes the next queued message due at `at` and marks it sending. The MIME is rebuilt (same
/// Message-ID and date) when the sender in the settings changed since it was queued.
pub fn claim_due(store: &mut Store, at: DateTime<Utc>) -> Result<Option<Claimed>> {
    let tx = store.conn().transaction()?;
    struct Due {
        id: i64,
        message_id: String,
        recipients: String,
        subject: String,
        text: String,
        html: String,
        mime: String,
        attempts: i64,
        created: String,
    }
    let row: Option<Due> = tx
        // Claimed under a row lock on a team desk, where every workstation runs a worker: two
        // workers never take the same message.
        .prepare_cached(&format!(
            "SELECT id, message_id, recipients, subject, text_body, html_body, mime, attempts, created_at FROM outbox
             WHERE status = 'queued' AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT 1{}",
            tx.dialect().claim
        ))?
        .query_row([format_time(at)], |r| {
            Ok(Due {
                id: r.get(0)?,
                message_id: r.get(1)?,
                recipients: r.get(2)?,
                subject: r.get(3)?,
                text: r.get(4)?,
                html: r.get(5)?,
                mime: r.get(6)?,
                attempts: r.get(7)?,
                created: r.get(8)?,
            })
        })
        .optional()?;
    let Some(Due {
        id,
        message_id,
        recipients,
        subject,
        text,
        html,
        mut mime,
        attempts,
        created,
    }) = row
    else {
        return Ok(None);
    };
    let recipients: Vec<String> = serde_json::from_str(&recipients).unwrap_or_default();
    let (name, address) = sender(&tx)?;
    if !mime.contains(&address) || mime.contains(PLACEHOLDER_SENDER) {
        let draft = Draft {
            attachments: load_attachments(&tx, id)?,
            recipients: recipients.clone(),
            subject,
            text,
            html,
        };
        mime = build_mime(&name, &address, &message_id, time_column(created)?.into(), &draft)?;
        tx.prepare_cached("UPDATE outbox SET mime = ?2 WHERE id = ?1")?
            .execute(params![id, mime])?;
    }
    tx.prepare_cached("UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = ?2 WHERE id = ?1")?
        .execute(params![id, format_time(now())])?;
    tx.commit()?;
    Ok(Some(Claimed {
        id,
        origin: store.origin(),
        recipients,
        mime,
        attempts: attempts + 1,
    }))
}

pub fn mark_sent(store: &Store, id: i64) -> Result<()> {
    let at = format_time(now());
    store.conn().prepare_cached("UPDATE outbox SET status = 'sent', sent_at = ?2, last_error = NULL, updated_at = ?2, version = version + 1 WHERE id = ?1")?.execute(params![id, at],
    )?;
    // A sign-off code lives in the signer's mailbox only: once the server took it, the desk's copy
    // of the message loses the code (a sent message is never built again).
    let text: Option<String> = store
        .conn()
        .prepare_cached("SELECT text_body FROM outbox WHERE id = ?1 AND purpose = 'signoff_code'")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    if let Some(text) = text.as_deref().and_then(without_code) {
        store
            .conn()
            .prepare_cached("UPDATE outbox SET mime = '', text_body = ?2, html_body = '' WHERE id = ?1")?
            .execute(params![id, text])?;
    }
    Ok(())
}

/// A sign-off code message's text with the code (the six characters after the first
/// `CODE_LINE`) replaced by "(removed once sent)"; `None` when the text has no code line.
fn without_code(text: &str) -> Option<String> {
    let line = crate::aar::signoff_code::CODE_LINE;
    let code_at = text.find(line)? + line.len();
    let after = text[code_at..]
        .char_indices()
        .nth(6)
        .map_or(text.len(), |(i, _)| code_at + i);
    Some(format!("{}(removed once sent){}", &text[..code_at], &text[after..]))
}

pub fn mark_retry(store: &Store, id: i64, error: &str, next_at: DateTime<Utc>) -> Result<()> {
    store.conn().prepare_cached("UPDATE outbox SET status = 'queued', last_error = ?2, next_attempt_at = ?3, updated_at = ?4, version = version + 1
         WHERE id = ?1")?.execute(params![id, error, format_time(next_at), format_time(now())],
    )?;
    Ok(())
}

pub fn mark_failed(store: &Store, id: i64, error: &str) -> Result<()> {
    store.conn().prepare_cached("UPDATE outbox SET status = 'failed', last_error = ?2, updated_at = ?3, version = version + 1 WHERE id = ?1")?.execute(params![id, error, format_time(now())],
    )?;
    Ok(())
}

/// At start: messages left "sending" by a stop mid-send become failed, for the user to check.
pub fn recover_interrupted(store: &Store) -> Result<usize> {
    store.conn().prepare_cached("UPDATE outbox SET status = 'failed', version = version + 1, updated_at = ?1,
            last_error = 'Escalation Desk stopped while sending this message; the server may have received it. Check with a recipient, then retry if it did not arrive.'
         WHERE status = 'sending'")?.execute([format_time(now())],
    )
}

/// When the next queued message is due, if any.
pub fn next_due(store: &Store) -> Result<Option<DateTime<Utc>>> {
    let t: Option<String> = store
        .conn()
        .prepare_cached("SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'queued'")?
        .query_row([], |r| r.get(0))?;
    t.map(time_column).transpose()
}

/// The sent-but-unconfirmed state (see the module's invariants).
pub fn mark_delivery_unknown(store: &Store, id: i64, error: &str) -> Result<()> {
    store.conn().prepare_cached("UPDATE outbox SET status = 'unknown', last_error = ?2, updated_at = ?3, version = version + 1 WHERE id = ?1")?.execute(params![id, error, format_time(now())],
    )?;
    Ok(())
}

/// Whether mail can be sent at all (settings saved).
pub fn is_configured(store: &Store) -> Result<bool> {
    Ok(get_smtp_settings(store)?.is_some())
}
