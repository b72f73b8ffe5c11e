//! Escalation Desk's domain: cases and their stages, the timeline, and the SQLite store.
//!
//! This crate has no tauri dependency: everything here is tested without a window. The Tauri
//! app crate only wires commands to the functions in [`store`].

pub mod aar;
pub mod aar_pdf;
pub mod alert;
pub mod backup;
pub mod bidi;
pub mod bindings;
pub mod briefing;
pub mod cadence;
pub mod case;
pub mod case_file;
pub mod change;
pub mod closure;
pub mod communication;
pub mod csv_io;
pub mod desk;
pub mod directory;
pub mod error;
pub mod figures;
pub mod ical;
pub mod identity;
pub mod ladder;
pub mod limits;
pub mod mail;
pub mod page;
pub mod plan;
pub mod problem;
pub mod search;
pub mod stage;
pub mod store;
pub mod team;
pub mod timeline;

pub use error::{Error, ErrorKind, ErrorPayload, FieldError, Result};
pub use store::Store;
