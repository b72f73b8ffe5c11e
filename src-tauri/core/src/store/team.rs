//! Case teams (appoint, change role, standby, release). Every team change is on the case's
//! timeline. The agreed order of work of people on several active escalations is in
//! `work_orders`.
//!
//! Invariant: a read looks only at the active memberships of the people it is about (see
//! [`Scope`]), never at every membership of the desk; closing a case releases its team
//! (`closure::after_move`), so active memberships are the open cases' only.

use crate::store::db::{Db, Optional};
use rusqlite::params;
use serde_json::json;

use super::agencies::find_agency;
use super::cases::find_case_in;
use super::people::{find_person, person_ref};
use super::services::find_service;
use super::timeline::insert_event;
use super::work_orders::{latest_order, position_in};
// The order of work has its own module; its old paths stay valid for the callers.
pub use super::work_orders::{insert_work_order, list_staff_load, list_work_orders};
use super::{parse_stored, time_column, Store};
use crate::case::{Case, Level, Priority};
use crate::directory::{OrgKind, PersonRef};
use crate::error::{Error, Result};
use crate::stage::Stage;
use crate::team::{Appointment, Assignment, CaseRef, Team, TeamMember, TeamRole, TeamSuggestion};
use crate::timeline::{EventKind, NewEvent};

pub(super) fn case_ref(conn: &Db, id: i64) -> Result<CaseRef> {
    conn.prepare_cached("SELECT id, ticket, title, level, priority, stage FROM cases WHERE id = ?1")?
        .query_row([id], |r| {
            Ok(CaseRef {
                id: r.get(0)?,
                ticket: r.get(1)?,
                title: r.get(2)?,
                level: parse_stored(r.get(3)?, Level::parse, "level")?,
                priority: parse_stored(r.get(4)?, Priority::parse, "priority")?,
                stage: parse_stored(r.get(5)?, Stage::parse, "stage")?,
            })
        })
}

/// Whose active memberships a read needs: never the whole desk's, only these people's.
#[derive(Clone, Copy)]
pub(super) enum Scope {
    /// The people on this case's active team (the team panel: their other escalations).
    TeamOf(i64),
    /// One person (agreeing their order of work).
    Person(i64),
    /// The people on more than one active escalated case (the staff-load screen).
    Overloaded,
}

/// The active memberships, on cases that are not closed, of the people in `scope`: one query,
/// through the index of active memberships by person.
pub(super) fn assignments(conn: &Db, scope: Scope) -> Result<Vec<Assignment>> {
    let (condition, id) = match scope {
        Scope::TeamOf(case_id) => (
            "t.person_id IN (SELECT m.person_id FROM team_members m WHERE m.case_id = ?1 AND m.released_at IS NULL)",
            Some(case_id),
        ),
        Scope::Person(person_id) => ("t.person_id = ?1", Some(person_id)),
        Scope::Overloaded => (
            "t.person_id IN (SELECT m.person_id FROM team_members m JOIN cases k ON k.id = m.case_id
                WHERE m.released_at IS NULL AND k.level = 'escalated' AND k.stage <> 'closed'
                GROUP BY m.person_id HAVING COUNT(DISTINCT m.case_id) > 1)",
            None,
        ),
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT p.id, p.name, p.email, p.organization, CASE WHEN p.retired_at IS NOT NULL THEN 1 ELSE 0 END,
                c.id, c.ticket, c.title, c.level, c.priority, c.stage, t.role
         FROM team_members t JOIN cases c ON c.id = t.case_id JOIN people p ON p.id = t.person_id
         WHERE t.released_at IS NULL AND c.stage <> 'closed' AND {condition}
         ORDER BY t.id"
    ))?;
    let rows = stmt.query_map(crate::store::db::params_from_iter(id), |r| {
        Ok(Assignment {
            person: PersonRef {
                id: r.get(0)?,
                name: r.get(1)?,
                email: r.get(2)?,
                organization: r.get(3)?,
                retired: r.get(4)?,
            },
            case: CaseRef {
                id: r.get(5)?,
                ticket: r.get(6)?,
                title: r.get(7)?,
                level: parse_stored(r.get(8)?, Level::parse, "level")?,
                priority: parse_stored(r.get(9)?, Priority::parse, "priority")?,
                stage: parse_stored(r.get(10)?, Stage::parse, "stage")?,
            },
            role: parse_stored(r.get(11)?, TeamRole::parse, "team role")?,
        })
    })?;
    rows.collect::<Result<_>>()
}

/// The case's team: members (active first), each with their other escalations and order of work,
/// and the people the directory suggests.
pub fn get_team(conn: &Db, case: &Case) -> Result<Team> {
    // (member id, person id, role, standby, appointed at, appointed by, released at)
    type MemberRow = (i64, i64, String, bool, String, String, Option<String>);
    let rows: Vec<MemberRow> = conn
        .prepare_cached(
            "SELECT t.id, t.person_id, t.role, t.standby, t.appointed_at, u.name, t.released_at
             FROM team_members t JOIN users u ON u.id = t.appointed_by
             WHERE t.case_id = ?1 ORDER BY t.released_at IS NOT NULL, t.id",
        )?
        .query_map([case.id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?
        .collect::<Result<_>>()?;
    let all = assignments(conn, Scope::TeamOf(case.id))?;
    let mut members = Vec::new();
    for (id, person_id, role, standby, appointed_at, appointed_by, released_at) in rows {
        let active = released_at.is_none();
        let other_escalations: Vec<CaseRef> = if active {
            all.iter()
                .filter(|a| a.person.id == person_id && a.case.id != case.id && a.case.level == Level::Escalated)
                .map(|a| a.case.clone())
                .collect::<Vec<_>>()
                .into_iter()
                .fold(Vec::new(), |mut acc: Vec<CaseRef>, c| {
                    if !acc.iter().any(|x| x.id == c.id) {
                        acc.push(c);
                    }
                    acc
                })
        } else {
            Vec::new()
        };
        let order = if active {
            latest_order(conn, person_id)?.and_then(|o| position_in(&o, case.id))
        } else {
            None
        };
        members.push(TeamMember {
            id,
            case_id: case.id,
            person: person_ref(conn, person_id)?,
            role: TeamRole::parse(&role).ok_or_else(|| Error::Internal(format!("unknown team role {role}")))?,
            standby,
            appointed_at: time_column(appointed_at)?,
            appointed_by,
            released_at: released_at.map(time_column).transpose()?,
            other_escalations,
            order,
        });
    }
    let suggestions = suggestions(conn, case, &members)?;
    Ok(Team { members, suggestions })
}

fn suggestions(conn: &Db, case: &Case, members: &[TeamMember]) -> Result<Vec<TeamSuggestion>> {
    let active: Vec<&TeamMember> = members.iter().filter(|m| m.released_at.is_none()).collect();
    let mut out = Vec::new();
    let mut offer = |person: Option<PersonRef>, role: TeamRole, because: String| {
        let Some(person) = person else { return };
        let seated = active.iter().any(|m| m.person.id == person.id);
        let role_taken = role.is_single() && active.iter().any(|m| m.role == role);
        if !person.retired && !seated && !role_taken && !out.iter().any(|s: &TeamSuggestion| s.person.id == person.id) {
            out.push(TeamSuggestion { person, role, because });
        }
    };
    if let Some(agency) = case.fields.agency_id.map(|id| find_agency(conn, id)).transpose()? {
        offer(
            agency.abrm.clone(),
            TeamRole::Abrm,
            format!("ABRM of {}", agency.fields.name),
        );
        offer(
            agency.customer_account_rep.clone(),
            TeamRole::CustomerAccountRep,
            format!("Customer account representative of {}", agency.fields.name),
        );
    }
    if let Some(service) = case.fields.service_id.map(|id| find_service(conn, id)).transpose()? {
        offer(
            service.owner.clone(),
            TeamRole::SubjectMatterExpert,
            format!("Owner of {}", service.fields.name),
        );
    }
    Ok(out)
}

fn holder_of(conn: &Db, case_id: i64, role: TeamRole, except_member: Option<i64>) -> Result<Option<String>> {
    conn.prepare_cached(
        "SELECT p.name FROM team_members t JOIN people p ON p.id = t.person_id
             WHERE t.case_id = ?1 AND t.role = ?2 AND t.released_at IS NULL AND t.id IS DISTINCT FROM ?3",
    )?
    .query_row(params![case_id, role.as_str(), except_member], |r| r.get(0))
    .optional()
}

fn ensure_seat_free(conn: &Db, case_id: i64, role: TeamRole, except_member: Option<i64>) -> Result<()> {
    if role.is_single() {
        if let Some(name) = holder_of(conn, case_id, role, except_member)? {
            return Err(Error::Refused(format!(
                "{name} is already the {} on this case; release them or change their role first.",
                role.label().to_lowercase().replace("abrm", "ABRM")
            )));
        }
    }
    Ok(())
}

/// Appoints a person from the directory to a role on the case's team.
pub fn insert_member(store: &mut Store, case_id: i64, appointment: &Appointment) -> Result<()> {
    store.change(|tx, who, stamp| {
        let case = find_case_in(tx, case_id)?;
        if case.stage == Stage::Closed {
            return Err(Error::Refused("The case is closed; reopen it before changing its team.".into()));
        }
        let person = find_person(tx, appointment.person_id)?;
        if person.retired_at.is_some() {
            return Err(Error::Refused(format!("{} is retired from the directory and cannot be appointed.", person.fields.name)));
        }
        if appointment.role == TeamRole::Vendor && person.fields.organization_kind != OrgKind::Vendor {
            return Err(Error::Refused(format!(
                "{} is not a vendor's contact; a third-party vendor seat takes a person whose organization is a vendor.",
                person.fields.name
            )));
        }
        let seated: Option<String> = tx
            .prepare_cached("SELECT role FROM team_members WHERE case_id = ?1 AND person_id = ?2 AND released_at IS NULL")?.query_row(params![case_id, appointment.person_id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(role) = seated {
            let label = TeamRole::parse(&role).map(TeamRole::label).unwrap_or("a member");
            return Err(Error::Refused(format!(
                "{} is already on the team as {label}; change their role instead.",
                person.fields.name
            )));
        }
        ensure_seat_free(tx, case_id, appointment.role, None)?;
        tx.prepare_cached("INSERT INTO team_members (case_id, person_id, role, appointed_at, appointed_by) VALUES (?1, ?2, ?3, ?4, ?5)")?.execute(params![case_id, appointment.person_id, appointment.role.as_str(), stamp.text, who.id],
        )?;
        let org = &person.fields.organization;
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(EventKind::TeamAppointed, format!("Appointed {} ({}) as {}", crate::bidi::closed(&person.fields.name), crate::bidi::closed(org), appointment.role.label()))
                .values(serde_json::Value::Null, json!({ "person": person.fields.email, "role": appointment.role.as_str() })),
        )
    })
}

fn active_member(conn: &Db, case_id: i64, member_id: i64) -> Result<(i64, TeamRole, bool, String)> {
    let row: Option<(i64, String, bool, String)> = conn
        .prepare_cached(
            "SELECT t.person_id, t.role, t.standby, p.name FROM team_members t JOIN people p ON p.id = t.person_id
             WHERE t.id = ?1 AND t.case_id = ?2 AND t.released_at IS NULL",
        )?
        .query_row(params![member_id, case_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let (person, role, standby, name) = row.ok_or(Error::NotFound {
        entity: "Active team member",
        id: member_id,
    })?;
    let role = TeamRole::parse(&role).ok_or_else(|| Error::Internal(format!("unknown team role {role}")))?;
    Ok((person, role, standby, name))
}

/// Changes a member's role.
pub fn update_member_role(store: &mut Store, case_id: i64, member_id: i64, role: TeamRole) -> Result<()> {
    store.change(|tx, who, stamp| {
        let (person_id, old, _, name) = active_member(tx, case_id, member_id)?;
        if old == role {
            return Err(Error::Refused(format!("{name} is already the {}.", role.label())));
        }
        if role == TeamRole::Vendor && find_person(tx, person_id)?.fields.organization_kind != OrgKind::Vendor {
            return Err(Error::Refused(format!("{name} is not a vendor's contact.")));
        }
        ensure_seat_free(tx, case_id, role, Some(member_id))?;
        tx.prepare_cached("UPDATE team_members SET role = ?2 WHERE id = ?1")?
            .execute(params![member_id, role.as_str()])?;
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(
                EventKind::TeamRoleChanged,
                format!("{}: {} → {}", crate::bidi::closed(&name), old.label(), role.label()),
            )
            .values(json!({ "role": old.as_str() }), json!({ "role": role.as_str() })),
        )
    })
}

/// Puts a member on standby (or back to active work).
pub fn update_member_standby(store: &mut Store, case_id: i64, member_id: i64, standby: bool) -> Result<()> {
    store.change(|tx, who, stamp| {
        let (_, _, old, name) = active_member(tx, case_id, member_id)?;
        if old == standby {
            return Err(Error::Refused(format!(
                "{name} is already {}.",
                if standby { "on standby" } else { "active" }
            )));
        }
        tx.prepare_cached("UPDATE team_members SET standby = ?2 WHERE id = ?1")?
            .execute(params![member_id, standby])?;
        let summary = if standby {
            format!("{name} placed on standby")
        } else {
            format!("{name} back from standby")
        };
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(EventKind::TeamStandbyChanged, summary)
                .values(json!({ "standby": old }), json!({ "standby": standby })),
        )
    })
}

/// Releases a member from the team; the record stays, marked released.
pub fn update_member_released(store: &mut Store, case_id: i64, member_id: i64) -> Result<()> {
    store.change(|tx, who, stamp| {
        let (_, role, _, name) = active_member(tx, case_id, member_id)?;
        tx.prepare_cached("UPDATE team_members SET released_at = ?2, released_by = ?3 WHERE id = ?1")?
            .execute(params![member_id, stamp.text, who.id])?;
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(
                EventKind::TeamReleased,
                format!("Released {} ({})", crate::bidi::closed(&name), role.label()),
            )
            .values(json!({ "role": role.as_str() }), serde_json::Value::Null),
        )
    })
}
