//! The generated TypeScript types in ui/src/lib/generated must match the Rust types.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".ts") {
                out.insert(name, fs::read_to_string(e.path()).unwrap());
            }
        }
    }
    out
}

#[test]
fn generated_typescript_types_match_the_rust_types() {
    let committed_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/generated");
    let fresh_dir = tempfile::tempdir().unwrap();
    escalation_core::bindings::export_typescript(fresh_dir.path()).expect("types export");
    let fresh = read_dir(fresh_dir.path());
    assert!(fresh.contains_key("CaseDetail.ts"), "export wrote the case page's type");

    if std::env::var("UPDATE_TS_BINDINGS").as_deref() == Ok("1") {
        let _ = fs::remove_dir_all(&committed_dir);
        fs::create_dir_all(&committed_dir).unwrap();
        for (name, text) in &fresh {
            fs::write(committed_dir.join(name), text).unwrap();
        }
        return;
    }

    let committed = read_dir(&committed_dir);
    let stale: Vec<&String> = fresh.keys().filter(|k| committed.get(*k) != fresh.get(*k)).collect();
    let extra: Vec<&String> = committed.keys().filter(|k| !fresh.contains_key(*k)).collect();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "ui/src/lib/generated is stale (changed or missing: {stale:?}; no longer generated: {extra:?}); \
         run `UPDATE_TS_BINDINGS=1 cargo test -p escalation-core --test typescript_bindings` and commit the result"
    );
}
