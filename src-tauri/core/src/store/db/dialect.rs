//! The SQL that differs between the engines, in one place per engine: fragments the store splices
//! into statements that are otherwise written once. Each fragment is fixed text per engine, so a
//! statement built with them is still prepared once and cached.
//!
//! Invariant: a fragment means the same on both engines (the same rows match), and on each it is
//! the form that engine's indexes serve.

/// One engine's way of saying the few things SQLite and PostgreSQL spell differently.
pub struct Dialect {
    /// `column` equals the parameter, ignoring ASCII case: SQLite's NOCASE (its NOCASE indexes
    /// serve it); PostgreSQL's `lower() = lower()` (the schema's `lower(column)` indexes serve it).
    nocase_eq: fn(&str, &str) -> String,
    /// The text of `key` in a column holding a JSON object (a timeline event's values).
    json_text: fn(&str, &str) -> String,
    /// Appended to a SELECT of one row the change is about to write after: PostgreSQL locks the
    /// row until the transaction ends (READ COMMITTED lets two changes read it at once otherwise);
    /// SQLite's IMMEDIATE transaction already holds the whole desk, and has no such clause. NO KEY
    /// UPDATE, not UPDATE: a change that has already inserted a row referring to the case holds
    /// a KEY SHARE lock on it, which FOR UPDATE would wait on, deadlocking two such changes.
    pub for_update: &'static str,
    /// Appended to a SELECT that claims one row of a queue: on PostgreSQL another workstation's
    /// worker skips the row this one has locked (and takes the next) instead of waiting for it.
    pub claim: &'static str,
    /// Takes a lock on the whole desk by number, for this connection, without waiting: one
    /// workstation at a time does a job for the desk (`store::desk_jobs`). Answers 1 when taken.
    /// `None` on SQLite, whose one workstation (the instance lock) always may.
    pub try_desk_lock: Option<&'static str>,
    /// Lets go of a lock [`Dialect::try_desk_lock`] took.
    pub desk_unlock: Option<&'static str>,
    /// Tells every other workstation listening on channel `?1` that `?2` changed (`store::live`);
    /// sent when the transaction it runs in commits. `None` on SQLite (one workstation).
    pub notify: Option<&'static str>,
    /// The server's clock, for the time of a change on a team desk (`Stamp::of`): every
    /// workstation's events carry one clock, so a wrong workstation clock cannot reorder a
    /// chain. `None` on SQLite, whose one workstation's clock is the desk's.
    pub server_now: Option<&'static str>,
    /// The login this connection authenticated as, as an SQL expression: on a team desk who is
    /// changing the desk (`store::users`). `None` on SQLite, which has no logins.
    pub session_login: Option<&'static str>,
    /// The search (`store::search`): `?1` a kind, `?2` the engine's query of folded prefix terms
    /// (`search::fts5_query` / `search::tsquery`), `?3` how many; newest first. Answers the case
    /// id, its ticket, the place, the title and the body.
    pub search: &'static str,
}

impl Dialect {
    pub fn nocase_eq(&self, column: &str, param: &str) -> String {
        (self.nocase_eq)(column, param)
    }

    pub fn json_text(&self, column: &str, key: &str) -> String {
        (self.json_text)(column, key)
    }
}

pub static SQLITE: Dialect = Dialect {
    nocase_eq: |column, param| format!("{column} = {param} COLLATE NOCASE"),
    json_text: |column, key| format!("json_extract({column}, '$.{key}')"),
    for_update: "",
    claim: "",
    try_desk_lock: None,
    desk_unlock: None,
    notify: None,
    server_now: None,
    session_login: None,
    // FTS5 walks its index in rowid order from the newest and stops at the limit; the kind is a
    // column of the index so the filter is part of the match, not a scan of the rows found.
    search: "SELECT d.case_id, c.ticket, d.place, d.title, d.body
             FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid LEFT JOIN cases c ON c.id = d.case_id
             WHERE search_fts MATCH ('kind : ' || ?1 || ' AND words : (' || ?2 || ')')
             ORDER BY search_fts.rowid DESC LIMIT ?3",
};

pub static POSTGRES: Dialect = Dialect {
    nocase_eq: |column, param| format!("lower({column}) = lower({param})"),
    json_text: |column, key| format!("({column}::jsonb ->> '{key}')"),
    for_update: " FOR NO KEY UPDATE",
    claim: " FOR UPDATE SKIP LOCKED",
    // Session-level advisory locks: per database, held by the connection until let go or closed
    // (a workstation that dies lets go with its connection).
    try_desk_lock: Some("SELECT CASE WHEN pg_try_advisory_lock(?1) THEN 1 ELSE 0 END"),
    desk_unlock: Some("SELECT CASE WHEN pg_advisory_unlock(?1) THEN 1 ELSE 0 END"),
    notify: Some("SELECT pg_notify(?1, ?2)"),
    server_now: Some("SELECT clock_timestamp()"),
    // session_user, not current_user: SET ROLE cannot change who the connection is.
    session_login: Some("session_user::text"),
    search: "SELECT d.case_id, c.ticket, d.place, d.title, d.body
             FROM search_docs d LEFT JOIN cases c ON c.id = d.case_id
             WHERE d.kind = ?1 AND d.words_tsv @@ to_tsquery('simple', ?2)
             ORDER BY d.id DESC LIMIT ?3",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_engine_spells_a_case_blind_match_and_a_json_field_its_own_way() {
        assert_eq!(SQLITE.nocase_eq("email", "?1"), "email = ?1 COLLATE NOCASE");
        assert_eq!(POSTGRES.nocase_eq("email", "?1"), "lower(email) = lower(?1)");
        assert_eq!(
            SQLITE.json_text("new_value", "level"),
            "json_extract(new_value, '$.level')"
        );
        assert_eq!(
            POSTGRES.json_text("new_value", "level"),
            "(new_value::jsonb ->> 'level')"
        );
    }
}
