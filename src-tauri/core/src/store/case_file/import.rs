//! Importing a case file as a new case of this desk (`docs/case-file.md`).
//!
//! Invariants:
//! - The file is checked whole (manifest, every digest, the chain) before anything is written,
//!   and every row goes in inside one change: an import lands whole or not at all.
//! - Column names come from this desk's tables, never from the file; row ids are this desk's own,
//!   with every reference the file holds translated to them.
//! - A case whose ticket this desk already has is refused: a case file is imported once.

use rusqlite::types::Value;

use super::super::db::Optional;
use super::super::Store;
use crate::case::escalation_number;
use crate::case_file::{sha256_hex, CaseFileSummary};
use crate::error::{Error, Result};

/// A value of the file as the value a statement binds (a blob arrives as `{"base64": ...}`).
fn bound(v: &serde_json::Value) -> Result<Value> {
    use base64::Engine;
    Ok(match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Integer(*b as i64),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Real(n.as_f64().unwrap_or_default()),
        },
        serde_json::Value::String(s) => Value::Text(s.clone()),
        serde_json::Value::Object(o) if o.len() == 1 && o.contains_key("base64") => Value::Blob(
            base64::engine::general_purpose::STANDARD
                .decode(o["base64"].as_str().unwrap_or_default())
                .map_err(|e| {
                    Error::Refused(format!(
                        "This case file cannot be used: a binary value is not base64 ({e})."
                    ))
                })?,
        ),
        other => Value::Text(other.to_string()),
    })
}

/// The number in a row's column, if it holds one.
fn id_of(row: &serde_json::Value, column: &str) -> Option<i64> {
    row.get(column).and_then(|v| v.as_i64())
}

/// Inserts one row of the file into `table` of this desk: only the columns the table has (a
/// file's column names are never trusted into SQL), never its `id` (this desk numbers its rows),
/// with the values in `set` instead of the file's; returns the new row's id where it has one.
fn insert_row(
    tx: &super::super::db::Db,
    table: &str,
    row: &serde_json::Value,
    set: &[(&str, Value)],
) -> Result<Option<i64>> {
    let columns = tx
        .prepare_cached(&format!("SELECT * FROM {table} WHERE 1 = 0"))?
        .column_names()?;
    let has_id = columns.iter().any(|c| c == "id");
    let mut names = Vec::new();
    let mut values = Vec::new();
    for c in columns.iter().filter(|c| *c != "id") {
        if let Some((_, v)) = set.iter().find(|(name, _)| name == c) {
            names.push(c.clone());
            values.push(v.clone());
        } else if let Some(v) = row.get(c) {
            names.push(c.clone());
            values.push(bound(v)?);
        }
    }
    let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({}){}",
        names.join(", "),
        placeholders.join(", "),
        if has_id { " RETURNING id" } else { "" }
    );
    let params = super::super::db::params_from_iter(values);
    let failed = |e: Error| {
        Error::Refused(format!(
            "The case file's {table} could not be imported ({e}); nothing was imported."
        ))
    };
    if has_id {
        Ok(Some(tx.query_row(&sql, params, |r| r.get(0)).map_err(failed)?))
    } else {
        tx.execute(&sql, params).map_err(failed)?;
        Ok(None)
    }
}

/// What an import made.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct CaseImported {
    pub case_id: i64,
    pub number: String,
    pub summary: CaseFileSummary,
}

/// Imports a case file as a new case of this desk (see `docs/case-file.md`): checked whole first,
/// refused if the desk has the ticket, then every row in one change, with this desk's ids.
pub fn import_case_file(store: &mut Store, bytes: &[u8]) -> Result<CaseImported> {
    use std::collections::HashMap;
    let file = crate::case_file::open_case_file(bytes)?;
    let reports_dir = store.files_dir().join("reports");
    let mut pdfs: Vec<(std::path::PathBuf, Vec<u8>)> = Vec::new();
    let case_id = store.change(|tx, who, stamp| {
        let s = &file.summary;
        if let Some(existing) = super::super::cases::find_case_by_ticket(tx, &s.ticket)? {
            return Err(Error::Refused(format!(
                "{} is already on this desk as {}: a case file is imported once; nothing was imported.",
                s.ticket,
                escalation_number(existing)
            )));
        }
        let one = |f: &str, t: &str| -> Result<Option<&serde_json::Value>> { Ok(file.rows(f, t)?.first()) };
        let text =
            |row: &serde_json::Value, c: &str| row.get(c).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        // Who did what: the file's users, matched by address, else added (without their login).
        let mut users: HashMap<i64, i64> = HashMap::new();
        for u in file.rows("case.json", "users")? {
            let found: Option<i64> = tx
                .prepare_cached(&format!(
                    "SELECT id FROM users WHERE {}",
                    tx.dialect().nocase_eq("email", "?1")
                ))?
                .query_row([text(u, "email")], |r| r.get(0))
                .optional()?;
            let id = match found {
                Some(id) => id,
                None => insert_row(tx, "users", u, &[("login", Value::Null)])?.unwrap_or(who.id),
            };
            users.insert(id_of(u, "id").unwrap_or(-1), id);
        }
        let user = |row: &serde_json::Value, c: &str| match id_of(row, c) {
            Some(old) => Value::Integer(*users.get(&old).unwrap_or(&who.id)),
            None => Value::Null,
        };
        // People: matched by address in this desk's directory, else added to it.
        let mut people: HashMap<i64, i64> = HashMap::new();
        for p in file.rows("team.json", "people")? {
            let id = match super::super::people::find_person_by_email(tx, &text(p, "email"))? {
                Some(found) => found.id,
                None => {
                    let id = insert_row(tx, "people", p, &[("version", Value::Integer(1))])?.unwrap_or_default();
                    super::super::search::reindex_person(tx, id)?;
                    id
                }
            };
            people.insert(id_of(p, "id").unwrap_or(-1), id);
        }
        let person = |row: &serde_json::Value, c: &str| match id_of(row, c) {
            Some(old) => people.get(&old).map_or(Value::Null, |id| Value::Integer(*id)),
            None => Value::Null,
        };
        // The agency and the service by name, added when this directory lacks them.
        let named = |table: &str, name_of_case: &str| -> Result<Value> {
            let row = one("case.json", table)?;
            let name = row.map_or(name_of_case.to_owned(), |r| text(r, "name"));
            let found: Option<i64> = tx
                .prepare_cached(&format!(
                    "SELECT id FROM {table} WHERE {}",
                    tx.dialect().nocase_eq("name", "?1")
                ))?
                .query_row([name.clone()], |r| r.get(0))
                .optional()?;
            Ok(Value::Integer(match found {
                Some(id) => id,
                None => {
                    let blank = serde_json::json!({ "name": name, "created_at": stamp.text, "updated_at": stamp.text });
                    insert_row(tx, table, &blank, &[])?.unwrap_or_default()
                }
            }))
        };
        let case_row =
            one("case.json", "cases")?.ok_or_else(|| Error::Refused("This case file holds no case.".into()))?;
        let agency = named("agencies", &text(case_row, "agency"))?;
        let service = named("services", &text(case_row, "affected_service"))?;
        let chain_id = id_of(case_row, "chain_id")
            .or_else(|| id_of(case_row, "id"))
            .unwrap_or_default();
        let case_id = insert_row(
            tx,
            "cases",
            case_row,
            &[
                ("opened_by", user(case_row, "opened_by")),
                ("problem_id", Value::Null),
                ("agency_id", agency),
                ("service_id", service),
                ("chain_id", Value::Integer(chain_id)),
            ],
        )?
        .unwrap_or_default();
        let in_case = ("case_id", Value::Integer(case_id));
        for e in file.rows("timeline.json", "timeline_events")? {
            let id = insert_row(
                tx,
                "timeline_events",
                e,
                &[in_case.clone(), ("actor_id", user(e, "actor_id"))],
            )?;
            super::super::search::index_event(
                tx,
                case_id,
                id.unwrap_or_default(),
                &text(e, "kind"),
                &text(e, "summary"),
            )?;
        }
        for m in file.rows("team.json", "team_members")? {
            let set = [
                in_case.clone(),
                ("person_id", person(m, "person_id")),
                ("appointed_by", user(m, "appointed_by")),
                ("released_by", user(m, "released_by")),
            ];
            insert_row(tx, "team_members", m, &set)?;
        }
        for p in file.rows("plans.json", "plan_revisions")? {
            // An action's owner is a person of the file's desk: this desk's number for them.
            let mut actions: serde_json::Value = serde_json::from_str(&text(p, "actions")).unwrap_or_default();
            for a in actions.as_array_mut().into_iter().flatten() {
                if let Some(owner) = a.get("ownerId").and_then(|v| v.as_i64()) {
                    a["ownerId"] = people.get(&owner).map_or(serde_json::Value::Null, |id| (*id).into());
                }
            }
            let set = [
                in_case.clone(),
                ("saved_by", user(p, "saved_by")),
                ("actions", Value::Text(actions.to_string())),
            ];
            insert_row(tx, "plan_revisions", p, &set)?;
        }
        for r in file.rows("plans.json", "plan_reviews")? {
            insert_row(
                tx,
                "plan_reviews",
                r,
                &[in_case.clone(), ("reviewed_by", user(r, "reviewed_by"))],
            )?;
        }
        for c in file.rows("communications.json", "case_contacts")? {
            insert_row(
                tx,
                "case_contacts",
                c,
                &[in_case.clone(), ("person_id", person(c, "person_id"))],
            )?;
        }
        for c in file.rows("communications.json", "customer_cadences")? {
            insert_row(tx, "customer_cadences", c, std::slice::from_ref(&in_case))?;
        }
        // Messages come as the record of what was sent; none is sent again from this desk.
        let mut outbox: HashMap<i64, i64> = HashMap::new();
        for m in file.rows("communications.json", "outbox")? {
            let mut set = vec![in_case.clone()];
            if text(m, "status") != "sent" {
                set.push(("status", Value::Text("cancelled".into())));
                set.push((
                    "last_error",
                    Value::Text("Imported from another desk's case file: never sent from this desk.".into()),
                ));
            }
            let id = insert_row(tx, "outbox", m, &set)?.unwrap_or_default();
            outbox.insert(id_of(m, "id").unwrap_or(-1), id);
        }
        let mapped = |map: &HashMap<i64, i64>, row: &serde_json::Value, c: &str| {
            id_of(row, c)
                .and_then(|old| map.get(&old))
                .map_or(Value::Null, |id| Value::Integer(*id))
        };
        for u in file.rows("communications.json", "customer_updates")? {
            let set = [
                in_case.clone(),
                ("outbox_id", mapped(&outbox, u, "outbox_id")),
                ("recorded_by", user(u, "recorded_by")),
            ];
            insert_row(tx, "customer_updates", u, &set)?;
        }
        let mut aars: HashMap<i64, i64> = HashMap::new();
        for a in file.rows("aar.json", "aars")? {
            let id = insert_row(tx, "aars", a, std::slice::from_ref(&in_case))?.unwrap_or_default();
            aars.insert(id_of(a, "id").unwrap_or(-1), id);
        }
        let mut sections: HashMap<i64, i64> = HashMap::new();
        for sec in file.rows("aar.json", "aar_sections")? {
            let set = [
                ("aar_id", mapped(&aars, sec, "aar_id")),
                ("assignee_id", person(sec, "assignee_id")),
            ];
            let id = insert_row(tx, "aar_sections", sec, &set)?.unwrap_or_default();
            sections.insert(id_of(sec, "id").unwrap_or(-1), id);
        }
        for v in file.rows("aar.json", "aar_section_versions")? {
            insert_row(
                tx,
                "aar_section_versions",
                v,
                &[("section_id", mapped(&sections, v, "section_id"))],
            )?;
        }
        for c in file.rows("aar.json", "aar_comments")? {
            insert_row(
                tx,
                "aar_comments",
                c,
                &[("section_id", mapped(&sections, c, "section_id"))],
            )?;
        }
        for i in file.rows("aar.json", "aar_improvements")? {
            insert_row(tx, "aar_improvements", i, &[("aar_id", mapped(&aars, i, "aar_id"))])?;
        }
        let mut renders: HashMap<i64, i64> = HashMap::new();
        for r in file.rows("aar.json", "aar_renders")? {
            let name = format!(
                "reports/AAR-rev{}-{}-render{}.pdf",
                id_of(r, "revision").unwrap_or_default(),
                text(r, "status"),
                id_of(r, "id").unwrap_or_default()
            );
            let pdf = file.files.get(&name).ok_or_else(|| {
                Error::Refused(format!(
                    "This case file cannot be used: {name} is missing: the file is partial."
                ))
            })?;
            if sha256_hex(pdf) != text(r, "sha256") {
                return Err(Error::Refused(format!(
                    "This case file cannot be used: {name} is not the report its record names."
                )));
            }
            let path = reports_dir.join(format!("{}-{}", escalation_number(case_id), &name["reports/".len()..]));
            let set = [
                ("aar_id", mapped(&aars, r, "aar_id")),
                ("pdf", Value::Blob(pdf.clone())),
                ("path", Value::Text(path.to_string_lossy().into_owned())),
            ];
            let id = insert_row(tx, "aar_renders", r, &set)?.unwrap_or_default();
            renders.insert(id_of(r, "id").unwrap_or(-1), id);
            pdfs.push((path, pdf.clone()));
        }
        for d in file.rows("aar.json", "aar_distributions")? {
            let set = [
                ("aar_id", mapped(&aars, d, "aar_id")),
                ("render_id", mapped(&renders, d, "render_id")),
                ("outbox_id", mapped(&outbox, d, "outbox_id")),
            ];
            insert_row(tx, "aar_distributions", d, &set)?;
        }
        let mut warranties: HashMap<i64, i64> = HashMap::new();
        for w in file.rows("closure.json", "warranties")? {
            let id = insert_row(
                tx,
                "warranties",
                w,
                &[in_case.clone(), ("car_person_id", person(w, "car_person_id"))],
            )?;
            warranties.insert(id_of(w, "id").unwrap_or(-1), id.unwrap_or_default());
        }
        for r in file.rows("closure.json", "recurrences")? {
            insert_row(
                tx,
                "recurrences",
                r,
                &[in_case.clone(), ("warranty_id", mapped(&warranties, r, "warranty_id"))],
            )?;
        }
        for v in file.rows("closure.json", "verifications")? {
            insert_row(tx, "verifications", v, std::slice::from_ref(&in_case))?;
        }
        for m in file.rows("closure.json", "review_meetings")? {
            insert_row(
                tx,
                "review_meetings",
                m,
                &[in_case.clone(), ("problem_id", Value::Null)],
            )?;
        }
        for a in file.rows("alerts.json", "alerts")? {
            let set = [
                in_case.clone(),
                ("rule_id", Value::Null),
                ("outbox_id", mapped(&outbox, a, "outbox_id")),
            ];
            insert_row(tx, "alerts", a, &set)?;
        }
        // The import goes on the chain, which continues from the head the file ends in.
        super::super::timeline::insert_event(
            tx,
            case_id,
            who,
            stamp,
            crate::timeline::NewEvent::new(
                crate::timeline::EventKind::CaseImported,
                format!(
                    "Imported from a case file: {} exported it from {} at {}, chain head {}",
                    s.exported_by, s.desk, s.exported_at, s.chain_head
                ),
            ),
        )?;
        Ok(case_id)
    })?;
    if !pdfs.is_empty() {
        super::super::files::create_private_dir(&reports_dir)?;
    }
    for (path, pdf) in &pdfs {
        if path.exists() {
            super::super::files::remove_if_there(path)?; // as a rendering does: the same name replaces the last
        }
        super::super::files::write_private(path, pdf)?;
    }
    Ok(CaseImported {
        case_id,
        number: escalation_number(case_id),
        summary: file.summary.clone(),
    })
}

/// Imports a case file sent by the window as base64 (JSON has no bytes).
pub fn import_case_file_base64(store: &mut Store, file_base64: &str) -> Result<CaseImported> {
    use base64::Engine;
    if file_base64.len() > crate::case_file::MAX_BYTES / 3 * 4 + 4 {
        return Err(Error::Refused(format!(
            "This case file cannot be used: it is larger than {} MB.",
            crate::case_file::MAX_BYTES / 1024 / 1024
        )));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(file_base64.trim())
        .map_err(|e| Error::Refused(format!("The chosen file could not be read ({e}).")))?;
    import_case_file(store, &bytes)
}
