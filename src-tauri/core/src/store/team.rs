//! Case teams (appoint, change role, standby, release) and the agreed order of work of people on
//! several active escalations. Every team change is on the case's timeline.

use std::collections::BTreeSet;

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use super::agencies::find_agency;
use super::cases::find_case_in;
use super::people::{find_person, person_ref};
use super::services::find_service;
use super::timeline::insert_event;
use super::{format_time, now, parse_stored, time_column, Store};
use crate::case::{Case, Level, Priority};
use crate::directory::{OrgKind, PersonRef};
use crate::error::{Error, Result};
use crate::stage::Stage;
use crate::team::{
    overloaded, Appointment, Assignment, CaseRef, LoadCase, OrderPosition, StaffLoad, Team, TeamMember, TeamRole,
    TeamSuggestion, WorkOrder, WorkOrderInput, AGREEING_ROLES,
};
use crate::timeline::{EventKind, NewEvent};

fn case_ref(conn: &Connection, id: i64) -> Result<CaseRef> {
    Ok(conn.query_row(
        "SELECT id, ticket, title, level, priority, stage FROM cases WHERE id = ?1",
        [id],
        |r| {
            Ok(CaseRef {
                id: r.get(0)?,
                ticket: r.get(1)?,
                title: r.get(2)?,
                level: parse_stored(r.get(3)?, Level::parse, "level")?,
                priority: parse_stored(r.get(4)?, Priority::parse, "priority")?,
                stage: parse_stored(r.get(5)?, Stage::parse, "stage")?,
            })
        },
    )?)
}

/// Every active membership on a case that is not closed.
fn assignments(conn: &Connection) -> Result<Vec<Assignment>> {
    let rows: Vec<(i64, i64, String)> = conn
        .prepare(
            "SELECT t.person_id, t.case_id, t.role FROM team_members t JOIN cases c ON c.id = t.case_id
             WHERE t.released_at IS NULL AND c.stage <> 'closed' ORDER BY t.id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(|(p, c, role)| {
            Ok(Assignment {
                person: person_ref(conn, p)?,
                case: case_ref(conn, c)?,
                role: TeamRole::parse(&role).ok_or_else(|| Error::Internal(format!("unknown team role {role}")))?,
            })
        })
        .collect()
}

fn latest_order(conn: &Connection, person_id: i64) -> Result<Option<WorkOrder>> {
    let id: Option<i64> = conn
        .query_row(
            "SELECT id FROM work_orders WHERE person_id = ?1 ORDER BY id DESC LIMIT 1",
            [person_id],
            |r| r.get(0),
        )
        .optional()?;
    id.map(|id| load_order(conn, id)).transpose()
}

fn load_order(conn: &Connection, id: i64) -> Result<WorkOrder> {
    let (person_id, case_ids, agreed_by, agreed_at, reason, recorded_at, recorded_by) = conn.query_row(
        "SELECT w.person_id, w.case_ids, w.agreed_by, w.agreed_at, w.reason, w.recorded_at, u.name
         FROM work_orders w JOIN users u ON u.id = w.recorded_by WHERE w.id = ?1",
        [id],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        },
    )?;
    let ids: Vec<i64> =
        serde_json::from_str(&case_ids).map_err(|e| Error::Internal(format!("work order {id}: {e}")))?;
    Ok(WorkOrder {
        id,
        person_id,
        cases: ids.into_iter().map(|c| case_ref(conn, c)).collect::<Result<_>>()?,
        agreed_by: person_ref(conn, agreed_by)?,
        agreed_at: time_column(agreed_at)?,
        reason,
        recorded_at: time_column(recorded_at)?,
        recorded_by,
    })
}

fn position_in(order: &WorkOrder, case_id: i64) -> Option<OrderPosition> {
    let i = order.cases.iter().position(|c| c.id == case_id)?;
    Some(OrderPosition {
        position: i as i64 + 1,
        of: order.cases.len() as i64,
        agreed_by: order.agreed_by.name.clone(),
        agreed_at: order.agreed_at,
    })
}

/// The case's team: members (active first), each with their other escalations and order of work,
/// and the people the directory suggests.
pub fn get_team(conn: &Connection, case: &Case) -> Result<Team> {
    // (member id, person id, role, standby, appointed at, appointed by, released at)
    type MemberRow = (i64, i64, String, bool, String, String, Option<String>);
    let rows: Vec<MemberRow> = conn
        .prepare(
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
        .collect::<rusqlite::Result<_>>()?;
    let all = assignments(conn)?;
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

fn suggestions(conn: &Connection, case: &Case, members: &[TeamMember]) -> Result<Vec<TeamSuggestion>> {
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

/// What the Team -> Appraisal guard needs to know.
pub(crate) fn has_active_role(conn: &Connection, case_id: i64, role: TeamRole) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM team_members WHERE case_id = ?1 AND role = ?2 AND released_at IS NULL)",
        params![case_id, role.as_str()],
        |r| r.get(0),
    )?)
}

fn holder_of(conn: &Connection, case_id: i64, role: TeamRole, except_member: Option<i64>) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT p.name FROM team_members t JOIN people p ON p.id = t.person_id
             WHERE t.case_id = ?1 AND t.role = ?2 AND t.released_at IS NULL AND t.id IS NOT ?3",
            params![case_id, role.as_str(), except_member],
            |r| r.get(0),
        )
        .optional()?)
}

fn ensure_seat_free(conn: &Connection, case_id: i64, role: TeamRole, except_member: Option<i64>) -> Result<()> {
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
            .query_row(
                "SELECT role FROM team_members WHERE case_id = ?1 AND person_id = ?2 AND released_at IS NULL",
                params![case_id, appointment.person_id],
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
        tx.execute(
            "INSERT INTO team_members (case_id, person_id, role, appointed_at, appointed_by) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![case_id, appointment.person_id, appointment.role.as_str(), stamp.text, who.id],
        )?;
        let org = &person.fields.organization;
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(EventKind::TeamAppointed, format!("Appointed {} ({org}) as {}", person.fields.name, appointment.role.label()))
                .values(serde_json::Value::Null, json!({ "person": person.fields.email, "role": appointment.role.as_str() })),
        )
    })
}

fn active_member(conn: &Connection, case_id: i64, member_id: i64) -> Result<(i64, TeamRole, bool, String)> {
    let row: Option<(i64, String, bool, String)> = conn
        .query_row(
            "SELECT t.person_id, t.role, t.standby, p.name FROM team_members t JOIN people p ON p.id = t.person_id
             WHERE t.id = ?1 AND t.case_id = ?2 AND t.released_at IS NULL",
            params![member_id, case_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
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
        tx.execute(
            "UPDATE team_members SET role = ?2 WHERE id = ?1",
            params![member_id, role.as_str()],
        )?;
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(
                EventKind::TeamRoleChanged,
                format!("{name}: {} → {}", old.label(), role.label()),
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
        tx.execute(
            "UPDATE team_members SET standby = ?2 WHERE id = ?1",
            params![member_id, standby],
        )?;
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
        tx.execute(
            "UPDATE team_members SET released_at = ?2, released_by = ?3 WHERE id = ?1",
            params![member_id, stamp.text, who.id],
        )?;
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(EventKind::TeamReleased, format!("Released {name} ({})", role.label()))
                .values(json!({ "role": role.as_str() }), serde_json::Value::Null),
        )
    })
}

/// Everyone on more than one active escalated case, with their cases and agreed order.
pub fn list_staff_load(store: &Store) -> Result<Vec<StaffLoad>> {
    let conn = store.conn();
    overloaded(&assignments(conn)?)
        .into_iter()
        .map(|(person, cases)| {
            let order = latest_order(conn, person.id)?;
            let out_of_date = order.as_ref().is_some_and(|o| !same_cases(o, &cases));
            Ok(StaffLoad {
                person,
                cases,
                order,
                order_out_of_date: out_of_date,
            })
        })
        .collect()
}

fn same_cases(order: &WorkOrder, cases: &[LoadCase]) -> bool {
    let a: BTreeSet<i64> = order.cases.iter().map(|c| c.id).collect();
    let b: BTreeSet<i64> = cases.iter().map(|c| c.case.id).collect();
    a == b
}

/// The agreed orders of work of a person, newest first.
pub fn list_work_orders(store: &Store, person_id: i64) -> Result<Vec<WorkOrder>> {
    let ids: Vec<i64> = store
        .conn()
        .prepare("SELECT id FROM work_orders WHERE person_id = ?1 ORDER BY id DESC")?
        .query_map([person_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.into_iter().map(|id| load_order(store.conn(), id)).collect()
}

/// Records the agreed order of a person's active cases; it appears on each case's team list.
pub fn insert_work_order(store: &mut Store, input: &WorkOrderInput) -> Result<WorkOrder> {
    let reason = crate::case::validate_reason("reason", &input.reason, "reason for this order")?;
    if input.agreed_at > now() + chrono::Duration::minutes(5) {
        return Err(Error::invalid(
            "agreedAt",
            "The order cannot have been agreed in the future.",
        ));
    }
    let id = store.change(|tx, who, stamp| {
        let load = overloaded(&assignments(tx)?);
        let Some((person, cases)) = load.into_iter().find(|(p, _)| p.id == input.person_id) else {
            let name = person_ref(tx, input.person_id)?.name;
            return Err(Error::Refused(format!(
                "{name} is not on more than one active escalated case, so there is no order of work to agree."
            )));
        };
        let mut given = input.case_ids.clone();
        let mut wanted: Vec<i64> = cases.iter().map(|c| c.case.id).collect();
        given.sort();
        wanted.sort();
        if given != wanted {
            return Err(Error::invalid(
                "caseIds",
                format!(
                    "The order must list each of {}'s active cases exactly once.",
                    person.name
                ),
            ));
        }
        let agreeing = find_person(tx, input.agreed_by_id)?;
        if agreeing.retired_at.is_some() || !agreeing.fields.roles.iter().any(|r| AGREEING_ROLES.contains(r)) {
            return Err(Error::invalid(
                "agreedById",
                format!(
                    "{} is not a department manager, executive or incident manager.",
                    agreeing.fields.name
                ),
            ));
        }
        tx.execute(
            "INSERT INTO work_orders (person_id, case_ids, agreed_by, agreed_at, reason, recorded_at, recorded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                input.person_id,
                serde_json::to_string(&input.case_ids).expect("ids serialize"),
                input.agreed_by_id,
                format_time(input.agreed_at),
                reason,
                stamp.text,
                who.id
            ],
        )?;
        let id = tx.last_insert_rowid();
        let n = input.case_ids.len();
        for (i, case_id) in input.case_ids.iter().enumerate() {
            insert_event(
                tx,
                *case_id,
                who,
                stamp,
                NewEvent::new(
                    EventKind::WorkOrderAgreed,
                    format!(
                        "Order of work for {} agreed with {}: this case is {} of {n}. {reason}",
                        person.name,
                        agreeing.fields.name,
                        i + 1
                    ),
                )
                .values(
                    serde_json::Value::Null,
                    json!({ "person": person.email, "order": input.case_ids, "position": i + 1 }),
                ),
            )?;
        }
        Ok(id)
    })?;
    load_order(store.conn(), id)
}
