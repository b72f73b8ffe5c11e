//! The workstation's users. The current user is the one named in the single `workstation` row.

use rusqlite::{params, OptionalExtension};

use super::{format_time, now, time_column, Store};
use crate::error::Result;
use crate::identity::{Identity, IdentityInput, Workstation};

pub fn get_current_user(store: &Store) -> Result<Option<Identity>> {
    Ok(store
        .conn()
        .prepare_cached(
            "SELECT u.id, u.name, u.email, u.role, u.created_at
             FROM workstation w JOIN users u ON u.id = w.current_user_id",
        )?
        .query_row([], |r| {
            Ok(Identity {
                id: r.get(0)?,
                name: r.get(1)?,
                email: r.get(2)?,
                role: r.get(3)?,
                since: time_column(r.get(4)?)?,
            })
        })
        .optional()?)
}

/// Makes the person the current user of this workstation. The same email is the same person:
/// their name and role are updated, their past changes keep the name they had then.
pub fn update_current_user(store: &mut Store, input: &IdentityInput) -> Result<Identity> {
    let input = input.validate()?;
    let tx = store.conn_mut().transaction()?;
    tx.prepare_cached(
        "INSERT INTO users (name, email, role, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (email) DO UPDATE SET name = excluded.name, role = excluded.role",
    )?
    .execute(params![input.name, input.email, input.role, format_time(now())])?;
    let id: i64 = tx
        .prepare_cached("SELECT id FROM users WHERE email = ?1")?
        .query_row([&input.email], |r| r.get(0))?;
    tx.prepare_cached(
        "INSERT INTO workstation (id, current_user_id) VALUES (1, ?1)
         ON CONFLICT (id) DO UPDATE SET current_user_id = excluded.current_user_id",
    )?
    .execute([id])?;
    tx.commit()?;
    Ok(get_current_user(store)?.expect("the user was just made current"))
}

pub fn get_workstation(store: &Store) -> Result<Workstation> {
    Ok(Workstation {
        identity: get_current_user(store)?,
        database_path: store.path().display().to_string(),
        has_cases: !super::sample::is_empty(store)?,
    })
}
