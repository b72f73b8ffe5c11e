//! Markdown (CommonMark + tables, parsed by pulldown-cmark) into the few block kinds a report page
//! draws.
//!
//! Invariants: no text is dropped: constructs the page cannot draw (HTML, images, footnote
//! references) become their text; a link keeps its text and gains its address in parentheses when
//! the two differ, so a printed report still says where it points.
//! - Quotes and lists nest at most [`MAX_MARKDOWN_DEPTH`] deep: saving refuses deeper text, and
//!   text stored before (or written around the store) is drawn flat below that depth, as plain
//!   paragraphs. The tree is built without recursion, and never deeper than that, so neither
//!   parsing, drawing nor dropping it can overflow the stack.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::fonts::Style;
use crate::limits::MAX_MARKDOWN_DEPTH;

/// A run of text in one style. The text `"\n"` on its own is a hard line break.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub text: String,
    pub style: Style,
}

pub const HARD_BREAK: &str = "\n";

pub type Cell = Vec<Span>;

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading {
        level: u8,
        spans: Vec<Span>,
    },
    Paragraph(Vec<Span>),
    /// `start` is the first number of an ordered list, `None` for bullets.
    List {
        start: Option<u64>,
        items: Vec<Vec<Block>>,
    },
    Quote(Vec<Block>),
    Code(String),
    Table {
        head: Vec<Cell>,
        rows: Vec<Vec<Cell>>,
    },
    Rule,
}

pub fn parse(markdown: &str) -> Vec<Block> {
    let mut b = Builder::default();
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        b.event(event);
    }
    b.finish()
}

enum Container {
    Blocks(Vec<Block>),
    Quote(Vec<Block>),
    Item(Vec<Block>),
    List { start: Option<u64>, items: Vec<Vec<Block>> },
}

#[derive(Default)]
struct TableBuilder {
    head: Vec<Cell>,
    rows: Vec<Vec<Cell>>,
    row: Vec<Cell>,
}

/// A position in the inline text: the number of spans and the length of the last one.
type Mark = (usize, usize);

#[derive(Default)]
struct Builder {
    containers: Vec<Container>,
    inline: Vec<Span>,
    bold: u32,
    italic: u32,
    /// Open links and images: their address and where their text starts in `inline`.
    links: Vec<(String, Mark)>,
    heading: Option<u8>,
    code: Option<String>,
    table: Option<TableBuilder>,
    /// Open quotes, lists and items past the depth limit: drawn flat, their text as paragraphs.
    flattened: usize,
}

impl Builder {
    /// Open quotes and lists.
    fn depth(&self) -> usize {
        self.containers
            .iter()
            .filter(|c| matches!(c, Container::Quote(_) | Container::List { .. }))
            .count()
    }

    /// Whether a quote, list or item starting now is drawn flat instead of nested.
    fn flatten(&mut self, nesting: bool) -> bool {
        if self.flattened > 0 || (nesting && self.depth() >= MAX_MARKDOWN_DEPTH) {
            self.flattened += 1;
            self.flush_inline();
            return true;
        }
        false
    }

    /// Closes a flattened quote, list or item; false when the closing one was really opened.
    fn unflatten(&mut self) -> bool {
        if self.flattened > 0 {
            self.flattened -= 1;
            self.flush_inline();
            return true;
        }
        false
    }

    fn style(&self) -> Style {
        Style::new(self.bold > 0, self.italic > 0)
    }

    fn text(&mut self, text: &str, style: Style) {
        if text.is_empty() {
            return;
        }
        match self.inline.last_mut() {
            Some(last) if last.style == style && last.text != HARD_BREAK && text != HARD_BREAK => {
                last.text.push_str(text)
            }
            _ => self.inline.push(Span {
                text: text.to_owned(),
                style,
            }),
        }
    }

    fn mark(&self) -> Mark {
        (self.inline.len(), self.inline.last().map_or(0, |s| s.text.len()))
    }

    fn text_since(&self, (spans, len): Mark) -> String {
        let mut out = match spans.checked_sub(1).and_then(|i| self.inline.get(i)) {
            Some(last) => last.text.get(len..).unwrap_or_default().to_owned(),
            None => String::new(),
        };
        for span in self.inline.iter().skip(spans) {
            out.push_str(&span.text);
        }
        out
    }

    fn push_block(&mut self, block: Block) {
        match self.containers.last_mut() {
            Some(Container::Blocks(v) | Container::Quote(v) | Container::Item(v)) => v.push(block),
            // A list only holds items; pulldown-cmark never puts a block straight into one.
            Some(Container::List { items, .. }) => items.push(vec![block]),
            None => self.containers.push(Container::Blocks(vec![block])),
        }
    }

    /// Loose text (a tight list item's, or text before a nested block) becomes a paragraph.
    fn flush_inline(&mut self) {
        let spans = std::mem::take(&mut self.inline);
        if spans.iter().any(|s| !s.text.trim().is_empty()) {
            self.push_block(Block::Paragraph(spans));
        }
    }

    fn event(&mut self, event: Event) {
        if let Some(code) = self.code.as_mut() {
            match event {
                Event::Text(t) => return code.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {}
                _ => return,
            }
        }
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                self.text(&t, self.style())
            }
            Event::Html(t) | Event::InlineHtml(t) => {
                let tag = t.trim().to_ascii_lowercase();
                if matches!(tag.as_str(), "<br>" | "<br/>" | "<br />") {
                    self.text(HARD_BREAK, Style::Regular);
                } else if !tag.starts_with("<!--") {
                    self.text(&t, self.style());
                }
            }
            Event::FootnoteReference(r) => self.text(&format!("[{r}]"), self.style()),
            Event::SoftBreak => self.text(" ", self.style()),
            Event::HardBreak => self.text(HARD_BREAK, Style::Regular),
            Event::Rule => {
                self.flush_inline();
                self.push_block(Block::Rule);
            }
            Event::TaskListMarker(done) => self.text(if done { "\u{2611} " } else { "\u{2610} " }, Style::Regular),
        }
    }

    fn start(&mut self, tag: Tag) {
        match tag {
            Tag::Paragraph | Tag::HtmlBlock => self.flush_inline(),
            Tag::Heading { level, .. } => {
                self.flush_inline();
                self.heading = Some(match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    _ => 3,
                });
            }
            Tag::BlockQuote(_) | Tag::List(_) | Tag::Item if self.flatten(!matches!(tag, Tag::Item)) => {}
            Tag::BlockQuote(_) => {
                self.flush_inline();
                self.containers.push(Container::Quote(Vec::new()));
            }
            Tag::CodeBlock(_) => {
                self.flush_inline();
                self.code = Some(String::new());
            }
            Tag::List(start) => {
                self.flush_inline();
                self.containers.push(Container::List {
                    start,
                    items: Vec::new(),
                });
            }
            Tag::Item => self.containers.push(Container::Item(Vec::new())),
            Tag::Table(_) => {
                self.flush_inline();
                self.table = Some(TableBuilder::default());
            }
            Tag::Emphasis => self.italic += 1,
            Tag::Strong => self.bold += 1,
            Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                self.links.push((dest_url.to_string(), self.mark()))
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::HtmlBlock => self.flush_inline(),
            TagEnd::Heading(_) => {
                let spans = std::mem::take(&mut self.inline);
                let level = self.heading.take().unwrap_or(3);
                self.push_block(Block::Heading { level, spans });
            }
            TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::Item if self.unflatten() => {}
            TagEnd::BlockQuote(_) => {
                self.flush_inline();
                if let Some(Container::Quote(blocks)) = self.containers.pop() {
                    self.push_block(Block::Quote(blocks));
                }
            }
            TagEnd::CodeBlock => {
                let code = self.code.take().unwrap_or_default();
                self.push_block(Block::Code(code.trim_end_matches('\n').to_owned()));
            }
            TagEnd::List(_) => {
                if let Some(Container::List { start, items }) = self.containers.pop() {
                    self.push_block(Block::List { start, items });
                }
            }
            TagEnd::Item => {
                self.flush_inline();
                if let Some(Container::Item(blocks)) = self.containers.pop() {
                    match self.containers.last_mut() {
                        Some(Container::List { items, .. }) => items.push(blocks),
                        _ => blocks.into_iter().for_each(|b| self.push_block(b)),
                    }
                }
            }
            TagEnd::TableCell => {
                let cell = std::mem::take(&mut self.inline);
                if let Some(t) = self.table.as_mut() {
                    t.row.push(cell);
                }
            }
            TagEnd::TableHead => {
                if let Some(t) = self.table.as_mut() {
                    t.head = std::mem::take(&mut t.row);
                }
            }
            TagEnd::TableRow => {
                if let Some(t) = self.table.as_mut() {
                    let row = std::mem::take(&mut t.row);
                    t.rows.push(row);
                }
            }
            TagEnd::Table => {
                if let Some(t) = self.table.take() {
                    self.push_block(Block::Table {
                        head: t.head,
                        rows: t.rows,
                    });
                }
            }
            TagEnd::Emphasis => self.italic = self.italic.saturating_sub(1),
            TagEnd::Strong => self.bold = self.bold.saturating_sub(1),
            TagEnd::Link | TagEnd::Image => {
                if let Some((url, from)) = self.links.pop() {
                    let text = self.text_since(from);
                    let text = text.trim();
                    let bare = url.strip_prefix("mailto:").unwrap_or(&url);
                    if !url.is_empty() && text != url && text != bare {
                        let style = self.style();
                        self.text(&format!(" ({url})"), style);
                    }
                }
            }
            _ => {}
        }
    }

    fn finish(mut self) -> Vec<Block> {
        self.flush_inline();
        let mut out = Vec::new();
        // Normally only the root is left; anything still open (never, with pulldown-cmark) is kept.
        while let Some(c) = self.containers.pop() {
            let blocks = match c {
                Container::Blocks(v) | Container::Quote(v) | Container::Item(v) => v,
                Container::List { start, items } => vec![Block::List { start, items }],
            };
            out.splice(0..0, blocks);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(spans: &[Span]) -> String {
        spans.iter().map(|s| s.text.as_str()).collect()
    }

    #[test]
    fn emphasis_becomes_styled_spans() {
        let blocks = parse("Plain **bold** *italic* ***both*** `code`.");
        let Block::Paragraph(spans) = &blocks[0] else {
            panic!("a paragraph: {blocks:?}")
        };
        let styles: Vec<_> = spans.iter().map(|s| (s.text.as_str(), s.style)).collect();
        assert!(styles.contains(&("bold", Style::Bold)), "{styles:?}");
        assert!(styles.contains(&("italic", Style::Italic)), "{styles:?}");
        assert!(styles.contains(&("both", Style::BoldItalic)), "{styles:?}");
        assert_eq!(plain(spans), "Plain bold italic both code.");
    }

    #[test]
    fn a_link_keeps_its_address_when_the_text_differs() {
        let blocks = parse("See [the runbook](https://wiki/rb) and <https://status.example>.");
        let Block::Paragraph(spans) = &blocks[0] else { panic!() };
        assert_eq!(
            plain(spans),
            "See the runbook (https://wiki/rb) and https://status.example."
        );
    }

    #[test]
    fn tight_and_nested_lists_keep_their_items() {
        let blocks = parse("1. one\n2. two\n   - inner a\n   - inner b\n3. three\n");
        let Block::List { start, items } = &blocks[0] else {
            panic!("{blocks:?}")
        };
        assert_eq!(*start, Some(1));
        assert_eq!(items.len(), 3, "three items: {items:?}");
        assert!(
            matches!(&items[1][1], Block::List { start: None, items } if items.len() == 2),
            "the second item holds a two-item bullet list: {:?}",
            items[1]
        );
    }

    #[test]
    fn tables_keep_head_and_rows() {
        let blocks = parse("| When | Who |\n|---|---|\n| 09:00 | Ana |\n| 09:05 | Bo |\n");
        let Block::Table { head, rows } = &blocks[0] else {
            panic!("{blocks:?}")
        };
        assert_eq!(head.iter().map(|c| plain(c)).collect::<Vec<_>>(), ["When", "Who"]);
        assert_eq!(rows.len(), 2);
        assert_eq!(plain(&rows[1][1]), "Bo");
    }

    fn depth(blocks: &[Block]) -> usize {
        blocks
            .iter()
            .map(|b| match b {
                Block::Quote(inner) => 1 + depth(inner),
                Block::List { items, .. } => 1 + items.iter().map(|i| depth(i)).max().unwrap_or(0),
                _ => 0,
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn nesting_past_the_limit_is_kept_as_flat_paragraphs_at_the_limit() {
        let md = format!("{}deep\n\nafter", "> - ".repeat(MAX_MARKDOWN_DEPTH));
        let blocks = parse(&md);
        assert_eq!(
            depth(&blocks),
            MAX_MARKDOWN_DEPTH,
            "the tree stops at the limit: {blocks:?}"
        );
        let text = format!("{blocks:?}");
        assert!(
            text.contains("deep") && text.contains("after"),
            "no text is dropped: {text}"
        );
    }

    #[test]
    fn quotes_code_and_rules_are_blocks() {
        let blocks = parse("> quoted\n\n```\nlet x = 1;\n```\n\n---\n");
        assert!(matches!(&blocks[0], Block::Quote(inner) if matches!(inner[0], Block::Paragraph(_))));
        assert_eq!(blocks[1], Block::Code("let x = 1;".into()));
        assert_eq!(blocks[2], Block::Rule);
    }
}
