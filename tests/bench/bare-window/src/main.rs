//! A bare Tauri window showing one static page: what any Tauri 2 app costs before it does
//! anything. `tests/bench/first-screen` starts it beside the app and compares start-up and
//! idle memory (issue 15: within 1.5x and 1.3x).
fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("the bare window runs");
}
