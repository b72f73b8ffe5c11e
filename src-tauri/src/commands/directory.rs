//! The directory: people, agencies (with key contacts and contact categories), services, and
//! CSV import/export.

use escalation_core::change::Entity;
use escalation_core::csv_io::{ImportPreview, ImportRequest};
use escalation_core::directory::{
    Agency, AgencyFields, ContactCategory, DirectoryFilter, DirectoryKind, Person, PersonFields, Service, ServiceFields,
};
use escalation_core::store::{agencies, directory_csv, people, services};
use tauri::State;

use crate::error::CommandResult;
use crate::state::Desk;

#[tauri::command]
pub async fn list_people(desk: State<'_, Desk>, filter: DirectoryFilter) -> CommandResult<Vec<Person>> {
    desk.with_store(move |s| people::list_people(s, &filter)).await
}

#[tauri::command]
pub async fn add_person(desk: State<'_, Desk>, fields: PersonFields) -> CommandResult<Person> {
    desk.change(Entity::Directory, None, move |s| people::insert_person(s, &fields))
        .await
}

#[tauri::command]
pub async fn update_person(
    desk: State<'_, Desk>,
    id: i64,
    version: i64,
    fields: PersonFields,
) -> CommandResult<Person> {
    desk.change(Entity::Directory, None, move |s| {
        people::update_person(s, id, version, &fields)
    })
    .await
}

#[tauri::command]
pub async fn set_person_retired(desk: State<'_, Desk>, id: i64, retired: bool) -> CommandResult<Person> {
    desk.change(Entity::Directory, None, move |s| {
        people::update_person_retired(s, id, retired)
    })
    .await
}

#[tauri::command]
pub async fn list_agencies(desk: State<'_, Desk>, filter: DirectoryFilter) -> CommandResult<Vec<Agency>> {
    desk.with_store(move |s| agencies::list_agencies(s, &filter)).await
}

#[tauri::command]
pub async fn add_agency(desk: State<'_, Desk>, fields: AgencyFields) -> CommandResult<Agency> {
    desk.change(Entity::Directory, None, move |s| agencies::insert_agency(s, &fields))
        .await
}

#[tauri::command]
pub async fn update_agency(
    desk: State<'_, Desk>,
    id: i64,
    version: i64,
    fields: AgencyFields,
) -> CommandResult<Agency> {
    desk.change(Entity::Directory, None, move |s| {
        agencies::update_agency(s, id, version, &fields)
    })
    .await
}

#[tauri::command]
pub async fn set_agency_retired(desk: State<'_, Desk>, id: i64, retired: bool) -> CommandResult<Agency> {
    desk.change(Entity::Directory, None, move |s| {
        agencies::update_agency_retired(s, id, retired)
    })
    .await
}

#[tauri::command]
pub async fn list_contact_categories(desk: State<'_, Desk>) -> CommandResult<Vec<ContactCategory>> {
    desk.with_store(|s| agencies::list_contact_categories(s)).await
}

#[tauri::command]
pub async fn add_contact_category(desk: State<'_, Desk>, name: String) -> CommandResult<ContactCategory> {
    desk.change(Entity::Directory, None, move |s| {
        agencies::insert_contact_category(s, &name)
    })
    .await
}

#[tauri::command]
pub async fn list_services(desk: State<'_, Desk>, filter: DirectoryFilter) -> CommandResult<Vec<Service>> {
    desk.with_store(move |s| services::list_services(s, &filter)).await
}

#[tauri::command]
pub async fn add_service(desk: State<'_, Desk>, fields: ServiceFields) -> CommandResult<Service> {
    desk.change(Entity::Directory, None, move |s| services::insert_service(s, &fields))
        .await
}

#[tauri::command]
pub async fn update_service(
    desk: State<'_, Desk>,
    id: i64,
    version: i64,
    fields: ServiceFields,
) -> CommandResult<Service> {
    desk.change(Entity::Directory, None, move |s| {
        services::update_service(s, id, version, &fields)
    })
    .await
}

#[tauri::command]
pub async fn set_service_retired(desk: State<'_, Desk>, id: i64, retired: bool) -> CommandResult<Service> {
    desk.change(Entity::Directory, None, move |s| {
        services::update_service_retired(s, id, retired)
    })
    .await
}

#[tauri::command]
pub async fn preview_import(desk: State<'_, Desk>, request: ImportRequest) -> CommandResult<ImportPreview> {
    desk.with_store(move |s| directory_csv::preview_import(s, &request))
        .await
}

#[tauri::command]
pub async fn apply_import(desk: State<'_, Desk>, request: ImportRequest) -> CommandResult<ImportPreview> {
    desk.change(Entity::Directory, None, move |s| {
        directory_csv::apply_import(s, &request)
    })
    .await
}

/// Writes the CSV into the user's Downloads folder (home if there is none) and returns its path.
#[tauri::command]
pub async fn export_directory(desk: State<'_, Desk>, kind: DirectoryKind) -> CommandResult<String> {
    let dir = dirs::download_dir()
        .or_else(dirs::home_dir)
        .unwrap_or_else(std::env::temp_dir);
    desk.with_store(move |s| directory_csv::export_to_file(s, kind, &dir).map(|p| p.display().to_string()))
        .await
}
