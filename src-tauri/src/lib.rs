//! Wiring only: find the database, open it into the app state, register the commands.

pub mod commands;
pub mod config;
pub mod error;
pub mod state;

use commands::{cases, directory, problems, team, workstation};

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
