//! The texts of our messages, built from the case's fields: each in plain text and HTML.
//!
//! Invariant: the store writes no subject or body itself; every message it queues in the outbox is
//! built here, so the wording of all our mail is read and changed in one place.

use super::message::{html_escape, Attachment, Draft};
use crate::case::Case;
use crate::closure::{Attendee, ReviewMeeting};
use crate::ical::{self, Method};

fn case_block_text(case: &Case) -> String {
    format!(
        "Case: {} {}\nCustomer agency: {}\nAffected service: {}\nPriority: {}  Level: {}  Stage: {}\nEscalation manager: {}\n",
        case.fields.ticket,
        case.fields.title,
        case.fields.agency,
        case.fields.affected_service,
        case.priority.as_str(),
        case.level.as_str(),
        case.stage.label(),
        case.fields.escalation_manager
    )
}

fn case_block_html(case: &Case) -> String {
    let row = |k: &str, v: &str| format!("<tr><th align=\"left\">{k}</th><td>{}</td></tr>", html_escape(v));
    format!(
        "<table cellpadding=\"4\">{}{}{}{}{}{}</table>",
        row("Case", &format!("{} {}", case.fields.ticket, case.fields.title)),
        row("Customer agency", &case.fields.agency),
        row("Affected service", &case.fields.affected_service),
        row(
            "Priority / level",
            &format!("{} / {}", case.priority.as_str(), case.level.as_str())
        ),
        row("Stage", case.stage.label()),
        row("Escalation manager", &case.fields.escalation_manager),
    )
}

fn paragraphs_html(text: &str) -> String {
    text.split("\n\n")
        .map(|p| format!("<p>{}</p>", html_escape(p).replace('\n', "<br>")))
        .collect()
}

fn html_page(title: &str, intro: &str, body: &str, case: &Case) -> String {
    format!(
        "<!doctype html><html><body style=\"font-family: sans-serif; color: #18202b\"><h2>{}</h2>{}{}<hr>{}<p style=\"color:#485567;font-size:12px\">Sent by Escalation Desk.</p></body></html>",
        html_escape(title),
        paragraphs_html(intro),
        paragraphs_html(body),
        case_block_html(case)
    )
}

/// A short notice's page: its paragraphs and the footer, without the case's table.
fn short_html(paragraphs: &str) -> String {
    format!(
        "<!doctype html><html><body style=\"font-family: sans-serif\">{paragraphs}<p style=\"color:#485567;font-size:12px\">Sent by Escalation Desk.</p></body></html>"
    )
}

/// A progress notice to the team and management: at a stage change or a posted update.
pub fn progress_notice(case: &Case, headline: &str, details: &str, author: &str, recipients: Vec<String>) -> Draft {
    let subject = format!("[{}] Progress: {}", case.fields.ticket, headline);
    let intro = format!(
        "{author} posted progress on {} ({}).",
        case.fields.ticket, case.fields.agency
    );
    Draft {
        attachments: Vec::new(),
        recipients,
        text: format!(
            "{headline}\n\n{intro}\n\n{details}\n\n{}\n-- \nSent by Escalation Desk.\n",
            case_block_text(case)
        ),
        html: html_page(headline, &intro, details, case),
        subject,
    }
}

/// An update to the customer's contacts.
pub fn customer_update(case: &Case, summary: &str, major: bool, author: &str, recipients: Vec<String>) -> Draft {
    let kind = if major { "Major development" } else { "Update" };
    let subject = format!("[{}] {kind}: {}", case.fields.ticket, case.fields.title);
    let intro = format!("{kind} on {} from {author}, escalation team.", case.fields.ticket);
    Draft {
        attachments: Vec::new(),
        recipients,
        text: format!(
            "{intro}\n\n{summary}\n\n{}\n-- \nSent by Escalation Desk.\n",
            case_block_text(case)
        ),
        html: html_page(&format!("{kind}: {}", case.fields.title), &intro, summary, case),
        subject,
    }
}

/// The settings screen's "send test message".
pub fn test_message(recipient: &str) -> Draft {
    Draft {
        attachments: Vec::new(),
        recipients: vec![recipient.to_owned()],
        subject: "Escalation Desk test message".into(),
        text: "This is a test message from Escalation Desk: your mail settings work.\n".into(),
        html: "<p>This is a test message from Escalation Desk: your mail settings work.</p>".into(),
    }
}

/// A hierarchical escalation: the people of the level the case reached.
pub fn hierarchy_notice(
    case: &Case,
    level: i64,
    level_name: &str,
    reason: &str,
    author: &str,
    recipients: Vec<String>,
) -> Draft {
    let subject = format!(
        "[{}] Escalated to you (level {level}, {level_name}): {}",
        case.fields.ticket, case.fields.title
    );
    let intro = format!(
        "{author} raised {} to level {level} of the escalation ladder ({level_name}).",
        case.fields.ticket
    );
    Draft {
        attachments: Vec::new(),
        recipients,
        text: format!(
            "{intro}\n\nReason: {reason}\n\n{}\n-- \nSent by Escalation Desk.\n",
            case_block_text(case)
        ),
        html: html_page(
            &format!("Escalated to level {level}: {level_name}"),
            &intro,
            &format!("Reason: {reason}"),
            case,
        ),
        subject,
    }
}

/// An executive alert: a rule's criteria are met by the case.
pub fn executive_alert(case: &Case, reasons: &[(String, String)], recipients: Vec<String>) -> Draft {
    // One situation, one mail: every rule that matched the same change is named in it.
    let subject = match reasons {
        [(name, _)] => format!(
            "[{}] Executive alert: {} ({})",
            case.fields.ticket, name, case.fields.agency
        ),
        many => format!(
            "[{}] Executive alert: {} criteria met ({})",
            case.fields.ticket,
            many.len(),
            case.fields.agency
        ),
    };
    let listed = reasons
        .iter()
        .map(|(name, criteria)| format!("\"{name}\": {criteria}"))
        .collect::<Vec<_>>()
        .join("; ");
    let intro = format!(
        "{} meets the executive alert criteria {listed}. Please acknowledge it in Escalation Desk.",
        case.fields.ticket
    );
    let title = match reasons {
        [(name, _)] => format!("Executive alert: {name}"),
        many => format!("Executive alert: {} criteria met", many.len()),
    };
    Draft {
        attachments: Vec::new(),
        recipients,
        text: format!(
            "{intro}\n\n{}\n{}\n-- \nSent by Escalation Desk.\n",
            case.fields.title,
            case_block_text(case)
        ),
        html: html_page(&title, &intro, &case.fields.title, case),
        subject,
    }
}

/// The start of the warranty, to the team and the customer: who warranties it, until when.
pub fn warranty_notice(case: &Case, car: &str, days: u32, end: &str, resolution: &str, to: Vec<String>) -> Draft {
    let subject = format!("[{}] Resolved: warranty of {days} days until {end}", case.fields.ticket);
    let intro = format!(
        "{} ({}) is resolved. {car} warranties the solution for {days} days, until {end}. The escalation team stays on standby: if the problem comes back, tell us and the team resumes at once.",
        case.fields.ticket, case.fields.title
    );
    Draft {
        recipients: to,
        text: format!("{intro}\n\nResolution: {resolution}\n\n-- \nSent by Escalation Desk.\n"),
        html: short_html(&format!(
            "<p>{}</p><p><b>Resolution:</b> {}</p>",
            html_escape(&intro),
            html_escape(resolution)
        )),
        subject,
        attachments: vec![],
    }
}

/// The approved After Action Report, its PDF attached, to the distribution's recipients.
pub fn aar_distribution(
    case: &Case,
    revision: i64,
    author: &str,
    to: Vec<String>,
    filename: &str,
    pdf: &[u8],
    chain: &str,
) -> Draft {
    let subject = format!(
        "[{}] After Action Report (revision {revision}): {}",
        case.fields.ticket, case.fields.title
    );
    let intro = format!(
        "The After Action Report for {} ({}), revision {revision}, is attached as {filename}. Sent by {author}.",
        case.fields.ticket, case.fields.agency
    );
    // The case's timeline chain head leaves the building with every copy: a timeline rewritten
    // afterwards no longer matches the mail the recipients kept.
    let proof = format!(
        "Timeline chain head of {}: {chain}.",
        crate::case::escalation_number(case.id)
    );
    Draft {
        recipients: to,
        text: format!("{intro}\n\n{proof}\n\n-- \nSent by Escalation Desk.\n"),
        html: short_html(&format!(
            "<p>{}</p><p><small>{}</small></p>",
            html_escape(&intro),
            html_escape(&proof)
        )),
        subject,
        attachments: vec![Attachment {
            filename: filename.into(),
            content_type: "application/pdf".into(),
            bytes: pdf.to_vec(),
        }],
    }
}

/// The review meeting's invitation, update or cancellation (`method` and the meeting's SEQUENCE
/// say which), with its calendar file (`ics`) attached; `when` is the start in the desk's zone.
pub fn review_invitation(
    case: &Case,
    m: &ReviewMeeting,
    method: Method,
    when: &str,
    ics: String,
    to: &[Attendee],
) -> Draft {
    let (subject, intro) = match (method, m.sequence) {
        (Method::Cancel, _) => (
            format!("Cancelled: post-escalation review of {} ({when})", case.fields.ticket),
            format!(
                "The post-escalation review of {} on {when} is cancelled.",
                case.fields.ticket
            ),
        ),
        (Method::Request, 0) => (
            format!("Invitation: post-escalation review of {} ({when})", case.fields.ticket),
            format!(
                "You are invited to the post-escalation review of {} ({}) on {when}, {} minutes, at {}.",
                case.fields.ticket, case.fields.title, m.duration_minutes, m.location
            ),
        ),
        (Method::Request, _) => (
            format!("Updated: post-escalation review of {} ({when})", case.fields.ticket),
            format!(
                "The post-escalation review of {} has moved: now on {when}, {} minutes, at {}.",
                case.fields.ticket, m.duration_minutes, m.location
            ),
        ),
    };
    Draft {
        recipients: to.iter().map(|a| a.email.clone()).collect(),
        text: format!("{intro}\n\nAgenda:\n{}\n\n-- \nSent by Escalation Desk.\n", m.agenda),
        html: format!(
            "<!doctype html><html><body style=\"font-family: sans-serif\"><p>{}</p><h3>Agenda</h3><pre>{}</pre></body></html>",
            html_escape(&intro),
            html_escape(&m.agenda)
        ),
        subject,
        attachments: vec![Attachment {
            filename: "invite.ics".into(),
            content_type: ical::content_type(method).into(),
            bytes: ics.into_bytes(),
        }],
    }
}
