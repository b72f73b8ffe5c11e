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

/// Rows of every table that an import writes to, for "nothing was written".
fn row_counts(store: &Store) -> Vec<(String, i64)> {
    escalation_core::store::desk_copy::TABLES
        .iter()
        .map(|t| {
            (
                t.to_string(),
                common::count(store, &format!("SELECT COUNT(*) FROM {t}")),
            )
        })
        .collect()
}

#[test]
fn a_case_file_imports_into_another_desk_under_its_numbers_with_its_chain_intact_and_only_once() {
    use escalation_core::store::case_file::import_case_file;
    use escalation_core::store::cases::get_case_detail;
    let mut from = common::store();
    let id = case_with_everything(&mut from.store);
    let mut customer = escalation_core::communication::CustomerUpdateInput {
        channel: escalation_core::communication::UpdateChannel::Phone,
        summary: "Called the deputy director".into(),
        major: false,
    };
    escalation_core::store::communications::insert_customer_update(&mut from.store, id, &customer).unwrap();
    let (bytes, _) = export_case_file(&from.store, id).unwrap();
    let before = get_case_detail(&from.store, id).unwrap();

    // The other desk already has cases of its own, so every id differs.
    let mut to = common::store();
    for t in ["INC0000101", "INC0000102", "INC0000103"] {
        insert_case(&mut to.store, &new_case(t, Level::Elevated)).unwrap();
    }
    let imported = import_case_file(&mut to.store, &bytes).unwrap();
    assert_ne!(imported.case_id, id);
    let after = get_case_detail(&to.store, imported.case_id).unwrap();
    assert_eq!(after.case.fields.title, before.case.fields.title);
    assert_eq!(after.case.stage, before.case.stage);
    // Every event came, in order, then one saying where from (and this desk's own alert rules,
    // tried on a case new to it, may add theirs after).
    let at = after
        .timeline
        .iter()
        .position(|e| e.kind == escalation_core::timeline::EventKind::CaseImported)
        .unwrap();
    assert!(
        after.timeline[at].summary.starts_with("Imported from a case file"),
        "{}",
        after.timeline[at].summary
    );
    assert!(after.timeline[..at]
        .iter()
        .all(|e| e.kind == escalation_core::timeline::EventKind::AlertRaised));
    assert_eq!(
        after.timeline[at + 1..]
            .iter()
            .map(|e| (&e.summary, &e.hash, &e.actor))
            .collect::<Vec<_>>(),
        before
            .timeline
            .iter()
            .map(|e| (&e.summary, &e.hash, &e.actor))
            .collect::<Vec<_>>()
    );
    let names = |d: &escalation_core::case::CaseDetail| {
        d.team
            .members
            .iter()
            .map(|m| (m.person.email.clone(), m.role))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&after), names(&before));
    assert_eq!(after.plans.escalation.actions, before.plans.escalation.actions);
    assert_eq!(after.communications.updates.len(), 1);
    let (a, b) = (
        get_aar(to.store.conn(), imported.case_id).unwrap().unwrap(),
        get_aar(from.store.conn(), id).unwrap().unwrap(),
    );
    assert_eq!(
        a.sections.iter().map(|s| &s.body).collect::<Vec<_>>(),
        b.sections.iter().map(|s| &s.body).collect::<Vec<_>>()
    );
    assert_eq!(a.renders.len(), 1);
    assert_eq!(
        std::fs::read(&a.renders[0].path).unwrap(),
        escalation_core::store::aar::get_render_pdf(&from.store, b.renders[0].id).unwrap()
    );

    // The chain verifies under the number it was hashed with, and goes on growing.
    let report = escalation_core::store::timeline::verify_all_timelines(&to.store).unwrap();
    assert!(report.broken.is_empty(), "{:?}", report.broken);
    customer.summary = "Second call".into();
    escalation_core::store::communications::insert_customer_update(&mut to.store, imported.case_id, &customer).unwrap();
    assert!(escalation_core::store::timeline::verify_all_timelines(&to.store)
        .unwrap()
        .broken
        .is_empty());
    // It can be found, and exported again from here, verifying.
    let r = escalation_core::store::search::search(&to.store, "Nguyen", 8).unwrap();
    assert!(r
        .groups
        .iter()
        .any(|g| g.hits.iter().any(|h| h.case_id == Some(imported.case_id))));
    let (again, _) = export_case_file(&to.store, imported.case_id).unwrap();
    verify_case_file(&again).unwrap();

    // Across engines too: the same file into a workstation's own SQLite desk (from PostgreSQL
    // when this test runs there).
    let mut file_desk = common::sqlite_store();
    let there = import_case_file(&mut file_desk.store, &bytes).unwrap();
    assert!(escalation_core::store::timeline::verify_all_timelines(&file_desk.store)
        .unwrap()
        .broken
        .is_empty());
    assert_eq!(
        get_case_detail(&file_desk.store, there.case_id)
            .unwrap()
            .case
            .fields
            .ticket,
        "INC0004242"
    );

    // Once only; a tampered file changes nothing.
    let counts = row_counts(&to.store);
    let err = import_case_file(&mut to.store, &bytes).unwrap_err();
    assert!(
        err.to_string().contains("INC0004242 is already on this desk as"),
        "{err}"
    );
    assert_eq!(row_counts(&to.store), counts);
    let mut third = common::store();
    let counts = row_counts(&third.store);
    assert!(import_case_file(&mut third.store, &bytes[..bytes.len() - 100]).is_err());
    assert_eq!(row_counts(&third.store), counts, "nothing written from a partial file");
}
