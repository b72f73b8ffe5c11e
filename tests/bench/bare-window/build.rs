//! Tauri's build step for the bare window: its config and no commands of its own.
fn main() {
    tauri_build::build()
}
