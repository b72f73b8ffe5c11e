//! Bidirectional-text controls in the user's text, kept to the text that holds them.
//!
//! A right-to-left override (U+202E) typed into one field reverses everything after it up to the
//! end of its paragraph: where a field is joined with others into one line (a timeline summary,
//! a search snippet) it would reverse the next fields too, and could make a line read as
//! something else. Unicode's rules end every embedding, override and isolate at a paragraph's
//! end; inside a line only their closing characters end them.
//!
//! Invariants:
//! - [`closers`] is empty for text whose controls are balanced (and for text without any): ordinary
//!   text, left-to-right or right-to-left, is never changed.
//! - The text plus its [`closers`] leaves nothing open: text after it is laid out as if the field
//!   had no controls at all.
//! - Nothing is removed: what the user typed is kept, so a digest of it, and its search, are the same.

/// Left-to-right and right-to-left embedding and override: each ended by POP DIRECTIONAL FORMATTING.
const EMBEDDINGS: [char; 4] = ['\u{202A}', '\u{202B}', '\u{202D}', '\u{202E}'];
const POP_FORMATTING: char = '\u{202C}';
/// Left-to-right, right-to-left and first-strong isolate: each ended by POP DIRECTIONAL ISOLATE.
const ISOLATES: [char; 3] = ['\u{2066}', '\u{2067}', '\u{2068}'];
const POP_ISOLATE: char = '\u{2069}';

/// What is open, innermost last.
#[derive(Clone, Copy, PartialEq)]
enum Open {
    Embedding,
    Isolate,
}

/// The closing characters that end whatever `text` leaves open, innermost first. A paragraph
/// separator in `text` (a line break) ends everything before it, as Unicode's algorithm does.
pub fn closers(text: &str) -> String {
    let mut open: Vec<Open> = Vec::new();
    for c in text.chars() {
        if EMBEDDINGS.contains(&c) {
            open.push(Open::Embedding);
        } else if ISOLATES.contains(&c) {
            open.push(Open::Isolate);
        } else if c == POP_FORMATTING {
            // Ends the innermost embedding, but never crosses an isolate (rule X7).
            if open.last() == Some(&Open::Embedding) {
                open.pop();
            }
        } else if c == POP_ISOLATE {
            // Ends the innermost isolate and every embedding opened inside it (rule X6a); without
            // an open isolate it does nothing.
            if let Some(at) = open.iter().rposition(|o| *o == Open::Isolate) {
                open.truncate(at);
            }
        } else if matches!(c, '\n' | '\r' | '\u{1C}'..='\u{1E}' | '\u{85}' | '\u{2029}') {
            open.clear();
        }
    }
    open.iter()
        .rev()
        .map(|o| match o {
            Open::Embedding => POP_FORMATTING,
            Open::Isolate => POP_ISOLATE,
        })
        .collect()
}

/// `text` with whatever it leaves open closed at its end: for a field about to be followed by
/// other text on the same line.
pub fn closed(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    out.push_str(text);
    out.push_str(&closers(text));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_without_controls_or_with_balanced_ones_is_left_as_it_is() {
        for text in [
            "Nguyễn Văn An",
            "שלום עולם",
            "a \u{202E}b\u{202C} c",
            "\u{2067}x\u{2069}",
            "",
        ] {
            assert_eq!(closers(text), "", "{text:?}");
            assert_eq!(closed(text), text);
        }
    }

    #[test]
    fn an_override_left_open_is_closed_and_nested_ones_close_innermost_first() {
        assert_eq!(closers("evil\u{202E}txt"), "\u{202C}");
        assert_eq!(closers("\u{2067}a\u{202E}b"), "\u{202C}\u{2069}");
        assert_eq!(closers("\u{202B}a\u{2068}b"), "\u{2069}\u{202C}");
    }

    #[test]
    fn a_pop_isolate_closes_the_embeddings_inside_it_and_a_stray_pop_does_nothing() {
        assert_eq!(closers("\u{2066}a\u{202E}b\u{2069}c"), "");
        assert_eq!(closers("\u{202C}\u{2069}a"), "");
        // A PDF cannot end an embedding from inside an isolate opened after it.
        assert_eq!(closers("\u{202E}a\u{2066}b\u{202C}"), "\u{2069}\u{202C}");
    }

    #[test]
    fn a_line_break_ends_what_the_lines_before_it_opened() {
        assert_eq!(closers("\u{202E}one\ntwo"), "");
        assert_eq!(closers("one\n\u{202E}two"), "\u{202C}");
    }
}
