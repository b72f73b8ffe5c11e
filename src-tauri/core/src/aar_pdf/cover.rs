//! The cover page, and what is stamped on every page once the page count is known: the header
//! (marking left, case number and title right, a hairline under them), the footer ("Page X of Y")
//! and the diagonal watermark.

use printpdf::{Color, Op, PdfFontHandle, Pt, TextItem, TextMatrix, XObjectId, XObjectTransform};

use super::fonts::{Fonts, Style};
use super::layout::{heading_color, muted_color, rule_color, text_color, Geometry};
use super::text::{draw_line, draw_text, fill_rect, fit, plain, rgb, Words};
use super::PdfDocument;

const MM: f32 = 72.0 / 25.4;
const STAMP_SIZE: f32 = 8.5;

/// The logo as registered in the PDF: its id and its size in pixels.
pub struct Logo {
    pub id: XObjectId,
    pub width: usize,
    pub height: usize,
}

/// Draws wrapped `text` with its first line's top at `*y`, moving `*y` below the last line.
#[allow(clippy::too_many_arguments)]
fn block(
    ops: &mut Vec<Op>,
    fonts: &Fonts,
    text: &str,
    style: Style,
    size: f32,
    x: f32,
    width: f32,
    y: &mut f32,
    color: &Color,
) {
    let leading = size * 1.3;
    for line in Words::new(fonts, &plain(text, style), size).wrap(fonts, width) {
        draw_line(ops, fonts, &line, x, *y - size * 0.95, size, color);
        *y -= leading;
    }
}

pub fn cover(fonts: &Fonts, geo: &Geometry, doc: &PdfDocument, logo: Option<&Logo>) -> Vec<Op> {
    let mut ops = Vec::new();
    let (x, width) = (geo.left, geo.right - geo.left);
    let mut y = geo.height - 20.0 * MM;

    if let Some(logo) = logo {
        // Fit into 45 x 20 mm, never enlarged past its pixel size at 150 dpi.
        let (w, h) = (logo.width as f32, logo.height as f32);
        let scale = (45.0 * MM / w).min(20.0 * MM / h).min(72.0 / 150.0);
        ops.push(Op::UseXobject {
            id: logo.id.clone(),
            transform: XObjectTransform {
                translate_x: Some(Pt(x)),
                translate_y: Some(Pt(y - h * scale)),
                scale_x: Some(scale),
                scale_y: Some(scale),
                dpi: Some(72.0),
                ..Default::default()
            },
        });
        y -= h * scale + 6.0 * MM;
    }
    block(
        &mut ops,
        fonts,
        &doc.organization,
        Style::Bold,
        12.0,
        x,
        width,
        &mut y,
        &heading_color(),
    );
    y -= 3.0 * MM;
    fill_rect(&mut ops, x, y - 1.2, width, 1.2, &heading_color());

    let mut y = geo.height * 0.64;
    block(
        &mut ops,
        fonts,
        &doc.title,
        Style::Bold,
        28.0,
        x,
        width,
        &mut y,
        &heading_color(),
    );
    y -= 4.0;
    block(
        &mut ops,
        fonts,
        &doc.subtitle,
        Style::Regular,
        16.0,
        x,
        width,
        &mut y,
        &text_color(),
    );
    y -= 10.0 * MM;

    let label_w = 34.0 * MM;
    let mut rows: Vec<(&str, String)> = vec![
        ("Case", doc.case_number.clone()),
        ("Ticket", doc.ticket.clone()),
        ("Agency", doc.agency.clone()),
    ];
    rows.extend(doc.dates.iter().map(|(l, v)| (l.as_str(), v.clone())));
    rows.push((
        if doc.authors.len() == 1 { "Author" } else { "Authors" },
        doc.authors.join(", "),
    ));
    for (label, value) in rows.iter().filter(|(_, v)| !v.trim().is_empty()) {
        let mut label_y = y;
        let mut value_y = y;
        block(
            &mut ops,
            fonts,
            label,
            Style::Regular,
            9.5,
            x,
            label_w,
            &mut label_y,
            &muted_color(),
        );
        block(
            &mut ops,
            fonts,
            value,
            Style::Regular,
            10.5,
            x + label_w,
            width - label_w,
            &mut value_y,
            &text_color(),
        );
        y = label_y.min(value_y) - 3.0;
    }
    y -= 5.0 * MM;
    let status = format!("Status: {} \u{b7} Revision {}", doc.status, doc.revision);
    block(
        &mut ops,
        fonts,
        &status,
        Style::Bold,
        10.5,
        x,
        width,
        &mut y,
        &text_color(),
    );

    // The marking, centred in a box above the bottom margin, as a classification stamp is.
    let marking = fit(fonts, &doc.marking, Style::Bold, 11.0, width - 24.0);
    if !marking.is_empty() {
        let w = fonts.width(Style::Bold, &marking, 11.0);
        let (bx, by, bw, bh) = ((geo.width - w) / 2.0 - 10.0, geo.bottom, w + 20.0, 22.0);
        let edge = rule_color();
        fill_rect(&mut ops, bx, by, bw, 0.8, &edge);
        fill_rect(&mut ops, bx, by + bh - 0.8, bw, 0.8, &edge);
        fill_rect(&mut ops, bx, by, 0.8, bh, &edge);
        fill_rect(&mut ops, bx + bw - 0.8, by, 0.8, bh, &edge);
        draw_text(
            &mut ops,
            fonts,
            &marking,
            Style::Bold,
            (bx + 10.0, by + 7.3),
            11.0,
            &text_color(),
        );
    }
    ops
}

/// The marking as at most two lines of `max` points: broken at the last space that fits (or
/// between characters when a word alone is too long). The second line is whatever remains.
fn split_marking(fonts: &Fonts, marking: &str, max: f32) -> (String, String) {
    let text = fonts.clean(Style::Bold, marking.trim());
    if fonts.width(Style::Bold, &text, STAMP_SIZE) <= max {
        return (text, String::new());
    }
    let mut end = 0;
    let mut last_space = None;
    let mut w = 0.0;
    for (i, c) in text.char_indices() {
        w += fonts.char_width(Style::Bold, c, STAMP_SIZE);
        if w > max {
            break;
        }
        if c == ' ' {
            last_space = Some(i);
        }
        end = i + c.len_utf8();
    }
    let cut = last_space.filter(|&i| i > 0).unwrap_or(end);
    let (a, b) = text.split_at(cut);
    (a.trim_end().to_owned(), b.trim_start().to_owned())
}

/// What every body page carries: the marking (header, left), what the document is (header,
/// right; shortened to fit) and its state (footer, left).
pub struct Stamp {
    pub marking: String,
    pub reference: String,
    pub state: String,
}

impl Stamp {
    /// An After Action Report's: "ESC-00042 · After Action Report", "Approved · Revision 2".
    pub fn of_report(doc: &PdfDocument) -> Stamp {
        Stamp {
            marking: doc.marking.clone(),
            reference: format!("{} \u{b7} {}", doc.case_number, doc.title),
            state: format!("{} \u{b7} Revision {}", doc.status, doc.revision),
        }
    }
}

/// Header and footer of body page `page` of `total`.
pub fn stamp(ops: &mut Vec<Op>, fonts: &Fonts, geo: &Geometry, doc: &Stamp, page: usize, total: usize) {
    let muted = muted_color();
    let width = geo.right - geo.left;
    let head_y = geo.height - 13.0 * MM;
    // The marking is printed whole (a cut classification is no classification): it takes the room
    // it needs, up to two thirds of the line, and wraps onto a second line above when longer (two
    // lines hold any marking of MARKING_CHARS); the case title, printed in full on the cover, is
    // shortened instead.
    let (first, second) = split_marking(fonts, &doc.marking, width * 0.66);
    let lines: Vec<String> = [first, second].into_iter().filter(|l| !l.is_empty()).collect();
    let mut marking_w: f32 = 0.0;
    for (i, line) in lines.iter().enumerate() {
        let line = fit(fonts, line, Style::Bold, STAMP_SIZE, width * 0.66);
        let y = head_y + (lines.len() - 1 - i) as f32 * STAMP_SIZE * 1.25;
        draw_text(ops, fonts, &line, Style::Bold, (geo.left, y), STAMP_SIZE, &muted);
        marking_w = marking_w.max(fonts.width(Style::Bold, &line, STAMP_SIZE));
    }
    let right = fit(
        fonts,
        &doc.reference,
        Style::Regular,
        STAMP_SIZE,
        width - marking_w - 12.0,
    );
    let right_w = fonts.width(Style::Regular, &right, STAMP_SIZE);
    draw_text(
        ops,
        fonts,
        &right,
        Style::Regular,
        (geo.right - right_w, head_y),
        STAMP_SIZE,
        &muted,
    );
    fill_rect(ops, geo.left, head_y - 2.5 * MM, width, 0.5, &rule_color());

    let foot_y = 12.0 * MM;
    let left = fit(fonts, &doc.state, Style::Regular, STAMP_SIZE, width * 0.6);
    draw_text(
        ops,
        fonts,
        &left,
        Style::Regular,
        (geo.left, foot_y),
        STAMP_SIZE,
        &muted,
    );
    let number = format!("Page {page} of {total}");
    let number_w = fonts.width(Style::Regular, &number, STAMP_SIZE);
    draw_text(
        ops,
        fonts,
        &number,
        Style::Regular,
        (geo.right - number_w, foot_y),
        STAMP_SIZE,
        &muted,
    );
}

/// The watermark across the page centre at 45 degrees, in a grey light enough to read through.
/// It is drawn first so the page's text lies on top of it.
pub fn watermark(fonts: &Fonts, geo: &Geometry, text: &str) -> Vec<Op> {
    let text = fonts.clean(Style::Bold, text.trim());
    if text.is_empty() {
        return Vec::new();
    }
    let diagonal = (geo.width.powi(2) + geo.height.powi(2)).sqrt();
    let size = (diagonal * 0.6 / fonts.width(Style::Bold, &text, 1.0)).min(110.0);
    let w = fonts.width(Style::Bold, &text, size);
    let angle = geo.height.atan2(geo.width);
    let (sin, cos) = angle.sin_cos();
    let cap = size * 0.73;
    // Start so that the text's centre (half its width along, half its cap height up) is the page's.
    let x = geo.width / 2.0 - cos * w / 2.0 + sin * cap / 2.0;
    let y = geo.height / 2.0 - sin * w / 2.0 - cos * cap / 2.0;
    vec![
        Op::SaveGraphicsState,
        Op::SetFillColor {
            col: rgb(0.90, 0.91, 0.93),
        },
        Op::StartTextSection,
        Op::SetFont {
            font: PdfFontHandle::External(Style::Bold.font_id()),
            size: Pt(size),
        },
        Op::SetTextMatrix {
            matrix: TextMatrix::Raw([cos, sin, -sin, cos, x, y]),
        },
        Op::ShowText {
            items: vec![TextItem::Text(text)],
        },
        Op::EndTextSection,
        Op::RestoreGraphicsState,
    ]
}
