//! Executive alert rules and the alerts they raise.

use escalation_core::alert::{Alert, AlertPage, AlertRule, Rule};
use escalation_core::change::Entity;
use escalation_core::page::PageRequest;
use escalation_core::store::alerts;
use escalation_core::team::CaseRef;
use tauri::State;

use crate::error::CommandResult;
use crate::state::Desk;

#[tauri::command]
pub async fn list_alert_rules(desk: State<'_, Desk>) -> CommandResult<Vec<AlertRule>> {
    desk.with_store(|s| alerts::list_alert_rules(s)).await
}

#[tauri::command]
pub async fn add_alert_rule(desk: State<'_, Desk>, rule: Rule) -> CommandResult<AlertRule> {
    desk.change(Entity::Alerts, None, move |s| alerts::insert_alert_rule(s, &rule))
        .await
}

#[tauri::command]
pub async fn update_alert_rule(desk: State<'_, Desk>, id: i64, version: i64, rule: Rule) -> CommandResult<AlertRule> {
    desk.change(Entity::Alerts, None, move |s| {
        alerts::update_alert_rule(s, id, version, &rule)
    })
    .await
}

#[tauri::command]
pub async fn delete_alert_rule(desk: State<'_, Desk>, id: i64) -> CommandResult<()> {
    desk.change(Entity::Alerts, None, move |s| alerts::delete_alert_rule(s, id))
        .await
}

#[tauri::command]
pub async fn test_alert_rule(desk: State<'_, Desk>, rule: Rule) -> CommandResult<Vec<CaseRef>> {
    desk.with_store(move |s| alerts::test_alert_rule(s, &rule)).await
}

#[tauri::command]
pub async fn list_open_alerts(desk: State<'_, Desk>, page: PageRequest) -> CommandResult<AlertPage> {
    desk.with_store(move |s| alerts::list_open_alerts(s, page)).await
}

#[tauri::command]
pub async fn acknowledge_alert(desk: State<'_, Desk>, id: i64, note: String) -> CommandResult<Alert> {
    desk.change_of(
        Entity::Alerts,
        |a: &Alert| Some(a.case.id),
        move |s| alerts::update_alert_acknowledged(s, id, &note),
    )
    .await
}
