//! People of the directory, with their organizational roles. Retired, never deleted.

use crate::store::db::params_from_iter;
use crate::store::db::{Db, Optional, Row};
use rusqlite::params;
use rusqlite::types::Value;

use super::{format_time, now, parse_stored, time_column, Store};
use crate::directory::{DirectoryFilter, OrgKind, OrgRole, Person, PersonFields, PersonRef};
use crate::error::{Error, Result};

const COLUMNS: &str = "id, name, email, phone, title, department, organization_kind, organization, retired_at, version";

fn from_row(conn: &Db, r: &Row<'_>) -> Result<Person> {
    let id: i64 = r.get(0)?;
    let retired: Option<String> = r.get(8)?;
    Ok(Person {
        id,
        fields: PersonFields {
            name: r.get(1)?,
            email: r.get(2)?,
            phone: r.get(3)?,
            title: r.get(4)?,
            department: r.get(5)?,
            organization_kind: parse_stored(r.get(6)?, OrgKind::parse, "organization kind")?,
            organization: r.get(7)?,
            roles: roles_of(conn, id)?,
        },
        retired_at: retired.map(time_column).transpose()?,
        version: r.get(9)?,
    })
}

fn roles_of(conn: &Db, id: i64) -> Result<Vec<OrgRole>> {
    let mut stmt = conn.prepare_cached("SELECT role FROM person_roles WHERE person_id = ?1")?;
    let mut roles: Vec<OrgRole> = stmt
        .query_map([id], |r| parse_stored(r.get(0)?, OrgRole::parse, "role"))?
        .collect::<Result<_>>()?;
    roles.sort();
    Ok(roles)
}

pub(crate) fn find_person(conn: &Db, id: i64) -> Result<Person> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM people WHERE id = ?1"))?
        .query_row([id], |r| from_row(conn, r))
        .optional()?
        .ok_or(Error::NotFound { entity: "Person", id })
}

pub(crate) fn find_person_by_email(conn: &Db, email: &str) -> Result<Option<Person>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM people WHERE {}",
        conn.dialect().nocase_eq("email", "?1")
    ))?
    .query_row([email.trim()], |r| from_row(conn, r))
    .optional()
}

pub(crate) fn person_ref(conn: &Db, id: i64) -> Result<PersonRef> {
    conn.prepare_cached(
        "SELECT id, name, email, organization, CASE WHEN retired_at IS NOT NULL THEN 1 ELSE 0 END FROM people
         WHERE id = ?1",
    )?
    .query_row([id], |r| {
        Ok(PersonRef {
            id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
            organization: r.get(3)?,
            retired: r.get(4)?,
        })
    })
    .optional()?
    .ok_or(Error::NotFound { entity: "Person", id })
}

pub fn get_person(store: &Store, id: i64) -> Result<Person> {
    find_person(store.conn(), id)
}

/// People matching the filter's text (name, email, title, department, organization), by name.
pub fn list_people(store: &Store, filter: &DirectoryFilter) -> Result<Vec<Person>> {
    let conn = store.conn();
    let text = like_pattern(filter.text.as_deref())?;
    // `?2 IS NULL` comes last: PostgreSQL types a parameter where it first appears.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM people
         WHERE (?1 OR retired_at IS NULL)
           AND (lower(name) LIKE lower(?2) ESCAPE '\\' OR lower(email) LIKE lower(?2) ESCAPE '\\'
                OR lower(title) LIKE lower(?2) ESCAPE '\\' OR lower(department) LIKE lower(?2) ESCAPE '\\'
                OR lower(organization) LIKE lower(?2) ESCAPE '\\' OR ?2 IS NULL)
         ORDER BY lower(name), id"
    ))?;
    let rows = stmt.query_map(params![filter.include_retired, text], |r| from_row(conn, r))?;
    rows.collect::<Result<_>>()
}

/// People holding a role (not retired), by name: for pickers such as "who agreed".
pub fn list_people_with_role(store: &Store, roles: &[OrgRole]) -> Result<Vec<PersonRef>> {
    let mut out = Vec::new();
    for p in list_people(store, &DirectoryFilter::default())? {
        if p.fields.roles.iter().any(|r| roles.contains(r)) {
            out.push(person_ref(store.conn(), p.id)?);
        }
    }
    Ok(out)
}

pub(crate) fn like_pattern(text: Option<&str>) -> Result<Option<String>> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    check_filter_text(t)?;
    Ok(Some(format!(
        "%{}%",
        t.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
    )))
}

/// Refuses a filter text past [`crate::limits::FILTER_CHARS`] (SQLite refuses long LIKE patterns).
pub(crate) fn check_filter_text(text: &str) -> Result<()> {
    crate::limits::check_chars("text", "filter text", text.trim(), crate::limits::FILTER_CHARS)
}

fn ensure_email_free(conn: &Db, email: &str, except: Option<i64>) -> Result<()> {
    let other: Option<(i64, String)> = conn
        .prepare_cached(&format!(
            "SELECT id, name FROM people WHERE {} AND id IS DISTINCT FROM ?2",
            conn.dialect().nocase_eq("email", "?1")
        ))?
        .query_row(params![email, except], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match other {
        Some((_, name)) => Err(Error::Duplicate {
            field: "email",
            message: format!("{email} already belongs to {name}."),
        }),
        None => Ok(()),
    }
}

fn write_roles(conn: &Db, id: i64, roles: &[OrgRole]) -> Result<()> {
    conn.prepare_cached("DELETE FROM person_roles WHERE person_id = ?1")?
        .execute([id])?;
    for r in roles {
        conn.prepare_cached("INSERT INTO person_roles (person_id, role) VALUES (?1, ?2)")?
            .execute(params![id, r.as_str()])?;
    }
    Ok(())
}

/// The form's columns, as both the insert and the update bind them first (`?1` to `?7`), then `more`.
fn form_values(f: &PersonFields, more: impl IntoIterator<Item = Value>) -> Vec<Value> {
    let text = |s: &str| Value::Text(s.to_owned());
    let mut values = vec![
        text(&f.name),
        text(&f.email),
        text(&f.phone),
        text(&f.title),
        text(&f.department),
        text(f.organization_kind.as_str()),
        text(&f.organization),
    ];
    values.extend(more);
    values
}

/// Inserts within the caller's transaction (imports use it for many rows at once).
pub(crate) fn insert_person_in(conn: &Db, fields: &PersonFields) -> Result<i64> {
    let f = fields.validate()?;
    ensure_email_free(conn, &f.email, None)?;
    let at = format_time(now());
    let id: i64 = conn.query_row(
        "INSERT INTO people (name, email, phone, title, department, organization_kind, organization, created_at,
            updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) RETURNING id",
        params_from_iter(form_values(&f, [Value::Text(at)])),
        |r| r.get(0),
    )?;
    write_roles(conn, id, &f.roles)?;
    super::search::reindex_person(conn, id)?;
    Ok(id)
}

/// Updates within the caller's transaction; `expected_version` guards against overwriting.
/// `who` is recorded with a changed address.
pub(crate) fn update_person_in(
    conn: &Db,
    who: &crate::identity::Identity,
    id: i64,
    expected_version: i64,
    fields: &PersonFields,
) -> Result<()> {
    let f = fields.validate()?;
    ensure_email_free(conn, &f.email, Some(id))?;
    let at = format_time(now());
    // A changed address is kept with who changed it and when: a sign-off code goes to the address,
    // so the report shows a change made before its sign-off (see `store::aar::signoff_code`).
    conn.prepare_cached(
        "INSERT INTO person_email_changes (person_id, old_email, new_email, changed_by, changed_at)
         SELECT p.id, p.email, ?2, ?5, ?3
         FROM people p WHERE p.id = ?1 AND p.version = ?4 AND lower(p.email) <> lower(?2)",
    )?
    .execute(params![id, f.email, at, expected_version, who.actor()])?;
    let n = conn
        .prepare_cached(
            "UPDATE people SET name = ?1, email = ?2, phone = ?3, title = ?4, department = ?5, organization_kind = ?6,
            organization = ?7, updated_at = ?8, version = version + 1
         WHERE id = ?9 AND version = ?10",
        )?
        .execute(params_from_iter(form_values(
            &f,
            [Value::Text(at), Value::Integer(id), Value::Integer(expected_version)],
        )))?;
    if n == 0 {
        let current = find_person(conn, id)?.version;
        return Err(Error::Conflict {
            entity: "person",
            expected: expected_version,
            current,
        });
    }
    write_roles(conn, id, &f.roles)?;
    super::search::reindex_person(conn, id)
}

pub fn insert_person(store: &mut Store, fields: &PersonFields) -> Result<Person> {
    let id = store.change(|tx, _, _| insert_person_in(tx, fields))?;
    get_person(store, id)
}

pub fn update_person(store: &mut Store, id: i64, expected_version: i64, fields: &PersonFields) -> Result<Person> {
    store.change(|tx, who, _| update_person_in(tx, who, id, expected_version, fields))?;
    get_person(store, id)
}

/// Retires (or reinstates) a person. A retired person stays on past teams but is not appointed anew.
pub fn update_person_retired(store: &mut Store, id: i64, retired: bool) -> Result<Person> {
    store.change(|tx, _, stamp| {
        find_person(tx, id)?;
        tx.prepare_cached(
            "UPDATE people SET retired_at = CASE WHEN ?2 THEN COALESCE(retired_at, ?3) END, updated_at = ?3,
                version = version + 1 WHERE id = ?1",
        )?
        .execute(params![id, retired, stamp.text])?;
        Ok(())
    })?;
    get_person(store, id)
}
