//! Importing and exporting the directory as CSV. A preview and the import itself run the same plan,
//! so what the user confirmed is what is imported; rows with errors are skipped, never half-applied.

use std::collections::HashMap;

use crate::store::db::Db;

use super::agencies::{find_agency_by_name, find_category_by_name, insert_agency_in, list_agencies, update_agency_in};
use super::people::{find_person_by_email, insert_person_in, list_people, update_person_in};
use super::services::{find_service_by_name, insert_service_in, list_services, update_service_in};
use super::Store;
use crate::csv_io::{
    decode, key_contacts, person_fields, read_records, write_agencies, write_people, write_services, ImportAction,
    ImportPreview, ImportRequest, ImportRow, ParsedFile, RowError,
};
use crate::directory::{AgencyFields, DirectoryFilter, DirectoryKind, KeyContactInput, PersonFields, ServiceFields};
use crate::error::Result;

enum Change {
    Person(Option<(i64, i64)>, PersonFields),
    Agency(Option<(i64, i64)>, AgencyFields),
    Service(Option<(i64, i64)>, ServiceFields),
}

struct Plan {
    changes: Vec<Change>,
    preview: ImportPreview,
}

fn person_id(conn: &Db, email: &str, line: i64, field: &str, errors: &mut Vec<RowError>) -> Result<Option<i64>> {
    if email.trim().is_empty() {
        return Ok(None);
    }
    match find_person_by_email(conn, email)? {
        Some(p) => Ok(Some(p.id)),
        None => {
            errors.push(RowError {
                line,
                field: field.into(),
                reason: format!(
                    "no person with email {} in the directory (import people first)",
                    email.trim()
                ),
            });
            Ok(None)
        }
    }
}

/// Create when new, Unchanged when the stored fields are the same, else Update.
fn action_for<T: PartialEq>(existing: Option<&T>, fields: &T) -> ImportAction {
    match existing {
        None => ImportAction::Create,
        Some(old) if old == fields => ImportAction::Unchanged,
        Some(_) => ImportAction::Update,
    }
}

/// A validation error's field messages as row errors of `line`.
fn row_errors(line: i64, e: crate::Error) -> impl Iterator<Item = RowError> {
    e.payload().fields.into_iter().map(move |f| RowError {
        line,
        field: f.field,
        reason: f.message,
    })
}

fn kind_key(kind: DirectoryKind) -> &'static str {
    match kind {
        DirectoryKind::People => "people",
        DirectoryKind::Agencies => "agencies",
        DirectoryKind::Services => "services",
    }
}

/// The last mapping used for this list: header slug -> field (`None`: ignored).
fn remembered_mapping(conn: &Db, kind: DirectoryKind) -> Result<HashMap<String, Option<String>>> {
    let mut stmt = conn.prepare_cached("SELECT header, field FROM import_mappings WHERE kind = ?1")?;
    let rows = stmt.query_map([kind_key(kind)], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect::<Result<_>>()
}

fn remember_mapping(conn: &Db, kind: DirectoryKind, file: &ParsedFile) -> Result<()> {
    let at = super::format_time(super::now());
    let mut stmt = conn.prepare_cached(
        "INSERT INTO import_mappings (kind, header, field, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (kind, header) DO UPDATE SET field = excluded.field, updated_at = excluded.updated_at",
    )?;
    for c in &file.columns {
        let header = crate::directory::slug(&c.header);
        if !header.is_empty() {
            stmt.execute(rusqlite::params![kind_key(kind), header, c.field, at])?;
        }
    }
    Ok(())
}

/// Decodes and reads the request's file; a file that is not text, or too large, is an error.
fn read_request(conn: &Db, request: &ImportRequest) -> Result<ParsedFile> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(request.data.trim())
        .map_err(|_| crate::Error::invalid("file", "The file could not be read (it did not arrive whole)."))?;
    crate::limits::check_bytes("file", &bytes, crate::limits::CSV_FILE_BYTES)?;
    let (text, encoding) = decode(&bytes)?;
    let remembered = remembered_mapping(conn, request.kind)?;
    Ok(read_records(
        request.kind,
        &text,
        encoding,
        request.mapping.as_deref(),
        &remembered,
    ))
}

fn plan(conn: &Db, request: &ImportRequest) -> Result<(Plan, ParsedFile)> {
    let kind = request.kind;
    let defaults = request.defaults.clone().unwrap_or_default();
    let mut file = read_request(conn, request)?;
    let records = std::mem::take(&mut file.records);
    let mut errors = std::mem::take(&mut file.errors);
    let mut rows = Vec::new();
    let mut changes = Vec::new();
    let mut seen: HashMap<String, i64> = HashMap::new();
    for rec in &records {
        let key_field = if kind == DirectoryKind::People { "email" } else { "name" };
        let key = rec.get(key_field).trim().to_lowercase();
        if let Some(first) = seen.get(&key).filter(|_| !key.is_empty()) {
            errors.push(RowError {
                line: rec.line,
                field: key_field.into(),
                reason: format!("same {key_field} as line {first}"),
            });
            continue;
        }
        seen.insert(key.clone(), rec.line);
        let before = errors.len();
        let (name, action, change) = match kind {
            DirectoryKind::People => {
                let fields = match person_fields(rec, &defaults) {
                    Ok(f) => f,
                    Err(e) => {
                        errors.extend(e);
                        continue;
                    }
                };
                let existing = find_person_by_email(conn, &fields.email)?;
                let action = action_for(existing.as_ref().map(|p| &p.fields), &fields);
                (
                    fields.name.clone(),
                    action,
                    Change::Person(existing.map(|p| (p.id, p.version)), fields),
                )
            }
            DirectoryKind::Agencies => {
                let abrm_id = person_id(conn, rec.get("abrm_email"), rec.line, "abrm_email", &mut errors)?;
                let car_id = person_id(
                    conn,
                    rec.get("customer_account_rep_email"),
                    rec.line,
                    "customer_account_rep_email",
                    &mut errors,
                )?;
                let mut contacts = Vec::new();
                match key_contacts(rec) {
                    Ok(pairs) => {
                        for (email, category) in pairs {
                            let pid = person_id(conn, &email, rec.line, "key_contacts", &mut errors)?;
                            match find_category_by_name(conn, &category)? {
                                Some(c) => {
                                    if let Some(person_id) = pid {
                                        contacts.push(KeyContactInput {
                                            person_id,
                                            category_id: c.id,
                                        });
                                    }
                                }
                                None => errors.push(RowError {
                                    line: rec.line,
                                    field: "key_contacts".into(),
                                    reason: format!(
                                        "{category:?} is not a contact category (add it under Agencies first)"
                                    ),
                                }),
                            }
                        }
                    }
                    Err(e) => errors.push(e),
                }
                let fields = AgencyFields {
                    name: rec.get("name").into(),
                    business_segment: rec.get("business_segment").into(),
                    abrm_id,
                    customer_account_rep_id: car_id,
                    contacts,
                };
                let fields = match fields.validate() {
                    Ok(f) => f,
                    Err(e) => {
                        errors.extend(row_errors(rec.line, e));
                        continue;
                    }
                };
                let existing = find_agency_by_name(conn, &fields.name)?;
                let action = action_for(existing.as_ref().map(|a| &a.fields), &fields);
                (
                    fields.name.clone(),
                    action,
                    Change::Agency(existing.map(|a| (a.id, a.version)), fields),
                )
            }
            DirectoryKind::Services => {
                let owner_id = person_id(conn, rec.get("owner_email"), rec.line, "owner_email", &mut errors)?;
                let manager_id = person_id(conn, rec.get("manager_email"), rec.line, "manager_email", &mut errors)?;
                let fields = match (ServiceFields {
                    name: rec.get("name").into(),
                    owner_id,
                    manager_id,
                })
                .validate()
                {
                    Ok(f) => f,
                    Err(e) => {
                        errors.extend(row_errors(rec.line, e));
                        continue;
                    }
                };
                let existing = find_service_by_name(conn, &fields.name)?;
                let action = action_for(existing.as_ref().map(|s| &s.fields), &fields);
                (
                    fields.name.clone(),
                    action,
                    Change::Service(existing.map(|s| (s.id, s.version)), fields),
                )
            }
        };
        if errors.len() > before {
            continue; // a row with any error is not imported at all
        }
        rows.push(ImportRow {
            line: rec.line,
            key,
            name,
            action,
        });
        if action != ImportAction::Unchanged {
            changes.push(change);
        }
    }
    errors.sort_by_key(|e| e.line);
    let preview = ImportPreview::new(kind, &file, rows, errors);
    Ok((Plan { changes, preview }, file))
}

/// What importing `text` would do, row by row, and every bad row with its line, field and reason.
pub fn preview_import(store: &Store, request: &ImportRequest) -> Result<ImportPreview> {
    Ok(plan(store.conn(), request)?.0.preview)
}

/// Imports the good rows of the file in one transaction and remembers the mapping used; returns
/// what was done. A file whose header cannot be read imports nothing.
pub fn apply_import(store: &mut Store, request: &ImportRequest) -> Result<ImportPreview> {
    store.change(|tx, who, _| {
        let (plan, file) = plan(tx, request)?;
        if let Some(e) = plan.preview.errors.iter().find(|e| e.line == 1) {
            return Err(crate::Error::invalid(
                "mapping",
                format!("Nothing was imported: {}.", e.reason),
            ));
        }
        remember_mapping(tx, request.kind, &file)?;
        for change in &plan.changes {
            match change {
                Change::Person(None, f) => insert_person_in(tx, f).map(|_| ())?,
                Change::Person(Some((id, v)), f) => update_person_in(tx, who, *id, *v, f)?,
                Change::Agency(None, f) => insert_agency_in(tx, f).map(|_| ())?,
                Change::Agency(Some((id, v)), f) => update_agency_in(tx, *id, *v, f)?,
                Change::Service(None, f) => insert_service_in(tx, f).map(|_| ())?,
                Change::Service(Some((id, v)), f) => update_service_in(tx, *id, *v, f)?,
            }
        }
        Ok(plan.preview)
    })
}

/// The whole list (retired entries included) as CSV, in the same format the import reads.
pub fn export_csv(store: &Store, kind: DirectoryKind) -> Result<String> {
    let all = DirectoryFilter {
        text: None,
        include_retired: true,
    };
    Ok(match kind {
        DirectoryKind::People => write_people(&list_people(store, &all)?),
        DirectoryKind::Agencies => write_agencies(&list_agencies(store, &all)?),
        DirectoryKind::Services => write_services(&list_services(store, &all)?),
    })
}

/// Writes the export into `dir` as `escalation-desk-<kind>-<date>.csv` (a number is added rather
/// than overwrite an earlier file) and returns the file's path.
pub fn export_to_file(store: &Store, kind: DirectoryKind, dir: &std::path::Path) -> Result<std::path::PathBuf> {
    let text = export_csv(store, kind)?;
    let name = match kind {
        DirectoryKind::People => "people",
        DirectoryKind::Agencies => "agencies",
        DirectoryKind::Services => "services",
    };
    super::files::create_private_dir(dir)?;
    let date = chrono::Local::now().format("%Y-%m-%d");
    let mut path = dir.join(format!("escalation-desk-{name}-{date}.csv"));
    let mut n = 1;
    while path.exists() {
        n += 1;
        path = dir.join(format!("escalation-desk-{name}-{date}-{n}.csv"));
    }
    super::files::write_private(&path, text.as_bytes())?;
    Ok(path)
}
