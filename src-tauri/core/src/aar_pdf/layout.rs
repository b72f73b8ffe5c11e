//! The body flow: blocks laid out top to bottom into pages of a fixed text area.
//!
//! Invariants: nothing is drawn below `bottom` or above `top` of the text area (a line that does not
//! fit starts a new page; only a single line taller than a whole page could overflow, and no line
//! is); a heading moves to the next page together with the first line of what follows it; vertical
//! space is not added at the top of a page.

use printpdf::{Color, Op};

use super::fonts::{Fonts, Style};
use super::markdown::{Block, Span};
use super::text::{draw_line, fill_rect, rgb, Line, Words};

pub const BODY_SIZE: f32 = 10.0;
pub const BODY_LEADING: f32 = 14.5;
pub const PARA_GAP: f32 = 7.0;
const ITEM_GAP: f32 = 3.0;
const SECTION_SIZE: f32 = 14.5;
const CODE_SIZE: f32 = 8.5;
const CODE_LEADING: f32 = 11.5;
const QUOTE_INDENT: f32 = 14.0;

pub fn text_color() -> Color {
    rgb(0.13, 0.14, 0.16)
}
pub fn heading_color() -> Color {
    rgb(0.09, 0.22, 0.38)
}
pub fn muted_color() -> Color {
    rgb(0.40, 0.43, 0.48)
}
pub fn rule_color() -> Color {
    rgb(0.72, 0.75, 0.80)
}
pub fn shade_color() -> Color {
    rgb(0.90, 0.92, 0.95)
}
fn code_background() -> Color {
    rgb(0.95, 0.95, 0.96)
}

/// The page and its text area, in points from the lower-left corner.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    pub width: f32,
    pub height: f32,
    pub left: f32,
    pub right: f32,
    pub top: f32,
    pub bottom: f32,
}

/// Where a line's baseline sits in a line box of `leading` whose top is `top`.
pub fn baseline(top: f32, size: f32, leading: f32) -> f32 {
    top - (leading - size) / 2.0 - size * 0.78
}

pub struct Flow<'a> {
    pub(super) fonts: &'a Fonts,
    pub(super) geo: Geometry,
    pub pages: Vec<Vec<Op>>,
    pub(super) y: f32,
    indent: f32,
    /// The x of the bar of each open block quote.
    quote_bars: Vec<f32>,
    /// A list item's label and the x its right edge goes to, drawn with the item's first line.
    pub(super) marker: Option<(String, f32)>,
}

impl<'a> Flow<'a> {
    pub fn new(fonts: &'a Fonts, geo: Geometry) -> Self {
        Flow {
            fonts,
            geo,
            pages: vec![Vec::new()],
            y: geo.top,
            indent: 0.0,
            quote_bars: Vec::new(),
            marker: None,
        }
    }

    pub(super) fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a flow always has a page")
    }

    pub(super) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.geo.top;
    }

    fn at_top(&self) -> bool {
        self.y >= self.geo.top - 0.01
    }

    pub(super) fn space(&mut self, h: f32) {
        if !self.at_top() {
            self.y -= h;
        }
    }

    pub(super) fn room(&self) -> f32 {
        self.y - self.geo.bottom
    }

    pub(super) fn ensure(&mut self, h: f32) {
        if h > self.room() + 0.01 && !self.at_top() {
            self.new_page();
        }
    }

    pub(super) fn x0(&self) -> f32 {
        self.geo.left + self.indent
    }

    pub(super) fn width(&self) -> f32 {
        self.geo.right - self.x0()
    }

    /// How far a nested block may indent: `by`, unless that would leave less than half the text
    /// width (deep nesting then stops moving right instead of running off the page).
    fn nest(&self, by: f32) -> f32 {
        if self.width() - by < (self.geo.right - self.geo.left) / 2.0 {
            0.0
        } else {
            by
        }
    }

    /// Quote bars beside the next `height` points.
    pub(super) fn decorate(&mut self, height: f32) {
        let y = self.y;
        for x in self.quote_bars.clone() {
            fill_rect(self.ops(), x, y - height, 1.6, height, &rule_color());
        }
    }

    /// Draws `lines` one by one, breaking pages between them.
    pub(super) fn draw_lines(&mut self, lines: &[Line], size: f32, leading: f32, color: &Color) {
        for line in lines {
            self.ensure(leading);
            let base = baseline(self.y, size, leading);
            self.decorate(leading);
            if let Some((label, right)) = self.marker.take() {
                let w = self.fonts.width(Style::Regular, &label, size);
                let label = Line {
                    runs: vec![(Style::Regular, label)],
                    width: w,
                };
                let fonts = self.fonts;
                draw_line(self.ops(), fonts, &label, right - w, base, size, &text_color());
            }
            let x = self.x0();
            let fonts = self.fonts;
            draw_line(self.ops(), fonts, line, x, base, size, color);
            self.y -= leading;
        }
    }

    fn body_color(&self) -> Color {
        if self.quote_bars.is_empty() {
            text_color()
        } else {
            muted_color()
        }
    }

    /// "3  Timeline", with a hairline under it; kept with `keep` points of what follows.
    pub fn section_heading(&mut self, number: usize, heading: &str, keep: f32) {
        let spans = vec![Span {
            text: format!("{number}\u{2002}{heading}"),
            style: Style::Bold,
        }];
        let leading = SECTION_SIZE * 1.3;
        let lines = Words::new(self.fonts, &spans, SECTION_SIZE).wrap(self.fonts, self.width());
        self.space(16.0);
        self.ensure(lines.len() as f32 * leading + 8.0 + keep);
        self.draw_lines(&lines, SECTION_SIZE, leading, &heading_color());
        let (x, w, y) = (self.x0(), self.width(), self.y);
        fill_rect(self.ops(), x, y - 1.5, w, 0.6, &rule_color());
        self.y -= 8.0;
    }

    /// What `block` needs at least on the page it starts on: a heading before it keeps this much.
    pub fn first_height(&self, block: &Block) -> f32 {
        match block {
            Block::Heading { level, .. } => heading_size(*level) * 1.3 + 10.0 + BODY_LEADING,
            Block::Code(_) => CODE_LEADING,
            Block::Table { .. } => super::table::FIRST_ROWS_HEIGHT,
            Block::Quote(inner) => inner.first().map_or(BODY_LEADING, |b| self.first_height(b)),
            _ => BODY_LEADING,
        }
    }

    /// Lays out `blocks`; `depth` is the list nesting, `tight` spaces paragraphs as list items.
    pub fn blocks(&mut self, blocks: &[Block], depth: usize, tight: bool) {
        for (i, block) in blocks.iter().enumerate() {
            let keep = blocks.get(i + 1).map_or(0.0, |next| self.first_height(next));
            match block {
                Block::Paragraph(spans) => {
                    let lines = Words::new(self.fonts, spans, BODY_SIZE).wrap(self.fonts, self.width());
                    let color = self.body_color();
                    self.draw_lines(&lines, BODY_SIZE, BODY_LEADING, &color);
                    self.space(if tight { ITEM_GAP } else { PARA_GAP });
                }
                Block::Heading { level, spans } => self.heading(*level, spans, keep),
                Block::List { start, items } => self.list(*start, items, depth),
                Block::Quote(inner) => {
                    let indent = self.nest(QUOTE_INDENT);
                    self.quote_bars.push(self.x0() + 2.0);
                    self.indent += indent;
                    self.blocks(inner, depth, tight);
                    self.indent -= indent;
                    self.quote_bars.pop();
                }
                Block::Code(code) => self.code(code),
                Block::Table { head, rows } => self.table(head, rows),
                Block::Rule => {
                    self.space(3.0);
                    self.ensure(PARA_GAP);
                    let (x, w, y) = (self.x0(), self.width(), self.y);
                    fill_rect(self.ops(), x, y - 0.3, w, 0.6, &rule_color());
                    self.y -= 0.6;
                    self.space(PARA_GAP + 3.0);
                }
            }
        }
    }

    fn heading(&mut self, level: u8, spans: &[Span], keep: f32) {
        let size = heading_size(level);
        let leading = size * 1.3;
        let spans: Vec<Span> = spans
            .iter()
            .map(|s| Span {
                text: s.text.clone(),
                style: s.style.bold(),
            })
            .collect();
        let lines = Words::new(self.fonts, &spans, size).wrap(self.fonts, self.width());
        self.space(if level == 1 { 9.0 } else { 6.0 });
        self.ensure(lines.len() as f32 * leading + keep);
        let color = if level == 3 { text_color() } else { heading_color() };
        self.draw_lines(&lines, size, leading, &color);
        self.space(3.0);
    }

    fn list(&mut self, start: Option<u64>, items: &[Vec<Block>], depth: usize) {
        let labels: Vec<String> = (0..items.len() as u64)
            .map(|i| match start {
                Some(n) => format!("{}.", n + i),
                None => ["\u{2022}", "\u{2013}", "\u{25AA}"][depth % 3].to_owned(),
            })
            .collect();
        let widest = labels
            .iter()
            .map(|l| self.fonts.width(Style::Regular, l, BODY_SIZE))
            .fold(0.0, f32::max);
        let hang = self.nest((widest + 6.0).max(13.0));
        self.indent += hang;
        for (label, item) in labels.into_iter().zip(items) {
            self.marker = Some((label, self.x0() - 5.0));
            self.blocks(item, depth + 1, true);
            self.marker = None;
        }
        self.indent -= hang;
        if depth == 0 {
            self.space(PARA_GAP - ITEM_GAP);
        }
    }

    fn code(&mut self, code: &str) {
        let pad = 6.0;
        let width = self.width() - 2.0 * pad;
        // No-break spaces keep indentation: a code line breaks only where it is too long.
        let lines: Vec<Line> = code
            .split('\n')
            .flat_map(|l| {
                let spans = vec![Span {
                    text: l.replace(' ', "\u{a0}"),
                    style: Style::Regular,
                }];
                Words::new(self.fonts, &spans, CODE_SIZE).wrap(self.fonts, width)
            })
            .collect();
        let inset = 4.0;
        self.space(2.0);
        self.ensure(inset + CODE_LEADING);
        let background = |flow: &mut Self, h: f32| {
            let (x, w, y) = (flow.x0(), flow.width(), flow.y);
            fill_rect(flow.ops(), x, y - h, w, h, &code_background());
        };
        background(self, inset);
        self.y -= inset;
        for line in lines {
            self.ensure(CODE_LEADING);
            background(self, CODE_LEADING);
            self.indent += pad;
            self.draw_lines(std::slice::from_ref(&line), CODE_SIZE, CODE_LEADING, &text_color());
            self.indent -= pad;
        }
        if self.room() >= inset {
            background(self, inset);
            self.y -= inset;
        }
        self.space(PARA_GAP + 2.0);
    }
}

fn heading_size(level: u8) -> f32 {
    match level {
        1 => 12.5,
        2 => 11.5,
        _ => 10.5,
    }
}
