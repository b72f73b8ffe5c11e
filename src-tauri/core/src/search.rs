//! Search across the desk: how text is folded for matching, how a typed query becomes terms, and
//! how a hit's text is cut into a snippet with the matching words marked. The index itself and
//! the queries on each engine are `store::search`.
//!
//! Invariants:
//! - One folding for both engines and for both sides: the indexed words and the typed query are
//!   folded by [`fold`] (Unicode compatibility decomposition, combining marks dropped, a few
//!   letters that do not decompose spelled out, lower case), so "Nguyen" finds "Nguyễn" on a file
//!   and on a team desk alike.
//! - A query is words only (letters and digits); every term matches as a prefix, all must match.
//!   Nothing the user types reaches an engine's query syntax unescaped: the terms are built from
//!   word characters alone.
//! - A snippet's parts joined are a substring of the stored text; only whole words are marked.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// At most this many terms are used from a query (a pasted paragraph searches its first words).
pub const MAX_TERMS: usize = 8;
/// Terms shorter than this are ignored (one letter matches nearly everything as a prefix).
pub const MIN_TERM_CHARS: usize = 2;
/// A query longer than this is refused (the box's own limit; see `limits`).
pub const MAX_QUERY_CHARS: usize = 200;
/// How many characters of text a snippet shows around its first match.
const SNIPPET_CHARS: usize = 160;

/// What a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SearchKind {
    /// A case's record: ticket, title, description, agency, service, people named on it.
    Case,
    /// One timeline event.
    Event,
    /// A case's escalation or technical plan (its current revision's actions).
    Plan,
    /// One section of an After Action Report.
    Section,
    /// A comment on a report section.
    Comment,
    /// A person in the directory.
    Person,
}

impl SearchKind {
    /// In the order the results show them.
    pub const ALL: [SearchKind; 6] = [
        SearchKind::Case,
        SearchKind::Person,
        SearchKind::Plan,
        SearchKind::Section,
        SearchKind::Comment,
        SearchKind::Event,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SearchKind::Case => "case",
            SearchKind::Event => "event",
            SearchKind::Plan => "plan",
            SearchKind::Section => "section",
            SearchKind::Comment => "comment",
            SearchKind::Person => "person",
        }
    }

    pub fn parse(s: &str) -> Option<SearchKind> {
        SearchKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A piece of a hit's text; `hit` marks a matching word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TextPart {
    pub text: String,
    pub hit: bool,
}

/// One thing found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub kind: SearchKind,
    /// The case it belongs to (none for a person).
    pub case_id: Option<i64>,
    pub ticket: Option<String>,
    /// Where on the case's page: an event's id, a plan's name, a section's key, a comment's
    /// section key; for a person, their id.
    pub place: String,
    pub title: Vec<TextPart>,
    pub snippet: Vec<TextPart>,
}

/// The hits of one kind, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SearchGroup {
    pub kind: SearchKind,
    pub hits: Vec<SearchHit>,
    /// More of this kind match than are shown.
    pub more: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SearchResults {
    /// The words searched for, folded (what the highlight matched).
    pub terms: Vec<String>,
    pub groups: Vec<SearchGroup>,
}

/// Folds text for matching: compatibility decomposition, combining marks dropped, letters with
/// strokes and ligatures spelled out, lower case.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            'ł' | 'Ł' => out.push('l'),
            'ø' | 'Ø' => out.push('o'),
            'ħ' | 'Ħ' => out.push('h'),
            'ı' => out.push('i'),
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'þ' | 'Þ' => out.push_str("th"),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The words of `text` (runs of letters and digits), each with its byte range in `text`.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = None;
    let mut chars = text.char_indices().chain(std::iter::once((text.len(), ' ')));
    std::iter::from_fn(move || {
        for (i, c) in chars.by_ref() {
            match (c.is_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    start = None;
                    return Some((s, &text[s..i]));
                }
                _ => {}
            }
        }
        None
    })
}

/// The terms of a typed query: its words folded, short ones dropped, duplicates once, at most
/// [`MAX_TERMS`]. Empty when nothing is left to search for.
pub fn terms(query: &str) -> Vec<String> {
    let folded = fold(query);
    let mut out: Vec<String> = Vec::new();
    for (_, w) in words(&folded) {
        if w.chars().count() >= MIN_TERM_CHARS && !out.iter().any(|t| t == w) {
            out.push(w.to_owned());
        }
        if out.len() == MAX_TERMS {
            break;
        }
    }
    out
}

/// The query SQLite's FTS5 is given: every term a quoted prefix (the terms are word characters
/// only, so the quotes cannot be broken out of), all required.
pub fn fts5_query(terms: &[String]) -> String {
    terms.iter().map(|t| format!("\"{t}\"*")).collect::<Vec<_>>().join(" ")
}

/// The query PostgreSQL's `to_tsquery('simple', ...)` is given: every term a prefix, all required.
pub fn tsquery(terms: &[String]) -> String {
    terms.iter().map(|t| format!("{t}:*")).collect::<Vec<_>>().join(" & ")
}

/// Does `word` (as written) match one of the folded `terms` as a prefix?
fn matches(word: &str, terms: &[String]) -> bool {
    let folded = fold(word);
    terms.iter().any(|t| folded.starts_with(t.as_str()))
}

/// `text` cut into parts with the words matching `terms` marked, whole.
pub fn highlight(text: &str, terms: &[String]) -> Vec<TextPart> {
    let mut parts = Vec::new();
    let mut at = 0;
    for (start, word) in words(text) {
        if matches(word, terms) {
            if start > at {
                parts.push(TextPart {
                    text: text[at..start].to_owned(),
                    hit: false,
                });
            }
            parts.push(TextPart {
                text: word.to_owned(),
                hit: true,
            });
            at = start + word.len();
        }
    }
    if at < text.len() {
        parts.push(TextPart {
            text: text[at..].to_owned(),
            hit: false,
        });
    }
    parts
}

/// A window of `text` around its first match (about [`SNIPPET_CHARS`] characters, cut at word
/// boundaries, "…" where cut), highlighted. Line breaks become spaces.
pub fn snippet(text: &str, terms: &[String]) -> Vec<TextPart> {
    // One line of words: each line of the document is one field, and whatever bidi control a field
    // leaves open is closed before the next (its line break ended it; the space that replaces the
    // break would not).
    let mut flat = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            flat.push(' ');
        }
        flat.extend(line.chars().map(|c| if c.is_whitespace() { ' ' } else { c }));
        flat.push_str(&crate::bidi::closers(line));
    }
    let first = words(&flat).find(|(_, w)| matches(w, terms)).map_or(0, |(s, _)| s);
    // Start a little before the match, at a word's start, so the match has some context.
    let lead = flat[..first].char_indices().rev().nth(40).map_or(0, |(i, _)| i);
    let start = if lead == 0 {
        0
    } else {
        words(&flat[lead..first]).next().map_or(first, |(s, _)| lead + s)
    };
    let end = flat[start..]
        .char_indices()
        .nth(SNIPPET_CHARS)
        .map_or(flat.len(), |(i, _)| start + i);
    // Cut at the last space before the limit rather than inside a word.
    let end = if end < flat.len() {
        flat[start..end].rfind(' ').map_or(end, |i| start + i)
    } else {
        end
    };
    let mut parts = highlight(&flat[start..end], terms);
    if start > 0 {
        parts.insert(
            0,
            TextPart {
                text: "…".into(),
                hit: false,
            },
        );
    }
    // The cut may leave a field's control open: close it before the ellipsis and the page after it.
    let closers = crate::bidi::closers(&flat[start..end]);
    if !closers.is_empty() {
        parts.push(TextPart {
            text: closers,
            hit: false,
        });
    }
    if end < flat.len() {
        parts.push(TextPart {
            text: "…".into(),
            hit: false,
        });
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(parts: &[TextPart]) -> String {
        parts.iter().map(|p| p.text.as_str()).collect()
    }

    fn marked(parts: &[TextPart]) -> Vec<&str> {
        parts.iter().filter(|p| p.hit).map(|p| p.text.as_str()).collect()
    }

    #[test]
    fn an_override_left_open_in_one_field_is_closed_before_the_next_field_and_at_the_snippets_end() {
        let terms = vec!["outage".to_owned()];
        // Two fields of one document: a title with an override left open, then the description.
        let parts = snippet("Network outage \u{202E}gpj.exe\nCustomer reports dropped calls", &terms);
        let text = joined(&parts);
        assert!(
            text.contains("gpj.exe\u{202C} Customer"),
            "the title's override must end before the description: {text:?}"
        );
        assert_eq!(crate::bidi::closers(&text), "");
        // Cut inside the field that opened it: closed at the snippet's end, before the ellipsis.
        let long = format!("outage \u{202E}{}", "word ".repeat(100));
        let text = joined(&snippet(&long, &terms));
        assert!(text.ends_with("\u{202C}…"), "{text:?}");
    }

    #[test]
    fn folding_drops_diacritics_and_case_so_nguyen_finds_nguyen_with_its_marks() {
        assert_eq!(fold("Nguyễn"), "nguyen");
        assert_eq!(fold("Đặng Łukasz Søren Straße Æsir"), "dang lukasz soren strasse aesir");
        assert_eq!(fold("ＦＵＬＬ width"), "full width");
    }

    #[test]
    fn a_query_becomes_folded_word_terms_without_syntax_or_short_words() {
        assert_eq!(terms("Nguyễn  firewall"), vec!["nguyen", "firewall"]);
        assert_eq!(terms("\"a\" OR x* NEAR(y) -- ; DROP"), vec!["or", "near", "drop"]);
        assert_eq!(terms("ab ab AB"), vec!["ab"]);
        assert!(terms("a . ! *").is_empty());
        assert_eq!(terms(&"word ".repeat(3)).len(), 1);
        let many = (0..20).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
        assert_eq!(terms(&many).len(), MAX_TERMS);
    }

    #[test]
    fn engine_queries_quote_each_term_as_a_required_prefix() {
        let t = terms("Nguyễn fire");
        assert_eq!(fts5_query(&t), "\"nguyen\"* \"fire\"*");
        assert_eq!(tsquery(&t), "nguyen:* & fire:*");
    }

    #[test]
    fn highlighting_marks_whole_words_matching_a_term_as_written() {
        let t = terms("nguyen fire");
        let parts = highlight("Call Nguyễn about the firewall, not the fireplace or campfire.", &t);
        assert_eq!(
            joined(&parts),
            "Call Nguyễn about the firewall, not the fireplace or campfire."
        );
        assert_eq!(marked(&parts), vec!["Nguyễn", "firewall", "fireplace"]);
    }

    #[test]
    fn a_snippet_is_cut_around_the_first_match_at_word_boundaries() {
        let text = format!(
            "{} the firewall failed {}",
            "lorem ipsum ".repeat(30),
            "dolor sit ".repeat(30)
        );
        let parts = snippet(&text, &terms("firewall"));
        let s = joined(&parts);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.chars().count() <= SNIPPET_CHARS + 2, "{}", s.chars().count());
        assert_eq!(marked(&parts), vec!["firewall"]);
        let inner = s.trim_matches('…');
        assert!(text.contains(inner), "{inner}");
        assert!(inner.starts_with(|c: char| c.is_alphanumeric()), "{inner}");
    }

    #[test]
    fn a_short_text_is_its_own_snippet_with_line_breaks_flattened() {
        let parts = snippet("Line one\nline two firewall", &terms("fire"));
        assert_eq!(joined(&parts), "Line one line two firewall");
    }
}
