//! Tables: column widths from content, wrapped cells, a shaded bold header row that is drawn again
//! at the top of every page the table continues on, and a grid.
//!
//! Invariants: a row moves whole to the next page when it fits on one; only a row taller than a
//! page is split between lines; the header is never the last thing on a page.

use super::fonts::Style;
use super::layout::{baseline, muted_color, rule_color, shade_color, text_color, Flow};
use super::markdown::{Cell, Span};
use super::text::{draw_line, fill_rect, Line, Words};

const SIZE: f32 = 9.0;
const LEADING: f32 = 12.0;
const PAD_X: f32 = 4.5;
const PAD_Y: f32 = 3.5;
const RULE: f32 = 0.5;
/// What a heading keeps of a table after it: a two-line header and a one-line row.
pub const FIRST_ROWS_HEIGHT: f32 = 3.0 * LEADING + 4.0 * PAD_Y;

struct Grid {
    x: f32,
    widths: Vec<f32>,
    head: Vec<Vec<Line>>,
    head_height: f32,
}

impl Grid {
    fn total(&self) -> f32 {
        self.widths.iter().sum()
    }
}

fn height(cells: &[Vec<Line>]) -> f32 {
    cells.iter().map(Vec::len).max().unwrap_or(0).max(1) as f32 * LEADING + 2.0 * PAD_Y
}

/// Widths that fill `avail`. Short columns (a date, a name: no wider than an even share of what is
/// left) get their whole text on one line; the long ones share the rest, each between its widest
/// word (bounded, so one long address cannot starve the others) and its unwrapped text.
fn column_widths(natural: &[f32], minimum: &[f32], avail: f32) -> Vec<f32> {
    let pad = 2.0 * PAD_X;
    let min: Vec<f32> = minimum
        .iter()
        .map(|m| (m + pad).min(avail * 0.35).max(pad + 18.0))
        .collect();
    let nat: Vec<f32> = natural.iter().zip(&min).map(|(n, m)| (n + pad).max(*m)).collect();
    let (sum_min, sum_nat) = (min.iter().sum::<f32>(), nat.iter().sum::<f32>());
    if sum_nat <= avail {
        return nat.iter().map(|n| n * avail / sum_nat).collect();
    }
    if sum_min >= avail {
        return min.iter().map(|m| m * avail / sum_min).collect();
    }
    let mut widths: Vec<Option<f32>> = vec![None; nat.len()];
    let mut left = avail;
    loop {
        let open: Vec<usize> = (0..nat.len()).filter(|&c| widths[c].is_none()).collect();
        let share = left / open.len().max(1) as f32;
        let open_min: f32 = open.iter().map(|&c| min[c]).sum();
        let short: Vec<usize> = open.iter().copied().filter(|&c| nat[c] <= share).collect();
        // Stop when nothing more is short, or fixing the short ones would squeeze the rest below
        // their minimum.
        let short_nat: f32 = short.iter().map(|&c| nat[c]).sum();
        let short_min: f32 = short.iter().map(|&c| min[c]).sum();
        if short.is_empty() || short.len() == open.len() || left - short_nat < open_min - short_min {
            let (o_min, o_nat): (f32, f32) = (open_min, open.iter().map(|&c| nat[c]).sum());
            for &c in &open {
                widths[c] = Some(if o_nat - o_min <= 0.0 || left <= o_min {
                    min[c] * left / o_min
                } else {
                    min[c] + (nat[c] - min[c]) * (left - o_min) / (o_nat - o_min)
                });
            }
            break;
        }
        for c in short {
            widths[c] = Some(nat[c]);
            left -= nat[c];
        }
    }
    widths.into_iter().map(|w| w.unwrap_or(0.0)).collect()
}

impl Flow<'_> {
    pub(super) fn table(&mut self, head: &[Cell], rows: &[Vec<Cell>]) {
        let fonts = self.fonts;
        let columns = rows.iter().map(Vec::len).chain([head.len()]).max().unwrap_or(0);
        if columns == 0 {
            return;
        }
        let empty: Cell = Vec::new();
        let cell_words = |row: &[Cell], bold: bool| -> Vec<Words> {
            (0..columns)
                .map(|c| {
                    let cell = row.get(c).unwrap_or(&empty);
                    if bold {
                        let spans: Vec<Span> = cell
                            .iter()
                            .map(|s| Span {
                                text: s.text.clone(),
                                style: s.style.bold(),
                            })
                            .collect();
                        Words::new(fonts, &spans, SIZE)
                    } else {
                        Words::new(fonts, cell, SIZE)
                    }
                })
                .collect()
        };
        let head_words = cell_words(head, true);
        let row_words: Vec<Vec<Words>> = rows.iter().map(|r| cell_words(r, false)).collect();

        let mut natural = vec![0.0f32; columns];
        let mut minimum = vec![0.0f32; columns];
        for words in std::iter::once(&head_words).chain(&row_words) {
            for (c, w) in words.iter().enumerate() {
                natural[c] = natural[c].max(w.natural(fonts));
                minimum[c] = minimum[c].max(w.widest());
            }
        }
        let widths = column_widths(&natural, &minimum, self.width());
        let wrap = |words: &[Words]| -> Vec<Vec<Line>> {
            words
                .iter()
                .zip(&widths)
                .map(|(w, width)| w.wrap(fonts, width - 2.0 * PAD_X))
                .collect()
        };
        let head = wrap(&head_words);
        let grid = Grid {
            x: self.x0(),
            head_height: height(&head),
            head,
            widths: widths.clone(),
        };

        let first = row_words.first().map_or(0.0, |r| height(&wrap(r)));
        self.space(2.0);
        self.ensure(grid.head_height + first.min(3.0 * LEADING + 2.0 * PAD_Y));
        self.draw_head(&grid);
        let mut fresh = true;
        for words in &row_words {
            let cells = wrap(words);
            self.row(&grid, &cells, &mut fresh);
        }
        self.space(super::layout::PARA_GAP + 2.0);
    }

    fn draw_head(&mut self, grid: &Grid) {
        let (x, y, h, w) = (grid.x, self.y, grid.head_height, grid.total());
        self.decorate(h);
        fill_rect(self.ops(), x, y - h, w, h, &shade_color());
        if let Some((label, right)) = self.marker.take() {
            let lw = self.fonts.width(Style::Regular, &label, super::layout::BODY_SIZE);
            let label = Line {
                runs: vec![(Style::Regular, label)],
                width: lw,
            };
            let base = baseline(y - PAD_Y, super::layout::BODY_SIZE, LEADING);
            let fonts = self.fonts;
            draw_line(
                self.ops(),
                fonts,
                &label,
                right - lw,
                base,
                super::layout::BODY_SIZE,
                &text_color(),
            );
        }
        self.cells(grid, &grid.head, 0, usize::MAX, &text_color());
        fill_rect(self.ops(), x, y - RULE / 2.0, w, RULE, &muted_color());
        self.grid_lines(grid, y, h, &muted_color());
        self.y -= h;
    }

    /// A row, moved to the next page if it does not fit, split between lines only if it never would.
    fn row(&mut self, grid: &Grid, cells: &[Vec<Line>], fresh: &mut bool) {
        let lines = cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let page_room = self.geo.top - self.geo.bottom - grid.head_height;
        let mut from = 0;
        while from < lines {
            let need = (lines - from) as f32 * LEADING + 2.0 * PAD_Y;
            if need <= self.room() + 0.01 {
                self.row_part(grid, cells, from, lines);
                *fresh = false;
                return;
            }
            let fit = ((self.room() - 2.0 * PAD_Y) / LEADING).floor().max(0.0) as usize;
            if !*fresh && (need <= page_room || fit < 2) {
                self.table_page_break(grid);
                *fresh = true;
                continue;
            }
            let take = fit.max(1).min(lines - from);
            self.row_part(grid, cells, from, from + take);
            from += take;
            *fresh = false;
            if from < lines {
                self.table_page_break(grid);
                *fresh = true;
            }
        }
    }

    fn table_page_break(&mut self, grid: &Grid) {
        self.new_page();
        self.draw_head(grid);
    }

    fn row_part(&mut self, grid: &Grid, cells: &[Vec<Line>], from: usize, to: usize) {
        let h = (to - from) as f32 * LEADING + 2.0 * PAD_Y;
        let y = self.y;
        self.decorate(h);
        self.cells(grid, cells, from, to, &text_color());
        self.grid_lines(grid, y, h, &rule_color());
        self.y -= h;
    }

    fn cells(&mut self, grid: &Grid, cells: &[Vec<Line>], from: usize, to: usize, color: &printpdf::Color) {
        let fonts = self.fonts;
        let top = self.y - PAD_Y;
        let mut x = grid.x;
        for (lines, width) in cells.iter().zip(&grid.widths) {
            let part = &lines[from.min(lines.len())..to.min(lines.len())];
            for (i, line) in part.iter().enumerate() {
                let base = baseline(top - i as f32 * LEADING, SIZE, LEADING);
                draw_line(self.ops(), fonts, line, x + PAD_X, base, SIZE, color);
            }
            x += width;
        }
    }

    /// The bottom edge of a row and the column edges beside it.
    fn grid_lines(&mut self, grid: &Grid, top: f32, h: f32, color: &printpdf::Color) {
        let total = grid.total();
        let ops = self.ops();
        fill_rect(ops, grid.x, top - h - RULE / 2.0, total, RULE, color);
        let mut x = grid.x;
        for w in std::iter::once(&0.0).chain(&grid.widths) {
            x += w;
            fill_rect(ops, x - RULE / 2.0, top - h, RULE, h, color);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_tables_are_spread_to_the_text_width() {
        let w = column_widths(&[40.0, 100.0], &[30.0, 40.0], 480.0);
        assert!((w.iter().sum::<f32>() - 480.0).abs() < 0.01, "{w:?}");
        assert!(w[1] > w[0], "the wider content gets the wider column: {w:?}");
    }

    #[test]
    fn short_columns_keep_their_text_on_one_line() {
        let w = column_widths(&[55.0, 62.0, 700.0], &[25.0, 35.0, 80.0], 480.0);
        assert!(
            (w[0] - 64.0).abs() < 0.01 && (w[1] - 71.0).abs() < 0.01,
            "natural widths: {w:?}"
        );
        assert!(
            (w.iter().sum::<f32>() - 480.0).abs() < 0.01,
            "the long column takes the rest: {w:?}"
        );
    }

    #[test]
    fn one_long_column_cannot_starve_the_others() {
        let w = column_widths(&[60.0, 60.0, 3000.0], &[50.0, 50.0, 900.0], 480.0);
        assert!((w.iter().sum::<f32>() - 480.0).abs() < 0.01, "{w:?}");
        assert!(
            w[0] >= 59.0 && w[1] >= 59.0,
            "short columns keep their words whole: {w:?}"
        );
    }
}
