//! Case files (`case_file`, `docs/case-file.md`). Exporting (here): a case's rows read in one
//! snapshot, table by table, into JSON files, with its rendered reports as PDFs and a manifest;
//! importing one as a new case is in `import`.
//!
//! Invariants:
//! - The rows are written as the desk holds them, every column, keyed by column name; times as
//!   the stored RFC 3339 text (the text the chain hashed); a blob as `{"base64": ...}`.
//! - An exported file always verifies (`crate::case_file::verify_case_file` runs on it before it is
//!   written): a case whose chain is broken is not exported as if it were whole.

use std::io::Write;

use rusqlite::types::Value;

use super::Store;
use crate::case::escalation_number;
use crate::case_file::{
    sha256_hex, verify_case_file, CaseFileSummary, CaseFileWritten, Manifest, ManifestCase, ManifestFile, FORMAT,
    MANIFEST, VERSION,
};
use crate::error::{Error, Result};

/// Each JSON file of a case file: the tables it holds, each with the rows of the case (`?1` is
/// the case's id). Columns left out: the PDFs' bytes (they are files of their own) and an
/// attachment's bytes (the report it attaches is there).
const PARTS: &[(&str, &[(&str, &str)])] = &[
    (
        "case.json",
        &[
            ("cases", "id = ?1"),
            ("agencies", "id = (SELECT agency_id FROM cases WHERE id = ?1)"),
            ("services", "id = (SELECT service_id FROM cases WHERE id = ?1)"),
            ("problems", "id = (SELECT problem_id FROM cases WHERE id = ?1)"),
            // Who did what: the rows the case's user columns name (an import keeps them apart).
            (
                "users",
                "id IN (SELECT opened_by FROM cases WHERE id = ?1
                        UNION SELECT actor_id FROM timeline_events WHERE case_id = ?1
                        UNION SELECT appointed_by FROM team_members WHERE case_id = ?1
                        UNION SELECT released_by FROM team_members WHERE case_id = ?1
                        UNION SELECT saved_by FROM plan_revisions WHERE case_id = ?1
                        UNION SELECT reviewed_by FROM plan_reviews WHERE case_id = ?1
                        UNION SELECT recorded_by FROM customer_updates WHERE case_id = ?1) ORDER BY id",
            ),
        ],
    ),
    ("timeline.json", &[("timeline_events", "case_id = ?1 ORDER BY seq")]),
    (
        "plans.json",
        &[
            ("plan_revisions", "case_id = ?1 ORDER BY plan, revision"),
            ("plan_reviews", "case_id = ?1 ORDER BY id"),
        ],
    ),
    (
        "team.json",
        &[
            ("team_members", "case_id = ?1 ORDER BY id"),
            (
                "people",
                "id IN (SELECT person_id FROM team_members WHERE case_id = ?1
                        UNION SELECT person_id FROM case_contacts WHERE case_id = ?1
                        UNION SELECT car_person_id FROM warranties WHERE case_id = ?1) ORDER BY id",
            ),
        ],
    ),
    (
        "aar.json",
        &[
            ("aars", "case_id = ?1"),
            (
                "aar_sections",
                "aar_id IN (SELECT id FROM aars WHERE case_id = ?1) ORDER BY position",
            ),
            (
                "aar_section_versions",
                "section_id IN (SELECT s.id FROM aar_sections s JOIN aars a ON a.id = s.aar_id WHERE a.case_id = ?1)
                 ORDER BY section_id, version",
            ),
            (
                "aar_comments",
                "section_id IN (SELECT s.id FROM aar_sections s JOIN aars a ON a.id = s.aar_id WHERE a.case_id = ?1)
                 ORDER BY id",
            ),
            (
                "aar_improvements",
                "aar_id IN (SELECT id FROM aars WHERE case_id = ?1) ORDER BY position",
            ),
            (
                "aar_renders",
                "aar_id IN (SELECT id FROM aars WHERE case_id = ?1) ORDER BY id",
            ),
            (
                "aar_distributions",
                "aar_id IN (SELECT id FROM aars WHERE case_id = ?1) ORDER BY id",
            ),
        ],
    ),
    (
        "communications.json",
        &[
            ("case_contacts", "case_id = ?1 ORDER BY kind, person_id"),
            ("customer_cadences", "case_id = ?1"),
            ("customer_updates", "case_id = ?1 ORDER BY id"),
            ("outbox", "case_id = ?1 ORDER BY id"),
            (
                "outbox_attachments",
                "outbox_id IN (SELECT id FROM outbox WHERE case_id = ?1) ORDER BY outbox_id, position",
            ),
        ],
    ),
    (
        "closure.json",
        &[
            ("warranties", "case_id = ?1 ORDER BY number"),
            ("recurrences", "case_id = ?1 ORDER BY id"),
            ("verifications", "case_id = ?1 ORDER BY id"),
            ("review_meetings", "case_id = ?1 ORDER BY id"),
        ],
    ),
    ("alerts.json", &[("alerts", "case_id = ?1 ORDER BY id")]),
];

/// Columns whose bytes are not written into the JSON.
const LEFT_OUT: &[(&str, &str)] = &[("aar_renders", "pdf"), ("outbox_attachments", "bytes")];

fn json(value: Value) -> serde_json::Value {
    use base64::Engine;
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Integer(i) => i.into(),
        Value::Real(f) => f.into(),
        Value::Text(t) => t.into(),
        Value::Blob(b) => serde_json::json!({ "base64": base64::engine::general_purpose::STANDARD.encode(b) }),
    }
}

fn table_rows(store: &Store, table: &str, filter: &str, case_id: i64) -> Result<serde_json::Value> {
    let sql = format!("SELECT * FROM {table} WHERE {filter}");
    let columns = store.conn().prepare_cached(&sql)?.column_names()?;
    let keep: Vec<usize> = (0..columns.len())
        .filter(|i| !LEFT_OUT.contains(&(table, columns[*i].as_str())))
        .collect();
    let rows = store
        .conn()
        .prepare_cached(&sql)?
        .query_map([case_id], |r| {
            let mut row = serde_json::Map::new();
            for &i in &keep {
                row.insert(columns[i].clone(), json(r.get::<_, Value>(i)?));
            }
            Ok(serde_json::Value::Object(row))
        })?
        .collect::<Result<Vec<_>>>()?;
    Ok(serde_json::Value::Array(rows))
}

/// The case file of `case_id`, as bytes (a zip), verified.
pub fn export_case_file(store: &Store, case_id: i64) -> Result<(Vec<u8>, CaseFileSummary)> {
    let _snapshot = store.conn().snapshot()?;
    let case = super::cases::get_case(store, case_id)?;
    let head = super::timeline::chain_head(store.conn(), case_id)?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut events = 0;
    for (name, tables) in PARTS {
        let mut part = serde_json::Map::new();
        for (table, filter) in *tables {
            let rows = table_rows(store, table, filter, case_id)?;
            if *table == "timeline_events" {
                events = rows.as_array().map_or(0, |r| r.len() as i64);
            }
            part.insert((*table).to_owned(), rows);
        }
        let text = serde_json::to_vec_pretty(&serde_json::Value::Object(part))
            .map_err(|e| Error::Internal(format!("cannot write {name}: {e}")))?;
        files.push(((*name).to_owned(), text));
    }
    // Every rendered report, as the PDF that was printed and distributed.
    let renders: Vec<(i64, i64, String, Vec<u8>)> = store
        .conn()
        .prepare_cached(
            "SELECT r.id, r.revision, r.status, r.pdf FROM aar_renders r JOIN aars a ON a.id = r.aar_id
             WHERE a.case_id = ?1 ORDER BY r.id",
        )?
        .query_map([case_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_>>()?;
    for (id, revision, status, pdf) in renders {
        files.push((format!("reports/AAR-rev{revision}-{status}-render{id}.pdf"), pdf));
    }
    let who = super::users::get_workstation(store)?
        .identity
        .map_or("unknown".to_owned(), |i| format!("{} <{}>", i.name, i.email));
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        case: ManifestCase {
            id: case.id,
            number: escalation_number(case.id),
            ticket: case.fields.ticket.clone(),
            title: case.fields.title.clone(),
        },
        chain_head: head,
        events,
        exported_at: super::format_time(super::desk_now(store.conn())?),
        exported_by: who,
        desk: store.path().display().to_string(),
        files: files
            .iter()
            .map(|(name, data)| ManifestFile {
                name: name.clone(),
                bytes: data.len() as u64,
                sha256: sha256_hex(data),
            })
            .collect(),
    };
    let manifest =
        serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Internal(format!("cannot write the manifest: {e}")))?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // A fixed time on every entry: the same case exported twice differs only in the manifest.
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let zip_error = |e: zip::result::ZipError| Error::Internal(format!("cannot write the case file: {e}"));
    for (name, data) in std::iter::once((MANIFEST.to_owned(), manifest)).chain(files) {
        zip.start_file(name, options).map_err(zip_error)?;
        zip.write_all(&data)?;
    }
    let bytes = zip.finish().map_err(zip_error)?.into_inner();
    let summary = verify_case_file(&bytes)?;
    Ok((bytes, summary))
}

/// Exports the case into `case-files/` in the desk's files folder.
pub fn write_case_file(store: &Store, case_id: i64) -> Result<CaseFileWritten> {
    let (bytes, summary) = export_case_file(store, case_id)?;
    let dir = store.files_dir().join("case-files");
    super::files::create_private_dir(&dir)?;
    let safe = super::files::safe_name(&summary.ticket);
    let stamp = summary.exported_at.replace([':', '.'], "");
    let path = dir.join(format!("CaseFile-{safe}-{stamp}.zip"));
    super::files::write_private(&path, &bytes)?;
    Ok(CaseFileWritten {
        path: path.to_string_lossy().into_owned(),
        bytes: bytes.len() as i64,
        summary,
    })
}

mod import;
pub use import::{import_case_file, import_case_file_base64, CaseImported};
