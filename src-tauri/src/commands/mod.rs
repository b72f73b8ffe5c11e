//! Tauri commands, one file per domain. Each takes its arguments, borrows the [`Desk`](crate::state::Desk),
//! calls core, returns. No SQL and no business rules here.

pub mod aar;
pub mod alerts;
pub mod backups;
pub mod briefings;
pub mod cases;
pub mod closure;
pub mod communications;
pub mod desk;
pub mod directory;
pub mod integrity;
pub mod ladder;
pub mod mail;
pub mod plans;
pub mod problems;
pub mod search;
pub mod team;
pub mod workstation;
