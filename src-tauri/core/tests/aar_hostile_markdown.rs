//! Markdown nested deeper than `MAX_MARKDOWN_DEPTH` (100,000 quotes, 50,000 list items): refused
//! when saved through the store, and, written straight into the database around the store, the
//! report still renders to a PDF that `pdftotext` reads (on the default 2 MiB test thread stack).

mod common;

use std::process::Command;

use common::{appoint_core_team, new_case};
use escalation_core::aar_pdf::render_pdf;
use escalation_core::case::Level;
use escalation_core::limits::{AAR_SECTION_CHARS, MAX_MARKDOWN_DEPTH};
use escalation_core::store::aar::{get_aar, insert_aar, pdf_document, update_aar_section};
use escalation_core::store::cases::insert_case;
use escalation_core::ErrorKind;

fn quotes(depth: usize) -> String {
    format!("{}the innermost quote", ">".repeat(depth))
}

fn list_items(depth: usize) -> String {
    format!("{}the innermost item", "- ".repeat(depth))
}

fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aar.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs (apt-get install poppler-utils)");
    assert!(out.status.success(), "pdftotext reads the rendered file");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn hostile_nesting_is_refused_on_save_and_the_section_is_unchanged() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    appoint_core_team(&mut t.store, case.id);
    let aar = insert_aar(&mut t.store, case.id).unwrap();
    let s = aar.sections[0].clone();
    for hostile in [quotes(100_000), list_items(50_000)] {
        let err = update_aar_section(&mut t.store, s.id, s.version, &hostile).unwrap_err();
        let message = err.payload().fields[0].message.clone();
        assert_eq!(err.kind(), ErrorKind::Validation, "the author can fix it: {message}");
        assert!(
            message.contains(&format!("{MAX_MARKDOWN_DEPTH} levels")) || message.contains("100,000 characters"),
            "the message names the limit it broke: {message}"
        );
    }
    for (name, hostile) in [
        ("quotes", quotes(MAX_MARKDOWN_DEPTH + 1)),
        ("lists", list_items(MAX_MARKDOWN_DEPTH + 1)),
    ] {
        assert!(
            hostile.chars().count() < AAR_SECTION_CHARS,
            "short enough that depth is the only fault"
        );
        let err = update_aar_section(&mut t.store, s.id, s.version, &hostile).unwrap_err();
        let message = err.payload().fields[0].message.clone();
        assert!(
            message.contains(&format!("keep nesting to {MAX_MARKDOWN_DEPTH} levels")),
            "nested {name} one level too deep are refused naming the depth: {message}"
        );
    }
    let after = get_aar(t.store.conn(), case.id).unwrap().unwrap().sections[0].clone();
    assert_eq!((after.body, after.version), (s.body, s.version), "nothing is written");
    let ok = update_aar_section(&mut t.store, s.id, s.version, &quotes(MAX_MARKDOWN_DEPTH));
    assert!(ok.is_ok(), "nesting at the limit is saved: {ok:?}");
}

#[test]
fn hostile_nesting_written_straight_into_the_database_renders_flat_without_crashing() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    appoint_core_team(&mut t.store, case.id);
    let aar = insert_aar(&mut t.store, case.id).unwrap();
    let (first, second) = (aar.sections[0].id, aar.sections[1].id);
    // Behind the store's checks, straight into the table (on either engine).
    let raw = t.store.conn();
    raw.execute(
        "UPDATE aar_sections SET body = ?2 WHERE id = ?1",
        rusqlite::params![first, quotes(100_000)],
    )
    .unwrap();
    raw.execute(
        "UPDATE aar_sections SET body = ?2 WHERE id = ?1",
        rusqlite::params![second, list_items(50_000)],
    )
    .unwrap();

    let (_, _, _, doc) = pdf_document(&t.store, case.id).expect("the stored report is read");
    let pdf = render_pdf(&doc).expect("the hostile report renders instead of crashing");
    let text = pdftotext(&pdf);
    assert!(
        text.contains("the innermost quote"),
        "the quoted text is drawn flat, not dropped"
    );
    assert!(
        text.contains("the innermost item"),
        "the listed text is drawn flat, not dropped"
    );
}

#[test]
fn other_hostile_markdown_renders_as_text_instead_of_failing() {
    let wide_table = format!(
        "{}|\n{}|\n{}|\n",
        "| h ".repeat(2_000),
        "|---".repeat(2_000),
        "| cell ".repeat(2_000)
    );
    let cases = [
        (
            "nested emphasis",
            format!("{}deep emphasis{}", "*_".repeat(20_000), "_*".repeat(20_000)),
        ),
        (
            "nested links",
            format!("{}deep link{}", "[".repeat(50_000), "](x)".repeat(50_000)),
        ),
        (
            "quotes inside list items",
            format!("{}deep mixture", "- > ".repeat(20_000)),
        ),
        ("a table two thousand columns wide", wide_table),
    ];
    for (name, markdown) in cases {
        let mut doc = pdf_doc();
        doc.sections[0].markdown = markdown;
        let pdf = render_pdf(&doc).unwrap_or_else(|e| panic!("{name} renders: {e}"));
        assert!(pdf.starts_with(b"%PDF-"), "{name} gives a PDF");
    }
}

fn pdf_doc() -> escalation_core::aar_pdf::PdfDocument {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    appoint_core_team(&mut t.store, case.id);
    insert_aar(&mut t.store, case.id).unwrap();
    pdf_document(&t.store, case.id).unwrap().3
}
