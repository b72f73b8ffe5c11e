//! The texts of our messages, built from the case's fields: each in plain text and HTML.

use super::message::{html_escape, Draft};
use crate::case::Case;

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
pub fn executive_alert(case: &Case, rule_name: &str, criteria: &str, recipients: Vec<String>) -> Draft {
    let subject = format!(
        "[{}] Executive alert: {} ({})",
        case.fields.ticket, rule_name, case.fields.agency
    );
    let intro = format!(
        "{} meets the executive alert criteria \"{rule_name}\": {criteria}. Please acknowledge it in Escalation Desk.",
        case.fields.ticket
    );
    Draft {
        attachments: Vec::new(),
        recipients,
        text: format!(
            "{intro}\n\n{}\n{}\n-- \nSent by Escalation Desk.\n",
            case.fields.title,
            case_block_text(case)
        ),
        html: html_page(
            &format!("Executive alert: {rule_name}"),
            &intro,
            &case.fields.title,
            case,
        ),
        subject,
    }
}
