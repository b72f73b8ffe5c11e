//! iCalendar (RFC 5545) invitations to the post-escalation review meeting, sent by email (iMIP).
//!
//! We write the text ourselves rather than use a calendar crate: the output is small, and Outlook
//! is particular about details a general builder decides for us (property order, quoting, folding).
//!
//! Invariants:
//! - [`to_ics`] is a pure function of the [`Invitation`]: no clock, no random UID, no map ordering,
//!   so the same invitation is the same bytes (the outbox stores the message; a resend is identical).
//! - Every line ends with CRLF and is at most 75 octets; a fold never splits a UTF-8 character.
//! - A DTSTART or DTEND names exactly the instant the caller gave, to the second. It is written as
//!   local time with the organizer's TZID, unless RFC 5545 §3.3.5 would read that local time as a
//!   different instant: on a fall-back day a wall-clock time like 01:30 happens twice and a reader
//!   takes the first. An instant in the second 01:30 is written in UTC (`...Z`) instead, so a
//!   meeting is never an hour off and an hour-long meeting is always an hour of real time.
//! - The VTIMEZONE is derived from chrono-tz for the year the meeting is in, so the reader's
//!   offsets agree with ours for that meeting; it says nothing reliable about other years.
//! - TEXT values are escaped (backslash, semicolon, comma, newline); control characters, which RFC
//!   5545 forbids in TEXT, are dropped. Parameter values are double-quoted and never contain DQUOTE.
//! - UID stays the same across reschedules and the cancellation; the caller raises SEQUENCE.

mod vtimezone;

use chrono::{DateTime, Datelike, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use vtimezone::vtimezone;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Request,
    Cancel,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub name: String,
    pub email: String,
}

/// One version of the review meeting as the organizer sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Stable across updates and the cancellation: clients match on it.
    pub uid: String,
    /// 0 first, +1 per reschedule or cancellation; clients ignore a lower or equal one.
    pub sequence: u32,
    pub method: Method,
    pub summary: String,
    /// Free text: newlines, commas, semicolons and non-ASCII are fine.
    pub description: String,
    /// A room, or a URL (then it is also written as URL so clients make it clickable).
    pub location: String,
    pub start: DateTime<Utc>,
    pub duration_minutes: u32,
    /// The organizer's zone: DTSTART and DTEND are written in it with TZID.
    pub time_zone: Tz,
    pub organizer: Participant,
    /// The mailbox that actually sends the invitation for the organizer (the desk's shared
    /// address), written as ORGANIZER's SENT-BY; `None` when the organizer sends it themselves.
    pub sent_by: Option<String>,
    pub attendees: Vec<Participant>,
    /// Passed in, not read from a clock, so the output is deterministic.
    pub dtstamp: DateTime<Utc>,
}

/// The MIME content type for the calendar part; its `method` must match the METHOD inside.
pub fn content_type(method: Method) -> &'static str {
    match method {
        Method::Request => "text/calendar; method=REQUEST; charset=UTF-8",
        Method::Cancel => "text/calendar; method=CANCEL; charset=UTF-8",
    }
}

/// The whole VCALENDAR text, CRLF line endings, lines folded at 75 octets.
pub fn to_ics(inv: &Invitation) -> String {
    let tz = inv.time_zone;
    let start = inv.start.with_nanosecond(0).unwrap_or(inv.start);
    let end = start + chrono::Duration::minutes(i64::from(inv.duration_minutes));
    let mut ics = Ics::default();

    ics.line("BEGIN:VCALENDAR");
    ics.line("PRODID:-//Escalation Desk//Post-escalation review//EN");
    ics.line("VERSION:2.0");
    ics.line("CALSCALE:GREGORIAN");
    ics.line(&format!("METHOD:{}", inv.method.as_str()));
    vtimezone(&mut ics, tz, start.with_timezone(&tz).year());

    ics.line("BEGIN:VEVENT");
    ics.line(&format!("UID:{}", text(&inv.uid)));
    ics.line(&format!("SEQUENCE:{}", inv.sequence));
    ics.line(&format!("DTSTAMP:{}", inv.dtstamp.format("%Y%m%dT%H%M%SZ")));
    ics.line(&date_time("DTSTART", start, tz));
    ics.line(&date_time("DTEND", end, tz));
    ics.line(&format!("SUMMARY:{}", text(&inv.summary)));
    ics.line(&format!("DESCRIPTION:{}", text(&inv.description)));
    ics.line(&format!("LOCATION:{}", text(&inv.location)));
    if is_link(&inv.location) {
        ics.line(&format!("URL:{}", uri(inv.location.trim())));
    }
    let sent_by = inv
        .sent_by
        .as_deref()
        .filter(|s| !s.eq_ignore_ascii_case(&inv.organizer.email))
        .map(|s| format!(";SENT-BY=\"mailto:{}\"", uri(s)))
        .unwrap_or_default();
    ics.line(&format!(
        "ORGANIZER{}{sent_by}:mailto:{}",
        cn(&inv.organizer.name),
        uri(&inv.organizer.email)
    ));
    for a in &inv.attendees {
        ics.line(&format!(
            "ATTENDEE{};CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{}",
            cn(&a.name),
            uri(&a.email)
        ));
    }
    match inv.method {
        Method::Request => ics.line("STATUS:CONFIRMED"),
        Method::Cancel => ics.line("STATUS:CANCELLED"),
    }
    ics.line("TRANSP:OPAQUE");
    // A reminder on a cancelled meeting would only remind people of nothing.
    if inv.method == Method::Request {
        ics.line("BEGIN:VALARM");
        ics.line("ACTION:DISPLAY");
        ics.line(&format!("DESCRIPTION:{}", text(&inv.summary)));
        ics.line("TRIGGER:-PT15M");
        ics.line("END:VALARM");
    }
    ics.line("END:VEVENT");
    ics.line("END:VCALENDAR");
    ics.0
}

/// The output being built, one folded content line at a time.
#[derive(Default)]
struct Ics(String);

impl Ics {
    /// Appends one content line, folded so that no physical line exceeds 75 octets (RFC 5545 §3.1).
    /// A continuation starts with one space, which counts, so it carries at most 74 octets of text.
    fn line(&mut self, line: &str) {
        let mut rest = line;
        let mut room = 75;
        while rest.len() > room {
            let mut cut = room;
            // Back up to a character boundary: a split UTF-8 sequence is invalid text on both lines.
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            self.0.push_str(&rest[..cut]);
            self.0.push_str("\r\n ");
            rest = &rest[cut..];
            room = 74;
        }
        self.0.push_str(rest);
        self.0.push_str("\r\n");
    }
}

/// A TEXT value (RFC 5545 §3.3.11). Any newline (CRLF, LF or CR) becomes `\n`.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c if c.is_ascii_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// `;CN="..."`, or nothing for an empty name. A quoted parameter value cannot contain DQUOTE and has
/// no escape for it (RFC 5545 §3.2), and Outlook does not read RFC 6868's `^'`, so quotes are
/// dropped; line breaks become spaces so the name stays on its line.
fn cn(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| *c != '"')
        .map(|c| if c.is_ascii_control() { ' ' } else { c })
        .collect();
    let clean = clean.trim();
    if clean.is_empty() {
        String::new()
    } else {
        format!(";CN=\"{clean}\"")
    }
}

/// A URI or CAL-ADDRESS value: not escaped (backslashes there are literal), only kept on its line.
fn uri(s: &str) -> String {
    s.trim().chars().filter(|c| !c.is_ascii_control()).collect()
}

fn is_link(location: &str) -> bool {
    let l = location.trim_start().to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://")
}

/// `NAME;TZID=Zone:YYYYMMDDTHHMMSS`, or `NAME:YYYYMMDDTHHMMSSZ` when the local time would be read
/// back as another instant (see the module invariants).
fn date_time(name: &str, instant: DateTime<Utc>, tz: Tz) -> String {
    let local = instant.with_timezone(&tz).naive_local();
    // RFC 5545 §3.3.5: an ambiguous local time is the first of its two occurrences.
    let read_back = tz.from_local_datetime(&local).earliest();
    if read_back.is_some_and(|r| r == instant) {
        format!("{name};TZID={}:{}", tz.name(), local.format("%Y%m%dT%H%M%S"))
    } else {
        format!("{name}:{}", instant.format("%Y%m%dT%H%M%SZ"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(line: &str) -> String {
        let mut ics = Ics::default();
        ics.line(line);
        ics.0
    }

    #[test]
    fn a_fold_backs_up_rather_than_split_a_multibyte_character() {
        // 74 ASCII bytes then "€" (3 bytes): byte 75 is inside the euro sign.
        let line = format!("{}€{}", "a".repeat(74), "b".repeat(10));
        let out = folded(&line);
        let physical: Vec<&str> = out.split("\r\n").collect();
        assert_eq!(physical[0].len(), 74, "the first line stops before the euro sign");
        assert!(
            physical[1].starts_with(" €"),
            "the euro sign starts the continuation: {out:?}"
        );
        for l in ["€", "é", "😀"] {
            let out = folded(&l.repeat(100));
            assert!(
                out.split("\r\n").all(|p| p.len() <= 75),
                "no line over 75 octets for {l}"
            );
            assert_eq!(
                out.replace("\r\n ", ""),
                format!("{}\r\n", l.repeat(100)),
                "unfolds to the input"
            );
        }
    }

    #[test]
    fn a_line_of_exactly_75_octets_is_not_folded() {
        assert_eq!(
            folded(&"x".repeat(75)),
            format!("{}\r\n", "x".repeat(75)),
            "75 octets is allowed"
        );
        assert!(folded(&"x".repeat(76)).contains("\r\n x"), "76 is one too many");
    }

    #[test]
    fn text_escapes_the_four_specials_and_every_kind_of_newline() {
        assert_eq!(text("a\\b;c,d"), "a\\\\b\\;c\\,d", "backslash first, then ; and ,");
        assert_eq!(text("1\r\n2\n3\r4"), "1\\n2\\n3\\n4", "CRLF is one newline, not two");
        assert_eq!(
            text("tab\tbell\u{7}"),
            "tab\tbell",
            "HTAB is allowed in TEXT, other controls are not"
        );
        assert_eq!(
            text("José: 10:00"),
            "José: 10:00",
            "colons and non-ASCII need no escape in a value"
        );
    }

    #[test]
    fn a_common_name_loses_its_quotes_and_line_breaks_and_an_empty_one_is_left_out() {
        assert_eq!(cn("Dana \"DJ\" Jones"), ";CN=\"Dana DJ Jones\"");
        assert_eq!(
            cn("Núñez, José;\r\nOps"),
            ";CN=\"Núñez, José;  Ops\"",
            "; and , are safe inside quotes"
        );
        assert_eq!(cn(" \"\" "), "", "CN=\"\" tells a client nothing");
    }
}
