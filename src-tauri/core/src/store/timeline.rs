//! Appending to and reading a case's timeline. There is no update or delete here, by design.
//!
//! Invariant: in chain order an event's time never goes back. A change's stamp is taken when it
//! begins; on a team desk a change that then waited for the case (another workstation's change
//! held it) appends at the time of the event before it when that is later, so its place in the
//! chain and its time agree (the rows it changed keep the stamp: they were written in its name
//! before the wait ended).

use crate::store::db::{Db, Optional};
use rusqlite::params;

use super::{parse_stored, time_column, Stamp, Store};
use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::timeline::{event_hash, verify, ChainReport, EventKind, HashInput, NewEvent, RawEvent, TimelineEvent};

/// Appends one event inside the caller's transaction and moves the case's head to it.
///
/// Two workstations appending to one case at once: the case row is locked first (on PostgreSQL;
/// SQLite's transaction holds the desk), and the next number is read after the lock, in its own
/// statement, so it sees the other's committed event (READ COMMITTED takes a new snapshot per
/// statement; a subquery of the locking SELECT would still see the old one).
pub(crate) fn insert_event(tx: &Db, case_id: i64, who: &Identity, stamp: &Stamp, event: NewEvent) -> Result<()> {
    // The number the chain is hashed with: the case's own id, or, for a case imported from
    // another desk, the id it had there (migration 0021).
    let (head, chain_id): (String, i64) = tx
        .prepare_cached(&format!(
            "SELECT timeline_head, COALESCE(chain_id, id) FROM cases WHERE id = ?1{}",
            tx.dialect().for_update
        ))?
        .query_row([case_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let (seq, latest): (i64, Option<String>) = tx
        .prepare_cached(
            "SELECT COALESCE(MAX(seq), 0) + 1,
                    (SELECT at FROM timeline_events WHERE case_id = ?1 ORDER BY seq DESC LIMIT 1)
             FROM timeline_events WHERE case_id = ?1",
        )?
        .query_row([case_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let at = match latest.map(time_column).transpose()? {
        Some(latest) if latest > stamp.at => super::format_time(latest),
        _ => stamp.text.clone(),
    };
    let actor = who.actor();
    // What a field in the summary left open ends with the summary, not on the lines shown after it.
    let mut event = event;
    event.summary.push_str(&crate::bidi::closers(&event.summary));
    let old_value = event.old.map(|v| v.to_string());
    let new_value = event.new.map(|v| v.to_string());
    let hash = event_hash(&HashInput {
        prev_hash: &head,
        case_id: chain_id,
        seq,
        at: &at,
        actor: &actor,
        kind: event.kind.as_str(),
        summary: &event.summary,
        old_value: old_value.as_deref(),
        new_value: new_value.as_deref(),
    });
    let event_id: i64 = tx.prepare_cached("INSERT INTO timeline_events (case_id, seq, at, actor_id, actor, kind, summary, old_value, new_value, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id")?.query_row(params![case_id, seq, at, who.id, actor, event.kind.as_str(), event.summary, old_value, new_value, head, hash],
        |r| r.get(0),
    )?;
    super::search::index_event(tx, case_id, event_id, event.kind.as_str(), &event.summary)?;
    tx.prepare_cached("UPDATE cases SET timeline_head = ?1 WHERE id = ?2")?
        .execute(params![hash, case_id])?;
    stamp.touched.borrow_mut().insert(case_id);
    Ok(())
}

/// Locks the case row for the rest of the change (on PostgreSQL; SQLite's transaction holds the
/// desk already), for a change that reads something of the case and then writes after it (the
/// next plan revision's number): a second workstation's same change waits, then reads what the
/// first wrote, and is a stale-version conflict instead of a duplicate-key error.
pub(crate) fn lock_case(tx: &Db, case_id: i64) -> Result<()> {
    tx.prepare_cached(&format!(
        "SELECT id FROM cases WHERE id = ?1{}",
        tx.dialect().for_update
    ))?
    .query_row([case_id], |r| r.get::<_, i64>(0))?;
    Ok(())
}

/// The case's events, newest first (as the case page shows them).
pub fn list_events(store: &Store, case_id: i64) -> Result<Vec<TimelineEvent>> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT id, case_id, seq, at, actor, kind, summary, old_value, new_value, prev_hash, hash
         FROM timeline_events WHERE case_id = ?1 ORDER BY seq DESC",
    )?;
    let rows = stmt.query_map([case_id], |r| {
        Ok(TimelineEvent {
            id: r.get(0)?,
            case_id: r.get(1)?,
            seq: r.get(2)?,
            at: time_column(r.get(3)?)?,
            actor: r.get(4)?,
            kind: parse_stored(r.get(5)?, EventKind::parse, "event kind")?,
            summary: r.get(6)?,
            old_value: r.get(7)?,
            new_value: r.get(8)?,
            prev_hash: r.get(9)?,
            hash: r.get(10)?,
        })
    })?;
    rows.collect::<Result<_>>()
}

/// Checks the case's chain as stored, in insertion order, against the case's recorded head.
pub fn verify_case_timeline(store: &Store, case_id: i64) -> Result<ChainReport> {
    // The head and the events are read in one snapshot: an event appended between the two reads
    // (the window or the sweep writing meanwhile) would look like a cut chain.
    let snapshot = store.conn().snapshot()?;
    let (head, chain_id): (String, i64) = store
        .conn()
        .prepare_cached("SELECT timeline_head, COALESCE(chain_id, id) FROM cases WHERE id = ?1")?
        .query_row([case_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or(Error::NotFound {
            entity: "Case",
            id: case_id,
        })?;
    // Cached: `verify_all_timelines` runs this once per case of the desk.
    let mut stmt = store.conn().prepare_cached(
        "SELECT seq, at, actor, kind, summary, old_value, new_value, prev_hash, hash
         FROM timeline_events WHERE case_id = ?1 ORDER BY id",
    )?;
    let events = stmt
        .query_map([case_id], |r| {
            Ok(RawEvent {
                seq: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                kind: r.get(3)?,
                summary: r.get(4)?,
                old_value: r.get(5)?,
                new_value: r.get(6)?,
                prev_hash: r.get(7)?,
                hash: r.get(8)?,
            })
        })?
        .collect::<Result<Vec<_>>>()?;
    drop(stmt);
    drop(snapshot); // read only: ends without writing anything
    Ok(verify(chain_id, &events, &head))
}

/// A case's current chain head and when it was read, for writing outside the database (on every
/// PDF and distribution mail): a chain rewritten later no longer matches the paper.
pub fn chain_head(conn: &Db, case_id: i64) -> Result<String> {
    conn.prepare_cached("SELECT timeline_head FROM cases WHERE id = ?1")?
        .query_row([case_id], |r| r.get(0))
}

/// A chain head as people copy it: four groups of sixteen hex digits.
pub fn grouped_head(head: &str) -> String {
    head.as_bytes()
        .chunks(16)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Verifies every case's chain, one case at a time (each read is short; the store is not held
/// for the whole desk). A case that cannot even be read counts as broken, with the reason.
pub fn verify_all_timelines(store: &Store) -> Result<crate::timeline::IntegrityReport> {
    use crate::timeline::{BrokenCase, BrokenLink, IntegrityReport};
    let cases: Vec<(i64, String)> = store
        .conn()
        .prepare_cached("SELECT id, ticket FROM cases ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_>>()?;
    let mut report = IntegrityReport {
        cases_checked: 0,
        events_checked: 0,
        broken: Vec::new(),
        checked_at: super::now(),
        file_check: None,
    };
    for (case_id, ticket) in cases {
        report.cases_checked += 1;
        match verify_case_timeline(store, case_id) {
            Ok(r) => {
                report.events_checked += r.events_checked;
                if let Some(link) = r.first_broken {
                    report.broken.push(BrokenCase { case_id, ticket, link });
                }
            }
            Err(e) => report.broken.push(BrokenCase {
                case_id,
                ticket,
                link: BrokenLink {
                    seq: 0,
                    reason: format!("the timeline cannot be read: {e}"),
                },
            }),
        }
    }
    Ok(report)
}
