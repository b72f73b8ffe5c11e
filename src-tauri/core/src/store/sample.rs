//! "Load sample data": a few realistic escalations so a newcomer sees the app working at once.
//!
//! Invariant: sample cases are made through the same store functions as real ones (so their
//! timelines are real, hash-chained and verifiable), and only into a database with no cases.

use super::{agencies, cases, people, problems, services, team, Store};
use crate::case::{CaseFields, CaseKind, Level, NewCase, Rating};
use crate::directory::{AgencyFields, KeyContactInput, OrgKind, OrgRole, PersonFields, ServiceFields};
use crate::error::{Error, Result};
use crate::problem::NewProblem;
use crate::stage::StageAction;
use crate::team::{Appointment, TeamRole};

/// Whether the desk has no case yet; asked by every first screen, so it looks for one row instead
/// of counting them all.
pub fn is_empty(store: &Store) -> Result<bool> {
    Ok(!store.conn().prepare_cached("SELECT 1 FROM cases LIMIT 1")?.exists([])?)
}

struct Sample {
    kind: CaseKind,
    ticket: &'static str,
    title: &'static str,
    description: &'static str,
    agency: &'static str,
    service: &'static str,
    impact: Rating,
    urgency: Rating,
    reported_by: &'static str,
    level: Level,
    reason: &'static str,
    team: &'static [(&'static str, TeamRole)],
    advances: usize,
}

const PRIYA: &str = "priya.natarajan@doit.state.gov";
const ELENA: &str = "elena.vargas@doit.state.gov";
const TOM: &str = "tom.becker@doit.state.gov";
const SAM: &str = "sam.ortiz@doit.state.gov";
const MARCUS: &str = "marcus.hill@doit.state.gov";
const CHRIS: &str = "chris.young@apexnetworks.com";
const LINDA: &str = "linda.morales@dws.state.gov";

/// name, email, title, department, organization kind, organization, roles
type SamplePerson = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    OrgKind,
    &'static str,
    &'static [OrgRole],
);

const PEOPLE: &[SamplePerson] = &[
    (
        "Priya Natarajan",
        PRIYA,
        "Senior database administrator",
        "Infrastructure",
        OrgKind::Division,
        "DoIT",
        &[],
    ),
    (
        "Marcus Hill",
        MARCUS,
        "Network operations lead",
        "Infrastructure",
        OrgKind::Division,
        "DoIT",
        &[OrgRole::ServiceOwner],
    ),
    (
        "Elena Vargas",
        ELENA,
        "Agency business relationship manager",
        "Customer Relations",
        OrgKind::Division,
        "DoIT",
        &[OrgRole::Abrm],
    ),
    (
        "Tom Becker",
        TOM,
        "Customer account representative",
        "Customer Relations",
        OrgKind::Division,
        "DoIT",
        &[OrgRole::CustomerAccountRep],
    ),
    (
        "Sam Ortiz",
        SAM,
        "Application services manager",
        "Applications",
        OrgKind::Division,
        "DoIT",
        &[OrgRole::ServiceOwner],
    ),
    (
        "Grace Kim",
        "grace.kim@doit.state.gov",
        "Infrastructure department manager",
        "Infrastructure",
        OrgKind::Division,
        "DoIT",
        &[OrgRole::DepartmentManager],
    ),
    (
        "Alan Pierce",
        "alan.pierce@doit.state.gov",
        "Major incident manager",
        "Service Management",
        OrgKind::Division,
        "DoIT",
        &[OrgRole::IncidentManager],
    ),
    (
        "Robert Chavez",
        "robert.chavez@doit.state.gov",
        "Chief information officer",
        "Office of the CIO",
        OrgKind::Division,
        "DoIT",
        &[OrgRole::ExecutiveManagement],
    ),
    (
        "Chris Young",
        CHRIS,
        "Escalations engineer",
        "Support",
        OrgKind::Vendor,
        "Apex Network Services",
        &[],
    ),
    (
        "Linda Morales",
        LINDA,
        "Cabinet secretary",
        "Office of the Secretary",
        OrgKind::Agency,
        "Department of Workforce Solutions",
        &[],
    ),
];

const SAMPLES: &[Sample] = &[
    Sample {
        kind: CaseKind::Incident,
        ticket: "INC0104233",
        title: "Unemployment claims portal unavailable statewide",
        description: "Since 07:40 the claims portal returns HTTP 503 to every claimant. Weekly certifications are due today; the call centre queue is over 900.",
        agency: "Department of Workforce Solutions",
        service: "UI Claims Portal",
        impact: Rating::High,
        urgency: Rating::High,
        reported_by: "Maria Lopez (DWS service desk)",
        level: Level::Escalated,
        reason: "Statewide outage of a public-facing service on a certification deadline; the cabinet secretary has asked for hourly updates.",
        team: &[(PRIYA, TeamRole::IncidentOwner), (ELENA, TeamRole::Abrm), (SAM, TeamRole::SubjectMatterExpert)],
        advances: 2,
    },
    Sample {
        kind: CaseKind::Incident,
        ticket: "INC0104270",
        title: "Claims adjudicator workbench times out on save",
        description: "Adjudicators lose work when saving determinations; same database cluster as the portal outage.",
        agency: "Department of Workforce Solutions",
        service: "UI Adjudication",
        impact: Rating::Medium,
        urgency: Rating::High,
        reported_by: "Kevin Tran (DWS adjudication)",
        level: Level::Elevated,
        reason: "Backlog grows by about 300 determinations a day; workaround available (save drafts locally).",
        team: &[(PRIYA, TeamRole::SubjectMatterExpert)],
        advances: 1,
    },
    Sample {
        kind: CaseKind::Incident,
        ticket: "INC0104251",
        title: "VPN drops for Corrections field offices",
        description: "Probation officers in 14 field offices lose the VPN every 20-40 minutes; case notes cannot be filed.",
        agency: "Department of Corrections",
        service: "Remote Access VPN",
        impact: Rating::High,
        urgency: Rating::Medium,
        reported_by: "Angela Brooks (NMCD IT)",
        level: Level::Escalated,
        reason: "Public-safety staff cannot record supervision contacts; vendor engagement needed.",
        team: &[(MARCUS, TeamRole::IncidentOwner), (PRIYA, TeamRole::SubjectMatterExpert), (CHRIS, TeamRole::Vendor)],
        advances: 1,
    },
    Sample {
        kind: CaseKind::ServiceRequest,
        ticket: "RITM0087710",
        title: "Emergency mailboxes for the Governor's press office",
        description: "Six shared mailboxes and a distribution list needed before tomorrow's 09:00 briefing.",
        agency: "Office of the Governor",
        service: "Email and Calendaring",
        impact: Rating::Medium,
        urgency: Rating::Medium,
        reported_by: "Chief of Staff's office",
        level: Level::Elevated,
        reason: "Governor's office deadline; no work stoppage needed.",
        team: &[],
        advances: 0,
    },
];

/// Fills an empty database with the sample escalations; returns how many cases were made.
pub fn insert_sample_data(store: &mut Store, manager: &str) -> Result<usize> {
    if !is_empty(store)? {
        return Err(Error::Refused(
            "Sample data is only loaded into an empty database; this one already has cases.".into(),
        ));
    }
    // The sample cases' manager is in the directory, with the identity's address, so their
    // sign-off codes can reach them (a code never goes to an address typed on the identity form
    // alone: here the directory entry is made from it, as a new desk's first manager would).
    let manager_entry = super::users::get_current_user(store)?.map(|me| PersonFields {
        name: manager.into(),
        email: me.email.clone(),
        phone: String::new(),
        title: me.role.clone(),
        department: "Service Management".into(),
        organization_kind: crate::directory::OrgKind::Division,
        organization: "Department of Information Technology".into(),
        roles: vec![crate::directory::OrgRole::EscalationManager],
    });
    // The samples are written by many changes: what comes from the identity is checked before the
    // first, so a manager the directory or a case would refuse stops them before anything is written.
    if let Some(entry) = &manager_entry {
        entry.validate()?;
    }
    for s in SAMPLES {
        sample_case(s, manager).validate()?;
    }
    insert_sample_directory(store)?;
    if let Some(entry) = manager_entry {
        if people::find_person_by_email(store.conn(), &entry.email)?.is_none() {
            people::insert_person(store, &entry)?;
        }
    }
    let mut made = Vec::new();
    for s in SAMPLES {
        let mut case = cases::insert_case(store, &sample_case(s, manager))?;
        for (email, role) in s.team {
            let person = person_id(store, email)?;
            team::insert_member(
                store,
                case.id,
                &Appointment {
                    person_id: person,
                    role: *role,
                },
            )?;
        }
        for _ in 0..s.advances {
            case = cases::update_stage(store, case.id, case.version, StageAction::Advance, None)?;
        }
        made.push(case);
    }
    let portal = &made[0];
    let portal = problems::insert_problem(
        store,
        portal.id,
        portal.version,
        &NewProblem {
            ticket: "PRB0040012".into(),
            title: "Claims database cluster failover does not complete".into(),
        },
    )?;
    let workbench = &made[1];
    problems::update_case_problem(store, workbench.id, workbench.version, portal.problem_id)?;
    // The sample's stage notices name made-up people: keep them visible in the outbox, never send them.
    for case in &made {
        store.conn().prepare_cached("UPDATE outbox SET status = 'cancelled', last_error = 'Sample data: not sent.' WHERE case_id = ?1 AND status = 'queued'")?.execute([case.id],
        )?;
    }
    Ok(made.len())
}

fn sample_case(s: &Sample, manager: &str) -> NewCase {
    NewCase {
        fields: CaseFields {
            kind: s.kind,
            ticket: s.ticket.into(),
            title: s.title.into(),
            description: s.description.into(),
            agency: s.agency.into(),
            affected_service: s.service.into(),
            agency_id: None,
            service_id: None,
            impact: s.impact,
            urgency: s.urgency,
            reported_by: s.reported_by.into(),
            escalation_manager: manager.into(),
        },
        level: s.level,
        level_reason: s.reason.into(),
    }
}

fn person_id(store: &Store, email: &str) -> Result<i64> {
    people::find_person_by_email(store.conn(), email)?
        .map(|p| p.id)
        .ok_or_else(|| Error::Internal(format!("sample person {email} is missing")))
}

/// The people, agencies and services the sample cases refer to; entries already in the directory
/// (same email or name) are left as they are.
fn insert_sample_directory(store: &mut Store) -> Result<()> {
    for (name, email, title, department, kind, organization, roles) in PEOPLE {
        if people::find_person_by_email(store.conn(), email)?.is_none() {
            people::insert_person(
                store,
                &PersonFields {
                    name: (*name).into(),
                    email: (*email).into(),
                    phone: String::new(),
                    title: (*title).into(),
                    department: (*department).into(),
                    organization_kind: *kind,
                    organization: (*organization).into(),
                    roles: roles.to_vec(),
                },
            )?;
        }
    }
    let cabinet = agencies::find_category_by_name(store.conn(), "Cabinet secretary")?
        .ok_or_else(|| Error::Internal("the built-in contact categories are missing".into()))?;
    let (elena, tom, linda) = (
        person_id(store, ELENA)?,
        person_id(store, TOM)?,
        person_id(store, LINDA)?,
    );
    let agency_list = [
        (
            "Department of Workforce Solutions",
            "Economic Security",
            vec![KeyContactInput {
                person_id: linda,
                category_id: cabinet.id,
            }],
        ),
        ("Department of Corrections", "Public Safety", vec![]),
        ("Office of the Governor", "Executive", vec![]),
    ];
    for (name, segment, contacts) in agency_list {
        if agencies::find_agency_by_name(store.conn(), name)?.is_none() {
            agencies::insert_agency(
                store,
                &AgencyFields {
                    name: name.into(),
                    business_segment: segment.into(),
                    abrm_id: Some(elena),
                    customer_account_rep_id: Some(tom),
                    contacts,
                },
            )?;
        }
    }
    let service_list = [
        ("UI Claims Portal", SAM),
        ("UI Adjudication", SAM),
        ("Remote Access VPN", MARCUS),
    ];
    for (name, owner) in service_list {
        if services::find_service_by_name(store.conn(), name)?.is_none() {
            let owner_id = Some(person_id(store, owner)?);
            services::insert_service(
                store,
                &ServiceFields {
                    name: name.into(),
                    owner_id,
                    manager_id: owner_id,
                },
            )?;
        }
    }
    Ok(())
}
