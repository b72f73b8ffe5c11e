//! After Action Report PDFs read back with poppler's real tools (`pdftotext`, `pdfinfo`, `pdffonts`,
//! `pdfimages`; apt package poppler-utils), as a reader's viewer would see them.

use std::path::{Path, PathBuf};
use std::process::Command;

use escalation_core::aar_pdf::{render_pdf, Paper, PdfDocument, PdfSection};

fn section(heading: &str, markdown: &str) -> PdfSection {
    PdfSection {
        heading: heading.into(),
        markdown: markdown.into(),
    }
}

fn report(sections: Vec<PdfSection>) -> PdfDocument {
    PdfDocument {
        organization: "Department of Information Technology".into(),
        logo_png: None,
        title: "After Action Report".into(),
        subtitle: "Statewide email outage after a certificate expiry".into(),
        case_number: "ESC-2026-0007".into(),
        ticket: "INC0012345".into(),
        agency: "Department of Revenue".into(),
        dates: vec![
            ("Opened".into(), "27 Nov 2026 09:12".into()),
            ("Resolved".into(), "27 Nov 2026 15:40".into()),
        ],
        authors: vec!["Dana Whitfield".into(), "José Núñez".into()],
        status: "Draft".into(),
        revision: 3,
        marking: "Internal".into(),
        watermark: None,
        paper: Paper::A4,
        sections,
    }
}

const SUMMARY: &str = "\
Mail to **every agency** stopped for *six hours* when the relay's certificate expired.

## Impact

- 14 agencies could not send mail
- Queued messages were delivered late
  - the oldest after 6 h 28 min
  - none were lost
- See [the status page](https://status.example.gov/incidents/42) for the public notice

1. Renew the certificate
2. Add expiry monitoring

> The relay refused every TLS handshake from 09:02.

Plain `openssl s_client` output showed ***the expired chain***.
";

const TIMELINE_TABLE_HEAD: &str = "| When | Who | What happened |\n|---|---|---|\n";

/// A report whose one section is a timeline table of `rows` events.
fn long_table_report(rows: usize) -> PdfDocument {
    let mut table = String::from(TIMELINE_TABLE_HEAD);
    for i in 0..rows {
        table.push_str(&format!(
            "| 27 Nov 09:{:02} | Engineer {} | Event number {i} recorded while the relay was down and being fixed |\n",
            i % 60,
            i % 7
        ));
    }
    report(vec![
        section("Executive summary", "A short summary before the timeline."),
        section("Timeline", &table),
    ])
}

struct Rendered {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn render(doc: &PdfDocument) -> Rendered {
    let bytes = render_pdf(doc).expect("the report renders");
    assert!(bytes.starts_with(b"%PDF-"), "a PDF file");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aar.pdf");
    std::fs::write(&path, bytes).unwrap();
    Rendered { _dir: dir, path }
}

fn tool(name: &str, args: &[&str], pdf: &Path) -> String {
    let out = Command::new(name)
        .args(args)
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("{name} runs (apt-get install poppler-utils): {e}"));
    assert!(
        out.status.success(),
        "{name} {args:?} reads the file: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn info(pdf: &Path) -> String {
    let out = Command::new("pdfinfo").arg(pdf).output().expect("pdfinfo runs");
    assert!(out.status.success(), "pdfinfo reads the file");
    String::from_utf8(out.stdout).unwrap()
}

fn text(pdf: &Path) -> String {
    tool("pdftotext", &["-enc", "UTF-8"], pdf)
}

fn page_text(pdf: &Path, page: usize) -> String {
    let p = page.to_string();
    tool("pdftotext", &["-enc", "UTF-8", "-f", &p, "-l", &p], pdf)
}

fn page_count(pdf: &Path) -> usize {
    info(pdf)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo gives a page count")
}

/// Text with line breaks and repeated spaces collapsed, so wrapped phrases can be searched.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_section_heading_and_its_text_can_be_read_back_from_the_pdf() {
    let doc = report(vec![
        section("Executive summary", SUMMARY),
        section("Root cause", "The renewal reminder went to a *retired* mailbox.\n\n```\nnotAfter=Nov 27 09:02:00 2026 GMT\n```\n\n---\n\nAfter the rule."),
        section("Lessons learned", "### What went well\n\nThe bridge call started within **ten minutes**."),
    ]);
    let pdf = render(&doc);
    let all = flat(&text(&pdf.path));
    for expected in [
        "1 Executive summary",
        "2 Root cause",
        "3 Lessons learned",
        "Mail to every agency stopped for six hours when the relay's certificate expired.",
        "Impact",
        "14 agencies could not send mail",
        "the oldest after 6 h 28 min",
        "the status page (https://status.example.gov/incidents/42)",
        "Renew the certificate",
        "Add expiry monitoring",
        "The relay refused every TLS handshake from 09:02.",
        "Plain openssl s_client output showed the expired chain.",
        "retired mailbox",
        "notAfter=Nov",
        "After the rule.",
        "What went well",
        "ten minutes",
    ] {
        assert!(all.contains(expected), "{expected:?} is in the PDF text:\n{all}");
    }
    assert!(all.contains('\u{2022}'), "bullets are drawn");
    assert!(
        all.contains("1.") && all.contains("2."),
        "numbered items carry their numbers"
    );
}

#[test]
fn the_cover_names_the_case_its_dates_authors_status_and_marking() {
    let pdf = render(&report(vec![section("Summary", "Body.")]));
    let cover = flat(&page_text(&pdf.path, 1));
    for expected in [
        "Department of Information Technology",
        "After Action Report",
        "Statewide email outage after a certificate expiry",
        "ESC-2026-0007",
        "INC0012345",
        "Department of Revenue",
        "Opened 27 Nov 2026 09:12",
        "Resolved 27 Nov 2026 15:40",
        "Dana Whitfield, José Núñez",
        "Status: Draft · Revision 3",
        "Internal",
    ] {
        assert!(cover.contains(expected), "{expected:?} is on the cover:\n{cover}");
    }
    assert!(!cover.contains("Page 1 of"), "the cover has no page number");
}

#[test]
fn accented_names_curly_quotes_dashes_greek_and_cyrillic_round_trip() {
    let sample = "José Núñez and Zoë Åström said “it’s fixed” — twice – in Ελληνικά and Кириллица.";
    let mut doc = report(vec![section(
        "Stakeholders — “quoted”",
        &format!("{sample}\n\n| Name | Note |\n|---|---|\n| Zoë Åström | Ελληνικά – ok |\n"),
    )]);
    doc.subtitle = "Ausfall der Zoë-Anbindung – “Kritisch”".into();
    let pdf = render(&doc);
    let all = flat(&text(&pdf.path));
    assert!(all.contains(sample), "the sentence survives intact:\n{all}");
    assert!(all.contains("Stakeholders — “quoted”"), "headings too:\n{all}");
    assert!(
        all.contains("Zoë Åström") && all.contains("Ελληνικά – ok"),
        "table cells too:\n{all}"
    );
    assert!(
        all.contains("Ausfall der Zoë-Anbindung – “Kritisch”"),
        "the cover too:\n{all}"
    );
}

#[test]
fn characters_the_font_lacks_print_as_question_marks_instead_of_failing() {
    let pdf = render(&report(vec![section(
        "Summary",
        "Kanji 漢字 and Devanagari क end here.",
    )]));
    let all = flat(&text(&pdf.path));
    assert!(
        all.contains("Kanji ?? and Devanagari ? end here."),
        "each missing glyph becomes one '?':\n{all}"
    );
}

#[test]
fn the_page_header_prints_the_whole_marking_beside_the_case() {
    // Wide letters in words, as long as a marking may be: it has to wrap onto two lines.
    let longest: String = "WWWWWWW "
        .repeat(8)
        .chars()
        .take(escalation_core::limits::MARKING_CHARS)
        .collect();
    for marking in ["Internal \u{2014} For official use only", longest.as_str()] {
        let mut doc = report(vec![section("Summary", "Body.")]);
        doc.marking = marking.into();
        doc.title = "After Action Report for the statewide email outage after a certificate expiry".into();
        let pdf = render(&doc);
        let header = flat(&page_text(&pdf.path, 2));
        assert!(
            header.contains(marking),
            "a marking is never cut (the title gives way instead): {header}"
        );
        assert!(
            header.contains("ESC-2026-0007"),
            "the case number still fits beside it: {header}"
        );
    }
}

#[test]
fn the_page_count_matches_the_footer_and_every_body_page_is_numbered() {
    let pdf = render(&long_table_report(150));
    let pages = page_count(&pdf.path);
    assert!(pages >= 4, "150 events take several pages, got {pages}");
    for page in 2..=pages {
        let t = page_text(&pdf.path, page);
        assert!(
            t.contains(&format!("Page {page} of {pages}")),
            "page {page} says 'Page {page} of {pages}':\n{t}"
        );
        assert!(
            t.contains("Internal") && t.contains("ESC-2026-0007"),
            "page {page} has its header"
        );
    }
}

#[test]
fn a_table_spanning_several_pages_repeats_its_header_row_on_each() {
    let pdf = render(&long_table_report(200));
    let pages = page_count(&pdf.path);
    let table_pages: Vec<usize> = (2..=pages)
        .filter(|&p| page_text(&pdf.path, p).contains("Event number"))
        .collect();
    assert!(table_pages.len() >= 3, "the table spans 3+ pages: {table_pages:?}");
    for &p in &table_pages {
        let t = page_text(&pdf.path, p);
        for head in ["When", "Who", "What happened"] {
            assert!(t.contains(head), "page {p} repeats the header cell {head:?}:\n{t}");
        }
    }
    let all = flat(&text(&pdf.path));
    assert!(
        all.contains("Event number 0 ") && all.contains("Event number 199 "),
        "no row is lost"
    );
}

/// Every word of `pdf` within the side margins, and on body pages between the header and the footer
/// inside the text area (22 mm from the top, 20 mm from the bottom); returns how many were checked.
fn assert_inside_text_area(pdf: &Path) -> usize {
    let xml = tool("pdftotext", &["-bbox"], pdf);
    let attr = |tag: &str, name: &str| -> f32 {
        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[start..].split('"').next().unwrap().parse().unwrap()
    };
    let mm = 72.0 / 25.4;
    let mut page = 0;
    let mut height = 0.0;
    let mut checked = 0;
    for tag in xml
        .split('<')
        .filter(|t| t.starts_with("page ") || t.starts_with("word "))
    {
        if tag.starts_with("page ") {
            page += 1;
            height = attr(tag, "height");
            continue;
        }
        let (x0, y0, x1, y1) = (
            attr(tag, "xMin"),
            attr(tag, "yMin"),
            attr(tag, "xMax"),
            attr(tag, "yMax"),
        );
        assert!(
            x0 >= 20.0 * mm - 0.5 && x1 <= 190.0 * mm + 0.5,
            "page {page}: {tag} within the side margins"
        );
        let in_header = y1 < 16.0 * mm;
        let in_footer = y0 > height - 17.0 * mm;
        if page > 1 && !in_header && !in_footer {
            assert!(
                y0 >= 22.0 * mm - 1.5 && y1 <= height - 20.0 * mm + 1.5,
                "page {page}: {tag} lies in the text area (top {:.1}, bottom {:.1})",
                22.0 * mm,
                height - 20.0 * mm
            );
            checked += 1;
        }
    }
    checked
}

#[test]
fn nothing_is_drawn_outside_the_text_area_header_and_footer() {
    let pdf = render(&long_table_report(120));
    assert!(assert_inside_text_area(&pdf.path) > 500, "the body words were checked");
}

#[test]
fn deeply_nested_lists_and_quotes_stay_on_the_page() {
    let mut md = String::new();
    for depth in 0..14 {
        md.push_str(&format!(
            "{}- level {depth} item with enough words to wrap onto a second line when indented\n",
            "  ".repeat(depth)
        ));
    }
    md.push_str(&format!(
        "\n{} deeply quoted text that also needs to wrap across the narrow remaining width\n",
        "> ".repeat(14)
    ));
    let pdf = render(&report(vec![section("Nesting", &md)]));
    assert!(assert_inside_text_area(&pdf.path) > 50);
    let all = flat(&text(&pdf.path));
    assert!(
        all.contains("level 13 item") && all.contains("deeply quoted text"),
        "{all}"
    );
}

#[test]
fn words_longer_than_a_line_are_broken_inside_the_margins_and_kept_whole_in_the_text() {
    let url = format!("https://files.example.gov/{}", "a1b2c3d4".repeat(40));
    let doc = report(vec![section(
        "Evidence",
        &format!("Logs: {url} end.\n\n| Item | Where |\n|---|---|\n| capture | {url} |\n"),
    )]);
    let pdf = render(&doc);
    assert!(assert_inside_text_area(&pdf.path) > 10);
    let joined: String = text(&pdf.path).split_whitespace().collect();
    assert_eq!(
        joined.matches(&url).count(),
        2,
        "the address survives in the paragraph and the cell"
    );
}

#[test]
fn a_table_row_taller_than_a_page_is_split_between_its_lines_without_losing_any() {
    let cell: Vec<String> = (0..150).map(|i| format!("line {i}")).collect();
    let md = format!(
        "| Step | Detail |\n|---|---|\n| one | {} |\n| two | short |\n",
        cell.join("<br>")
    );
    let pdf = render(&report(vec![section("Runbook", &md)]));
    let pages = page_count(&pdf.path);
    assert!(pages >= 4, "150 lines in one cell take 3+ body pages, got {pages}");
    assert_inside_text_area(&pdf.path);
    for page in 2..=pages {
        let t = page_text(&pdf.path, page);
        assert!(
            t.contains("Step") && t.contains("Detail"),
            "page {page} repeats the header"
        );
    }
    let all = flat(&text(&pdf.path));
    for i in [0, 1, 57, 58, 59, 100, 149] {
        assert!(
            all.contains(&format!("line {i} ")),
            "line {i} is printed once the row is split"
        );
    }
    assert!(all.contains("short"), "the row after the tall one follows it");
}

#[test]
fn a_heading_never_ends_a_page_without_what_follows_it() {
    let follow_up = "First line after the heading.\n\n### Sub heading\n\n| A | B |\n|---|---|\n| first row | x |\n";
    for filler in 26..46 {
        let body: String = (0..filler).map(|i| format!("Filler paragraph {i}.\n\n")).collect();
        let pdf = render(&report(vec![
            section("Opening", &body),
            section("Follow-up", follow_up),
        ]));
        for page in 2..=page_count(&pdf.path) {
            let t = flat(&page_text(&pdf.path, page));
            if t.contains("2 Follow-up") {
                assert!(
                    t.contains("First line after"),
                    "{filler} fillers: the section heading keeps its line"
                );
            }
            if t.contains("Sub heading") {
                assert!(
                    t.contains("first row"),
                    "{filler} fillers: the heading keeps the table's first row"
                );
            }
        }
    }
}

/// The large diagonal letters on `page`, left to right. pdftotext splits diagonal text into pieces
/// on different lines, so they are picked out by size (body text boxes are far smaller).
fn watermark_on(pdf: &Path, page: usize) -> String {
    let p = page.to_string();
    let xml = tool("pdftotext", &["-bbox", "-f", &p, "-l", &p], pdf);
    let mut pieces: Vec<(f32, String)> = Vec::new();
    for word in xml.split("<word ").skip(1) {
        let num = |name: &str| -> f32 {
            let start = word.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            word[start..].split('"').next().unwrap().parse().unwrap()
        };
        if num("yMax") - num("yMin") > 60.0 {
            let text = word.split('>').nth(1).unwrap().split('<').next().unwrap();
            pieces.push((num("xMin"), text.to_owned()));
        }
    }
    pieces.sort_by(|a, b| a.0.total_cmp(&b.0));
    pieces.into_iter().map(|(_, t)| t).collect()
}

#[test]
fn the_draft_watermark_is_printed_only_when_set() {
    let mut doc = report(vec![section("Summary", "Body text.")]);
    let plain = render(&doc);
    assert_eq!(watermark_on(&plain.path, 2), "", "no watermark without one");
    doc.watermark = Some("DRAFT".into());
    let draft = render(&doc);
    for page in 1..=page_count(&draft.path) {
        assert_eq!(
            watermark_on(&draft.path, page),
            "DRAFT",
            "page {page} carries the watermark"
        );
    }
    assert!(
        !text(&plain.path).contains("DR"),
        "the plain report has no watermark letters at all"
    );
}

#[test]
fn the_same_report_renders_to_identical_bytes() {
    let doc = long_table_report(40);
    let mut other = report(vec![section("Other", SUMMARY)]);
    other.watermark = Some("DRAFT".into());
    let first = render_pdf(&doc).unwrap();
    render_pdf(&other).unwrap();
    let second = render_pdf(&doc).unwrap();
    assert!(
        first == second,
        "byte-identical output, even with another render in between"
    );
    let changed = render_pdf(&PdfDocument {
        revision: 4,
        ..doc.clone()
    })
    .unwrap();
    assert_ne!(first, changed, "a different report gives different bytes");
}

#[test]
fn letter_and_a4_give_their_page_sizes() {
    let mut doc = report(vec![section("Summary", SUMMARY)]);
    let a4 = info(&render(&doc).path);
    assert!(a4.contains("595.276 x 841.89"), "A4 in points:\n{a4}");
    doc.paper = Paper::Letter;
    let letter = info(&render(&doc).path);
    assert!(letter.contains("612 x 792"), "Letter in points:\n{letter}");
}

#[test]
fn the_fonts_are_embedded_as_unicode_subsets() {
    let pdf = render(&report(vec![section("Summary", SUMMARY)]));
    let fonts = {
        let out = Command::new("pdffonts").arg(&pdf.path).output().expect("pdffonts runs");
        String::from_utf8(out.stdout).unwrap()
    };
    let rows: Vec<&str> = fonts.lines().filter(|l| l.contains("DejaVuSans")).collect();
    assert!(rows.len() >= 3, "regular, bold and italic are used:\n{fonts}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type [type] encoding emb sub uni object ID
        let n = cols.len();
        assert_eq!(
            &cols[n - 5..n - 2],
            ["yes", "yes", "yes"],
            "embedded, subset, unicode: {row}"
        );
    }
}

#[test]
fn a_logo_is_drawn_when_it_decodes_and_left_out_when_it_does_not() {
    let mut png = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png, 64, 32);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().unwrap();
        let pixels: Vec<u8> = (0..64 * 32).flat_map(|i| [20, 60, (i % 255) as u8, 255]).collect();
        w.write_image_data(&pixels).unwrap();
    }
    let images = |doc: &PdfDocument| {
        let pdf = render(doc);
        let out = Command::new("pdfimages")
            .arg("-list")
            .arg(&pdf.path)
            .output()
            .expect("pdfimages runs");
        String::from_utf8(out.stdout).unwrap().lines().skip(2).count()
    };
    let mut doc = report(vec![section("Summary", "Body.")]);
    doc.logo_png = Some(png);
    assert_eq!(images(&doc), 2, "the logo and its alpha mask are in the file");
    doc.logo_png = Some(b"not a png".to_vec());
    assert_eq!(images(&doc), 0, "a broken logo is skipped, the report still renders");
}

#[test]
fn a_report_without_sections_is_just_its_cover() {
    let pdf = render(&report(Vec::new()));
    assert_eq!(page_count(&pdf.path), 1);
}
