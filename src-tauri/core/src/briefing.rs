//! What the briefing documents say: a case briefing built from the case page's own read
//! ([`CaseDetail`]), the portfolio briefing from the period's figures ([`Portfolio`]). Both are
//! laid out by the report's engine (`aar_pdf::briefing`).
//!
//! Invariants:
//! - Every text a user typed is escaped before it enters the Markdown (`md_escape`): a title with
//!   `|` or `*` prints as typed and cannot make a table or emphasis.
//! - Every figure printed is computed here from the rows given, never typed in: the tests read the
//!   PDF back and compare each with the store.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::aar::{format_minutes, local_time};
use crate::aar_pdf::briefing::{md_escape, Briefing, BriefingBlock, Chart, ChartKind};
use crate::aar_pdf::Paper;
use crate::case::{escalation_number, CaseDetail, Level};
use crate::figures::Portfolio;
use crate::plan::{ActionStatus, PlanView, ResourceDecision};
use crate::stage::{Stage, StageAction};

/// What the settings give every briefing (the report's: organization, marking, paper).
#[derive(Debug, Clone)]
pub struct Letterhead {
    pub organization: String,
    pub marking: String,
    pub paper: Paper,
}

/// A briefing written to disk, as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BriefingFile {
    pub path: String,
    pub pages: i64,
    pub bytes: i64,
    pub render_ms: i64,
}

fn since(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!(
        "{} (since {})",
        format_minutes((now - t).num_minutes().max(0)),
        local_time(t)
    )
}

/// (done, open, overdue) actions of a plan; dropped ones count nowhere.
pub fn plan_progress(plan: &PlanView) -> (usize, usize, usize) {
    let done = plan.actions.iter().filter(|a| a.status == ActionStatus::Done).count();
    let open = plan
        .actions
        .iter()
        .filter(|a| matches!(a.status, ActionStatus::Open | ActionStatus::InProgress))
        .count();
    (done, open, plan.overdue_actions.len())
}

fn level_label(level: Level) -> &'static str {
    match level {
        Level::Escalated => "Escalated",
        Level::Elevated => "Elevated",
    }
}

fn row(label: &str, value: &str) -> String {
    format!("| {label} | {} |\n", md_escape(value))
}

/// The case briefing: the case as of `now`, for the manager to print before an executive meeting.
pub fn case_briefing(d: &CaseDetail, head: &str, head_at: DateTime<Utc>, letterhead: &Letterhead) -> Briefing {
    let now = head_at;
    let c = &d.case;
    let mut blocks = Vec::new();
    let h = |blocks: &mut Vec<BriefingBlock>, heading: &str, md: String| {
        blocks.push(BriefingBlock::Heading(heading.to_owned()));
        blocks.push(BriefingBlock::Markdown(md));
    };

    // When the case became what it is now: the last level change to its level, or its opening.
    let level_since = d
        .timeline
        .iter()
        .find(|e| e.kind == crate::timeline::EventKind::LevelChanged)
        .map_or(c.opened_at, |e| e.at);
    let hierarchy = match c.hierarchy_level {
        0 => "Not raised".to_owned(),
        n => d
            .ladder
            .iter()
            .find(|l| l.level == n)
            .map_or(format!("Level {n}"), |l| format!("Level {n}: {}", l.name)),
    };
    let mut summary = format!(
        "{}\n\n| Item | As of now |\n|---|---|\n",
        md_escape(&c.fields.description)
    );
    summary += &row(
        "Level and stage",
        &format!("{} \u{b7} {}", level_label(c.level), c.stage.label()),
    );
    summary += &row("Priority", c.priority.as_str());
    summary += &row(
        "Agency and service",
        &format!("{} \u{b7} {}", c.fields.agency, c.fields.affected_service),
    );
    summary += &row("Open for", &since(c.opened_at, now));
    summary += &row(
        if c.level == Level::Escalated {
            "Escalated for"
        } else {
            "Elevated for"
        },
        &since(level_since, now),
    );
    summary += &row("Why", &c.level_reason);
    summary += &row("Hierarchical level", &hierarchy);
    summary += &row("Escalation manager", &c.fields.escalation_manager);
    if let Some(p) = &d.problem {
        summary += &row(
            "Problem case",
            &format!("{} ({} related incidents)", p.problem.ticket, p.incidents.len()),
        );
    }
    h(&mut blocks, "Summary", summary);

    let members: Vec<_> = d.team.members.iter().filter(|m| m.released_at.is_none()).collect();
    let team = if members.is_empty() {
        "No one is appointed yet.".to_owned()
    } else {
        let mut t = "| Role | Name | Organization | Appointed |\n|---|---|---|---|\n".to_owned();
        for m in members {
            t += &format!(
                "| {}{} | {} | {} | {} |\n",
                md_escape(m.role.label()),
                if m.standby { " (standby)" } else { "" },
                md_escape(&m.person.name),
                md_escape(&m.person.organization),
                local_time(m.appointed_at)
            );
        }
        t
    };
    h(&mut blocks, "Team", team);

    let mut plans = "| Plan | Revision | Done | Open | Overdue |\n|---|---|---|---|---|\n".to_owned();
    for (name, p) in [
        ("Escalation plan", &d.plans.escalation),
        ("Technical plan", &d.plans.technical),
    ] {
        let (done, open, overdue) = plan_progress(p);
        plans += &format!("| {name} | {} | {done} | {open} | {overdue} |\n", p.revision);
    }
    h(&mut blocks, "Plan progress", plans);

    let comms = &d.communications;
    let last = comms.updates.first().map_or("None sent yet.".to_owned(), |u| {
        format!("{}: {}", local_time(u.at), md_escape(&u.summary))
    });
    let next = match comms.next_update_due {
        Some(t) if comms.update_overdue => format!("{} (LATE)", local_time(t)),
        Some(t) => local_time(t),
        None => "No cadence agreed.".to_owned(),
    };
    h(
        &mut blocks,
        "Customer updates",
        format!("| Update | When |\n|---|---|\n| Last | {last} |\n| Next due | {next} |\n"),
    );

    let alerts = if d.alerts.is_empty() {
        "No executive alert was raised.".to_owned()
    } else {
        let mut t = "| Raised | Alert | Acknowledged |\n|---|---|---|\n".to_owned();
        for a in &d.alerts {
            t += &format!(
                "| {} | {} | {} |\n",
                local_time(a.raised_at),
                md_escape(&a.rule_name),
                a.acknowledged_at.map_or("Not yet".to_owned(), |t| format!(
                    "{} by {}",
                    local_time(t),
                    md_escape(a.acknowledged_by.as_deref().unwrap_or(""))
                )),
            );
        }
        t
    };
    h(&mut blocks, "Executive alerts", alerts);

    h(&mut blocks, "Open risks", open_risks(d));
    h(&mut blocks, "Next decision needed", next_decision(d));

    Briefing {
        organization: letterhead.organization.clone(),
        title: "Case briefing".into(),
        subtitle: c.fields.title.clone(),
        as_of: format!("As of {}", local_time(now)),
        reference: format!("{} \u{b7} {}", escalation_number(c.id), c.fields.ticket),
        marking: letterhead.marking.clone(),
        paper: letterhead.paper,
        blocks,
        chain_heads: vec![(c.fields.ticket.clone(), head.to_owned())],
    }
}

/// What may go wrong next, from what the case records: late actions, reviews and updates,
/// unanswered alerts, resources not granted, people stretched over other escalations.
fn open_risks(d: &CaseDetail) -> String {
    let mut risks = Vec::new();
    for (name, p) in [("escalation", &d.plans.escalation), ("technical", &d.plans.technical)] {
        for id in &p.overdue_actions {
            if let Some(a) = p.actions.iter().find(|a| &a.id == id) {
                risks.push(format!("Overdue {name} action: {}", md_escape(&a.description)));
            }
        }
        if p.review_overdue {
            risks.push(format!("The {name} plan's review is overdue."));
        }
        for a in &p.actions {
            for r in a.resources.iter().filter(|r| r.decision == ResourceDecision::Requested) {
                risks.push(format!(
                    "Resource not yet approved: {} from {}",
                    md_escape(&r.what),
                    md_escape(&r.from_whom)
                ));
            }
        }
    }
    if d.communications.update_overdue {
        risks.push("The customer update is late.".into());
    }
    let unanswered = d.alerts.iter().filter(|a| a.acknowledged_at.is_none()).count();
    if unanswered > 0 {
        risks.push(format!("{unanswered} executive alert(s) not acknowledged."));
    }
    for m in d
        .team
        .members
        .iter()
        .filter(|m| m.released_at.is_none() && !m.other_escalations.is_empty())
    {
        risks.push(format!(
            "{} is also on {} other active escalation(s).",
            md_escape(&m.person.name),
            m.other_escalations.len()
        ));
    }
    if risks.is_empty() {
        "None recorded.".into()
    } else {
        risks.iter().map(|r| format!("- {r}\n")).collect()
    }
}

/// The next step of the process and what it still needs: the decision the meeting is asked for.
fn next_decision(d: &CaseDetail) -> String {
    let forward = d
        .stage_options
        .iter()
        .find(|o| o.action == StageAction::Advance)
        .or_else(|| d.stage_options.iter().find(|o| o.action == StageAction::Close));
    match forward {
        None if d.case.stage == Stage::Closed => "None: the case is closed.".into(),
        None => "None recorded.".into(),
        Some(o) if o.missing.is_empty() => {
            format!("Ready to move to {}: the escalation manager decides.", o.to.label())
        }
        Some(o) => {
            let mut s = format!("To move to {}, still needed:\n\n", o.to.label());
            for m in &o.missing {
                s += &format!("- {}\n", md_escape(m));
            }
            s
        }
    }
}

/// The portfolio briefing of a period: the figures, the charts, and every case by priority.
pub fn portfolio_briefing(p: &Portfolio, now: DateTime<Utc>, letterhead: &Letterhead) -> Briefing {
    let mut blocks = Vec::new();
    let duration = |m: Option<i64>| m.map_or("none in the period".to_owned(), format_minutes);
    let mut figures = format!(
        "{} cases were open during the period; {} are active now.\n\n| Figure | Cases | Median | 90th percentile |\n|---|---|---|---|\n",
        p.cases.len(),
        p.active
    );
    for (label, f) in [
        ("Time to escalate", &p.to_escalate),
        ("Time to resolve", &p.to_resolve),
        ("Time to close", &p.to_close),
    ] {
        figures += &format!(
            "| {label} | {} | {} | {} |\n",
            f.count,
            duration(f.median_minutes),
            duration(f.p90_minutes)
        );
    }
    figures += &format!(
        "| AAR cycle (started to distributed) | {} | {} | {} |\n",
        p.aar_cycle.count,
        duration(p.aar_cycle.median_minutes),
        duration(p.aar_cycle.p90_minutes)
    );
    figures += "\n| Count | Value |\n|---|---|\n";
    for l in &p.by_level {
        figures += &format!("| {} cases | {} |\n", l.label, l.count);
    }
    for f in [
        &p.updates_on_time,
        &p.updates_late,
        &p.recurrences,
        &p.improvements_past_due,
    ] {
        figures += &format!("| {} | {} |\n", f.label, f.count);
    }
    blocks.push(BriefingBlock::Heading("Figures".into()));
    blocks.push(BriefingBlock::Markdown(figures));
    if !p.times_by_agency.is_empty() {
        let mut t = "| Agency | To escalate (median, 90th) | To resolve (median, 90th) | To close (median, 90th) |\n|---|---|---|---|\n".to_owned();
        let pair = |f: &crate::figures::DurationFigure| match (f.median_minutes, f.p90_minutes) {
            (Some(m), Some(p)) => format!(
                "{}, {} ({} case{})",
                format_minutes(m),
                format_minutes(p),
                f.count,
                if f.count == 1 { "" } else { "s" }
            ),
            _ => "none".to_owned(),
        };
        for a in &p.times_by_agency {
            t += &format!(
                "| {} | {} | {} | {} |\n",
                md_escape(&a.agency),
                pair(&a.to_escalate),
                pair(&a.to_resolve),
                pair(&a.to_close)
            );
        }
        blocks.push(BriefingBlock::Heading("Times by agency".into()));
        blocks.push(BriefingBlock::Markdown(t));
    }

    blocks.push(BriefingBlock::Heading("Charts".into()));
    let bars =
        |v: &[crate::figures::CountFigure]| v.iter().map(|c| (c.label.clone(), c.count as f64)).collect::<Vec<_>>();
    blocks.push(BriefingBlock::Chart(Chart {
        title: "Cases by stage".into(),
        kind: ChartKind::Bars,
        bars: bars(&p.by_stage),
        unit: "cases".into(),
    }));
    // The ten agencies with the most cases, the rest together.
    let mut agencies = bars(&p.by_agency[..p.by_agency.len().min(10)]);
    let rest: usize = p.by_agency.iter().skip(10).map(|a| a.count).sum();
    if rest > 0 {
        agencies.push((format!("{} other agencies", p.by_agency.len() - 10), rest as f64));
    }
    blocks.push(BriefingBlock::Chart(Chart {
        title: "Cases by agency".into(),
        kind: ChartKind::Bars,
        bars: agencies,
        unit: "cases".into(),
    }));
    blocks.push(BriefingBlock::Chart(Chart {
        title: "New escalations per week (weeks from Monday)".into(),
        kind: ChartKind::Columns,
        bars: bars(&p.new_per_week),
        unit: String::new(),
    }));
    blocks.push(BriefingBlock::Chart(Chart {
        title: "Time to resolve (resolutions in the period)".into(),
        kind: ChartKind::Bars,
        bars: bars(&p.resolve_buckets),
        unit: "cases".into(),
    }));

    let mut list =
        "| Priority | Ticket | Title | Agency | Level | Stage | Opened |\n|---|---|---|---|---|---|---|\n".to_owned();
    for c in &p.cases {
        list += &format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            c.priority.as_str(),
            md_escape(&c.ticket),
            md_escape(&c.title),
            md_escape(&c.agency),
            level_label(c.level),
            c.stage.label(),
            c.opened_at.format("%d %b %Y"),
        );
    }
    if p.cases.is_empty() {
        list = "No case was open during the period.".into();
    }
    blocks.push(BriefingBlock::Heading("Cases by priority".into()));
    blocks.push(BriefingBlock::Markdown(list));

    Briefing {
        organization: letterhead.organization.clone(),
        title: "Portfolio briefing".into(),
        subtitle: format!("Escalated and elevated cases, {}", p.period.label()),
        as_of: format!("As of {}", local_time(now)),
        reference: p.period.label(),
        marking: letterhead.marking.clone(),
        paper: letterhead.paper,
        blocks,
        chain_heads: p
            .cases
            .iter()
            .map(|c| (c.ticket.clone(), c.timeline_head.clone()))
            .collect(),
    }
}
