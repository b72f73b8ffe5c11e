//! Briefing documents from the store: the case briefing and the portfolio briefing, rendered on
//! the report's engine and written to `briefings/` in the desk's files folder for the system
//! viewer.
//!
//! Invariants:
//! - A briefing is read in one snapshot (the page, the figures and the chain heads agree) and
//!   rendered after it, without the store.
//! - Briefings are not kept in the desk: they are the desk as of a moment, written again on
//!   every request; the only files opened for the user are ones under `briefings/`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::aar::{count_pages, get_aar_settings};
use super::Store;
use crate::aar_pdf::briefing::render_briefing;
use crate::aar_pdf::Paper;
use crate::briefing::{case_briefing, portfolio_briefing, BriefingFile, Letterhead};
use crate::error::{Error, Result};
use crate::figures::Period;

fn letterhead(store: &Store) -> Result<Letterhead> {
    let s = get_aar_settings(store.conn())?;
    Ok(Letterhead {
        organization: s.organization,
        marking: s.marking,
        paper: if s.paper == "a4" { Paper::A4 } else { Paper::Letter },
    })
}

/// The case briefing's PDF as of now.
pub fn case_briefing_pdf(store: &Store, case_id: i64) -> Result<Vec<u8>> {
    let (detail, head, now, letterhead) = {
        let _snapshot = store.conn().snapshot()?;
        let detail = super::cases::get_case_detail(store, case_id)?;
        let head = super::timeline::chain_head(store.conn(), case_id)?;
        (detail, head, super::desk_now(store.conn())?, letterhead(store)?)
    };
    render_briefing(&case_briefing(&detail, &head, now, &letterhead))
}

/// The portfolio briefing's PDF for `period`, as of now.
pub fn portfolio_briefing_pdf(store: &Store, period: &Period) -> Result<Vec<u8>> {
    let (portfolio, now, letterhead) = {
        let _snapshot = store.conn().snapshot()?;
        (
            super::figures::get_portfolio(store, period)?,
            super::desk_now(store.conn())?,
            letterhead(store)?,
        )
    };
    render_briefing(&portfolio_briefing(&portfolio, now, &letterhead))
}

fn briefings_dir(store: &Store) -> PathBuf {
    store.files_dir().join("briefings")
}

fn write(store: &Store, name: &str, pdf: Vec<u8>, started: Instant) -> Result<BriefingFile> {
    let dir = briefings_dir(store);
    super::files::create_private_dir(&dir)?;
    let safe = super::files::safe_name(name);
    let path = dir.join(format!("{safe}.pdf"));
    if path.exists() {
        super::files::remove_if_there(&path)?; // a briefing of the same moment replaces the last
    }
    super::files::write_private(&path, &pdf)?;
    Ok(BriefingFile {
        path: path.to_string_lossy().into_owned(),
        pages: count_pages(&pdf),
        bytes: pdf.len() as i64,
        render_ms: started.elapsed().as_millis() as i64,
    })
}

/// Renders the case briefing and writes it for the viewer.
pub fn write_case_briefing(store: &Store, case_id: i64) -> Result<BriefingFile> {
    let started = Instant::now();
    let pdf = case_briefing_pdf(store, case_id)?;
    let ticket = super::cases::get_case(store, case_id)?.fields.ticket;
    let stamp = super::desk_now(store.conn())?.format("%Y%m%d-%H%M%S");
    write(store, &format!("Briefing-{ticket}-{stamp}"), pdf, started)
}

/// Renders the portfolio briefing of `period` and writes it for the viewer.
pub fn write_portfolio_briefing(store: &Store, period: &Period) -> Result<BriefingFile> {
    let started = Instant::now();
    let pdf = portfolio_briefing_pdf(store, period)?;
    let stamp = super::desk_now(store.conn())?.format("%Y%m%d-%H%M%S");
    write(
        store,
        &format!(
            "Portfolio-{}-{}-{stamp}",
            period.from.format("%Y%m%d"),
            period.to.format("%Y%m%d")
        ),
        pdf,
        started,
    )
}

/// Whether `path` is a briefing this desk wrote (the only briefings the app opens: the path
/// comes from the window, so it is checked, never trusted).
pub fn is_briefing_file(store: &Store, path: &str) -> bool {
    let (Ok(dir), Ok(file)) = (briefings_dir(store).canonicalize(), Path::new(path).canonicalize()) else {
        return false;
    };
    file.parent() == Some(dir.as_path()) && file.extension().is_some_and(|e| e == "pdf") && file.is_file()
}

/// Refuses a path that is not a briefing of this desk.
pub fn check_briefing_file(store: &Store, path: &str) -> Result<()> {
    if is_briefing_file(store, path) {
        Ok(())
    } else {
        Err(Error::Refused(
            "That file is not a briefing written by Escalation Desk.".into(),
        ))
    }
}
