//! Progress notices, customer contacts, the customer-update cadence and the updates. Each change
//! is one transaction with its timeline event and, where mail goes out, its outbox message.

use crate::store::db::{Db, Optional};
use chrono::{DateTime, Utc};
use rusqlite::params;
use serde_json::json;

use super::cases::find_case_in;
use super::outbox::{get_message, insert_message_in, list_case_messages};
use super::people::person_ref;
use super::timeline::insert_event;
use super::{now, parse_stored, time_column, Stamp, Store};
use crate::cadence::{Cadence, CadenceInput, CadenceKind};
use crate::case::Case;
use crate::communication::{
    CadenceView, Communications, ContactKind, CustomerUpdate, CustomerUpdateInput, ProgressInput, UpdateChannel,
};
use crate::directory::PersonRef;
use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::mail::templates;
use crate::timeline::{EventKind, NewEvent};

fn contacts(conn: &Db, case_id: i64, kind: ContactKind) -> Result<Vec<PersonRef>> {
    let ids: Vec<i64> = conn
        .prepare_cached(
            "SELECT cc.person_id FROM case_contacts cc JOIN people p ON p.id = cc.person_id
             WHERE cc.case_id = ?1 AND cc.kind = ?2 ORDER BY p.name",
        )?
        .query_map(params![case_id, kind.as_str()], |r| r.get(0))?
        .collect::<Result<_>>()?;
    ids.into_iter().map(|id| person_ref(conn, id)).collect()
}

/// The team's active members and the management contacts: who gets progress notices.
fn progress_recipients(conn: &Db, case_id: i64) -> Result<Vec<String>> {
    let mut out: Vec<String> = conn
        .prepare_cached(
            "SELECT p.email FROM team_members t JOIN people p ON p.id = t.person_id
             WHERE t.case_id = ?1 AND t.released_at IS NULL AND p.retired_at IS NULL",
        )?
        .query_map([case_id], |r| r.get(0))?
        .collect::<Result<_>>()?;
    for p in contacts(conn, case_id, ContactKind::Management)? {
        if !p.retired {
            out.push(p.email);
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn load_cadence(conn: &Db, case_id: i64) -> Result<Option<(Cadence, CadenceView)>> {
    type Row = (String, Option<u32>, String, bool, String, String);
    let row: Option<Row> = conn
        .prepare_cached(
            "SELECT kind, every_hours, fixed_times, working_days_only, time_zone, agreed_at FROM customer_cadences WHERE case_id = ?1",
        )?
        .query_row([case_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .optional()?;
    let Some((kind, every_hours, times, working_days_only, time_zone, agreed_at)) = row else {
        return Ok(None);
    };
    cadence_from_columns(&kind, every_hours, &times, working_days_only, time_zone, agreed_at).map(Some)
}

/// A cadence from its stored columns (the dashboard reads them in its one query for a page).
pub(crate) fn cadence_from_columns(
    kind: &str,
    every_hours: Option<u32>,
    times: &str,
    working_days_only: bool,
    time_zone: String,
    agreed_at: String,
) -> Result<(Cadence, CadenceView)> {
    let kind = match kind {
        "every_hours" => CadenceKind::EveryHours,
        _ => CadenceKind::FixedTimes,
    };
    let fixed_times: Vec<String> = serde_json::from_str(times).unwrap_or_default();
    let agreed_at = time_column(agreed_at)?;
    let input = CadenceInput {
        kind,
        every_hours,
        fixed_times: fixed_times.clone(),
        working_days_only,
        time_zone: time_zone.clone(),
    };
    let cadence = input.validate(agreed_at)?;
    Ok((
        cadence,
        CadenceView {
            kind,
            every_hours,
            fixed_times,
            working_days_only,
            time_zone,
            agreed_at,
        },
    ))
}

fn last_update_at(conn: &Db, case_id: i64) -> Result<Option<DateTime<Utc>>> {
    let t: Option<String> = conn
        .prepare_cached("SELECT MAX(at) FROM customer_updates WHERE case_id = ?1")?
        .query_row([case_id], |r| r.get(0))?;
    t.map(time_column).transpose()
}

/// When the next customer update is due and whether it is overdue at `at` (no cadence: neither).
pub fn update_due(conn: &Db, case_id: i64, at: DateTime<Utc>) -> Result<(Option<DateTime<Utc>>, bool)> {
    let Some((cadence, _)) = load_cadence(conn, case_id)? else {
        return Ok((None, false));
    };
    let due = cadence.next_due(last_update_at(conn, case_id)?);
    Ok((Some(due), at > due))
}

pub fn get_communications(store: &Store, case_id: i64) -> Result<Communications> {
    let conn = store.conn();
    let (next_update_due, update_overdue) = update_due(conn, case_id, now())?;
    type Row = (i64, String, String, String, bool, String, Option<i64>);
    let rows: Vec<Row> = conn
        .prepare_cached(
            "SELECT u.id, u.at, u.channel, u.summary, u.major, us.name, u.outbox_id FROM customer_updates u
             JOIN users us ON us.id = u.recorded_by WHERE u.case_id = ?1 ORDER BY u.at DESC, u.id DESC",
        )?
        .query_map([case_id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?
        .collect::<Result<_>>()?;
    let mut updates = Vec::new();
    for (id, at, channel, summary, major, recorded_by, outbox_id) in rows {
        updates.push(CustomerUpdate {
            id,
            at: time_column(at)?,
            channel: parse_stored(channel, UpdateChannel::parse, "channel")?,
            summary,
            major,
            recorded_by,
            mail_status: outbox_id.map(|o| get_message(conn, o).map(|m| m.status)).transpose()?,
        });
    }
    // Read by case (indexed), not the whole outbox filtered here: this runs on every case-page load.
    let messages = list_case_messages(conn, case_id, 20)?;
    Ok(Communications {
        management_contacts: contacts(conn, case_id, ContactKind::Management)?,
        customer_contacts: contacts(conn, case_id, ContactKind::Customer)?,
        cadence: load_cadence(conn, case_id)?.map(|(_, v)| v),
        next_update_due,
        update_overdue,
        updates,
        messages,
    })
}

/// Chooses a case's management or customer contacts from the directory.
pub fn update_case_contacts(store: &mut Store, case_id: i64, kind: ContactKind, person_ids: &[i64]) -> Result<()> {
    store.change(|tx, who, stamp| {
        find_case_in(tx, case_id)?;
        let before: Vec<String> = contacts(tx, case_id, kind)?.into_iter().map(|p| p.name).collect();
        tx.prepare_cached("DELETE FROM case_contacts WHERE case_id = ?1 AND kind = ?2")?
            .execute(params![case_id, kind.as_str()])?;
        for id in person_ids {
            person_ref(tx, *id).map_err(|_| Error::NotFound {
                entity: "Person",
                id: *id,
            })?;
            tx.prepare_cached(
                "INSERT INTO case_contacts (case_id, person_id, kind) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            )?
            .execute(params![case_id, id, kind.as_str()])?;
        }
        let after: Vec<String> = contacts(tx, case_id, kind)?.into_iter().map(|p| p.name).collect();
        let what = match kind {
            ContactKind::Management => "Management contacts",
            ContactKind::Customer => "Customer contacts",
        };
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(
                EventKind::ContactsChanged,
                format!(
                    "{what}: {}",
                    if after.is_empty() {
                        "none".into()
                    } else {
                        after.join(", ")
                    }
                ),
            )
            .values(json!({ "contacts": before }), json!({ "contacts": after })),
        )
    })
}

/// Records the agreed customer-update cadence.
pub fn update_cadence(store: &mut Store, case_id: i64, input: &CadenceInput) -> Result<()> {
    let agreed = now();
    let cadence = input.validate(agreed)?;
    store.change(|tx, who, stamp| {
        find_case_in(tx, case_id)?;
        let times: Vec<String> = cadence.fixed_times.iter().map(|t| t.format("%H:%M").to_string()).collect();
        let (kind, hours) = match cadence.kind {
            CadenceKind::EveryHours => ("every_hours", Some(cadence.every_hours)),
            CadenceKind::FixedTimes => ("fixed_times", None),
        };
        tx.prepare_cached("INSERT INTO customer_cadences (case_id, kind, every_hours, fixed_times, working_days_only, time_zone, agreed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (case_id) DO UPDATE SET kind = excluded.kind, every_hours = excluded.every_hours,
                fixed_times = excluded.fixed_times, working_days_only = excluded.working_days_only,
                time_zone = excluded.time_zone, agreed_at = excluded.agreed_at,
                version = customer_cadences.version + 1")?.execute(params![case_id, kind, hours, serde_json::to_string(&times).expect("strings"), cadence.working_days_only, cadence.tz.name(), stamp.text],
        )?;
        let days = if cadence.working_days_only { "working days" } else { "every day" };
        let summary = match cadence.kind {
            CadenceKind::EveryHours => format!("Customer updates agreed every {} hours ({days}, {})", cadence.every_hours, cadence.tz.name()),
            CadenceKind::FixedTimes => format!("Customer updates agreed at {} ({days}, {})", times.join(", "), cadence.tz.name()),
        };
        insert_event(tx, case_id, who, stamp, NewEvent::new(EventKind::CadenceAgreed, summary).values(serde_json::Value::Null, json!(input)))
    })
}

/// Records a customer update; by email it goes to the customer contacts through the outbox.
pub fn insert_customer_update(store: &mut Store, case_id: i64, input: &CustomerUpdateInput) -> Result<()> {
    let input = input.validate()?;
    store.change(|tx, who, stamp| {
        let case = find_case_in(tx, case_id)?;
        let outbox_id = if input.channel == UpdateChannel::Email {
            let to: Vec<String> = contacts(tx, case_id, ContactKind::Customer)?.into_iter().filter(|p| !p.retired).map(|p| p.email).collect();
            if to.is_empty() {
                return Err(Error::Refused("Choose the customer contacts who receive updates before sending one by email.".into()));
            }
            let draft = templates::customer_update(&case, &input.summary, input.major, &who.name, to);
            Some(insert_message_in(tx, Some(case_id), "customer_update", &draft)?)
        } else {
            None
        };
        tx.prepare_cached("INSERT INTO customer_updates (case_id, at, channel, summary, major, outbox_id, recorded_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?.execute(params![case_id, stamp.text, input.channel.as_str(), input.summary, input.major, outbox_id, who.id],
        )?;
        let kind = if input.major { "Major development" } else { "Customer update" };
        let by = match input.channel {
            UpdateChannel::Email => "by email",
            UpdateChannel::Phone => "by phone",
            UpdateChannel::Meeting => "in a meeting",
        };
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(EventKind::CustomerUpdated, format!("{kind} {}: {}", crate::bidi::closed(by), input.summary))
                .values(serde_json::Value::Null, json!({ "channel": input.channel.as_str(), "major": input.major, "outboxId": outbox_id })),
        )
    })
}

/// The manager posts progress; a notice goes to the team and the management contacts.
/// Returns how many people it goes to.
pub fn insert_progress_update(store: &mut Store, case_id: i64, input: &ProgressInput) -> Result<usize> {
    let input = input.validate()?;
    store.change(|tx, who, stamp| {
        let case = find_case_in(tx, case_id)?;
        let to = progress_recipients(tx, case_id)?;
        if to.is_empty() {
            return Err(Error::Refused(
                "No one to notify: appoint the team or choose management contacts first.".into(),
            ));
        }
        let n = to.len();
        let draft = templates::progress_notice(&case, &input.headline, &input.details, &who.name, to);
        let outbox_id = insert_message_in(tx, Some(case_id), "progress", &draft)?;
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(
                EventKind::ProgressPosted,
                format!("Progress: {} (notice to {n})", crate::bidi::closed(&input.headline)),
            )
            .values(
                serde_json::Value::Null,
                json!({ "details": input.details, "outboxId": outbox_id }),
            ),
        )?;
        Ok(n)
    })
}

/// Inside a stage change's transaction: a notice to the team and management, if there is anyone.
pub(crate) fn queue_stage_notice_in(conn: &Db, case: &Case, from: &str, who: &Identity, _stamp: &Stamp) -> Result<()> {
    let to = progress_recipients(conn, case.id)?;
    if to.is_empty() {
        return Ok(());
    }
    let headline = format!("moved from {from} to {}", case.stage.label());
    let details = format!("{} moved the case from {from} to {}.", who.name, case.stage.label());
    let draft = templates::progress_notice(case, &headline, &details, &who.name, to);
    insert_message_in(conn, Some(case.id), "stage_notice", &draft)?;
    Ok(())
}
