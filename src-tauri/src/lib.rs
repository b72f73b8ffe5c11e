//! Wiring only: find the database, open it into the app state, register the commands.

pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod events;
pub mod instance;
pub mod integrity;
pub mod memory;
pub mod secrets;
pub mod state;
pub mod viewer;
mod webview;

use commands::{
    aar, alerts, briefings, cases, closure, communications, desk, directory, ladder, mail, plans, problems, search,
    team, workstation,
};

/// The handler for every command; `build.rs` lists the same names for their permissions.
pub fn invoke_handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        workstation::get_workstation,
        workstation::set_identity,
        workstation::load_sample_data,
        desk::get_team_desk,
        desk::connect_team_desk,
        desk::use_workstation_desk,
        cases::list_cases,
        search::search_desk,
        cases::export_case_file,
        cases::import_case_file,
        briefings::render_case_briefing,
        briefings::render_portfolio_briefing,
        briefings::get_portfolio,
        briefings::open_briefing,
        cases::list_warranties_ending,
        cases::get_case,
        cases::open_case,
        cases::update_case,
        cases::change_level,
        cases::take_stage_action,
        cases::verify_timeline,
        commands::integrity::get_integrity,
        commands::backups::get_backups,
        commands::backups::set_backups_kept,
        commands::backups::restore_backup,
        problems::create_problem,
        problems::relate_problem,
        problems::list_problems,
        directory::list_people,
        directory::add_person,
        directory::update_person,
        directory::set_person_retired,
        directory::list_agencies,
        directory::add_agency,
        directory::update_agency,
        directory::set_agency_retired,
        directory::list_contact_categories,
        directory::add_contact_category,
        directory::list_services,
        directory::add_service,
        directory::update_service,
        directory::set_service_retired,
        directory::preview_import,
        directory::apply_import,
        directory::export_directory,
        team::appoint_member,
        team::change_member_role,
        team::set_member_standby,
        team::release_member,
        team::get_staff_load,
        team::record_work_order,
        team::list_work_orders,
        team::list_agreeing_people,
        mail::get_mail_settings,
        mail::save_mail_settings,
        mail::send_test_message,
        mail::list_outbox,
        mail::get_mail_pause,
        mail::resume_mail,
        mail::retry_message,
        mail::cancel_message,
        mail::edit_recipients,
        communications::post_progress,
        communications::record_customer_update,
        communications::set_case_contacts,
        communications::set_cadence,
        plans::save_plan,
        plans::review_plan,
        plans::plan_diff,
        ladder::get_ladder,
        ladder::save_ladder,
        ladder::raise_hierarchy,
        alerts::list_alert_rules,
        alerts::add_alert_rule,
        alerts::update_alert_rule,
        alerts::delete_alert_rule,
        alerts::test_alert_rule,
        alerts::list_open_alerts,
        alerts::acknowledge_alert,
        aar::get_aar,
        aar::start_aar,
        aar::save_aar_section,
        aar::announce_aar_presence,
        aar::refresh_aar_section,
        aar::set_aar_timeline_events,
        aar::assign_aar_section,
        aar::add_aar_comment,
        aar::resolve_aar_comment,
        aar::save_aar_improvements,
        aar::send_improvements_to_problem,
        aar::change_aar_status,
        aar::send_signoff_code,
        aar::confirm_signoff,
        aar::list_aar_section_versions,
        aar::diff_aar_revisions,
        aar::render_aar,
        aar::open_aar_pdf,
        aar::get_aar_pdf,
        aar::save_aar_logo,
        aar::get_aar_settings,
        aar::save_aar_settings,
        aar::list_distribution_suggestions,
        aar::distribute_aar,
        closure::start_warranty,
        closure::record_recurrence,
        closure::verify_satisfaction,
        closure::schedule_review,
        closure::reschedule_review,
        closure::cancel_review,
        closure::record_review_outcome,
        closure::get_process_settings,
        closure::save_process_settings,
    ]
}

use tauri::Manager;

pub fn run() {
    let path = config::database_path(std::env::args_os(), std::env::var_os(config::DB_ENV), dirs::data_dir());
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if let Some(code) = cli::run(&args, &path) {
        std::process::exit(code);
    }
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let team = config::team_desk_url(std::env::args_os(), std::env::var_os(config::DESK_URL_ENV));
    let saved = if config::file_asked_for(std::env::args_os(), std::env::var_os(config::DB_ENV)) {
        None
    } else {
        config::load_team_desk(&config::team_desk_file(dirs::data_dir()))
    };
    let desk = if let Some(url) = team {
        log::info!("team desk: {}", escalation_core::store::redact_password(&url));
        state::Desk::open_team(state::TeamDesk::from_environment(url), path)
    } else if let Some(saved) = saved {
        open_saved_team_desk(saved, path)
    } else {
        log::info!("database: {}", path.display());
        match instance::claim(&path) {
            instance::Start::Open(lock) => {
                // A restore the restore screen asked for runs now, before anything opens the file.
                match escalation_core::store::backup::finish_pending_restore(&path, &lock) {
                    Ok(Some(r)) => log::info!(
                        "restored the backup {} ({} cases); the desk it replaced is kept as {}",
                        r.restored.name,
                        r.restored.cases,
                        r.replaced.as_deref().unwrap_or("(there was none)")
                    ),
                    Ok(None) => {}
                    Err(e) => log::error!("the restore asked for did not run, the desk is as it was: {e}"),
                }
                state::Desk::open(path, lock)
            }
            instance::Start::Forwarded(message) => {
                // The user sees the first window come forward; a terminal also gets the reason.
                eprintln!("{message}");
                return;
            }
            instance::Start::Refused(message) => {
                eprintln!("{message}");
                state::Desk::refused(path, message)
            }
        }
    };
    tauri::Builder::default()
        .manage(desk)
        .manage(integrity::Integrity::default())
        .setup(|app| {
            webview::draw_without_compositing(app);
            events::connect(app.handle());
            let handle = app.handle().clone();
            app.state::<state::Desk>().when_open(move |desk| {
                let window = handle.clone();
                desk.listen_for_later_starts(move || {
                    instance::bring_forward(&window);
                });
                integrity::start_check(handle.clone(), desk.address());
                start_live(&handle, desk);
                start_outbox(handle.clone(), desk);
                start_daily_backups(desk);
                start_alert_sweep(handle, desk);
            });
            Ok(())
        })
        .invoke_handler(invoke_handler())
        .run(tauri::generate_context!())
        .expect("error while running Escalation Desk");
}

/// On a team desk: listens to the other workstations' changes and tells the window, as of its
/// own (the outbox screen too), and says when the server is lost and when it is back. Replaces
/// the listener of the desk open before; a SQLite desk has none.
pub(crate) fn start_live<R: tauri::Runtime>(app: &tauri::AppHandle<R>, desk: &state::Desk) {
    use tauri::Emitter;
    let listener = match (desk.address(), desk.shared_store()) {
        (state::DeskAddress::Team(team), Some(store)) => {
            let own = store.lock().unwrap_or_else(|p| p.into_inner()).origin();
            let (changes, reach, presence) = (app.clone(), app.clone(), app.clone());
            Some(team.listen(
                own,
                move |what| {
                    events::announce(&changes, what);
                    if what.entity == escalation_core::change::Entity::Outbox {
                        let _ = changes.emit(events::OUTBOX_CHANGED, ());
                    }
                },
                move |reachable| {
                    if let Err(e) = reach.emit(events::DESK_REACHABLE, reachable) {
                        log::warn!(
                            "cannot tell the window the team desk is {}: {e}",
                            if reachable { "back" } else { "lost" }
                        );
                    }
                },
                move |who| {
                    // Missing one costs a moment of "who is here": the next comes within seconds.
                    let _ = presence.emit(events::AAR_PRESENCE, who);
                },
            ))
        }
        _ => None,
    };
    *desk.live.lock().unwrap_or_else(|p| p.into_inner()) = listener;
}

/// The team desk connected to from the first-start screen, with its password from the keyring.
/// Without one there (no keyring on this computer) the window asks for it.
fn open_saved_team_desk(saved: escalation_core::desk::TeamDeskAddress, path: std::path::PathBuf) -> state::Desk {
    let ca_file = saved.ca_file.clone().map(std::path::PathBuf::from);
    let shown = format!("{}:{}/{}", saved.host, saved.port, saved.database);
    log::info!("team desk (saved): {shown}");
    match secrets::team_desk_password(&saved.keyring_account()) {
        Some(password) => state::Desk::open_team(state::TeamDesk::new(saved.url(), Some(password), ca_file), path),
        None => state::Desk::open_team_without_password(
            state::TeamDesk::new(saved.url(), None, ca_file),
            path,
            format!(
                "Enter your password for the team desk {shown}: this computer has no keyring to keep it between starts."
            ),
        ),
    }
}

/// Loads the SMTP password of the desk's mail settings from the keyring, if there is one.
pub(crate) async fn load_smtp_password(
    store: std::sync::Arc<std::sync::Mutex<escalation_core::Store>>,
    passwords: std::sync::Arc<secrets::SessionPasswords>,
) {
    let user = tauri::async_runtime::spawn_blocking(move || {
        let s = store.lock().unwrap_or_else(|p| p.into_inner());
        escalation_core::store::mail_settings::get_smtp_settings(&s)
            .ok()
            .flatten()
            .map(|s| s.username)
    })
    .await
    .ok()
    .flatten();
    if let Some(user) = user {
        let _ = tauri::async_runtime::spawn_blocking(move || passwords.load(&user)).await;
    }
}

/// Loads the SMTP password from the keyring (if any), then runs the outbox worker for the life of the app.
fn start_outbox(app: tauri::AppHandle, desk: &state::Desk) {
    let Some(store) = desk.shared_store() else { return };
    // Screens showing mail refresh when a message changes state, instead of polling.
    let on_change: std::sync::Arc<dyn Fn() + Send + Sync> = std::sync::Arc::new(move || {
        use tauri::Emitter;
        if let Err(e) = app.emit(events::OUTBOX_CHANGED, ()) {
            log::warn!("cannot tell the window the outbox changed: {e}");
        }
    });
    let passwords = desk.passwords.clone();
    let wake = desk.wake.clone();
    tauri::async_runtime::spawn(async move {
        load_smtp_password(store.clone(), passwords.clone()).await;
        escalation_core::mail::worker::OutboxWorker {
            store,
            passwords,
            wake,
            on_change: Some(on_change),
            policy: Default::default(),
        }
        .run()
        .await;
    });
}

/// The day's backup of a workstation's desk, checked a minute after start (a copy of a big desk
/// is a lot of disk work: not while the window is starting) and every hour after, taken on a
/// connection of its own that only reads (the online backup API copies while the window works on
/// the desk's connection). `ESCALATION_DESK_BACKUP_DELAY_SECONDS` sets the first wait (the
/// end-to-end tests use one second). A team desk has none: its server backs it up.
fn start_daily_backups(desk: &state::Desk) {
    let state::DeskAddress::File(path) = desk.address() else {
        return;
    };
    let delay = std::env::var("ESCALATION_DESK_BACKUP_DELAY_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(60);
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(delay)).await;
        loop {
            let at = path.clone();
            let taken = tauri::async_runtime::spawn_blocking(move || {
                let store = escalation_core::Store::open_read_only(&at)?;
                escalation_core::store::backup::daily_if_due(&store)
            })
            .await;
            match taken {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => log::error!("the daily backup failed (it is tried again within the hour): {e}"),
                Err(e) => log::error!("the daily backup task failed: {e}"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    });
}

/// How often the time-based alert conditions (age, escalated longer than) and the warranties'
/// ends are re-checked: every 5 minutes, or every `ESCALATION_DESK_SWEEP_SECONDS` (the end-to-end
/// tests use a few seconds so a warranty ending is seen without waiting).
fn sweep_interval() -> std::time::Duration {
    let secs = std::env::var("ESCALATION_DESK_SWEEP_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(300);
    std::time::Duration::from_secs(secs)
}

/// Ends warranties that ran out and re-evaluates the alert rules of every open case, at start and
/// then every [`sweep_interval`]; the window is told of what it changed, like any command's change.
fn start_alert_sweep(app: tauri::AppHandle, desk: &state::Desk) {
    use escalation_core::change::{DeskChanged, Entity};
    let Some(store) = desk.shared_store() else { return };
    let wake = desk.wake.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let store = store.clone();
            // On a team desk one workstation sweeps at a time; the others skip (desk_jobs).
            let swept = tauri::async_runtime::spawn_blocking(move || {
                let mut s = store.lock().unwrap_or_else(|p| p.into_inner());
                let swept = escalation_core::store::desk_jobs::sweep(&mut s);
                if let Ok(Some(done)) = &swept {
                    use escalation_core::change::{DeskChanged, Entity};
                    if done.warranties_ended > 0 {
                        state::tell_other_workstations(&s, DeskChanged::of_desk(Entity::Case));
                    }
                    if done.alerts_raised > 0 {
                        state::tell_other_workstations(&s, DeskChanged::of_desk(Entity::Alerts));
                    }
                }
                swept
            })
            .await;
            let (ended, raised) = match swept {
                Ok(Ok(Some(done))) => (done.warranties_ended, done.alerts_raised),
                Ok(Ok(None)) => (0, 0),
                // Before the first start's identity there is nobody to record alerts as: wait.
                Ok(Err(escalation_core::Error::NoIdentity)) => (0, 0),
                Ok(Err(e)) => {
                    log::error!("alert sweep failed: {e}");
                    (0, 0)
                }
                Err(e) => {
                    log::error!("alert sweep task failed: {e}");
                    (0, 0)
                }
            };
            if ended > 0 {
                log::info!("{ended} warranty(ies) ended");
                // Their move to Verification may have queued notices.
                wake.notify_one();
                events::announce(&app, DeskChanged::of_desk(Entity::Case));
            }
            if raised > 0 {
                log::info!("alert sweep raised {raised} alert(s)");
                wake.notify_one();
                events::announce(&app, DeskChanged::of_desk(Entity::Alerts));
            }
            tokio::time::sleep(sweep_interval()).await;
        }
    });
}
