//! What a team desk on PostgreSQL has beyond the tables: the group roles its members' logins are
//! granted, which PostgreSQL itself enforces (not only the window).
//!
//! Invariants (per role; each includes the ones above it):
//! - `desk_viewer` reads every row and changes none.
//! - `desk_member` changes what a team's work changes (teams, plans, AAR sections, updates, mail),
//!   but opens no case: INSERT on `cases` is not granted.
//! - `desk_abrm` is a member; it signs as ABRM only for a case whose ABRM is its login's person.
//! - `desk_manager` also opens and escalates cases, signs as escalation manager, writes any
//!   section and maps logins.
//! - What depends on the row and the login is checked by triggers (migration pg/0019, each
//!   refusal SQLSTATE 42501): who signs, who escalates, who writes an assigned section, who
//!   changes an owned plan action.
//! - Who a login is: `users.login` (migration 0018), written only by a manager or the desk's owner
//!   (`map_login`); no role may write `users` otherwise, or a member could map their own login to
//!   someone else and act in their name.
//! - No role may change the schema or reach another database; the append-only tables stay
//!   append-only for all of them through their triggers.

use super::Store;
use crate::error::{Error, Result};
use crate::identity::{Identity, IdentityInput};

/// A team desk's roles, from the one that may do least.
pub const ROLES: [(&str, &str); 4] = [
    ("viewer", "desk_viewer"),
    ("member", "desk_member"),
    ("abrm", "desk_abrm"),
    ("manager", "desk_manager"),
];

/// The group role a role's name on the command line (`viewer`, `member`, `abrm`, `manager`) is.
pub fn group_role(name: &str) -> Option<&'static str> {
    ROLES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, role)| *role)
}

/// Creates the group roles the server does not have yet (roles are the server's, not the
/// database's: another team desk on the same server may have made them), and grants each its
/// rights on this desk. Run by `desk init` as a role allowed to create roles; running it again
/// changes nothing.
pub fn create_group_roles(store: &Store) -> Result<()> {
    let db = store.conn();
    if !db.is_postgres() {
        return Err(Error::Refused(
            "Group roles belong to a team desk on PostgreSQL.".into(),
        ));
    }
    // Roles and their memberships are the server's: two desks set up at once (two databases of
    // one server) race to make the same ones, and the loser's "already exists" is not an error.
    let mut sql = String::from("DO $$ BEGIN\n");
    for (_, role) in ROLES {
        sql.push_str(&format!(
            "IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                BEGIN CREATE ROLE {role} NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
             END IF;\n"
        ));
    }
    for (group, member) in [
        ("desk_viewer", "desk_member"),
        ("desk_member", "desk_abrm"),
        ("desk_member", "desk_manager"),
    ] {
        sql.push_str(&format!(
            "BEGIN GRANT {group} TO {member}; EXCEPTION WHEN unique_violation THEN NULL; END;\n"
        ));
    }
    sql.push_str(
        "END $$;
         GRANT CONNECT ON DATABASE \"",
    );
    let database: String = db.query_row("SELECT current_database()", [], |r| r.get(0))?;
    sql.push_str(&database.replace('"', "\"\""));
    sql.push_str(
        "\" TO desk_viewer;
         GRANT USAGE ON SCHEMA public TO desk_viewer;
         GRANT SELECT ON ALL TABLES IN SCHEMA public TO desk_viewer;
         GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO desk_member;
         REVOKE INSERT ON cases FROM desk_member;
         REVOKE INSERT, UPDATE, DELETE ON users, workstation FROM desk_member;
         GRANT INSERT, UPDATE ON users TO desk_manager;
         GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO desk_member;
         GRANT INSERT ON cases TO desk_manager;",
    );
    db.execute_batch(&sql)
}

/// Grants `login` (an existing login role on the server) the desk role named `role`.
pub fn grant(store: &Store, login: &str, role: &str) -> Result<&'static str> {
    let group = grantable(store, login, role)?;
    // One desk role a login: a new one replaces the old (a manager made a viewer loses the rest).
    let db = store.conn();
    let login = format!("\"{}\"", login.replace('"', "\"\""));
    let others: Vec<&str> = ROLES.iter().map(|(_, r)| *r).filter(|r| *r != group).collect();
    db.execute_batch(&format!(
        "REVOKE {} FROM {login}; GRANT {group} TO {login}",
        others.join(", ")
    ))?;
    Ok(group)
}

/// The group role `role` names, when `login` is a login on the server that may be given it;
/// otherwise why not. Changes nothing.
pub fn grantable(store: &Store, login: &str, role: &str) -> Result<&'static str> {
    let db = store.conn();
    if !db.is_postgres() {
        return Err(Error::Refused("Logins belong to a team desk on PostgreSQL.".into()));
    }
    let Some(group) = group_role(role) else {
        return Err(Error::Refused(format!(
            "{role:?} is not a desk role: use viewer, member, abrm or manager."
        )));
    };
    let exists: i64 = db.query_row(
        "SELECT COUNT(*) FROM pg_roles WHERE rolname::text = ?1 AND rolcanlogin",
        [login],
        |r| r.get(0),
    )?;
    if exists == 0 {
        return Err(Error::Refused(format!(
            "There is no login {login:?} on this server: the database administrator creates it (CREATE ROLE ... LOGIN PASSWORD ...), then grant it a desk role."
        )));
    }
    Ok(group)
}

/// How a desk role reads on the person's identity, where the identity form offered a role.
pub fn role_title(group: &str) -> &'static str {
    match group {
        "desk_manager" => "Escalation manager",
        "desk_abrm" => "ABRM",
        "desk_member" => "Escalation team",
        _ => "Viewer",
    }
}

/// Makes `login` the person `who` on this desk: their row (the same email is the same person,
/// whose past changes keep the name they had then) names the login, and no other row keeps it.
/// A manager's or the owner's work: PostgreSQL refuses it to anyone else (see the module's
/// invariants).
pub fn map_login(store: &mut Store, login: &str, who: &IdentityInput) -> Result<Identity> {
    if !store.conn().is_postgres() {
        return Err(Error::Refused("Logins belong to a team desk on PostgreSQL.".into()));
    }
    let who = who.validate()?;
    if login.trim().is_empty() {
        return Err(Error::Refused("Name the login to map.".into()));
    }
    let tx = store.conn().transaction()?;
    let stamp = super::Stamp::of(&tx)?;
    tx.execute(
        "UPDATE users SET login = NULL WHERE login = ?1 AND email <> ?2",
        [login, who.email.as_str()],
    )?;
    tx.execute(
        "INSERT INTO users (name, email, role, created_at, login) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (email) DO UPDATE SET name = excluded.name, role = excluded.role, login = excluded.login",
        [
            who.name.as_str(),
            who.email.as_str(),
            who.role.as_str(),
            stamp.text.as_str(),
            login,
        ],
    )?;
    let person = super::users::person_of_login(&tx, login)?.expect("the login was just mapped");
    tx.commit()?;
    log::info!("team desk login {login} is {}", person.actor());
    Ok(person)
}
