//! The four DejaVu Sans faces, parsed once per process, and text measurement from their `hmtx`
//! advance widths.
//!
//! Invariant: every string that reaches a PDF text operator went through [`Fonts::clean`] first, so
//! it only holds characters the face has a glyph for (others became `?`): a missing glyph would
//! otherwise print as an empty box and be measured wrongly.

use std::sync::OnceLock;

use printpdf::{FontId, ParsedFont, PdfDocument as PrintDocument, PdfFont};

use crate::error::{Error, Result};

const REGULAR: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");
const ITALIC: &[u8] = include_bytes!("../../fonts/DejaVuSans-Oblique.ttf");
const BOLD_ITALIC: &[u8] = include_bytes!("../../fonts/DejaVuSans-BoldOblique.ttf");

/// Characters below this are measured from a table built once; above it (rare: CJK, emoji, symbols)
/// the font's cmap is asked each time. Covers Latin, Greek, Cyrillic and General Punctuation.
const TABLE_LEN: usize = 0x2200;
const MISSING: f32 = -1.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    Regular,
    Bold,
    Italic,
    BoldItalic,
}

impl Style {
    pub fn new(bold: bool, italic: bool) -> Self {
        match (bold, italic) {
            (false, false) => Style::Regular,
            (true, false) => Style::Bold,
            (false, true) => Style::Italic,
            (true, true) => Style::BoldItalic,
        }
    }

    pub fn bold(self) -> Self {
        Style::new(true, self.is_italic())
    }

    pub fn is_italic(self) -> bool {
        matches!(self, Style::Italic | Style::BoldItalic)
    }

    fn index(self) -> usize {
        self as usize
    }

    /// Fixed resource names (printpdf would make random ones) so the same report gives the same
    /// bytes; six capitals because printpdf also uses the first six characters as the subset tag.
    pub fn font_id(self) -> FontId {
        FontId(
            match self {
                Style::Regular => "DJVSRG",
                Style::Bold => "DJVSBD",
                Style::Italic => "DJVSIT",
                Style::BoldItalic => "DJVSBI",
            }
            .to_owned(),
        )
    }

    const ALL: [Style; 4] = [Style::Regular, Style::Bold, Style::Italic, Style::BoldItalic];
}

struct Face {
    parsed: ParsedFont,
    units_per_em: f32,
    /// Advance in em per char below [`TABLE_LEN`], [`MISSING`] when the face has no glyph.
    table: Vec<f32>,
}

impl Face {
    fn parse(bytes: &[u8], name: &str) -> std::result::Result<Face, String> {
        let mut warnings = Vec::new();
        let parsed =
            ParsedFont::from_bytes(bytes, 0, &mut warnings).ok_or_else(|| format!("cannot parse font {name}"))?;
        let units_per_em = f32::from(parsed.font_metrics.units_per_em.max(1));
        let mut face = Face {
            parsed,
            units_per_em,
            table: Vec::new(),
        };
        face.table = (0..TABLE_LEN as u32)
            .map(|cp| char::from_u32(cp).and_then(|c| face.lookup(c)).unwrap_or(MISSING))
            .collect();
        Ok(face)
    }

    fn lookup(&self, c: char) -> Option<f32> {
        match self.parsed.lookup_glyph_index(c as u32) {
            Some(gid) if gid != 0 => Some(f32::from(self.parsed.get_horizontal_advance(gid)) / self.units_per_em),
            _ => None,
        }
    }

    fn advance(&self, c: char) -> Option<f32> {
        match self.table.get(c as usize) {
            Some(&w) if w == MISSING => None,
            Some(&w) => Some(w),
            None => self.lookup(c),
        }
    }
}

/// Zero-width and bidi formatting characters (U+200B-200F, 202A-202E, 2060-206F, FEFF): they
/// have no ink. The faces lack some (a bidi isolate would print as a `?` nobody typed), and the
/// page is drawn in the order typed with no bidi pass, so dropping them changes nothing a reader
/// sees, and text copied from the PDF carries no override.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}'
    )
}

pub struct Fonts {
    faces: [Face; 4],
}

/// The parsed faces, shared by every render in the process (parsing four 700 KB fonts per report
/// would cost more than laying out a short one).
pub fn fonts() -> Result<&'static Fonts> {
    static FONTS: OnceLock<std::result::Result<Fonts, String>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Ok(Fonts {
                faces: [
                    Face::parse(REGULAR, "DejaVuSans")?,
                    Face::parse(BOLD, "DejaVuSans-Bold")?,
                    Face::parse(ITALIC, "DejaVuSans-Oblique")?,
                    Face::parse(BOLD_ITALIC, "DejaVuSans-BoldOblique")?,
                ],
            })
        })
        .as_ref()
        .map_err(|e| Error::Internal(format!("PDF fonts: {e}")))
}

impl Fonts {
    fn face(&self, style: Style) -> &Face {
        &self.faces[style.index()]
    }

    /// Registers the four faces under their fixed ids; printpdf subsets each to the glyphs used.
    pub fn register(&self, doc: &mut PrintDocument) {
        for style in Style::ALL {
            let font = PdfFont::new(self.face(style).parsed.clone());
            doc.resources.fonts.map.insert(style.font_id(), font);
        }
    }

    /// `text` with whitespace controls made spaces, other controls and invisible formatting
    /// characters dropped, and characters the face cannot draw replaced by `?`.
    pub fn clean(&self, style: Style, text: &str) -> String {
        let face = self.face(style);
        text.chars()
            .filter_map(|c| match c {
                '\t' | '\r' | '\n' | '\u{2028}' | '\u{2029}' => Some(' '),
                c if c.is_control() || invisible(c) => None,
                c if face.advance(c).is_some() => Some(c),
                _ => Some('?'),
            })
            .collect()
    }

    /// Width in points of already [cleaned](Fonts::clean) text.
    pub fn width(&self, style: Style, text: &str, size: f32) -> f32 {
        let face = self.face(style);
        text.chars().map(|c| face.advance(c).unwrap_or(0.6)).sum::<f32>() * size
    }

    pub fn char_width(&self, style: Style, c: char, size: f32) -> f32 {
        self.face(style).advance(c).unwrap_or(0.6) * size
    }
}
