//! Briefing documents (a case briefing, the portfolio briefing) on the report's engine: the same
//! fonts, body flow, Markdown, tables, header and footer as the After Action Report, without its
//! cover page (a briefing opens with its title block), plus charts drawn as vector graphics.
//!
//! Invariants:
//! - The marking is on every page (header) and the document's title block; the chain heads of
//!   the cases covered are printed in full at the end.
//! - Charts are rectangles and text, never images: they print sharp and their labels and values
//!   are text a reader (and `pdftotext`) can extract.
//! - The same briefing gives byte-identical output (no clock is read here: "as of" is given).

use printpdf::PdfDocument as PrintDocument;
use sha2::{Digest, Sha256};

use super::cover::{stamp, Stamp};
use super::fonts::Style;
use super::layout::{heading_color, muted_color, rule_color, shade_color, text_color, Flow, BODY_SIZE};
use super::markdown;
use super::text::{draw_text, fill_rect, fit, plain, Words};
use super::{save, Paper};
use crate::error::Result;

#[derive(Debug, Clone, PartialEq)]
pub struct Briefing {
    /// "Department of Information Technology".
    pub organization: String,
    /// "Case briefing", "Portfolio briefing".
    pub title: String,
    /// The case's title, or the period.
    pub subtitle: String,
    /// "As of 6 Dec 2026 10:12 MST".
    pub as_of: String,
    /// Header, right: what the document is about ("ESC-00042 · INC0104233").
    pub reference: String,
    pub marking: String,
    pub paper: Paper,
    pub blocks: Vec<BriefingBlock>,
    /// (ticket, chain head) of every case covered, printed at the end.
    pub chain_heads: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BriefingBlock {
    /// A numbered section heading.
    Heading(String),
    /// Body text in the report's Markdown (callers escape what users typed: see `md_escape`).
    Markdown(String),
    Chart(Chart),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub title: String,
    pub kind: ChartKind,
    /// (label, value), drawn in this order.
    pub bars: Vec<(String, f64)>,
    /// Written after each value ("cases", "days").
    pub unit: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// One horizontal bar per label (categories: stages, agencies, durations).
    Bars,
    /// One vertical column per label, left to right (a series in time: weeks).
    Columns,
}

/// `text` as literal Markdown text: every ASCII punctuation character that Markdown could read as
/// syntax is escaped, and line breaks become spaces (for a table cell or one line).
pub fn md_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\r' | '\n' | '\t' => out.push(' '),
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

const TITLE_SIZE: f32 = 20.0;
const CHART_LABEL: f32 = 8.5;
const BAR_ROW: f32 = 13.0;
const COLUMNS_HEIGHT: f32 = 110.0;

pub fn render_briefing(doc: &Briefing) -> Result<Vec<u8>> {
    let fonts = super::fonts::fonts()?;
    let geo = doc.paper.geometry();
    let mut flow = Flow::new(fonts, geo);
    title_block(&mut flow, doc);
    let mut number = 0;
    for (i, block) in doc.blocks.iter().enumerate() {
        match block {
            BriefingBlock::Heading(h) => {
                number += 1;
                let keep = match doc.blocks.get(i + 1) {
                    Some(BriefingBlock::Markdown(m)) => {
                        markdown::parse(m).first().map_or(0.0, |b| flow.first_height(b))
                    }
                    Some(BriefingBlock::Chart(c)) => chart_height(c),
                    _ => 0.0,
                };
                flow.section_heading(number, h, keep);
            }
            BriefingBlock::Markdown(m) => flow.blocks(&markdown::parse(m), 0, false),
            BriefingBlock::Chart(c) => chart(&mut flow, c),
        }
    }
    if !doc.chain_heads.is_empty() {
        number += 1;
        let mut table = String::from(
            "Each case's timeline ends in this SHA-256 chain head as of this briefing: a timeline changed afterwards no longer matches it (`escalation-desk verify` checks the chains).\n\n| Ticket | Chain head |\n|---|---|\n",
        );
        for (ticket, head) in &doc.chain_heads {
            table.push_str(&format!(
                "| {} | {} |\n",
                md_escape(ticket),
                crate::store::timeline::grouped_head(head)
            ));
        }
        let blocks = markdown::parse(&table);
        let keep = blocks.first().map_or(0.0, |b| flow.first_height(b));
        flow.section_heading(number, "Chain heads", keep);
        flow.blocks(&blocks, 0, false);
    }
    flow.pages.retain(|ops| !ops.is_empty());

    let mut pdf = PrintDocument::new(&doc.title);
    fonts.register(&mut pdf);
    let stamp_text = Stamp {
        marking: doc.marking.clone(),
        reference: format!("{} \u{b7} {}", doc.title, doc.reference),
        state: doc.as_of.clone(),
    };
    let total = flow.pages.len();
    pdf.pages = flow
        .pages
        .into_iter()
        .enumerate()
        .map(|(i, mut ops)| {
            stamp(&mut ops, fonts, &geo, &stamp_text, i + 1, total);
            super::page(&geo, ops)
        })
        .collect();
    let info = &mut pdf.metadata.info;
    info.document_title = format!("{}: {}", doc.title, doc.subtitle);
    info.subject = doc.reference.clone();
    save(pdf, &input_id(doc))
}

/// Organization, title, subtitle and "as of" at the top of the first page, ruled off.
fn title_block(flow: &mut Flow, doc: &Briefing) {
    let fonts = flow.fonts;
    let width = flow.width();
    let line = |flow: &mut Flow, text: &str, style: Style, size: f32, color| {
        let lines = Words::new(fonts, &plain(text, style), size).wrap(fonts, width);
        flow.draw_lines(&lines, size, size * 1.3, &color);
    };
    line(flow, &doc.organization, Style::Regular, 9.5, muted_color());
    line(flow, &doc.title, Style::Bold, TITLE_SIZE, heading_color());
    line(flow, &doc.subtitle, Style::Bold, 12.0, text_color());
    line(
        flow,
        &format!("{} \u{b7} {}", doc.as_of, doc.marking),
        Style::Regular,
        9.5,
        muted_color(),
    );
    let (x, y) = (flow.x0(), flow.y);
    fill_rect(flow.ops(), x, y - 4.0, width, 1.2, &heading_color());
    flow.y -= 10.0;
}

fn chart_height(c: &Chart) -> f32 {
    let body = match c.kind {
        ChartKind::Bars => c.bars.len().max(1) as f32 * BAR_ROW,
        ChartKind::Columns => COLUMNS_HEIGHT + 2.0 * CHART_LABEL * 1.3,
    };
    BODY_SIZE * 1.6 + body + 10.0
}

fn value_text(v: f64, unit: &str) -> String {
    let n = if v.fract().abs() < 0.05 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    };
    match unit {
        "" => n,
        // "1 case", "2 cases": a unit is given in the plural.
        u if n == "1" => format!("{n} {}", u.strip_suffix('s').unwrap_or(u)),
        u => format!("{n} {u}"),
    }
}

/// Draws a chart at the flow's place (on a new page if it does not fit whole).
fn chart(flow: &mut Flow, c: &Chart) {
    flow.space(4.0);
    flow.ensure(chart_height(c));
    let fonts = flow.fonts;
    let (left, width) = (flow.x0(), flow.width());
    let title_y = flow.y - BODY_SIZE;
    draw_text(
        flow.ops(),
        fonts,
        &c.title,
        Style::Bold,
        (left, title_y),
        BODY_SIZE,
        &text_color(),
    );
    flow.y -= BODY_SIZE * 1.6;
    let max = c.bars.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max).max(1e-9);
    // The columns' scale: four whole steps, so the grid lines read as whole counts.
    let scale = (max / 4.0).ceil().max(1.0) * 4.0;
    if c.bars.is_empty() {
        let y = flow.y - CHART_LABEL;
        draw_text(
            flow.ops(),
            fonts,
            "Nothing in this period.",
            Style::Regular,
            (left, y),
            CHART_LABEL,
            &muted_color(),
        );
        flow.y -= BAR_ROW;
    }
    match c.kind {
        ChartKind::Bars => {
            let label_w = (width * 0.34).min(
                c.bars
                    .iter()
                    .map(|(l, _)| fonts.width(Style::Regular, l, CHART_LABEL))
                    .fold(0.0, f32::max)
                    + 6.0,
            );
            let value_w = 70.0;
            let bar_x = left + label_w;
            let bar_max = (width - label_w - value_w).max(20.0);
            for (label, v) in &c.bars {
                let top = flow.y;
                let base = top - BAR_ROW + 3.5;
                let label = fit(fonts, label, Style::Regular, CHART_LABEL, label_w - 6.0);
                let lw = fonts.width(Style::Regular, &label, CHART_LABEL);
                draw_text(
                    flow.ops(),
                    fonts,
                    &label,
                    Style::Regular,
                    (bar_x - 6.0 - lw, base),
                    CHART_LABEL,
                    &text_color(),
                );
                let w = (bar_max as f64 * v / max) as f32;
                fill_rect(
                    flow.ops(),
                    bar_x,
                    top - BAR_ROW + 2.0,
                    bar_max,
                    BAR_ROW - 4.0,
                    &shade_color(),
                );
                fill_rect(
                    flow.ops(),
                    bar_x,
                    top - BAR_ROW + 2.0,
                    w,
                    BAR_ROW - 4.0,
                    &heading_color(),
                );
                let text = value_text(*v, &c.unit);
                draw_text(
                    flow.ops(),
                    fonts,
                    &text,
                    Style::Bold,
                    (bar_x + bar_max + 5.0, base),
                    CHART_LABEL,
                    &text_color(),
                );
                flow.y -= BAR_ROW;
            }
        }
        ChartKind::Columns => {
            let axis_w = 28.0;
            let plot_x = left + axis_w;
            let plot_w = width - axis_w;
            let top = flow.y - CHART_LABEL * 1.3;
            let bottom = top - COLUMNS_HEIGHT;
            // Grid lines at a quarter, half, three quarters and the top, with their values.
            for k in 0..=4 {
                let y = bottom + COLUMNS_HEIGHT * k as f32 / 4.0;
                let color = if k == 0 { muted_color() } else { rule_color() };
                fill_rect(flow.ops(), plot_x, y, plot_w, if k == 0 { 0.8 } else { 0.4 }, &color);
                let label = value_text(scale * k as f64 / 4.0, "");
                let lw = fonts.width(Style::Regular, &label, CHART_LABEL - 1.0);
                draw_text(
                    flow.ops(),
                    fonts,
                    &label,
                    Style::Regular,
                    (plot_x - 4.0 - lw, y - 2.5),
                    CHART_LABEL - 1.0,
                    &muted_color(),
                );
            }
            let n = c.bars.len().max(1) as f32;
            let slot = plot_w / n;
            let col_w = (slot * 0.64).max(1.0);
            // Labels under every column when they fit, else under every second or third.
            let widest = c
                .bars
                .iter()
                .map(|(l, _)| fonts.width(Style::Regular, l, CHART_LABEL - 1.0))
                .fold(0.0, f32::max);
            let every = ((widest + 4.0) / slot).ceil().max(1.0) as usize;
            for (i, (label, v)) in c.bars.iter().enumerate() {
                let x = plot_x + slot * i as f32 + (slot - col_w) / 2.0;
                let h = (COLUMNS_HEIGHT as f64 * v / scale) as f32;
                fill_rect(flow.ops(), x, bottom, col_w, h, &heading_color());
                let value = value_text(*v, "");
                let vw = fonts.width(Style::Bold, &value, CHART_LABEL - 1.0);
                draw_text(
                    flow.ops(),
                    fonts,
                    &value,
                    Style::Bold,
                    (x + col_w / 2.0 - vw / 2.0, bottom + h + 2.5),
                    CHART_LABEL - 1.0,
                    &text_color(),
                );
                if i % every == 0 {
                    let lw = fonts.width(Style::Regular, label, CHART_LABEL - 1.0);
                    draw_text(
                        flow.ops(),
                        fonts,
                        label,
                        Style::Regular,
                        (x + col_w / 2.0 - lw / 2.0, bottom - CHART_LABEL - 1.0),
                        CHART_LABEL - 1.0,
                        &muted_color(),
                    );
                }
            }
            flow.y = bottom - CHART_LABEL * 1.3 - 4.0;
        }
    }
    flow.space(10.0);
}

/// A file identifier that depends on the content only.
fn input_id(doc: &Briefing) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(format!("{doc:?}").as_bytes());
    h.finalize()[..16].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escaping_leaves_users_text_literal_on_one_line() {
        assert_eq!(md_escape("*bold* | [x](y)\n# h"), "\\*bold\\* \\| \\[x\\]\\(y\\) \\# h");
        let blocks = markdown::parse(&format!("| a |\n|---|\n| {} |\n", md_escape("x | y **z**\nnext")));
        let text = format!("{blocks:?}");
        assert!(text.contains("x | y **z** next"), "{text}");
    }

    #[test]
    fn a_value_is_written_whole_or_with_one_decimal_and_its_unit() {
        assert_eq!(value_text(3.0, "cases"), "3 cases");
        assert_eq!(value_text(1.0, "cases"), "1 case");
        assert_eq!(value_text(2.46, "days"), "2.5 days");
        assert_eq!(value_text(0.0, ""), "0");
    }
}
