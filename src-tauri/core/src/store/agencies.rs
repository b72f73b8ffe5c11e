//! Customer agencies, their ABRM and customer account representative, their key contacts, and the
//! contact categories (data, not code).

use crate::store::db::{Db, Optional};
use rusqlite::params;

use super::people::{like_pattern, person_ref};
use super::{format_time, now, time_column, Store};
use crate::directory::{Agency, AgencyFields, ContactCategory, DirectoryFilter, KeyContact, KeyContactInput};
use crate::error::{Error, Result};

pub fn list_contact_categories(store: &Store) -> Result<Vec<ContactCategory>> {
    categories(store.conn())
}

fn categories(conn: &Db) -> Result<Vec<ContactCategory>> {
    let mut stmt = conn.prepare_cached("SELECT id, name, builtin FROM contact_categories ORDER BY builtin DESC, id")?;
    let rows = stmt.query_map([], |r| {
        Ok(ContactCategory {
            id: r.get(0)?,
            name: r.get(1)?,
            builtin: r.get(2)?,
        })
    })?;
    rows.collect::<Result<_>>()
}

pub(crate) fn find_category_by_name(conn: &Db, name: &str) -> Result<Option<ContactCategory>> {
    Ok(categories(conn)?
        .into_iter()
        .find(|c| c.name.eq_ignore_ascii_case(name.trim())))
}

/// Adds an agency-defined contact category.
pub fn insert_contact_category(store: &mut Store, name: &str) -> Result<ContactCategory> {
    let name = name.trim().to_owned();
    if name.is_empty() {
        return Err(Error::invalid("name", "Enter a category name."));
    }
    crate::limits::check_chars("name", "category name", &name, crate::limits::NAME_CHARS)?;
    store.change(|tx, _, _| {
        if find_category_by_name(tx, &name)?.is_some() {
            return Err(Error::Duplicate {
                field: "name",
                message: format!("The category {name} already exists."),
            });
        }
        let id = tx.query_row(
            "INSERT INTO contact_categories (name) VALUES (?1) RETURNING id",
            [&name],
            |r| r.get(0),
        )?;
        Ok(ContactCategory {
            id,
            name: name.clone(),
            builtin: false,
        })
    })
}

fn load(conn: &Db, id: i64) -> Result<Agency> {
    let row = conn
        .prepare_cached("SELECT name, business_segment, abrm_id, customer_account_rep_id, retired_at, version FROM agencies WHERE id = ?1")?.query_row([id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            },
        )
        .optional()?
        .ok_or(Error::NotFound { entity: "Agency", id })?;
    let (name, business_segment, abrm_id, car_id, retired, version) = row;
    let cats = categories(conn)?;
    let mut stmt = conn.prepare_cached(
        "SELECT ac.person_id, ac.category_id FROM agency_contacts ac JOIN people p ON p.id = ac.person_id
         WHERE ac.agency_id = ?1 ORDER BY ac.category_id, p.name",
    )?;
    let inputs: Vec<KeyContactInput> = stmt
        .query_map([id], |r| {
            Ok(KeyContactInput {
                person_id: r.get(0)?,
                category_id: r.get(1)?,
            })
        })?
        .collect::<Result<_>>()?;
    let mut contacts = Vec::new();
    for c in &inputs {
        let category = cats
            .iter()
            .find(|k| k.id == c.category_id)
            .cloned()
            .ok_or(Error::NotFound {
                entity: "Contact category",
                id: c.category_id,
            })?;
        contacts.push(KeyContact {
            person: person_ref(conn, c.person_id)?,
            category,
        });
    }
    Ok(Agency {
        id,
        fields: AgencyFields {
            name,
            business_segment,
            abrm_id,
            customer_account_rep_id: car_id,
            contacts: inputs,
        },
        abrm: abrm_id.map(|p| person_ref(conn, p)).transpose()?,
        customer_account_rep: car_id.map(|p| person_ref(conn, p)).transpose()?,
        contacts,
        retired_at: retired.map(time_column).transpose()?,
        version,
    })
}

pub fn get_agency(store: &Store, id: i64) -> Result<Agency> {
    load(store.conn(), id)
}

pub(crate) fn find_agency(conn: &Db, id: i64) -> Result<Agency> {
    load(conn, id)
}

pub(crate) fn find_agency_by_name(conn: &Db, name: &str) -> Result<Option<Agency>> {
    let id: Option<i64> = conn
        .prepare_cached("SELECT id FROM agencies WHERE lower(name) = lower(?1)")?
        .query_row([name.trim()], |r| r.get(0))
        .optional()?;
    id.map(|id| load(conn, id)).transpose()
}

pub fn list_agencies(store: &Store, filter: &DirectoryFilter) -> Result<Vec<Agency>> {
    let conn = store.conn();
    let text = like_pattern(filter.text.as_deref())?;
    let ids: Vec<i64> = conn
        .prepare_cached(
            // `?2 IS NULL` comes last: PostgreSQL types a parameter where it first appears.
            "SELECT id FROM agencies WHERE (?1 OR retired_at IS NULL)
               AND (lower(name) LIKE lower(?2) ESCAPE '\\' OR lower(business_segment) LIKE lower(?2) ESCAPE '\\'
                    OR ?2 IS NULL)
             ORDER BY lower(name)",
        )?
        .query_map(params![filter.include_retired, text], |r| r.get(0))?
        .collect::<Result<_>>()?;
    ids.into_iter().map(|id| load(conn, id)).collect()
}

fn check_people(conn: &Db, f: &AgencyFields) -> Result<()> {
    for id in f
        .abrm_id
        .iter()
        .chain(f.customer_account_rep_id.iter())
        .chain(f.contacts.iter().map(|c| &c.person_id))
    {
        person_ref(conn, *id).map_err(|_| Error::NotFound {
            entity: "Person",
            id: *id,
        })?;
    }
    let cats = categories(conn)?;
    for c in &f.contacts {
        if !cats.iter().any(|k| k.id == c.category_id) {
            return Err(Error::NotFound {
                entity: "Contact category",
                id: c.category_id,
            });
        }
    }
    Ok(())
}

fn write_contacts(conn: &Db, id: i64, contacts: &[KeyContactInput]) -> Result<()> {
    conn.prepare_cached("DELETE FROM agency_contacts WHERE agency_id = ?1")?
        .execute([id])?;
    for c in contacts {
        conn.prepare_cached("INSERT INTO agency_contacts (agency_id, person_id, category_id) VALUES (?1, ?2, ?3)")?
            .execute(params![id, c.person_id, c.category_id])?;
    }
    // A new key contact can make an alert rule match the agency's open cases.
    super::alert_evaluation::mark_agency_cases_due(conn, id)
}

fn ensure_name_free(conn: &Db, name: &str, except: Option<i64>) -> Result<()> {
    let taken: Option<i64> = conn
        .prepare_cached("SELECT id FROM agencies WHERE lower(name) = lower(?1) AND id IS DISTINCT FROM ?2")?
        .query_row(params![name, except], |r| r.get(0))
        .optional()?;
    match taken {
        Some(_) => Err(Error::Duplicate {
            field: "name",
            message: format!("There is already an agency named {name}."),
        }),
        None => Ok(()),
    }
}

pub(crate) fn insert_agency_in(conn: &Db, fields: &AgencyFields) -> Result<i64> {
    let f = fields.validate()?;
    ensure_name_free(conn, &f.name, None)?;
    check_people(conn, &f)?;
    let at = format_time(now());
    let id: i64 = conn.query_row(
        "INSERT INTO agencies (name, business_segment, abrm_id, customer_account_rep_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5) RETURNING id",
        params![f.name, f.business_segment, f.abrm_id, f.customer_account_rep_id, at],
        |r| r.get(0),
    )?;
    write_contacts(conn, id, &f.contacts)?;
    Ok(id)
}

pub(crate) fn update_agency_in(conn: &Db, id: i64, expected_version: i64, fields: &AgencyFields) -> Result<()> {
    let f = fields.validate()?;
    ensure_name_free(conn, &f.name, Some(id))?;
    check_people(conn, &f)?;
    let old_name = load(conn, id)?.fields.name;
    let at = format_time(now());
    let n = conn
        .prepare_cached(
            "UPDATE agencies SET name = ?3, business_segment = ?4, abrm_id = ?5, customer_account_rep_id = ?6,
            updated_at = ?7, version = version + 1 WHERE id = ?1 AND version = ?2",
        )?
        .execute(params![
            id,
            expected_version,
            f.name,
            f.business_segment,
            f.abrm_id,
            f.customer_account_rep_id,
            at
        ])?;
    if n == 0 {
        let current = load(conn, id)?.version;
        return Err(Error::Conflict {
            entity: "agency",
            expected: expected_version,
            current,
        });
    }
    super::case_refs::rename_in_alert_rules(conn, false, &old_name, &f.name, &at)?;
    write_contacts(conn, id, &f.contacts)
}

pub fn insert_agency(store: &mut Store, fields: &AgencyFields) -> Result<Agency> {
    let id = store.change(|tx, _, _| insert_agency_in(tx, fields))?;
    get_agency(store, id)
}

pub fn update_agency(store: &mut Store, id: i64, expected_version: i64, fields: &AgencyFields) -> Result<Agency> {
    store.change(|tx, _, _| update_agency_in(tx, id, expected_version, fields))?;
    get_agency(store, id)
}

pub fn update_agency_retired(store: &mut Store, id: i64, retired: bool) -> Result<Agency> {
    store.change(|tx, _, stamp| {
        load(tx, id)?;
        tx.prepare_cached(
            "UPDATE agencies SET retired_at = CASE WHEN ?2 THEN COALESCE(retired_at, ?3) END, updated_at = ?3,
                version = version + 1 WHERE id = ?1",
        )?
        .execute(params![id, retired, stamp.text])?;
        Ok(())
    })?;
    get_agency(store, id)
}
