//! Mail: SMTP settings, message building and templates, the transport, and the outbox worker.
//!
//! Invariant: nothing sends mail directly. A change stores its message in the outbox in its own
//! transaction (`store::outbox::insert_message_in`); only [`worker::OutboxWorker`] talks to the
//! server, so the UI never waits on it and a crash or a dead server loses nothing.

pub mod message;
pub mod settings;
pub mod templates;
pub mod transport;
pub mod worker;
