//! What a person does with a message in the outbox: send it again, cancel it, correct its
//! recipients. Each names the version it read (a stale one is a conflict) and is allowed only from
//! the states the outbox's invariants list (see the parent module).

use crate::store::db::Db;
use rusqlite::params;

use super::{get_message, load_attachments, recipient_problem, sender, OutboxMessage, OutboxStatus};
use crate::error::{Error, Result};
use crate::mail::message::{build_mime, Draft};
use crate::store::{format_time, now, time_column, Store};

fn guarded(conn: &Db, id: i64, version: i64, allowed: &[OutboxStatus], what: &str) -> Result<OutboxMessage> {
    let m = get_message(conn, id)?;
    if m.version != version {
        return Err(Error::Conflict {
            entity: "message",
            expected: version,
            current: m.version,
        });
    }
    if !allowed.contains(&m.status) {
        return Err(Error::Refused(format!(
            "A {} message cannot be {what}.",
            m.status.as_str()
        )));
    }
    Ok(m)
}

/// Runs a person's action on a message in one write transaction: the check of its version and
/// state and the change are one step, so the sending worker cannot claim the message in between
/// (it claims in a transaction of its own) and a refusal changes nothing.
fn act(
    store: &mut Store,
    id: i64,
    version: i64,
    allowed: &[OutboxStatus],
    what: &str,
    change: impl FnOnce(&Db, &OutboxMessage) -> Result<()>,
) -> Result<OutboxMessage> {
    let tx = store.conn().transaction()?;
    let m = guarded(&tx, id, version, allowed, what)?;
    change(&tx, &m)?;
    tx.commit()?;
    get_message(store.conn(), id)
}

/// The user asks to send a failed or cancelled message again.
pub fn update_retry(store: &mut Store, id: i64, version: i64) -> Result<OutboxMessage> {
    let allowed = [
        OutboxStatus::Failed,
        OutboxStatus::Cancelled,
        OutboxStatus::Held,
        OutboxStatus::DeliveryUnknown,
    ];
    act(store, id, version, &allowed, "retried", |conn, m| {
        if let Some(problem) = recipient_problem(&m.recipients) {
            return Err(Error::invalid("recipients", problem.replace("Held, not sent: ", "")));
        }
        let mime_missing: bool = conn.query_row(
            "SELECT CASE WHEN mime = '' THEN 1 ELSE 0 END FROM outbox WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?;
        if mime_missing {
            rebuild_mime(conn, id, &m.recipients)?;
        }
        let at = format_time(now());
        conn.execute(
            "UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = ?2, updated_at = ?2, version = version + 1
             WHERE id = ?1",
            params![id, at],
        )?;
        // Asking to send again is also the user's word that a refused login may be tried again.
        crate::store::mail_settings::clear_mail_pause_in(conn)
    })
}

/// The user cancels a queued or failed message; it stays listed as cancelled.
pub fn update_cancelled(store: &mut Store, id: i64, version: i64) -> Result<OutboxMessage> {
    let allowed = [
        OutboxStatus::Queued,
        OutboxStatus::Failed,
        OutboxStatus::Held,
        OutboxStatus::DeliveryUnknown,
    ];
    act(store, id, version, &allowed, "cancelled", |conn, _| {
        conn.execute(
            "UPDATE outbox SET status = 'cancelled', updated_at = ?2, version = version + 1 WHERE id = ?1",
            params![id, format_time(now())],
        )?;
        Ok(())
    })
}

/// The user corrects the recipients of a failed message; the message is rebuilt with the same
/// Message-ID and stays failed until retried.
pub fn update_recipients(store: &mut Store, id: i64, version: i64, recipients: &[String]) -> Result<OutboxMessage> {
    let recipients: Vec<String> = recipients
        .iter()
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .collect();
    let allowed = [OutboxStatus::Failed, OutboxStatus::Cancelled, OutboxStatus::Held];
    act(store, id, version, &allowed, "edited", |conn, _| {
        let purpose: String = conn.query_row("SELECT purpose FROM outbox WHERE id = ?1", [id], |r| r.get(0))?;
        if purpose == "signoff_code" {
            // The code proves its signer only if it reaches the directory's address, unchanged.
            return Err(Error::Refused(
                "A sign-off code goes only to the signer's address in the directory: correct the directory and send a new code.".into(),
            ));
        }
        for r in &recipients {
            if let Some(p) = crate::identity::email_problem(r) {
                return Err(Error::invalid(
                    "recipients",
                    format!("{r}: {}", p.replace("your email", "an email")),
                ));
            }
        }
        rebuild_mime(conn, id, &recipients)?;
        // A held message whose recipients are now all good waits for the user's "send", like a failed one.
        conn.execute(
            "UPDATE outbox SET last_error = CASE WHEN status = 'held' THEN 'Recipients corrected; press Send to send it.' ELSE last_error END
             WHERE id = ?1",
            [id],
        )?;
        Ok(())
    })
}

/// Builds the message again for `recipients` with its own Message-ID and date, and stores both.
fn rebuild_mime(conn: &Db, id: i64, recipients: &[String]) -> Result<()> {
    let (message_id, subject, text, html, created): (String, String, String, String, String) = conn
        .prepare_cached("SELECT message_id, subject, text_body, html_body, created_at FROM outbox WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?;
    let (name, address) = sender(conn)?;
    let draft = Draft {
        attachments: load_attachments(conn, id)?,
        recipients: recipients.to_vec(),
        subject,
        text,
        html,
    };
    let mime = build_mime(&name, &address, &message_id, time_column(created)?.into(), &draft)?;
    conn.prepare_cached(
        "UPDATE outbox SET recipients = ?2, mime = ?3, updated_at = ?4, version = version + 1 WHERE id = ?1",
    )?
    .execute(params![
        id,
        serde_json::to_string(recipients).expect("strings serialize"),
        mime,
        format_time(now())
    ])?;
    Ok(())
}
