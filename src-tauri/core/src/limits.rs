//! Every size limit on what a user can enter or import, named once. Rust checks them at the
//! boundary (the UI mirrors them for early feedback, never instead); the message names the limit.
//!
//! Invariant: a value over its limit is refused before anything is written.

use crate::error::{Error, FieldError, Result};

/// The years a time may fall in: what RFC 3339 text (as stored), SQLite's date functions, the
/// iCalendar format and the UI's date inputs all read alike.
pub const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// A directory CSV file: far above any real division's directory, far below what strains memory.
pub const CSV_FILE_BYTES: usize = 10 * 1024 * 1024;

// Text limits, in characters (what a person counts, not bytes). Each is far above what the field
// needs in practice and far below what would slow the screen, the timeline or the PDF.

/// A ticket number in the ITSM system (INC0012345).
pub const TICKET_CHARS: usize = 32;
/// A case's or a problem's title.
pub const TITLE_CHARS: usize = 200;
/// A case's description.
pub const DESCRIPTION_CHARS: usize = 20_000;
/// A name: a person, an agency, a service, an alert rule, a workstation's user.
pub const NAME_CHARS: usize = 120;
/// An email address (RFC 5321's longest path less its brackets).
pub const EMAIL_CHARS: usize = 254;
/// A phone number.
pub const PHONE_CHARS: usize = 40;
/// A reason for a level change, an escalation or a stage action.
pub const REASON_CHARS: usize = 2_000;
/// A progress note's headline.
pub const HEADLINE_CHARS: usize = 200;
/// A summary or a note: progress details, customer update, resolution summary, verification
/// notes, recurrence description, review outcome, findings and actions, meeting agenda.
pub const NOTE_CHARS: usize = 20_000;
/// A short line of text: a meeting's location, who confirmed, a plan action's resource.
pub const LINE_CHARS: usize = 500;
/// A plan action's description and an improvement's corrective action.
pub const ACTION_CHARS: usize = 2_000;
/// A value an alert rule compares with.
pub const RULE_VALUE_CHARS: usize = 500;
/// The report's marking ("Internal — For official use only"): it must fit the page header whole.
pub const MARKING_CHARS: usize = 60;
/// One section of the After Action Report (Markdown).
pub const AAR_SECTION_CHARS: usize = 100_000;
/// A comment on an AAR section.
pub const AAR_COMMENT_CHARS: usize = 5_000;
/// A list's filter text (the dashboard's and the directory's filter boxes), as long as a search
/// (`search::MAX_QUERY_CHARS`): a longer filter finds nothing a shorter one would not, and SQLite
/// refuses a LIKE pattern past 50,000 bytes. Not mirrored in the UI: no one types this much.
pub const FILTER_CHARS: usize = 200;
/// How deep quotes and lists may nest in a section's Markdown. Deeper text is refused on save and
/// drawn flat if already stored, so neither the parser's tree nor the renderer recurses without end.
pub const MAX_MARKDOWN_DEPTH: usize = 16;

/// Every limit the UI mirrors, by the name `ui/src/lib/generated/Limits.ts` gives it.
pub const UI_LIMITS: &[(&str, usize)] = &[
    ("csvFileBytes", CSV_FILE_BYTES),
    ("ticketChars", TICKET_CHARS),
    ("titleChars", TITLE_CHARS),
    ("descriptionChars", DESCRIPTION_CHARS),
    ("nameChars", NAME_CHARS),
    ("emailChars", EMAIL_CHARS),
    ("phoneChars", PHONE_CHARS),
    ("reasonChars", REASON_CHARS),
    ("headlineChars", HEADLINE_CHARS),
    ("noteChars", NOTE_CHARS),
    ("lineChars", LINE_CHARS),
    ("actionChars", ACTION_CHARS),
    ("ruleValueChars", RULE_VALUE_CHARS),
    ("markingChars", MARKING_CHARS),
    ("aarSectionChars", AAR_SECTION_CHARS),
    ("aarCommentChars", AAR_COMMENT_CHARS),
    ("maxMarkdownDepth", MAX_MARKDOWN_DEPTH),
];

/// The TypeScript module that mirrors [`UI_LIMITS`].
pub fn typescript() -> String {
    let mut out = String::from(
        "// Generated from src-tauri/core/src/limits.rs; do not edit (UPDATE_TS_BINDINGS=1 rewrites it).\n\n\
         export const LIMITS = {\n",
    );
    for (name, value) in UI_LIMITS {
        out.push_str(&format!("  {name}: {value},\n"));
    }
    out.push_str("} as const;\n");
    out
}

/// `n` with thousands separators, as people write it: 100,000.
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What is wrong with `value` as text of at most `max` characters, naming the field: a NUL in it,
/// or its length (naming the limit). None when it is fine.
pub fn text_problem(what: &str, value: &str, max: usize) -> Option<String> {
    // No text may hold a NUL: PostgreSQL refuses it, and SQLite's own functions stop at it (its
    // NOCASE collation called "\0AaA\0" and "\0BbB\0" equal, so a unique name failed as a
    // database error instead of a message; found by the property tests).
    if value.contains('\0') {
        return Some(format!(
            "The {what} holds a NUL character (U+0000), which no text may hold: remove it."
        ));
    }
    // Counting stops just past the limit, so a huge value costs no more than a fitting one.
    let n = value.chars().take(max + 1).count();
    (n > max).then(|| {
        let n = value.chars().count();
        format!(
            "Keep the {what} to {} characters (this one has {}).",
            grouped(max),
            grouped(n)
        )
    })
}

/// Adds a field error for `value` over `max` characters.
pub fn check_text(errors: &mut Vec<FieldError>, field: &str, what: &str, value: &str, max: usize) {
    if let Some(m) = text_problem(what, value, max) {
        errors.push(FieldError::new(field, m));
    }
}

/// Refuses `value` over `max` characters, on `field`.
pub fn check_chars(field: &str, what: &str, value: &str, max: usize) -> Result<()> {
    match text_problem(what, value, max) {
        Some(m) => Err(Error::invalid(field, m)),
        None => Ok(()),
    }
}

/// Refuses Markdown whose quotes and lists nest deeper than [`MAX_MARKDOWN_DEPTH`].
pub fn check_markdown_depth(field: &str, what: &str, markdown: &str) -> Result<()> {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut depth = 0usize;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::BlockQuote(_) | Tag::List(_)) => {
                depth += 1;
                if depth > MAX_MARKDOWN_DEPTH {
                    return Err(Error::invalid(
                        field,
                        format!(
                            "The {what} nests quotes and lists more than {MAX_MARKDOWN_DEPTH} deep: \
                             keep nesting to {MAX_MARKDOWN_DEPTH} levels."
                        ),
                    ));
                }
            }
            Event::End(TagEnd::BlockQuote(_) | TagEnd::List(_)) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Refuses `bytes` longer than `max`, naming the limit in the units people think in.
pub fn check_bytes(field: &str, bytes: &[u8], max: usize) -> Result<()> {
    if bytes.len() > max {
        return Err(Error::invalid(
            field,
            format!(
                "The file is {} and the limit is {}: split it into smaller files.",
                human_size(bytes.len()),
                human_size(max)
            ),
        ));
    }
    Ok(())
}

fn human_size(n: usize) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KiB", n.div_ceil(1024))
    }
}

/// Refuses a time outside [`YEARS`], beside its field: chrono reads years far beyond them, which
/// the store would write as text that sorts wrongly and that other readers refuse.
pub fn check_time(errors: &mut Vec<FieldError>, field: &str, what: &str, t: chrono::DateTime<chrono::Utc>) {
    use chrono::Datelike;
    if !YEARS.contains(&t.year()) {
        errors.push(FieldError::new(
            field,
            format!(
                "The {what} must fall between the years {} and {} (this one is in {}).",
                YEARS.start(),
                YEARS.end(),
                t.year()
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_limit_is_refused_naming_both_sizes() {
        let err = check_bytes("file", &vec![b'a'; 11 * 1024 * 1024], CSV_FILE_BYTES)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "The file is 11.0 MiB and the limit is 10.0 MiB: split it into smaller files."
        );
        assert!(check_bytes("file", b"name,email\n", CSV_FILE_BYTES).is_ok());
    }

    #[test]
    fn a_text_over_its_limit_is_refused_naming_the_field_the_limit_and_its_length() {
        let long = "é".repeat(100_512);
        assert_eq!(
            text_problem("section", &long, AAR_SECTION_CHARS).as_deref(),
            Some("Keep the section to 100,000 characters (this one has 100,512)."),
            "characters, not bytes, with separators people read"
        );
        assert_eq!(
            text_problem("section", &"é".repeat(100_000), AAR_SECTION_CHARS),
            None,
            "the limit itself fits"
        );
    }

    #[test]
    fn a_text_holding_a_nul_is_refused_whatever_its_length() {
        assert_eq!(
            text_problem("service's name", "\0AaA\0", NAME_CHARS).as_deref(),
            Some("The service's name holds a NUL character (U+0000), which no text may hold: remove it.")
        );
        assert_eq!(text_problem("name", "Nguyễn \u{202E}x\t", NAME_CHARS), None);
    }

    #[test]
    fn markdown_nested_past_the_depth_is_refused_and_at_the_depth_is_kept() {
        let at = format!("{}text", "> ".repeat(MAX_MARKDOWN_DEPTH));
        assert!(
            check_markdown_depth("body", "section", &at).is_ok(),
            "the limit itself is allowed"
        );
        let over = format!("{}text", "- ".repeat(MAX_MARKDOWN_DEPTH + 1));
        let err = check_markdown_depth("body", "section", &over).unwrap_err().to_string();
        assert!(err.contains("16"), "the message names the depth: {err}");
    }

    #[test]
    fn an_email_address_over_its_limit_is_refused_naming_the_limit() {
        let long = format!("{}@agency.state.gov", "a".repeat(EMAIL_CHARS));
        let problem = crate::identity::email_problem(&long).unwrap_or_default();
        assert!(
            problem.contains(&EMAIL_CHARS.to_string()),
            "the message names the limit: {problem}"
        );
    }

    #[test]
    fn the_typescript_module_lists_every_limit() {
        let ts = typescript();
        assert!(ts.contains("aarSectionChars: 100000,"), "{ts}");
        assert!(ts.contains("maxMarkdownDepth: 16,"), "{ts}");
    }
}
