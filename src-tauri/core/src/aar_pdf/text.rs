//! Line breaking and the drawing primitives every part of the page uses.
//!
//! Invariants: a wrapped line is never wider than the width it was wrapped to (a word longer than
//! the line is broken between characters); runs of one style on a line are drawn by one text
//! operator at the x the measurement gave them, so what was measured is what is drawn.

use printpdf::{Color, Op, PaintMode, PdfFontHandle, Pt, Rect, Rgb, TextItem, TextMatrix};

use super::fonts::{Fonts, Style};
use super::markdown::{Span, HARD_BREAK};

pub fn rgb(r: f32, g: f32, b: f32) -> Color {
    Color::Rgb(Rgb::new(r, g, b, None))
}

/// One line of text ready to draw: runs of one style each, and its width at the size it was built for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Line {
    pub runs: Vec<(Style, String)>,
    pub width: f32,
}

impl Line {
    fn push(&mut self, style: Style, text: &str, width: f32) {
        match self.runs.last_mut() {
            Some((s, t)) if *s == style => t.push_str(text),
            _ => self.runs.push((style, text.to_owned())),
        }
        self.width += width;
    }

    fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }
}

#[derive(Debug, Clone)]
enum Token {
    /// The pieces of one word (a word may change style midway: `**bold**ly`), and its width.
    Word(Vec<(Style, String)>, f32),
    Space,
    Break,
}

/// Cleaned words of `spans` at `size`.
pub struct Words {
    tokens: Vec<Token>,
    size: f32,
}

impl Words {
    pub fn new(fonts: &Fonts, spans: &[Span], size: f32) -> Self {
        let mut tokens = Vec::new();
        let mut word: Vec<(Style, String)> = Vec::new();
        let mut width = 0.0;
        let end_word = |tokens: &mut Vec<Token>, word: &mut Vec<(Style, String)>, width: &mut f32| {
            if !word.is_empty() {
                tokens.push(Token::Word(std::mem::take(word), *width));
                *width = 0.0;
            }
        };
        for span in spans {
            if span.text == HARD_BREAK {
                end_word(&mut tokens, &mut word, &mut width);
                tokens.push(Token::Break);
                continue;
            }
            let text = fonts.clean(span.style, &span.text);
            for c in text.chars() {
                if c == ' ' {
                    end_word(&mut tokens, &mut word, &mut width);
                    if !matches!(tokens.last(), Some(Token::Space)) {
                        tokens.push(Token::Space);
                    }
                    continue;
                }
                width += fonts.char_width(span.style, c, size);
                match word.last_mut() {
                    Some((s, t)) if *s == span.style => t.push(c),
                    _ => word.push((span.style, c.to_string())),
                }
            }
        }
        end_word(&mut tokens, &mut word, &mut width);
        Words { tokens, size }
    }

    /// The widest word, in points: the narrowest a column can be without breaking inside words.
    pub fn widest(&self) -> f32 {
        self.tokens
            .iter()
            .map(|t| if let Token::Word(_, w) = t { *w } else { 0.0 })
            .fold(0.0, f32::max)
    }

    /// The width of the longest hard line when nothing wraps.
    pub fn natural(&self, fonts: &Fonts) -> f32 {
        self.wrap(fonts, f32::INFINITY)
            .iter()
            .map(|l| l.width)
            .fold(0.0, f32::max)
    }

    /// Greedy line breaking at spaces; leading and trailing spaces of a line are dropped.
    pub fn wrap(&self, fonts: &Fonts, max: f32) -> Vec<Line> {
        let mut lines = Vec::new();
        let mut line = Line::default();
        let mut space = false;
        for token in &self.tokens {
            match token {
                Token::Space => space = !line.is_empty(),
                Token::Break => {
                    lines.push(std::mem::take(&mut line));
                    space = false;
                }
                Token::Word(pieces, width) => {
                    let style = line.runs.last().map_or(Style::Regular, |r| r.0);
                    let space_w = if space {
                        fonts.char_width(style, ' ', self.size)
                    } else {
                        0.0
                    };
                    if !line.is_empty() && line.width + space_w + width > max {
                        lines.push(std::mem::take(&mut line));
                    } else if space {
                        line.push(style, " ", space_w);
                    }
                    space = false;
                    if line.is_empty() && *width > max {
                        self.break_word(fonts, pieces, max, &mut lines, &mut line);
                    } else {
                        for (s, t) in pieces {
                            line.push(*s, t, fonts.width(*s, t, self.size));
                        }
                    }
                }
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }

    fn break_word(&self, fonts: &Fonts, pieces: &[(Style, String)], max: f32, lines: &mut Vec<Line>, line: &mut Line) {
        for (style, text) in pieces {
            for c in text.chars() {
                let w = fonts.char_width(*style, c, self.size);
                if !line.is_empty() && line.width + w > max {
                    lines.push(std::mem::take(line));
                }
                let mut buf = [0u8; 4];
                line.push(*style, c.encode_utf8(&mut buf), w);
            }
        }
    }
}

/// Spans of one style, for text the program writes (cover, headers) rather than Markdown.
pub fn plain(text: &str, style: Style) -> Vec<Span> {
    vec![Span {
        text: text.to_owned(),
        style,
    }]
}

/// Draws `line` with its first run starting at `x` on `baseline`.
pub fn draw_line(ops: &mut Vec<Op>, fonts: &Fonts, line: &Line, x: f32, baseline: f32, size: f32, color: &Color) {
    if line.runs.iter().all(|(_, t)| t.trim().is_empty()) {
        return;
    }
    ops.push(Op::SetFillColor { col: color.clone() });
    ops.push(Op::StartTextSection);
    let mut x = x;
    let mut current = None;
    for (style, text) in &line.runs {
        if current != Some(*style) {
            ops.push(Op::SetFont {
                font: PdfFontHandle::External(style.font_id()),
                size: Pt(size),
            });
            current = Some(*style);
        }
        ops.push(Op::SetTextMatrix {
            matrix: TextMatrix::Translate(Pt(x), Pt(baseline)),
        });
        ops.push(Op::ShowText {
            items: vec![TextItem::Text(text.clone())],
        });
        x += fonts.width(*style, text, size);
    }
    ops.push(Op::EndTextSection);
}

/// Draws one run of program text (already known to fit), cleaned for the face.
/// `at` is (x, baseline).
pub fn draw_text(ops: &mut Vec<Op>, fonts: &Fonts, text: &str, style: Style, at: (f32, f32), size: f32, color: &Color) {
    let text = fonts.clean(style, text);
    let width = fonts.width(style, &text, size);
    let line = Line {
        runs: vec![(style, text)],
        width,
    };
    draw_line(ops, fonts, &line, at.0, at.1, size, color);
}

/// A filled rectangle with its lower-left corner at (x, y). Rules and grid lines are thin ones.
pub fn fill_rect(ops: &mut Vec<Op>, x: f32, y: f32, w: f32, h: f32, color: &Color) {
    ops.push(Op::SetFillColor { col: color.clone() });
    ops.push(Op::DrawRectangle {
        rectangle: Rect {
            x: Pt(x),
            y: Pt(y),
            width: Pt(w),
            height: Pt(h),
            mode: Some(PaintMode::Fill),
            winding_order: None,
        },
    });
}

/// `text` cut to `max` points with an ellipsis, for single-line places such as the page header.
pub fn fit(fonts: &Fonts, text: &str, style: Style, size: f32, max: f32) -> String {
    let text = fonts.clean(style, text);
    if fonts.width(style, &text, size) <= max {
        return text;
    }
    let ellipsis = fonts.char_width(style, '\u{2026}', size);
    let mut out = String::new();
    let mut w = 0.0;
    for c in text.chars() {
        let cw = fonts.char_width(style, c, size);
        if w + cw + ellipsis > max {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.truncate(out.trim_end().len());
    out.push('\u{2026}');
    out
}
