//! Who changes the desk. On a workstation's own file the current user is the one named in the
//! single `workstation` row, set by the identity form. On a team desk it is the person whose
//! `login` is the database login this connection authenticated as (`session_user`): nothing the
//! workstation says can change it, only a manager's mapping (`team_desk::map_login`).

use crate::store::db::{Db, Optional};
use rusqlite::params;

use super::{time_column, Store};
use crate::error::Result;
use crate::identity::{Identity, IdentityInput, Workstation};

/// A person mapped to a login, the login given after this (`?1`, or the connection's own).
const PERSON_OF_LOGIN: &str =
    "SELECT u.id, u.name, u.email, u.role, u.created_at, u.os_account, u.machine FROM users u WHERE u.login = ";

pub fn get_current_user(store: &Store) -> Result<Option<Identity>> {
    let db = store.conn();
    let sql = match db.dialect().session_login {
        Some(login) => format!("{PERSON_OF_LOGIN}{login}"),
        None => "SELECT u.id, u.name, u.email, u.role, COALESCE(w.since, u.created_at), u.os_account, u.machine
                 FROM workstation w JOIN users u ON u.id = w.current_user_id"
            .to_owned(),
    };
    db.prepare_cached(&sql)?.query_row([], identity_from_row).optional()
}

fn identity_from_row(r: &crate::store::db::Row) -> Result<Identity> {
    Ok(Identity {
        id: r.get(0)?,
        name: r.get(1)?,
        email: r.get(2)?,
        role: r.get(3)?,
        since: time_column(r.get(4)?)?,
        os_account: r.get(5)?,
        machine: r.get(6)?,
    })
}

/// The person every change is made as: the workstation's identity, or the team desk login's person.
pub fn require_current_user(store: &Store) -> Result<Identity> {
    if let Some(who) = get_current_user(store)? {
        return Ok(who);
    }
    match desk_login(store)? {
        Some(login) => Err(crate::error::Error::Refused(not_a_person(&login))),
        None => Err(crate::error::Error::NoIdentity),
    }
}

/// Why a team desk login without a person changes nothing, and what to do about it.
pub fn not_a_person(login: &str) -> String {
    format!(
        "Your login {login} is not a person on this team desk yet: ask the desk's manager to map it to you (escalation-desk desk grant URL {login} ROLE --name \"Your Name\" --email you@agency.gov)."
    )
}

/// The database login this team desk's connection authenticated as; `None` on a workstation's
/// own file, which has no logins.
pub fn desk_login(store: &Store) -> Result<Option<String>> {
    let db = store.conn();
    match db.dialect().session_login {
        Some(login) => Ok(Some(db.query_row(&format!("SELECT {login}"), [], |r| r.get(0))?)),
        None => Ok(None),
    }
}

/// The person the team desk's manager mapped `login` to, if any.
pub fn person_of_login(db: &Db, login: &str) -> Result<Option<Identity>> {
    db.prepare_cached(&format!("{PERSON_OF_LOGIN}?1"))?
        .query_row([login], identity_from_row)
        .optional()
}

/// Makes the person the current user of this workstation. The same email is the same person:
/// their name and role are updated, their past changes keep the name they had then. The identity
/// records the operating-system account and machine that set it; a change of identity goes on the
/// timeline of every case the previous identity changed while it was current.
pub fn update_current_user(store: &mut Store, input: &IdentityInput) -> Result<Identity> {
    let (account, machine) = crate::identity::workstation_login();
    update_current_user_from(store, input, &account, &machine)
}

/// [`update_current_user`] with the account and machine given (tests play two logins).
pub fn update_current_user_from(
    store: &mut Store,
    input: &IdentityInput,
    account: &str,
    machine: &str,
) -> Result<Identity> {
    let input = input.validate()?;
    if store.conn().is_postgres() {
        return Err(crate::error::Error::Refused(
            "On a team desk you are the person your login is mapped to, not a name typed here: to work as someone else, sign in with their login (Sign in as someone else).".into(),
        ));
    }
    let previous = get_current_user(store)?;
    let tx = store.conn().transaction()?;
    let stamp = super::Stamp::of(&tx)?;
    tx.execute(
        "INSERT INTO users (name, email, role, created_at, os_account, machine) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (email) DO UPDATE SET name = excluded.name, role = excluded.role,
            os_account = excluded.os_account, machine = excluded.machine",
        params![input.name, input.email, input.role, stamp.text, account, machine],
    )?;
    let id: i64 = tx.query_row("SELECT id FROM users WHERE email = ?1", [&input.email], |r| r.get(0))?;
    tx.execute(
        "INSERT INTO workstation (id, current_user_id, since) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET current_user_id = excluded.current_user_id,
            since = CASE WHEN workstation.current_user_id = excluded.current_user_id
                         THEN workstation.since ELSE excluded.since END",
        params![id, stamp.text],
    )?;
    if let Some(old) = previous.filter(|p| p.id != id) {
        let new = Identity {
            id,
            name: input.name.clone(),
            email: input.email.clone(),
            role: input.role.clone(),
            since: super::parse_time(&stamp.text)?,
            os_account: account.to_owned(),
            machine: machine.to_owned(),
        };
        record_identity_change(&tx, &old, &new, &stamp)?;
    }
    tx.commit()?;
    Ok(get_current_user(store)?.expect("the user was just made current"))
}

/// "Dana Whitfield <dana@…> (OS account dana on ws-17)".
fn described(who: &Identity) -> String {
    format!("{} (OS account {} on {})", who.actor(), who.os_account, who.machine)
}

/// The identity change, on the timeline of each case the previous identity changed while current.
fn record_identity_change(tx: &Db, old: &Identity, new: &Identity, stamp: &super::Stamp) -> Result<()> {
    let cases: Vec<i64> = tx
        .prepare_cached(
            // Its own changes only: not the identity changes recorded in its name, nor what the
            // periodic sweep did while it was current (else every switch back would add more).
            "SELECT DISTINCT case_id FROM timeline_events
             WHERE actor_id = ?1 AND at >= ?2 AND kind NOT IN ('identity_changed', 'alert_raised')
             ORDER BY case_id",
        )?
        .query_map(params![old.id, super::format_time(old.since)], |r| r.get(0))?
        .collect::<Result<_>>()?;
    for case_id in cases {
        super::timeline::insert_event(
            tx,
            case_id,
            new,
            stamp,
            crate::timeline::NewEvent::new(
                crate::timeline::EventKind::IdentityChanged,
                format!(
                    "Workstation identity changed from {} to {}",
                    described(old),
                    described(new)
                ),
            ),
        )?;
    }
    Ok(())
}

pub fn get_workstation(store: &Store) -> Result<Workstation> {
    Ok(Workstation {
        identity: get_current_user(store)?,
        desk_login: desk_login(store)?,
        database_path: store.path().display().to_string(),
        has_cases: !super::sample::is_empty(store)?,
    })
}
