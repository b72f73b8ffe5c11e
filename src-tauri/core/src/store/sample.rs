//! "Load sample data": a few realistic escalations so a newcomer sees the app working at once.
//!
//! Invariant: sample cases are made through the same store functions as real ones (so their
//! timelines are real, hash-chained and verifiable), and only into a database with no cases.

use super::{cases, problems, Store};
use crate::case::{CaseFields, CaseKind, Level, NewCase, Rating};
use crate::error::{Error, Result};
use crate::problem::NewProblem;
use crate::stage::StageAction;

pub fn is_empty(store: &Store) -> Result<bool> {
    let n: i64 = store.conn().query_row("SELECT COUNT(*) FROM cases", [], |r| r.get(0))?;
    Ok(n == 0)
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
    advances: usize,
}

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
    let mut made = Vec::new();
    for s in SAMPLES {
        let mut case = cases::insert_case(
            store,
            &NewCase {
                fields: CaseFields {
                    kind: s.kind,
                    ticket: s.ticket.into(),
                    title: s.title.into(),
                    description: s.description.into(),
                    agency: s.agency.into(),
                    affected_service: s.service.into(),
                    impact: s.impact,
                    urgency: s.urgency,
                    reported_by: s.reported_by.into(),
                    escalation_manager: manager.into(),
                },
                level: s.level,
                level_reason: s.reason.into(),
            },
        )?;
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
    Ok(made.len())
}
