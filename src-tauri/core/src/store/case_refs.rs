//! The directory entries a case names: its agency and its affected service, by id.
//!
//! Invariants: every case row has both ids (triggers of migration 0015 refuse NULL); the case's
//! name columns equal the directory's names (rename triggers), so lists and the text filter read
//! them without a join; a name the directory lacks is added to it in the same transaction as the
//! case that first names it, and the case's timeline says so. A retired entry is refused for a case
//! that did not already name it.

use crate::store::db::{Db, Optional, Row};

use crate::alert::{CaseField, Rule};
use crate::case::CaseFields;
use crate::directory::{AgencyFields, ServiceFields};
use crate::error::{Error, FieldError, Result};

/// One of the two directory lists a case points into.
#[derive(Clone, Copy)]
enum Entry {
    Agency,
    Service,
}

impl Entry {
    fn table(self) -> &'static str {
        match self {
            Entry::Agency => "agencies",
            Entry::Service => "services",
        }
    }
    fn field(self) -> &'static str {
        match self {
            Entry::Agency => "agency",
            Entry::Service => "affectedService",
        }
    }
    fn noun(self) -> &'static str {
        match self {
            Entry::Agency => "agency",
            Entry::Service => "service",
        }
    }
}

fn invalid(entry: Entry, message: String) -> Error {
    Error::Invalid(vec![FieldError::new(entry.field(), message)])
}

/// `(id, name, retired)` of the entry with this id, or of this name (case-insensitively).
fn lookup(conn: &Db, entry: Entry, id: Option<i64>, name: &str) -> Result<Option<(i64, String, bool)>> {
    let table = entry.table();
    let row = |r: &Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?));
    Ok(match id {
        Some(id) => conn
            .prepare_cached(&format!(
                "SELECT id, name, CASE WHEN retired_at IS NOT NULL THEN 1 ELSE 0 END FROM {table} WHERE id = ?1"
            ))?
            .query_row([id], row)
            .optional()?,
        None => conn
            .prepare_cached(&format!(
                "SELECT id, name, CASE WHEN retired_at IS NOT NULL THEN 1 ELSE 0 END FROM {table}
                 WHERE lower(name) = lower(?1)"
            ))?
            .query_row([name.trim()], row)
            .optional()?,
    })
}

/// The entry's id and directory name; adds it (by name) when the directory has none.
/// `current` is the id the case already names (an edit): a retired entry stays allowed for it.
fn resolve_one(
    conn: &Db,
    entry: Entry,
    id: Option<i64>,
    name: &str,
    current: Option<i64>,
    added: &mut Vec<String>,
) -> Result<(i64, String)> {
    match lookup(conn, entry, id, name)? {
        Some((id, name, retired)) if retired && current != Some(id) => Err(invalid(
            entry,
            format!(
                "{name} is retired in the directory: restore it there, or choose another {}.",
                entry.noun()
            ),
        )),
        Some((id, name, _)) => Ok((id, name)),
        None if id.is_some() => Err(invalid(
            entry,
            format!("That {} is no longer in the directory: choose another.", entry.noun()),
        )),
        None => {
            let name = name.trim().to_owned();
            let id = match entry {
                Entry::Agency => super::agencies::insert_agency_in(
                    conn,
                    &AgencyFields {
                        name: name.clone(),
                        business_segment: String::new(),
                        abrm_id: None,
                        customer_account_rep_id: None,
                        contacts: Vec::new(),
                    },
                )?,
                Entry::Service => super::services::insert_service_in(
                    conn,
                    &ServiceFields {
                        name: name.clone(),
                        owner_id: None,
                        manager_id: None,
                    },
                )?,
            };
            added.push(format!("{} {name}", entry.noun()));
            Ok((id, name))
        }
    }
}

/// The fields with both ids set and both names as the directory spells them, plus what had to be
/// added to the directory (for the timeline: "; added to the directory: agency X").
pub(super) fn resolve(
    conn: &Db,
    fields: &CaseFields,
    current: Option<&CaseFields>,
) -> Result<(CaseFields, Vec<String>)> {
    let mut added = Vec::new();
    let (agency_id, agency) = resolve_one(
        conn,
        Entry::Agency,
        fields.agency_id,
        &fields.agency,
        current.and_then(|c| c.agency_id),
        &mut added,
    )?;
    let (service_id, affected_service) = resolve_one(
        conn,
        Entry::Service,
        fields.service_id,
        &fields.affected_service,
        current.and_then(|c| c.service_id),
        &mut added,
    )?;
    Ok((
        CaseFields {
            agency_id: Some(agency_id),
            agency,
            service_id: Some(service_id),
            affected_service,
            ..fields.clone()
        },
        added,
    ))
}

/// The summary's tail naming what intake added to the directory, or nothing.
pub(super) fn added_note(added: &[String]) -> String {
    if added.is_empty() {
        String::new()
    } else {
        format!("; added to the directory: {}", added.join(", "))
    }
}

/// A directory entry renamed from `old` to `new`: the alert rules naming it follow (the cases follow
/// by the rename triggers). In the rename's transaction, so a rule never names a gone entry.
pub(super) fn rename_in_alert_rules(conn: &Db, service: bool, old: &str, new: &str, at: &str) -> Result<()> {
    if old == new {
        return Ok(());
    }
    let field = if service { CaseField::Service } else { CaseField::Agency };
    let rules: Vec<(i64, String)> = conn
        .prepare_cached("SELECT id, definition FROM alert_rules")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_>>()?;
    for (id, definition) in rules {
        let Ok(mut rule) = serde_json::from_str::<Rule>(&definition) else {
            continue; // an unreadable rule is reported where rules are read; not this change's business
        };
        if rule.condition.rename(field, old, new) {
            conn.prepare_cached(
                "UPDATE alert_rules SET definition = ?2, version = version + 1, updated_at = ?3 WHERE id = ?1",
            )?
            .execute(rusqlite::params![
                id,
                serde_json::to_string(&rule).expect("a rule serializes"),
                at
            ])?;
        }
    }
    Ok(())
}
