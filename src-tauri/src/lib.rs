//! Wiring only: find the database, open it into the app state, register the commands.

pub mod commands;
pub mod config;
pub mod error;
pub mod state;

use commands::{cases, problems, workstation};

/// The handler for every command; `build.rs` lists the same names for their permissions.
pub fn invoke_handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        workstation::get_workstation,
        workstation::set_identity,
        workstation::load_sample_data,
        cases::list_cases,
        cases::get_case,
        cases::open_case,
        cases::update_case,
        cases::change_level,
        cases::take_stage_action,
        cases::verify_timeline,
        problems::create_problem,
        problems::relate_problem,
        problems::list_problems,
    ]
}

pub fn run() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let path = config::database_path(std::env::args_os(), std::env::var_os(config::DB_ENV), dirs::data_dir());
    log::info!("database: {}", path.display());
    tauri::Builder::default()
        .manage(state::Desk::open(path))
        .invoke_handler(invoke_handler())
        .run(tauri::generate_context!())
        .expect("error while running Escalation Desk");
}
