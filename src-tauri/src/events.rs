//! The names of the events the backend sends the window when something changed, so screens
//! refresh from them instead of polling. Mirrored in ui/src/lib/events.ts.

/// A message in the outbox changed state (sent, retrying, failed, held, delivery unknown), or
/// sending was paused.
pub const OUTBOX_CHANGED: &str = "outbox-changed";

/// The check of every case's timeline at start has finished (see `crate::integrity`).
pub const INTEGRITY_CHECKED: &str = "integrity-checked";
