//! What a team desk on PostgreSQL has beyond the tables: the group role its members' logins are
//! granted (issue 13 builds per-person logins and row rules on it).
//!
//! Invariant: the role may read and write the desk's rows and nothing else (no schema changes, no
//! other database); the append-only tables stay append-only for it through their triggers.

use super::Store;
use crate::error::{Error, Result};

/// The group role every member's login of a team desk is granted.
pub const MEMBER_ROLE: &str = "escalation_desk_member";

/// Creates the member group role when the server does not have it yet, and grants it the desk's
/// rows. Run by `desk init` as a role allowed to create roles.
pub fn create_group_role(store: &Store) -> Result<()> {
    let db = store.conn();
    if !db.is_postgres() {
        return Err(Error::Refused(
            "Group roles belong to a team desk on PostgreSQL.".into(),
        ));
    }
    // Roles are the server's, not the database's: another team desk on the same server may have
    // made it already, so it is made only when missing.
    db.execute_batch(&format!(
        "DO $$ BEGIN
             IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{MEMBER_ROLE}') THEN
                 CREATE ROLE {MEMBER_ROLE} NOLOGIN;
             END IF;
         END $$;
         GRANT USAGE ON SCHEMA public TO {MEMBER_ROLE};
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {MEMBER_ROLE};
         GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {MEMBER_ROLE};"
    ))
}
