//! The case file: one case as one zip for records retention or another desk, readable without
//! the app (`docs/case-file.md`): JSON files of the case's rows, the rendered reports as PDFs, and
//! `manifest.json` naming every other file with its size and SHA-256.
//!
//! Invariants:
//! - A case file is checked whole before anything trusts it ([`verify_case_file`]): every file the
//!   manifest names is there, unchanged (size and digest), nothing else is in the zip, and the
//!   timeline's hash chain verifies from its first event to the head the case records. The first
//!   thing found wrong is named, with the file it is in.
//! - What the digests prove: the files are as the manifest says. Anyone can rewrite a file and its
//!   digest together; the timeline's chain head (printed on every briefing and report, kept by the
//!   desk that exported) is what ties the timeline to what was on record.

use std::io::{Cursor, Read};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::timeline::{verify, RawEvent};

pub const FORMAT: &str = "escalation-desk/case-file";
pub const VERSION: i64 = 1;
pub const MANIFEST: &str = "manifest.json";
/// A case file larger than this is refused unread (a case with every report rendered many times
/// is a few megabytes).
pub const MAX_BYTES: usize = 256 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestCase {
    pub id: i64,
    pub number: String,
    pub ticket: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: i64,
    pub case: ManifestCase,
    /// The case's timeline head when exported (the last event's hash).
    pub chain_head: String,
    pub events: i64,
    pub exported_at: String,
    pub exported_by: String,
    /// The desk it came from (a file's name or a team desk's address, no password).
    pub desk: String,
    pub files: Vec<ManifestFile>,
}

/// What a verified case file holds, as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CaseFileSummary {
    pub ticket: String,
    pub number: String,
    pub title: String,
    pub chain_head: String,
    pub events: i64,
    pub files: i64,
    pub exported_at: String,
    pub exported_by: String,
    pub desk: String,
}

/// A written case file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CaseFileWritten {
    pub path: String,
    pub bytes: i64,
    pub summary: CaseFileSummary,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn refused(what: String) -> Error {
    Error::Refused(format!("This case file cannot be used: {what}."))
}

/// The rows of `table` in a part file (`{"table": [{column: value}, ...]}`).
fn rows<'a>(part: &'a serde_json::Value, file: &str, table: &str) -> Result<&'a Vec<serde_json::Value>> {
    part.get(table)
        .and_then(|t| t.as_array())
        .ok_or_else(|| refused(format!("{file} has no {table} rows")))
}

/// A case file checked whole: what it holds, each JSON part parsed, and every file's bytes.
pub struct OpenedCaseFile {
    pub summary: CaseFileSummary,
    pub parts: std::collections::HashMap<String, serde_json::Value>,
    pub files: std::collections::HashMap<String, Vec<u8>>,
}

impl OpenedCaseFile {
    /// The rows of `table` in the part `file`.
    pub fn rows(&self, file: &str, table: &str) -> Result<&Vec<serde_json::Value>> {
        let part = self
            .parts
            .get(file)
            .ok_or_else(|| refused(format!("the manifest does not list {file}: the file is partial")))?;
        rows(part, file, table)
    }
}

/// Checks a case file whole (see the module's invariants); returns what it holds.
pub fn verify_case_file(bytes: &[u8]) -> Result<CaseFileSummary> {
    Ok(open_case_file(bytes)?.summary)
}

/// Checks a case file whole and opens it (see the module's invariants).
pub fn open_case_file(bytes: &[u8]) -> Result<OpenedCaseFile> {
    if bytes.len() > MAX_BYTES {
        return Err(refused(format!("it is larger than {} MB", MAX_BYTES / 1024 / 1024)));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        refused(format!(
            "it is not a whole zip file (cut short, or not a case file: {e})"
        ))
    })?;
    let mut read = |name: &str| -> Result<Vec<u8>> {
        let mut entry = zip
            .by_name(name)
            .map_err(|_| refused(format!("{name} is missing: the file is partial")))?;
        let mut out = Vec::new();
        entry
            .read_to_end(&mut out)
            .map_err(|e| refused(format!("{name} cannot be read ({e}): the file is damaged")))?;
        Ok(out)
    };
    let manifest: Manifest =
        serde_json::from_slice(&read(MANIFEST)?).map_err(|e| refused(format!("{MANIFEST} is not a manifest ({e})")))?;
    if manifest.format != FORMAT || manifest.version != VERSION {
        return Err(refused(format!(
            "it is {} version {}, and this version of Escalation Desk reads {FORMAT} version {VERSION}",
            manifest.format, manifest.version
        )));
    }
    let mut contents = std::collections::HashMap::new();
    for f in &manifest.files {
        let data = read(&f.name)?;
        let digest = sha256_hex(&data);
        if data.len() as u64 != f.bytes || digest != f.sha256 {
            return Err(refused(format!(
                "{} was changed after it was exported (its SHA-256 is {digest}, the manifest says {})",
                f.name, f.sha256
            )));
        }
        contents.insert(f.name.clone(), data);
    }
    let listed: Vec<&str> = manifest.files.iter().map(|f| f.name.as_str()).collect();
    for name in zip.file_names() {
        if name != MANIFEST && !listed.contains(&name) && !name.ends_with('/') {
            return Err(refused(format!("{name} is in the zip but not in the manifest")));
        }
    }
    let part = |name: &str| -> Result<serde_json::Value> {
        let data = contents
            .get(name)
            .ok_or_else(|| refused(format!("the manifest does not list {name}: the file is partial")))?;
        serde_json::from_slice(data).map_err(|e| refused(format!("{name} is not JSON ({e})")))
    };
    let case = part("case.json")?;
    let case_row = rows(&case, "case.json", "cases")?
        .first()
        .ok_or_else(|| refused("case.json holds no case".into()))?;
    let text = |row: &serde_json::Value, column: &str| row.get(column).and_then(|v| v.as_str()).map(str::to_owned);
    let head = text(case_row, "timeline_head").ok_or_else(|| refused("case.json has no timeline head".into()))?;
    // The number the chain was hashed with: the case's id, or the id it had on the desk it was
    // first imported from.
    let case_id = case_row
        .get("chain_id")
        .and_then(|v| v.as_i64())
        .or_else(|| case_row.get("id").and_then(|v| v.as_i64()))
        .ok_or_else(|| refused("case.json has no case id".into()))?;
    if head != manifest.chain_head {
        return Err(refused("the manifest's chain head is not the case's".into()));
    }
    let timeline = part("timeline.json")?;
    let events = rows(&timeline, "timeline.json", "timeline_events")?
        .iter()
        .map(|e| {
            Ok(RawEvent {
                seq: e.get("seq").and_then(|v| v.as_i64()).unwrap_or(-1),
                at: text(e, "at").unwrap_or_default(),
                actor: text(e, "actor").unwrap_or_default(),
                kind: text(e, "kind").unwrap_or_default(),
                summary: text(e, "summary").unwrap_or_default(),
                old_value: text(e, "old_value"),
                new_value: text(e, "new_value"),
                prev_hash: text(e, "prev_hash").unwrap_or_default(),
                hash: text(e, "hash").unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let report = verify(case_id, &events, &head);
    if let Some(link) = report.first_broken {
        return Err(refused(format!(
            "its timeline does not verify at event {} ({}): it was changed after the case recorded it",
            link.seq, link.reason
        )));
    }
    let mut parts = std::collections::HashMap::new();
    for name in contents.keys().filter(|n| n.ends_with(".json")) {
        parts.insert(name.clone(), part(name)?);
    }
    let summary = CaseFileSummary {
        ticket: manifest.case.ticket,
        number: manifest.case.number,
        title: manifest.case.title,
        chain_head: head,
        events: events.len() as i64,
        files: manifest.files.len() as i64 + 1,
        exported_at: manifest.exported_at,
        exported_by: manifest.exported_by,
        desk: manifest.desk,
    };
    Ok(OpenedCaseFile {
        summary,
        parts,
        files: contents,
    })
}
