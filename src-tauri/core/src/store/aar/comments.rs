//! Comments on the report's sections: written by anyone on the desk, resolved once.
//!
//! Invariants:
//! - A comment is never edited or deleted; resolving it records who and when, and a resolved
//!   comment cannot be resolved again.
//! - Comments do not touch the section's text or version: they are allowed in every status.

use std::collections::HashMap;

use crate::store::db::{Db, Optional};
use rusqlite::params;

use super::sections::section_head;
use super::{event, get_aar};
use crate::aar::{Aar, AarComment};
use crate::error::{Error, Result};
use crate::store::{time_column, Store};
use crate::timeline::EventKind;

/// Every comment of the report, by section, oldest first: one read for the whole report (a page
/// reads the report on every open and after every save; a read per section was most of its reads).
pub(super) fn load_comments(conn: &Db, aar_id: i64) -> Result<HashMap<i64, Vec<AarComment>>> {
    let mut by_section: HashMap<i64, Vec<AarComment>> = HashMap::new();
    let rows = conn
        .prepare_cached(
            "SELECT c.section_id, c.id, c.author, c.body, c.created_at, c.resolved_at, c.resolved_by
             FROM aar_comments c JOIN aar_sections s ON s.id = c.section_id
             WHERE s.aar_id = ?1 ORDER BY c.id",
        )?
        .query_map([aar_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                AarComment {
                    id: r.get(1)?,
                    author: r.get(2)?,
                    body: r.get(3)?,
                    created_at: time_column(r.get(4)?)?,
                    resolved_at: r.get::<_, Option<String>>(5)?.map(time_column).transpose()?,
                    resolved_by: r.get(6)?,
                },
            ))
        })?
        .collect::<Result<Vec<_>>>()?;
    for (section_id, comment) in rows {
        by_section.entry(section_id).or_default().push(comment);
    }
    Ok(by_section)
}

pub fn insert_aar_comment(store: &mut Store, section_id: i64, body: &str) -> Result<Aar> {
    let body = body.trim().to_string();
    if body.is_empty() {
        return Err(Error::invalid("comment", "Write the comment first."));
    }
    crate::limits::check_chars("comment", "comment", &body, crate::limits::AAR_COMMENT_CHARS)?;
    let case_id = store.change(|tx, who, stamp| {
        let head = section_head(tx, section_id)?;
        tx.prepare_cached("INSERT INTO aar_comments (section_id, author, body, created_at) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![section_id, who.actor(), body, stamp.text])?;
        event(
            tx,
            head.case_id,
            who,
            stamp,
            EventKind::AarCommented,
            format!("Comment on AAR section \"{}\": {body}", head.title),
        )?;
        Ok(head.case_id)
    })?;
    Ok(get_aar(store.conn(), case_id)?.expect("the section's report exists"))
}

pub fn update_aar_comment_resolved(store: &mut Store, comment_id: i64) -> Result<Aar> {
    let case_id = store.change(|tx, who, stamp| {
        let section_id: i64 = tx
            .prepare_cached("SELECT section_id FROM aar_comments WHERE id = ?1")?
            .query_row([comment_id], |r| r.get(0))
            .optional()?
            .ok_or(Error::NotFound {
                entity: "Comment",
                id: comment_id,
            })?;
        let head = section_head(tx, section_id)?;
        let n = tx
            .prepare_cached(
                "UPDATE aar_comments SET resolved_at = ?2, resolved_by = ?3 WHERE id = ?1 AND resolved_at IS NULL",
            )?
            .execute(params![comment_id, stamp.text, who.actor()])?;
        if n == 0 {
            return Err(Error::Refused("This comment is already resolved.".into()));
        }
        event(
            tx,
            head.case_id,
            who,
            stamp,
            EventKind::AarCommented,
            format!("Comment on AAR section \"{}\" resolved", head.title),
        )?;
        Ok(head.case_id)
    })?;
    Ok(get_aar(store.conn(), case_id)?.expect("the section's report exists"))
}
