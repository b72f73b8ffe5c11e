//! How the window's webview draws.
//!
//! WebKitGTK composites a page on the GPU by default ("accelerated compositing"); where the
//! workstation has no GPU driver (a virtual desktop, this project's CI machine) that is Mesa's
//! software OpenGL, which costs the web process about 100 MiB and a slower first frame for a page
//! of forms and tables that has nothing to animate. The window draws without it: measured in
//! `tests/bench/first-screen` (src-tauri/core/notes/issue-15-plan.md).
//!
//! `ESCALATION_DESK_COMPOSITED=1` keeps WebKit's default. The end-to-end tests set it: with
//! compositing off, WebKitWebDriver's screenshot (a snapshot of the page taken in the web
//! process) now and then never answers, seen in the golden path's first screenshot after typing,
//! while the window itself went on drawing (checked with `xwd` of the display). The first-screen
//! benchmark and the installed-package check start the app without it.
//!
//! Invariant: set once, when the window exists, before the user sees a frame; other platforms'
//! webviews are left as they are.

/// The variable that keeps WebKit's composited drawing.
pub const COMPOSITED_ENV: &str = "ESCALATION_DESK_COMPOSITED";

#[cfg(target_os = "linux")]
pub fn draw_without_compositing(app: &tauri::App) {
    use tauri::Manager;
    use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
    if std::env::var_os(COMPOSITED_ENV).is_some_and(|v| v == "1") {
        log::info!("drawing composited ({COMPOSITED_ENV}=1)");
        return;
    }
    for (label, window) in app.webview_windows() {
        let set = window.with_webview(|webview| {
            if let Some(settings) = WebViewExt::settings(&webview.inner()) {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
        });
        if let Err(e) = set {
            log::warn!("window {label}: drawing stays composited: {e}");
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub fn draw_without_compositing(_app: &tauri::App) {}
