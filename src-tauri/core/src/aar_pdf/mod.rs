//! After Action Report to PDF: a pure function from [`PdfDocument`] to PDF bytes.
//!
//! A cover page, then the numbered sections laid out from Markdown (headings, paragraphs with
//! bold/italic, links, nested lists, block quotes, code and tables whose header row repeats on
//! every page they span), with a header and a "Page X of Y" footer stamped on every page after the
//! cover once the page count is known, and an optional diagonal watermark on every page.
//!
//! Invariants:
//! - The same document gives byte-identical output: resource names are fixed, the trailer `/ID` is
//!   a hash of the input, and no clock is read.
//! - Text is set in the embedded (subset) DejaVu Sans faces; a character they lack prints as `?`,
//!   everything else (accents, curly quotes, dashes, Greek, Cyrillic) is extractable as text.
//! - Nothing touches the file system, the network or the store; callers run this off the UI
//!   thread (it is CPU work: about 1 ms a page).

pub mod briefing;
mod cover;
mod fonts;
mod layout;
mod markdown;
mod table;
mod text;

use printpdf::{PdfDocument as PrintDocument, PdfPage, PdfSaveOptions, Pt, RawImage, Rect, XObject, XObjectId};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

use self::cover::Logo;
use self::layout::{Flow, Geometry};

const MM: f32 = 72.0 / 25.4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    A4,
    Letter,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfSection {
    pub heading: String,
    pub markdown: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfDocument {
    /// Cover page, e.g. "Department of Information Technology".
    pub organization: String,
    /// Optional cover logo (PNG); left out when it does not decode.
    pub logo_png: Option<Vec<u8>>,
    /// "After Action Report".
    pub title: String,
    /// The case title.
    pub subtitle: String,
    pub case_number: String,
    /// The ITSM ticket, e.g. "INC0012345".
    pub ticket: String,
    pub agency: String,
    /// Label and value lines on the cover ("Opened", "27 Nov 2026 09:12").
    pub dates: Vec<(String, String)>,
    pub authors: Vec<String>,
    /// "Draft", "In review", "Approved", "Distributed".
    pub status: String,
    pub revision: u32,
    /// e.g. "Internal": on the cover and in every page header.
    pub marking: String,
    /// Some("DRAFT") until approved: drawn diagonally in light grey on every page.
    pub watermark: Option<String>,
    pub paper: Paper,
    /// Numbered "1 Executive summary", ... in the body.
    pub sections: Vec<PdfSection>,
}

impl Paper {
    pub(crate) fn geometry(self) -> Geometry {
        let (width, height) = match self {
            Paper::A4 => (210.0 * MM, 297.0 * MM),
            Paper::Letter => (612.0, 792.0),
        };
        Geometry {
            width,
            height,
            left: 20.0 * MM,
            right: width - 20.0 * MM,
            top: height - 22.0 * MM,
            bottom: 20.0 * MM,
        }
    }
}

pub fn render_pdf(doc: &PdfDocument) -> Result<Vec<u8>> {
    let fonts = fonts::fonts()?;
    let geo = doc.paper.geometry();

    let mut flow = Flow::new(fonts, geo);
    for (i, section) in doc.sections.iter().enumerate() {
        let blocks = markdown::parse(&section.markdown);
        let keep = blocks.first().map_or(0.0, |b| flow.first_height(b));
        flow.section_heading(i + 1, &section.heading, keep);
        flow.blocks(&blocks, 0, false);
    }

    // The flow opens its first page before knowing there is anything to put on it.
    flow.pages.retain(|ops| !ops.is_empty());

    let mut pdf = PrintDocument::new(&doc.title);
    fonts.register(&mut pdf);
    let logo = doc.logo_png.as_deref().and_then(decode_png).map(|image| {
        let logo = Logo {
            id: XObjectId("Logo".to_owned()),
            width: image.width,
            height: image.height,
        };
        pdf.resources
            .xobjects
            .map
            .insert(logo.id.clone(), XObject::Image(image));
        logo
    });

    let total = flow.pages.len() + 1;
    let mut pages = Vec::with_capacity(total);
    pages.push(cover::cover(fonts, &geo, doc, logo.as_ref()));
    let stamp = cover::Stamp::of_report(doc);
    for (i, mut ops) in flow.pages.into_iter().enumerate() {
        cover::stamp(&mut ops, fonts, &geo, &stamp, i + 2, total);
        pages.push(ops);
    }
    let watermark = doc.watermark.as_deref().map(|w| cover::watermark(fonts, &geo, w));
    pdf.pages = pages
        .into_iter()
        .map(|mut ops| {
            if let Some(w) = &watermark {
                ops.splice(0..0, w.iter().cloned());
            }
            page(&geo, ops)
        })
        .collect();

    let info = &mut pdf.metadata.info;
    info.document_title = format!("{}: {}", doc.title, doc.subtitle);
    info.author = doc.authors.join(", ");
    info.subject = format!("{} ({})", doc.case_number, doc.ticket);
    save(pdf, &input_id(doc))
}

/// A page of the paper's size holding `ops`.
fn page(geo: &Geometry, ops: Vec<printpdf::Op>) -> PdfPage {
    let size = Rect::from_wh(Pt(geo.width), Pt(geo.height));
    PdfPage {
        media_box: size.clone(),
        trim_box: size.clone(),
        crop_box: size,
        ops,
    }
}

/// Serializes with the trailer `/ID` set to `id` instead of printpdf's random one, and without the
/// dates printpdf would set to 1970 (we have no true creation time without a clock), naming
/// Escalation Desk as its creator.
fn save(mut pdf: PrintDocument, id: &[u8]) -> Result<Vec<u8>> {
    pdf.metadata.info.creator = "Escalation Desk".to_owned();
    pdf.metadata.info.producer = "Escalation Desk (printpdf 0.12.8)".to_owned();
    let opts = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut lo = pdf.to_lopdf_document(&opts, &mut warnings);
    for w in &warnings {
        log::debug!("printpdf: {w:?}");
    }
    let hex = lopdf::Object::String(id.to_vec(), lopdf::StringFormat::Hexadecimal);
    lo.trailer.set("ID", lopdf::Object::Array(vec![hex.clone(), hex]));
    if let Ok(info) = lo.trailer.get(b"Info").and_then(|o| o.as_reference()) {
        if let Ok(dict) = lo.get_dictionary_mut(info) {
            for key in [
                "CreationDate",
                "ModDate",
                "GTS_PDFXVersion",
                "Identifier",
                "Keywords",
                "Trapped",
            ] {
                dict.remove(key.as_bytes());
            }
        }
    }
    lo.compress();
    let mut bytes = Vec::new();
    lo.save_to(&mut bytes)
        .map_err(|e| Error::Internal(format!("cannot write the PDF: {e}")))?;
    Ok(bytes)
}

/// A file identifier that depends on the content only: the same report gets the same id.
fn input_id(doc: &PdfDocument) -> Vec<u8> {
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    for s in [
        &doc.organization,
        &doc.title,
        &doc.subtitle,
        &doc.case_number,
        &doc.ticket,
        &doc.agency,
        &doc.status,
        &doc.marking,
    ] {
        field(s.as_bytes());
    }
    field(doc.logo_png.as_deref().unwrap_or_default());
    field(doc.watermark.as_deref().unwrap_or("\u{0}none").as_bytes());
    field(&doc.revision.to_le_bytes());
    field(if doc.paper == Paper::A4 { b"A4" } else { b"Letter" });
    for (label, value) in &doc.dates {
        field(label.as_bytes());
        field(value.as_bytes());
    }
    for author in &doc.authors {
        field(author.as_bytes());
    }
    for section in &doc.sections {
        field(section.heading.as_bytes());
        field(section.markdown.as_bytes());
    }
    h.finalize()[..16].to_vec()
}

/// The logo's pixels, or `None` (with a log line) when the bytes are not a PNG we can read.
fn decode_png(bytes: &[u8]) -> Option<RawImage> {
    use printpdf::{RawImageData, RawImageFormat};

    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let decoded = (|| {
        let mut reader = decoder.read_info().ok()?;
        let mut buf = vec![0; reader.output_buffer_size()?];
        let info = reader.next_frame(&mut buf).ok()?;
        buf.truncate(info.buffer_size());
        let format = match info.color_type {
            png::ColorType::Grayscale => RawImageFormat::R8,
            png::ColorType::GrayscaleAlpha => RawImageFormat::RG8,
            png::ColorType::Rgb => RawImageFormat::RGB8,
            png::ColorType::Rgba => RawImageFormat::RGBA8,
            png::ColorType::Indexed => return None,
        };
        (info.width > 0 && info.height > 0).then(|| RawImage {
            pixels: RawImageData::U8(buf),
            width: info.width as usize,
            height: info.height as usize,
            data_format: format,
            tag: Vec::new(),
        })
    })();
    if decoded.is_none() {
        log::warn!("the cover logo is not a readable PNG; the cover is drawn without it");
    }
    decoded
}
