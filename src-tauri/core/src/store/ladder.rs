//! The escalation ladder and raising a case up it (with its notice in the outbox and its event on
//! the timeline, in one transaction).

use crate::store::db::Db;
use rusqlite::params;
use serde_json::json;

use super::cases::{claim, find_case_in, get_case};
use super::outbox::insert_message_in;
use super::people::person_ref;
use super::timeline::insert_event;
use super::Store;
use crate::case::{validate_reason, Case};
use crate::error::{Error, Result};
use crate::ladder::{validate_ladder, LadderLevel, LadderLevelInput};
use crate::mail::templates;
use crate::timeline::{EventKind, NewEvent};

pub fn get_ladder(conn: &Db) -> Result<Vec<LadderLevel>> {
    let levels: Vec<(i64, String)> = conn
        .prepare_cached("SELECT level, name FROM ladder_levels ORDER BY level")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_>>()?;
    levels
        .into_iter()
        .map(|(level, name)| {
            let ids: Vec<i64> = conn
                .prepare_cached("SELECT person_id FROM ladder_people WHERE level = ?1 ORDER BY person_id")?
                .query_map([level], |r| r.get(0))?
                .collect::<Result<_>>()?;
            Ok(LadderLevel {
                level,
                name,
                people: ids.into_iter().map(|id| person_ref(conn, id)).collect::<Result<_>>()?,
            })
        })
        .collect()
}

/// Replaces the whole ladder. Cases already above the new top keep their level.
pub fn update_ladder(store: &mut Store, levels: &[LadderLevelInput]) -> Result<Vec<LadderLevel>> {
    let levels = validate_ladder(levels)?;
    store.change(|tx, _, _| {
        for l in &levels {
            for id in &l.person_ids {
                person_ref(tx, *id).map_err(|_| Error::NotFound {
                    entity: "Person",
                    id: *id,
                })?;
            }
        }
        tx.prepare_cached("DELETE FROM ladder_people")?.execute([])?;
        tx.prepare_cached("DELETE FROM ladder_levels")?.execute([])?;
        for (i, l) in levels.iter().enumerate() {
            let level = i as i64 + 1;
            tx.prepare_cached("INSERT INTO ladder_levels (level, name) VALUES (?1, ?2)")?
                .execute(params![level, l.name])?;
            for id in &l.person_ids {
                tx.prepare_cached("INSERT INTO ladder_people (level, person_id) VALUES (?1, ?2)")?
                    .execute(params![level, id])?;
            }
        }
        Ok(())
    })?;
    get_ladder(store.conn())
}

/// Raises the case to the next level of the ladder, notifying that level's people.
pub fn update_hierarchy_level(store: &mut Store, case_id: i64, expected_version: i64, reason: &str) -> Result<Case> {
    let reason = validate_reason("reason", reason, "reason for raising the case")?;
    store.change(|tx, who, stamp| {
        let case = find_case_in(tx, case_id)?;
        // A stale view is a conflict before anything else (the refusal below rolls the claim back).
        claim(tx, case_id, expected_version, &stamp.text)?;
        let ladder = get_ladder(tx)?;
        if ladder.is_empty() {
            return Err(Error::Refused(
                "No escalation ladder is set up yet: define its levels in the Directory.".into(),
            ));
        }
        let next = case.hierarchy_level + 1;
        let Some(level) = ladder.iter().find(|l| l.level == next) else {
            return Err(Error::Refused(format!(
                "The case is already at the top of the ladder (level {}).",
                case.hierarchy_level
            )));
        };
        tx.prepare_cached("UPDATE cases SET hierarchy_level = ?2 WHERE id = ?1")?
            .execute(params![case_id, next])?;
        let to: Vec<String> = level
            .people
            .iter()
            .filter(|p| !p.retired)
            .map(|p| p.email.clone())
            .collect();
        let raised = Case {
            hierarchy_level: next,
            ..case.clone()
        };
        if !to.is_empty() {
            let draft = templates::hierarchy_notice(&raised, next, &level.name, &reason, &who.name, to);
            insert_message_in(tx, Some(case_id), "hierarchy", &draft)?;
        }
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(
                EventKind::HierarchyRaised,
                format!(
                    "Raised to level {next} ({}): {reason}",
                    crate::bidi::closed(&level.name)
                ),
            )
            .values(
                json!({ "level": case.hierarchy_level }),
                json!({ "level": next, "reason": reason }),
            ),
        )
    })?;
    get_case(store, case_id)
}
