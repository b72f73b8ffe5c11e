//! The case file, on each engine: exported whole and readable without the app (python's zipfile
//! and hashlib check it here), and a tampered, partial or padded file refused naming what is wrong.

mod common;

use std::io::{Read, Write};

use common::{appoint_core_team, new_case};
use escalation_core::case::Level;
use escalation_core::case_file::{sha256_hex, verify_case_file, Manifest};
use escalation_core::store::aar::{get_aar, insert_aar, insert_aar_render, pdf_document, update_aar_section};
use escalation_core::store::case_file::{export_case_file, write_case_file};
use escalation_core::store::cases::insert_case;
use escalation_core::store::timeline::{chain_head, list_events};
use escalation_core::{ErrorKind, Store};

/// A case with a team, plans, a written report rendered once: something of every part.
fn case_with_everything(store: &mut Store) -> i64 {
    let case = insert_case(store, &new_case("INC0004242", Level::Escalated)).unwrap();
    appoint_core_team(store, case.id);
    common::make_plans_ready(store, case.id);
    let aar = insert_aar(store, case.id).unwrap();
    let s = aar.sections.iter().find(|s| s.body.trim().is_empty()).unwrap();
    update_aar_section(store, s.id, s.version, "The certificate expired; Nguyễn renewed it.").unwrap();
    let (aar_id, revision, status, doc) = pdf_document(store, case.id).unwrap();
    let pdf = escalation_core::aar_pdf::render_pdf(&doc).unwrap();
    insert_aar_render(store, aar_id, revision, status, &pdf, 5).unwrap();
    case.id
}

/// The zip's entries, by name.
fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut e = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            e.read_to_end(&mut data).unwrap();
            (e.name().to_owned(), data)
        })
        .collect()
}

fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn refusal(bytes: &[u8]) -> String {
    let err = verify_case_file(bytes).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused);
    err.to_string()
}

#[test]
fn a_case_file_holds_the_case_whole_and_is_readable_without_the_app() {
    let mut t = common::store();
    let id = case_with_everything(&mut t.store);
    let written = write_case_file(&t.store, id).unwrap();
    assert!(written.path.ends_with(".zip"));
    let events = list_events(&t.store, id).unwrap().len() as i64;
    assert_eq!(written.summary.events, events);
    assert_eq!(written.summary.chain_head, chain_head(t.store.conn(), id).unwrap());
    assert_eq!(written.summary.ticket, "INC0004242");

    // Python's zipfile, json and hashlib: the manifest's digests, and every part's rows.
    let script = r#"
import hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
m = json.loads(z.read("manifest.json"))
assert m["format"] == "escalation-desk/case-file" and m["version"] == 1, m
for f in m["files"]:
    data = z.read(f["name"])
    assert hashlib.sha256(data).hexdigest() == f["sha256"] and len(data) == f["bytes"], f["name"]
assert sorted(n for n in z.namelist() if n != "manifest.json") == sorted(f["name"] for f in m["files"])
parts = {n: json.loads(z.read(n)) for n in z.namelist() if n.endswith(".json")}
print(len(parts["timeline.json"]["timeline_events"]), len(parts["team.json"]["team_members"]),
      len(parts["plans.json"]["plan_revisions"]), len(parts["aar.json"]["aar_sections"]),
      sum(1 for n in z.namelist() if n.startswith("reports/") and z.read(n).startswith(b"%PDF-")),
      parts["case.json"]["cases"][0]["ticket"], "Nguyễn" in z.read("aar.json").decode("utf-8"))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script, &written.path])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Who did what travels with it: the user who opened the case and wrote its events.
    let zip = entries(&std::fs::read(&written.path).unwrap());
    let case_json: serde_json::Value =
        serde_json::from_slice(&zip.iter().find(|(n, _)| n == "case.json").unwrap().1).unwrap();
    let users: Vec<&str> = case_json["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    let me = escalation_core::store::users::get_workstation(&t.store)
        .unwrap()
        .identity
        .unwrap()
        .email;
    assert!(users.contains(&me.as_str()), "{users:?} names {me}");
    let aar = get_aar(t.store.conn(), id).unwrap().unwrap();
    let team = common::count(
        &t.store,
        &format!("SELECT COUNT(*) FROM team_members WHERE case_id = {id}"),
    );
    let plans = common::count(
        &t.store,
        &format!("SELECT COUNT(*) FROM plan_revisions WHERE case_id = {id}"),
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("{events} {team} {plans} {} 1 INC0004242 True", aar.sections.len())
    );
}

#[test]
fn a_tampered_partial_or_padded_case_file_is_refused_naming_what_is_wrong() {
    let mut t = common::store();
    let id = case_with_everything(&mut t.store);
    let (bytes, _) = export_case_file(&t.store, id).unwrap();
    let good = entries(&bytes);
    assert!(
        verify_case_file(&zip_of(&good)).is_ok(),
        "rewritten unchanged, it still verifies"
    );

    // A changed event: its file no longer matches the manifest.
    let mut changed = good.clone();
    let timeline = changed.iter_mut().find(|(n, _)| n == "timeline.json").unwrap();
    timeline.1 = String::from_utf8(timeline.1.clone())
        .unwrap()
        .replacen("Case opened", "Case closed", 1)
        .into_bytes();
    let msg = refusal(&zip_of(&changed));
    assert!(msg.contains("timeline.json was changed after it was exported"), "{msg}");

    // The same change with the manifest's digest rewritten to match: the chain still finds it.
    let new_digest = (
        sha256_hex(&changed.iter().find(|(n, _)| n == "timeline.json").unwrap().1),
        changed.iter().find(|(n, _)| n == "timeline.json").unwrap().1.len(),
    );
    let manifest = changed.iter_mut().find(|(n, _)| n == "manifest.json").unwrap();
    let mut m: Manifest = serde_json::from_slice(&manifest.1).unwrap();
    let f = m.files.iter_mut().find(|f| f.name == "timeline.json").unwrap();
    (f.sha256, f.bytes) = (new_digest.0, new_digest.1 as u64);
    manifest.1 = serde_json::to_vec(&m).unwrap();
    let msg = refusal(&zip_of(&changed));
    assert!(msg.contains("timeline does not verify at event 1"), "{msg}");

    // Partial: a file the manifest lists is missing; the zip cut short.
    let without: Vec<_> = good.iter().filter(|(n, _)| n != "aar.json").cloned().collect();
    let msg = refusal(&zip_of(&without));
    assert!(msg.contains("aar.json is missing: the file is partial"), "{msg}");
    let msg = refusal(&bytes[..bytes.len() * 2 / 3]);
    assert!(msg.contains("not a whole zip file"), "{msg}");

    // Padded: something the manifest does not list.
    let mut padded = good.clone();
    padded.push(("reports/extra.pdf".into(), b"%PDF-1.7".to_vec()));
    let msg = refusal(&zip_of(&padded));
    assert!(
        msg.contains("reports/extra.pdf is in the zip but not in the manifest"),
        "{msg}"
    );

    // Not a case file at all.
    let msg = refusal(b"PK\x03\x04 not really");
    assert!(msg.contains("not a whole zip file"), "{msg}");
    let other = zip_of(&[("manifest.json".into(), br#"{"format":"something-else"}"#.to_vec())]);
    assert!(refusal(&other).contains("manifest.json is not a manifest"));
}
