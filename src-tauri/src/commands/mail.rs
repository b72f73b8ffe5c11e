//! Mail settings (the password to the keyring), the test message, and the outbox screen.

use escalation_core::change::Entity;
use escalation_core::mail::message::Draft;
use escalation_core::mail::settings::{MailSettingsView, SmtpSettings};
use escalation_core::mail::templates;
use escalation_core::mail::transport::{Mailer, SendError};
use escalation_core::store::mail_settings::{self, MailPause};
use escalation_core::store::outbox::{self, OutboxMessage, OutboxStatus};
use escalation_core::Error;
use tauri::State;

use crate::error::CommandResult;
use crate::state::Desk;

#[tauri::command]
pub async fn get_mail_settings(desk: State<'_, Desk>) -> CommandResult<MailSettingsView> {
    let settings = desk.with_store(|s| mail_settings::get_smtp_settings(s)).await?;
    Ok(MailSettingsView {
        settings,
        password: desk.passwords.storage(),
    })
}

/// Saves the settings; a non-empty password goes to the keyring (or memory for this run).
#[tauri::command]
pub async fn save_mail_settings(
    desk: State<'_, Desk>,
    settings: SmtpSettings,
    password: Option<String>,
) -> CommandResult<MailSettingsView> {
    let saved = desk
        .change(Entity::Settings, None, move |s| {
            mail_settings::update_smtp_settings(s, &settings)
        })
        .await?;
    if let Some(pw) = password.filter(|p| !p.is_empty()) {
        let passwords = desk.passwords.clone();
        let user = saved.username.clone();
        tauri::async_runtime::spawn_blocking(move || passwords.store(&user, &pw))
            .await
            .map_err(|e| Error::Internal(format!("keyring task failed: {e}")))?;
    }
    desk.wake.notify_one();
    Ok(MailSettingsView {
        settings: Some(saved),
        password: desk.passwords.storage(),
    })
}

/// Sends a test message now (not through the outbox) and says exactly what went wrong, if anything.
#[tauri::command]
pub async fn send_test_message(desk: State<'_, Desk>, to: String) -> CommandResult<Option<SendError>> {
    let settings = desk.with_store(|s| mail_settings::get_smtp_settings(s)).await?;
    let Some(settings) = settings else {
        return Ok(Some(SendError::not_configured("Save the mail settings first.")));
    };
    if let Some(p) = escalation_core::identity::email_problem(&to) {
        return Err(Error::invalid("to", p.replace("your email", "the test recipient's email")).into());
    }
    let draft: Draft = templates::test_message(to.trim());
    let id = escalation_core::mail::message::new_message_id(&settings.sender_address);
    let mime = escalation_core::mail::message::build_mime(
        &settings.sender_name,
        &settings.sender_address,
        &id,
        std::time::SystemTime::now(),
        &draft,
    )?;
    let mailer = match Mailer::new(
        &settings,
        escalation_core::mail::settings::PasswordSource::password(&*desk.passwords),
    ) {
        Ok(m) => m,
        Err(e) => return Ok(Some(e)),
    };
    Ok(mailer.send(&draft.recipients, &mime).await.err())
}

/// Whether sending is paused after the server refused the login, and why (the header shows it).
#[tauri::command]
pub async fn get_mail_pause(desk: State<'_, Desk>) -> CommandResult<Option<MailPause>> {
    desk.with_store(|s| mail_settings::get_mail_pause(s)).await
}

/// The user asks to try sending again after a refused login (e.g. the account was unlocked).
#[tauri::command]
pub async fn resume_mail(desk: State<'_, Desk>) -> CommandResult<()> {
    desk.change(Entity::Outbox, None, |s| mail_settings::update_mail_pause(s, None))
        .await
}

#[tauri::command]
pub async fn list_outbox(desk: State<'_, Desk>, status: Option<OutboxStatus>) -> CommandResult<Vec<OutboxMessage>> {
    desk.with_store(move |s| outbox::list_outbox(s, status, 500)).await
}

#[tauri::command]
pub async fn retry_message(desk: State<'_, Desk>, id: i64, version: i64) -> CommandResult<OutboxMessage> {
    desk.change_of(
        Entity::Outbox,
        |m: &OutboxMessage| m.case_id,
        move |s| outbox::update_retry(s, id, version),
    )
    .await
}

#[tauri::command]
pub async fn cancel_message(desk: State<'_, Desk>, id: i64, version: i64) -> CommandResult<OutboxMessage> {
    desk.change_of(
        Entity::Outbox,
        |m: &OutboxMessage| m.case_id,
        move |s| outbox::update_cancelled(s, id, version),
    )
    .await
}

#[tauri::command]
pub async fn edit_recipients(
    desk: State<'_, Desk>,
    id: i64,
    version: i64,
    recipients: Vec<String>,
) -> CommandResult<OutboxMessage> {
    desk.change_of(
        Entity::Outbox,
        |m: &OutboxMessage| m.case_id,
        move |s| outbox::update_recipients(s, id, version, &recipients),
    )
    .await
}
