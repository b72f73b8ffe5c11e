//! What a team desk on PostgreSQL has beyond the tables: the group roles its members' logins are
//! granted, which PostgreSQL itself enforces (not only the window).
//!
//! Invariants (per role; each includes the ones above it):
//! - `desk_viewer` reads every row and changes none.
//! - `desk_member` changes what a team's work changes (teams, plans, AAR sections, updates, mail),
//!   but opens no case: INSERT on `cases` is not granted.
//! - `desk_abrm` is a member (who signs as ABRM is checked against the case; issue 13 goes on).
//! - `desk_manager` also opens cases.
//! - No role may change the schema or reach another database; the append-only tables stay
//!   append-only for all of them through their triggers.

use super::Store;
use crate::error::{Error, Result};

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
    let mut sql = String::from("DO $$ BEGIN\n");
    for (_, role) in ROLES {
        sql.push_str(&format!(
            "IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE {role} NOLOGIN; END IF;\n"
        ));
    }
    sql.push_str(
        "END $$;
         GRANT desk_viewer TO desk_member;
         GRANT desk_member TO desk_abrm;
         GRANT desk_member TO desk_manager;
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
         GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO desk_member;
         GRANT INSERT ON cases TO desk_manager;",
    );
    db.execute_batch(&sql)
}

/// Grants `login` (an existing login role on the server) the desk role named `role`.
pub fn grant(store: &Store, login: &str, role: &str) -> Result<&'static str> {
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
    // One desk role a login: a new one replaces the old (a manager made a viewer loses the rest).
    let login = format!("\"{}\"", login.replace('"', "\"\""));
    let others: Vec<&str> = ROLES.iter().map(|(_, r)| *r).filter(|r| *r != group).collect();
    db.execute_batch(&format!(
        "REVOKE {} FROM {login}; GRANT {group} TO {login}",
        others.join(", ")
    ))?;
    Ok(group)
}
