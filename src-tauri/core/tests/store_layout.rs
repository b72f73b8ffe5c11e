//! The store as rooms a newcomer can find (issue 11): no file under `src/store` grows past 500
//! lines; a file that does is split by step into a folder, as `store/aar` and `store/closure` were.

use std::path::{Path, PathBuf};

const MAX_LINES: usize = 500;

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the store's folder reads") {
        let path = entry.expect("a folder entry reads").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn no_file_of_the_store_is_over_500_lines() {
    let store = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store");
    let mut files = Vec::new();
    rust_files(&store, &mut files);
    assert!(
        files.len() > 20,
        "the store's files were not found under {}",
        store.display()
    );
    let too_long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).expect("a store file reads").lines().count();
            (lines > MAX_LINES).then(|| format!("{} ({lines} lines)", f.strip_prefix(&store).unwrap().display()))
        })
        .collect();
    assert!(too_long.is_empty(), "split these by step: {}", too_long.join(", "));
}
