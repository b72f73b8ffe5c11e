//! Distribution of the approved report: who it should go to (from the directory), the messages
//! queued in the outbox with the PDF attached, and the distribution log.
//!
//! Invariants:
//! - Only an approved report is distributed, and only as the PDF rendered from its current
//!   revision; distributing marks it distributed.
//! - Each message is written to the outbox in the same transaction as its log lines and the
//!   timeline event: the log never names a message that was not queued.

use crate::store::db::{Db, Optional};
use rusqlite::params;
use serde_json::json;

use super::{claim_aar, get_aar_settings, load_aar, set_status};
use crate::aar::signoff::may_distribute;
use crate::aar::{Aar, AarStatus, Distribution, DistributionSuggestion};
use crate::directory::OrgRole;
use crate::error::{Error, Result};
use crate::mail::templates;
use crate::store::cases::find_case;
use crate::store::outbox::{insert_message_in, OutboxStatus};
use crate::store::people::person_ref;
use crate::store::timeline::insert_event;
use crate::store::{parse_stored, time_column, Store};
use crate::team::TeamRole;
use crate::timeline::{EventKind, NewEvent};

pub(super) fn load_distributions(conn: &Db, aar_id: i64) -> Result<Vec<Distribution>> {
    conn.prepare_cached(
        "SELECT d.id, d.revision, d.recipient, d.outbox_id, o.status, d.queued_at, d.queued_by, o.sent_at
             FROM aar_distributions d JOIN outbox o ON o.id = d.outbox_id WHERE d.aar_id = ?1 ORDER BY d.id DESC",
    )?
    .query_map([aar_id], |r| {
        Ok(Distribution {
            id: r.get(0)?,
            revision: r.get(1)?,
            recipient: r.get(2)?,
            outbox_id: r.get(3)?,
            delivery: parse_stored(r.get(4)?, OutboxStatus::parse, "outbox status")?,
            queued_at: time_column(r.get(5)?)?,
            queued_by: r.get(6)?,
            sent_at: r.get::<_, Option<String>>(7)?.map(time_column).transpose()?,
        })
    })?
    .collect::<Result<_>>()
}

/// Who the report goes to, from the directory: executive management, the agency's business
/// segment director, the ABRM, the service manager and owner, and the service desk supervisors.
pub fn list_distribution_suggestions(store: &Store, case_id: i64) -> Result<Vec<DistributionSuggestion>> {
    let conn = store.conn();
    let case = find_case(conn, case_id)?;
    let mut out: Vec<DistributionSuggestion> = Vec::new();
    let mut add = |name: String, email: String, reason: String| {
        if let Some(s) = out.iter_mut().find(|s| s.email.eq_ignore_ascii_case(&email)) {
            if !s.reason.contains(&reason) {
                s.reason = format!("{}; {reason}", s.reason);
            }
        } else {
            out.push(DistributionSuggestion { name, email, reason });
        }
    };
    let with_role = |role: OrgRole| -> Result<Vec<(String, String, String)>> {
        conn.prepare_cached(
            "SELECT p.name, p.email, p.department FROM people p JOIN person_roles r ON r.person_id = p.id
                 WHERE r.role = ?1 AND p.retired_at IS NULL ORDER BY p.name",
        )?
        .query_map([role.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_>>()
    };
    for (n, e, _) in with_role(OrgRole::ExecutiveManagement)? {
        add(n, e, "Executive management".into());
    }
    let agency = case
        .fields
        .agency_id
        .map(|id| crate::store::agencies::find_agency(conn, id))
        .transpose()?;
    let segment = agency
        .as_ref()
        .map(|a| a.fields.business_segment.clone())
        .unwrap_or_default();
    let directors = with_role(OrgRole::BusinessSegmentDirector)?;
    let of_segment: Vec<_> = directors
        .iter()
        .filter(|(_, _, dept)| !segment.is_empty() && dept.eq_ignore_ascii_case(&segment))
        .cloned()
        .collect();
    for (n, e, _) in if of_segment.is_empty() { directors } else { of_segment } {
        add(n, e, format!("Business segment director {segment}").trim().to_string());
    }
    let team = crate::store::team::get_team(conn, &case)?;
    for m in team
        .members
        .iter()
        .filter(|m| m.role == TeamRole::Abrm && m.released_at.is_none())
    {
        add(m.person.name.clone(), m.person.email.clone(), "ABRM".into());
    }
    if let Some(abrm) = agency.as_ref().and_then(|a| a.abrm.clone()) {
        add(abrm.name, abrm.email, "ABRM".into());
    }
    let service: Option<(Option<i64>, Option<i64>)> = conn
        .query_row(
            "SELECT owner_id, manager_id FROM services WHERE id = ?1 AND retired_at IS NULL",
            [case.fields.service_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((owner, manager)) = service {
        if let Some(p) = manager.map(|p| person_ref(conn, p)).transpose()? {
            add(p.name, p.email, "Service manager".into());
        }
        if let Some(p) = owner.map(|p| person_ref(conn, p)).transpose()? {
            add(p.name, p.email, "Owner of the affected service".into());
        }
    }
    for (n, e, _) in with_role(OrgRole::ServiceDeskSupervisor)? {
        add(n, e, "Service desk supervisor".into());
    }
    Ok(out)
}

/// Queues the approved report's PDF to each recipient (or one message to all, by setting) and logs it.
pub fn insert_distribution(
    store: &mut Store,
    aar_id: i64,
    expected_version: i64,
    recipients: &[String],
) -> Result<Aar> {
    let mut to: Vec<String> = Vec::new();
    for r in recipients.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        if let Some(p) = crate::identity::email_problem(r) {
            return Err(Error::invalid(
                "recipients",
                format!("{r}: {}", p.replace("your email", "an email")),
            ));
        }
        if !to.iter().any(|x| x.eq_ignore_ascii_case(r)) {
            to.push(r.to_string());
        }
    }
    if to.is_empty() {
        return Err(Error::invalid("recipients", "Choose at least one recipient."));
    }
    let settings = get_aar_settings(store.conn())?;
    store.change(|tx, who, stamp| {
        let (status, case_id) = claim_aar(tx, aar_id, expected_version, stamp)?;
        may_distribute(status)?;
        let revision: i64 = tx.prepare_cached("SELECT revision FROM aars WHERE id = ?1")?.query_row([aar_id], |r| r.get(0))?;
        let render: Option<(i64, Vec<u8>)> = tx
            .prepare_cached("SELECT id, pdf FROM aar_renders WHERE aar_id = ?1 AND revision = ?2 AND status IN ('approved', 'distributed')
                 ORDER BY id DESC LIMIT 1")?.query_row(params![aar_id, revision],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((render_id, pdf)) = render else {
            return Err(Error::Refused("Render the approved report before distributing it.".into()));
        };
        let case = find_case(tx, case_id)?;
        let batches: Vec<Vec<String>> = if settings.one_message_per_recipient {
            to.iter().map(|r| vec![r.clone()]).collect()
        } else {
            vec![to.clone()]
        };
        let filename = format!("AAR-{}-rev{revision}.pdf", case.fields.ticket);
        let chain = format!(
            "{} (as of {})",
            crate::store::timeline::grouped_head(&crate::store::timeline::chain_head(tx, case_id)?),
            crate::aar::local_time(crate::store::parse_time(&stamp.text)?)
        );
        for batch in batches {
            let draft =
                templates::aar_distribution(&case, revision, &who.name, batch.clone(), &filename, &pdf, &chain);
            let outbox_id = insert_message_in(tx, Some(case_id), "aar", &draft)?;
            for r in &batch {
                tx.prepare_cached("INSERT INTO aar_distributions (aar_id, revision, render_id, recipient, outbox_id, queued_at, queued_by)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?.execute(params![aar_id, revision, render_id, r, outbox_id, stamp.text, who.actor()],
                )?;
            }
        }
        set_status(tx, aar_id, AarStatus::Distributed)?;
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(
                EventKind::AarDistributed,
                format!("AAR revision {revision} distributed to {}", to.join(", ")),
            )
            .values(serde_json::Value::Null, json!({ "revision": revision, "recipients": to })),
        )
    })?;
    load_aar(store.conn(), aar_id)
}
