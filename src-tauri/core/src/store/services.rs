//! Services with their owner and manager.

use crate::store::db::{Db, Optional};
use rusqlite::params;

use super::people::{like_pattern, person_ref};
use super::{format_time, now, time_column, Store};
use crate::directory::{DirectoryFilter, Service, ServiceFields};
use crate::error::{Error, Result};

fn load(conn: &Db, id: i64) -> Result<Service> {
    let (name, owner_id, manager_id, retired, version) = conn
        .prepare_cached("SELECT name, owner_id, manager_id, retired_at, version FROM services WHERE id = ?1")?
        .query_row([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .optional()?
        .ok_or(Error::NotFound { entity: "Service", id })?;
    Ok(Service {
        id,
        fields: ServiceFields {
            name,
            owner_id,
            manager_id,
        },
        owner: owner_id.map(|p| person_ref(conn, p)).transpose()?,
        manager: manager_id.map(|p| person_ref(conn, p)).transpose()?,
        retired_at: retired.map(time_column).transpose()?,
        version,
    })
}

pub fn get_service(store: &Store, id: i64) -> Result<Service> {
    load(store.conn(), id)
}

pub(crate) fn find_service(conn: &Db, id: i64) -> Result<Service> {
    load(conn, id)
}

pub(crate) fn find_service_by_name(conn: &Db, name: &str) -> Result<Option<Service>> {
    let id: Option<i64> = conn
        .prepare_cached("SELECT id FROM services WHERE lower(name) = lower(?1)")?
        .query_row([name.trim()], |r| r.get(0))
        .optional()?;
    id.map(|id| load(conn, id)).transpose()
}

pub fn list_services(store: &Store, filter: &DirectoryFilter) -> Result<Vec<Service>> {
    let conn = store.conn();
    let ids: Vec<i64> = conn
        .prepare_cached(
            // `?2 IS NULL` comes last: PostgreSQL types a parameter where it first appears.
            "SELECT id FROM services
             WHERE (?1 OR retired_at IS NULL) AND (lower(name) LIKE lower(?2) ESCAPE '\\' OR ?2 IS NULL)
             ORDER BY lower(name)",
        )?
        .query_map(
            params![filter.include_retired, like_pattern(filter.text.as_deref())?],
            |r| r.get(0),
        )?
        .collect::<Result<_>>()?;
    ids.into_iter().map(|id| load(conn, id)).collect()
}

fn check(conn: &Db, f: &ServiceFields, except: Option<i64>) -> Result<()> {
    let taken: Option<i64> = conn
        .prepare_cached("SELECT id FROM services WHERE lower(name) = lower(?1) AND id IS DISTINCT FROM ?2")?
        .query_row(params![f.name, except], |r| r.get(0))
        .optional()?;
    if taken.is_some() {
        return Err(Error::Duplicate {
            field: "name",
            message: format!("There is already a service named {}.", f.name),
        });
    }
    for id in f.owner_id.iter().chain(f.manager_id.iter()) {
        person_ref(conn, *id).map_err(|_| Error::NotFound {
            entity: "Person",
            id: *id,
        })?;
    }
    Ok(())
}

pub(crate) fn insert_service_in(conn: &Db, fields: &ServiceFields) -> Result<i64> {
    let f = fields.validate()?;
    check(conn, &f, None)?;
    let at = format_time(now());
    conn.query_row(
        "INSERT INTO services (name, owner_id, manager_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
         RETURNING id",
        params![f.name, f.owner_id, f.manager_id, at],
        |r| r.get(0),
    )
}

pub(crate) fn update_service_in(conn: &Db, id: i64, expected_version: i64, fields: &ServiceFields) -> Result<()> {
    let f = fields.validate()?;
    check(conn, &f, Some(id))?;
    let old_name = load(conn, id)?.fields.name;
    let at = format_time(now());
    let n = conn
        .prepare_cached(
            "UPDATE services SET name = ?3, owner_id = ?4, manager_id = ?5, updated_at = ?6, version = version + 1
         WHERE id = ?1 AND version = ?2",
        )?
        .execute(params![id, expected_version, f.name, f.owner_id, f.manager_id, at])?;
    if n == 0 {
        let current = load(conn, id)?.version;
        return Err(Error::Conflict {
            entity: "service",
            expected: expected_version,
            current,
        });
    }
    super::case_refs::rename_in_alert_rules(conn, true, &old_name, &f.name, &at)?;
    Ok(())
}

pub fn insert_service(store: &mut Store, fields: &ServiceFields) -> Result<Service> {
    let id = store.change(|tx, _, _| insert_service_in(tx, fields))?;
    get_service(store, id)
}

pub fn update_service(store: &mut Store, id: i64, expected_version: i64, fields: &ServiceFields) -> Result<Service> {
    store.change(|tx, _, _| update_service_in(tx, id, expected_version, fields))?;
    get_service(store, id)
}

pub fn update_service_retired(store: &mut Store, id: i64, retired: bool) -> Result<Service> {
    store.change(|tx, _, stamp| {
        load(tx, id)?;
        tx.prepare_cached(
            "UPDATE services SET retired_at = CASE WHEN ?2 THEN COALESCE(retired_at, ?3) END, updated_at = ?3,
                version = version + 1 WHERE id = ?1",
        )?
        .execute(params![id, retired, stamp.text])?;
        Ok(())
    })?;
    get_service(store, id)
}
