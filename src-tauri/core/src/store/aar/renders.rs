//! The report as a PDF: the document read from the store (so the rendering itself runs without
//! it), the rendered PDFs kept in the database with a copy on disk, and the reports folder.
//!
//! Invariants:
//! - A rendering is kept whole (its bytes, SHA-256 and page count) with the revision and status it
//!   shows; an unlocked report renders with a DRAFT watermark.
//! - The only files the app opens are the ones it rendered (`is_rendered_report`).

use std::path::PathBuf;

use crate::store::db::{Db, Optional};
use rusqlite::params;
use sha2::{Digest, Sha256};

use super::{get_aar, get_aar_settings};
use crate::aar::{improvements_markdown, local_time, AarRender, AarStatus, SectionSource};
use crate::aar_pdf::{Paper, PdfDocument, PdfSection};
use crate::error::{Error, Result};
use crate::store::cases::get_case;
use crate::store::{parse_stored, time_column, Store};

pub(super) fn load_renders(conn: &Db, aar_id: i64) -> Result<Vec<AarRender>> {
    conn.prepare_cached(
        "SELECT id, revision, status, pages, length(pdf), sha256, path, rendered_at, rendered_by, render_ms
             FROM aar_renders WHERE aar_id = ?1 ORDER BY id DESC",
    )?
    .query_map([aar_id], |r| {
        Ok(AarRender {
            id: r.get(0)?,
            revision: r.get(1)?,
            status: parse_stored(r.get(2)?, AarStatus::parse, "AAR status")?,
            pages: r.get(3)?,
            bytes: r.get(4)?,
            sha256: r.get(5)?,
            path: r.get(6)?,
            rendered_at: time_column(r.get(7)?)?,
            rendered_by: r.get(8)?,
            render_ms: r.get(9)?,
        })
    })?
    .collect::<Result<_>>()
}

/// Everything the PDF needs, read in one go so the rendering itself can run without the store.
pub fn pdf_document(store: &Store, case_id: i64) -> Result<(i64, i64, AarStatus, PdfDocument)> {
    let conn = store.conn();
    let aar = get_aar(conn, case_id)?.ok_or(Error::Refused("This case has no After Action Report yet.".into()))?;
    let case = get_case(store, case_id)?;
    let settings = get_aar_settings(conn)?;
    // Everyone who saved any text of the report, not only each section's last editor.
    let mut authors: Vec<String> = vec![case.fields.escalation_manager.clone()];
    let editors: Vec<String> = conn
        .prepare_cached(
            "SELECT v.edited_by FROM aar_section_versions v JOIN aar_sections s ON s.id = v.section_id
             WHERE s.aar_id = ?1 GROUP BY v.edited_by ORDER BY MIN(v.edited_at)",
        )?
        .query_map([aar.id], |r| r.get(0))?
        .collect::<Result<_>>()?;
    for e in editors {
        let name = e.split(" <").next().unwrap_or(&e).to_string();
        if !authors.contains(&name) {
            authors.push(name);
        }
    }
    let mut dates = vec![("Opened".to_string(), local_time(case.opened_at))];
    if let Some(m) = aar.figures.minutes_to_resolve {
        dates.push((
            "Resolved".into(),
            local_time(case.opened_at + chrono::Duration::minutes(m)),
        ));
    }
    if let (true, Some(m), Some(a)) = (aar.status.locked(), &aar.manager_signoff, &aar.abrm_signoff) {
        // Approved when the second of the two signed.
        dates.push(("Approved".into(), local_time(m.at.max(a.at))));
    }
    // Who signed and how it was proven, on paper too: the code went to the directory's address.
    for (role, signed) in [
        ("Escalation manager", &aar.manager_signoff),
        ("ABRM", &aar.abrm_signoff),
    ] {
        if let Some(so) = signed {
            let name = so.by.split(" <").next().unwrap_or(&so.by);
            let proof = so
                .confirmation
                .as_deref()
                .and_then(|c| c.strip_prefix("one-time code sent to "))
                .and_then(|c| c.split(" at ").next())
                .map(|email| format!(", code mailed to {email}"))
                .unwrap_or_default();
            dates.push(("Signed".into(), format!("{role} {name}, {}{proof}", local_time(so.at))));
            // The red flag travels with the paper: the signer's address changed before the code went out.
            for change in &so.address_changes {
                dates.push(("Note".into(), change.clone()));
            }
        }
    }
    // Printed with the time it was read: the chain goes on growing after this rendering.
    let head = crate::store::timeline::chain_head(conn, case.id)?;
    dates.push((
        "Timeline chain head".into(),
        format!(
            "{} (as of {})",
            crate::store::timeline::grouped_head(&head),
            local_time(crate::store::now())
        ),
    ));
    let sections = aar
        .sections
        .iter()
        .map(|s| PdfSection {
            heading: s.title.clone(),
            markdown: if s.source == SectionSource::ImprovementPlan {
                format!("{}\n\n{}", s.body, improvements_markdown(&aar.improvements))
            } else {
                s.body.clone()
            },
        })
        .collect();
    let doc = PdfDocument {
        organization: settings.organization,
        logo_png: conn
            .prepare_cached("SELECT logo FROM aar_settings WHERE id = 1")?
            .query_row([], |r| r.get(0))?,
        title: "After Action Report".into(),
        subtitle: case.fields.title.clone(),
        // Our own escalation number, distinct from the ITSM ticket printed beside it.
        case_number: crate::case::escalation_number(case.id),
        ticket: case.fields.ticket.clone(),
        agency: case.fields.agency.clone(),
        dates,
        authors,
        status: aar.status.label().into(),
        revision: aar.revision as u32,
        marking: settings.marking,
        watermark: (!aar.status.locked()).then(|| "DRAFT".to_string()),
        paper: if settings.paper == "a4" {
            Paper::A4
        } else {
            Paper::Letter
        },
        sections,
    };
    Ok((aar.id, aar.revision, aar.status, doc))
}

/// Pages in a PDF: its page objects ("/Type /Page", not "/Pages").
pub fn count_pages(pdf: &[u8]) -> i64 {
    let mut n = 0;
    for pat in [&b"/Type /Page"[..], &b"/Type/Page"[..]] {
        let mut i = 0;
        while let Some(p) = pdf[i..].windows(pat.len()).position(|w| w == pat) {
            let end = i + p + pat.len();
            if pdf.get(end) != Some(&b's') {
                n += 1;
            }
            i = end;
        }
    }
    n
}

/// Where rendered reports are written: `reports/` in the desk's files folder (next to a SQLite
/// desk; in the data folder for a team desk).
fn reports_dir(store: &Store) -> PathBuf {
    store.files_dir().join("reports")
}

/// Keeps a rendering (the bytes in the database, a copy on disk for the system viewer).
pub fn insert_aar_render(
    store: &mut Store,
    aar_id: i64,
    revision: i64,
    status: AarStatus,
    pdf: &[u8],
    render_ms: i64,
) -> Result<AarRender> {
    let ticket: String = store
        .conn()
        .prepare_cached("SELECT c.ticket FROM aars a JOIN cases c ON c.id = a.case_id WHERE a.id = ?1")?
        .query_row([aar_id], |r| r.get(0))?;
    let sha: String = Sha256::digest(pdf).iter().map(|b| format!("{b:02x}")).collect();
    let dir = reports_dir(store);
    crate::store::files::create_private_dir(&dir)?;
    let safe: String = ticket
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let path = dir.join(format!("AAR-{safe}-rev{revision}-{}.pdf", status.as_str()));
    if path.exists() {
        crate::store::files::remove_if_there(&path)?; // a render of the same revision and status replaces the last
    }
    crate::store::files::write_private(&path, pdf)?;
    let path = path.to_string_lossy().to_string();
    let pages = count_pages(pdf);
    store.change(|tx, who, stamp| {
        tx.prepare_cached("INSERT INTO aar_renders (aar_id, revision, status, pages, sha256, pdf, path, rendered_at, rendered_by, render_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")?.execute(params![aar_id, revision, status.as_str(), pages, sha, pdf, path, stamp.text, who.actor(), render_ms],
        )?;
        Ok(())
    })?;
    Ok(load_renders(store.conn(), aar_id)?.remove(0))
}

/// The rendered PDF's bytes.
pub fn get_render_pdf(store: &Store, render_id: i64) -> Result<Vec<u8>> {
    store
        .conn()
        .prepare_cached("SELECT pdf FROM aar_renders WHERE id = ?1")?
        .query_row([render_id], |r| r.get(0))
        .optional()?
        .ok_or(Error::NotFound {
            entity: "Rendered report",
            id: render_id,
        })
}

/// Whether a file path is one of the reports this app rendered (the only files it will open).
pub fn is_rendered_report(store: &Store, path: &str) -> Result<bool> {
    store
        .conn()
        .prepare_cached("SELECT 1 FROM aar_renders WHERE path = ?1")?
        .exists([path])
}
