//! Building a message: multipart (plain text and HTML) with a stable Message-ID, as the outbox
//! stores it and the worker sends it. Rebuilding with the same id keeps the Message-ID and Date.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::SystemTime;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::Message;

use crate::error::{Error, Result};

/// What a message says, before it has a sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub recipients: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attachments: Vec<Attachment>,
}

/// A file sent with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A new globally unique Message-ID: time, randomness, and the sender's domain.
pub fn new_message_id(sender_address: &str) -> String {
    let domain = sender_address
        .rsplit_once('@')
        .map(|(_, d)| d)
        .unwrap_or("escalation-desk.invalid");
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u128(nanos);
    format!("<{nanos:x}.{:016x}@{domain}>", h.finish())
}

fn mailbox(name: &str, address: &str) -> Result<Mailbox> {
    let addr = address
        .trim()
        .parse()
        .map_err(|_| Error::invalid("recipients", format!("{address} is not an email address.")))?;
    // A display name is one line of a header, and lettre panics on a line break in one (it cannot
    // quote it): a name saved with a CR/LF (or another control) would stop every message. Each
    // control becomes a space, so the name still reads as typed and never makes a header.
    let name: String = name.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    Ok(Mailbox::new(
        (!name.trim().is_empty()).then(|| name.trim().to_owned()),
        addr,
    ))
}

/// The full MIME text of a message.
pub fn build_mime(
    sender_name: &str,
    sender_address: &str,
    message_id: &str,
    date: SystemTime,
    draft: &Draft,
) -> Result<String> {
    if draft.recipients.is_empty() {
        return Err(Error::invalid("recipients", "A message needs at least one recipient."));
    }
    let mut builder = Message::builder()
        .from(mailbox(sender_name, sender_address)?)
        .subject(draft.subject.clone())
        .message_id(Some(message_id.to_owned()))
        .date(date)
        .user_agent("Escalation Desk".into());
    for r in &draft.recipients {
        builder = builder.to(mailbox("", r)?);
    }
    // A calendar invitation travels as a third alternative (text/calendar; method=...), the way
    // Outlook and Thunderbird send and expect it; other files are attachments.
    let (calendars, files): (Vec<&Attachment>, Vec<&Attachment>) = draft
        .attachments
        .iter()
        .partition(|a| a.content_type.starts_with("text/calendar"));
    let content_type = |a: &Attachment| {
        ContentType::parse(&a.content_type)
            .map_err(|e| Error::Internal(format!("bad content type {:?}: {e}", a.content_type)))
    };
    let mut body = MultiPart::alternative()
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(draft.text.clone()),
        )
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(draft.html.clone()),
        );
    for c in calendars {
        body = body.singlepart(
            SinglePart::builder()
                .header(content_type(c)?)
                .body(String::from_utf8_lossy(&c.bytes).into_owned()),
        );
    }
    let body = if files.is_empty() {
        body
    } else {
        let mut mixed = MultiPart::mixed().multipart(body);
        for a in files {
            mixed = mixed.singlepart(
                lettre::message::Attachment::new(a.filename.clone()).body(a.bytes.clone(), content_type(a)?),
            );
        }
        mixed
    };
    let message = builder
        .multipart(body)
        .map_err(|e| Error::Internal(format!("cannot build the message: {e}")))?;
    String::from_utf8(message.formatted()).map_err(|e| Error::Internal(format!("message is not UTF-8: {e}")))
}

/// Escapes text for the HTML part.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Draft {
        Draft {
            attachments: Vec::new(),
            recipients: vec!["elena@doit.state.gov".into(), "grace@doit.state.gov".into()],
            subject: "[INC0104233] Progress: portal restored for 60% of claimants".into(),
            text: "Plain body".into(),
            html: "<p>HTML body</p>".into(),
        }
    }

    #[test]
    fn a_message_is_multipart_with_both_parts_its_id_and_every_recipient() {
        let id = new_message_id("escalations@doit.state.gov");
        let mime = build_mime(
            "Escalation Desk",
            "escalations@doit.state.gov",
            &id,
            SystemTime::now(),
            &draft(),
        )
        .unwrap();
        assert!(mime.contains(&format!("Message-ID: {id}")), "{mime}");
        assert!(mime.contains("multipart/alternative"));
        assert!(mime.contains("Content-Type: text/plain") && mime.contains("Content-Type: text/html"));
        assert!(mime.contains("elena@doit.state.gov") && mime.contains("grace@doit.state.gov"));
        assert!(
            mime.contains("From: \"Escalation Desk\" <escalations@doit.state.gov>")
                || mime.contains("From: Escalation Desk <escalations@doit.state.gov>"),
            "{mime}"
        );
    }

    #[test]
    fn message_ids_are_unique_and_carry_the_senders_domain() {
        let a = new_message_id("x@doit.state.gov");
        let b = new_message_id("x@doit.state.gov");
        assert_ne!(a, b);
        assert!(a.starts_with('<') && a.ends_with("@doit.state.gov>"));
    }

    #[test]
    fn a_message_without_recipients_or_with_a_bad_one_is_refused() {
        let none = Draft {
            attachments: Vec::new(),
            recipients: vec![],
            ..draft()
        };
        assert!(build_mime("", "x@doit.state.gov", "<1@x>", SystemTime::now(), &none).is_err());
        let bad = Draft {
            attachments: Vec::new(),
            recipients: vec!["not an address".into()],
            ..draft()
        };
        let err = build_mime("", "x@doit.state.gov", "<1@x>", SystemTime::now(), &bad).unwrap_err();
        assert_eq!(err.payload().field.as_deref(), Some("recipients"));
    }

    #[test]
    fn html_special_characters_are_escaped() {
        assert_eq!(
            html_escape("<b>Tom & \"Jerry\"</b>"),
            "&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;"
        );
    }
}
