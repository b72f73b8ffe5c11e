//! Sign-offs confirmed by a one-time code: sending the code to the signer's directory address
//! through the outbox, and entering it on the report. The rules of codes are pure and live in
//! `crate::aar::signoff_code`; who may sign is `signoff::check_signer`.
//!
//! Invariants:
//! - The code goes to the address the directory holds for the signer (the case's ABRM on the team,
//!   or the directory person named as the case's escalation manager), never to the address typed
//!   on the identity form: signing as someone else needs their mailbox, not just their name.
//! - A wrong entry is counted even though the entry is refused (the count commits, nothing else);
//!   the fifth locks the code.
//! - The sign-off records how it was confirmed; the address's change history shows beside it.

use crate::store::db::{Db, Optional};
use rusqlite::params;

use super::sections::load_sections;
use super::signoff::{check_signer, sign_in};
use super::{check_aar_version, claim_aar, event, load_aar};
use crate::aar::signoff::{check_step, AarStep};
use crate::aar::signoff_code::{
    check_code, code_hash, expires_at, new_code, refusal, revision_digest, CodeCheck, PendingCode, CODES_PER_DAY,
    CODE_TRIES,
};
use crate::aar::{Aar, SignOffRole};
use crate::error::{Error, Result};
use crate::mail::message::Draft;
use crate::store::cases::find_case;
use crate::store::{format_time, parse_time, Store};
use crate::team::TeamRole;
use crate::timeline::EventKind;

pub use crate::aar::signoff_code::SignOffCodeSent;

fn role_name(role: SignOffRole) -> &'static str {
    match role {
        SignOffRole::EscalationManager => "escalation manager",
        SignOffRole::Abrm => "ABRM",
    }
}

/// The signer as the directory knows them: (person id, name, address).
fn signer_in_directory(tx: &Db, case_id: i64, role: SignOffRole, email: &str) -> Result<(i64, String, String)> {
    let found: Vec<(i64, String, String)> = match role {
        SignOffRole::Abrm => tx
            .prepare_cached(
                "SELECT p.id, p.name, p.email FROM team_members t JOIN people p ON p.id = t.person_id
                 WHERE t.case_id = ?1 AND t.role = ?2 AND t.released_at IS NULL AND lower(p.email) = lower(?3)",
            )?
            .query_map(params![case_id, TeamRole::Abrm.as_str(), email], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<Result<_>>()?,
        SignOffRole::EscalationManager => {
            let manager = find_case(tx, case_id)?.fields.escalation_manager;
            let people: Vec<(i64, String, String)> = tx
                .prepare_cached(
                    "SELECT id, name, email FROM people WHERE lower(name) = lower(?1) AND retired_at IS NULL
                     ORDER BY id",
                )?
                .query_map([manager.trim()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_>>()?;
            // Two people of one name: the one whose address the identity gives, if any.
            match people.iter().find(|p| p.2.eq_ignore_ascii_case(email.trim())) {
                Some(p) => vec![p.clone()],
                None if people.len() > 1 => {
                    return Err(Error::Refused(format!(
                        "The directory has {} people named {manager}: give the escalation manager's directory address on the identity form.",
                        people.len()
                    )))
                }
                None => people,
            }
        }
    };
    found.into_iter().next().ok_or_else(|| {
        Error::Refused(match role {
            SignOffRole::EscalationManager => "The escalation manager is not in the directory: add them with their work address, so the sign-off code can reach them.".into(),
            SignOffRole::Abrm => "The case's ABRM is not on its team with this address.".into(),
        })
    })
}

/// Refuses a signer the directory knows as the one who already signed in the other role (whatever
/// name or address case the identity form gave).
fn not_the_other_signer(tx: &Db, aar_id: i64, role: SignOffRole, person_id: i64) -> Result<()> {
    let (other, signed) = match role {
        SignOffRole::EscalationManager => ("abrm", "abrm_signed_at"),
        SignOffRole::Abrm => ("escalation_manager", "manager_signed_at"),
    };
    let same = tx
        .prepare_cached(&format!(
            "SELECT 1 FROM aars a WHERE a.id = ?1 AND a.{signed} IS NOT NULL
               AND (SELECT c.person_id FROM signoff_codes c WHERE c.aar_id = a.id AND c.role = ?2 AND c.status = 'used'
                    ORDER BY c.id DESC LIMIT 1) = ?3"
        ))?
        .exists(params![aar_id, other, person_id])?;
    if same {
        return Err(Error::Refused(
            "The directory knows you as the person who signed in the other role; the second sign-off must come from someone else."
                .into(),
        ));
    }
    Ok(())
}

fn digest_now(tx: &Db, aar_id: i64) -> Result<String> {
    let revision: i64 = tx.query_row("SELECT revision FROM aars WHERE id = ?1", [aar_id], |r| r.get(0))?;
    let sections = load_sections(tx, aar_id)?;
    // The whole report as printed: the sections, the improvement plan and the chosen timeline events.
    let improvements =
        serde_json::to_string(&super::improvements::load_improvements(tx, aar_id)?).expect("improvements serialize");
    let events: String = tx.query_row("SELECT timeline_event_ids FROM aars WHERE id = ?1", [aar_id], |r| {
        r.get(0)
    })?;
    Ok(revision_digest(
        revision,
        sections.iter().map(|s| (s.key.as_str(), s.body.as_str())).chain([
            ("improvement plan", improvements.as_str()),
            ("timeline events", events.as_str()),
        ]),
    ))
}

/// Checks the report is where a sign-off can happen, on the version the signer read.
fn ready_to_sign(tx: &Db, aar_id: i64, expected: i64, role: SignOffRole) -> Result<i64> {
    let (status, case_id) = check_aar_version(tx, aar_id, expected)?;
    check_step(AarStep::SignOff(role), status)?;
    Ok(case_id)
}

/// Sends a one-time code for `role` to the signer's directory address (superseding a pending one).
pub fn request_signoff_code(
    store: &mut Store,
    aar_id: i64,
    expected_version: i64,
    role: SignOffRole,
) -> Result<SignOffCodeSent> {
    store.change(|tx, who, stamp| {
        let case_id = ready_to_sign(tx, aar_id, expected_version, role)?;
        check_signer(tx, aar_id, case_id, role, who)?;
        let (person_id, name, email) = signer_in_directory(tx, case_id, role, &who.email)?;
        not_the_other_signer(tx, aar_id, role, person_id)?;
        let sent_today: i64 = tx.query_row(
            "SELECT COUNT(*) FROM signoff_codes WHERE aar_id = ?1 AND role = ?2 AND requested_at > ?3",
            params![aar_id, role_str(role), format_time(parse_time(&stamp.text)? - chrono::Duration::hours(24))],
            |r| r.get(0),
        )?;
        if sent_today >= CODES_PER_DAY {
            return Err(Error::Refused(format!(
                "{CODES_PER_DAY} sign-off codes were sent for the {} in the last 24 hours: use the last one, or try again tomorrow.",
                role_name(role)
            )));
        }
        let digest = digest_now(tx, aar_id)?;
        let (code, salt) = new_code()?;
        let sent_at = parse_time(&stamp.text)?;
        let expires = expires_at(sent_at);
        let case = find_case(tx, case_id)?;
        let revision: i64 = tx.query_row("SELECT revision FROM aars WHERE id = ?1", [aar_id], |r| r.get(0))?;
        let sections = load_sections(tx, aar_id)?.len();
        let number = crate::case::escalation_number(case_id);
        let text = format!(
            "{name},\n\n{requester} asks you to sign off the After Action Report of {number} ({ticket}: {title}), \
             revision {revision}, as {role}.\n\n{line}{code}\n\nEnter it on the report in Escalation Desk \
             within {hours} hours (until {expires} UTC). Five wrong entries lock it.\n\nWhat you sign: {sections} sections, \
             text digest SHA-256 {digest}. The code only works for this text: if the report changes, a new code is needed.\n\n\
             If you did not expect this message, do not give the code to anyone and tell the escalation manager.\n",
            requester = who.actor(),
            line = crate::aar::signoff_code::CODE_LINE,
            ticket = case.fields.ticket,
            title = case.fields.title,
            role = role_name(role),
            hours = crate::aar::signoff_code::CODE_VALID_HOURS,
            expires = format_time(expires),
        );
        let html = format!("<pre>{}</pre>", crate::mail::message::html_escape(&text));
        let outbox_id = crate::store::outbox::insert_message_in(
            tx,
            Some(case_id),
            "signoff_code",
            &Draft {
                recipients: vec![email.clone()],
                subject: format!("Sign-off code for the AAR of {number} (revision {revision})"),
                text,
                html,
                attachments: Vec::new(),
            },
        )?;
        tx.execute(
            "UPDATE signoff_codes SET status = 'superseded' WHERE aar_id = ?1 AND role = ?2 AND status = 'pending'",
            params![aar_id, role_str(role)],
        )?;
        tx.execute(
            "INSERT INTO signoff_codes (aar_id, revision, role, person_id, email, salt, code_hash, digest, requested_by,
                requested_at, expires_at, outbox_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                aar_id,
                revision,
                role_str(role),
                person_id,
                email,
                salt,
                code_hash(&salt, &code),
                digest,
                who.id,
                stamp.text,
                format_time(expires),
                outbox_id
            ],
        )?;
        event(
            tx,
            case_id,
            who,
            stamp,
            EventKind::AarStatusChanged,
            format!("Sign-off code for the {} sent to {email} (directory address)", role_name(role)),
        )?;
        Ok(SignOffCodeSent { role, email, expires_at: expires })
    })
}

/// A pending code's row: id, salt, hash, digest, expiry, failed tries, person, address.
type StoredRow = (i64, String, String, String, String, i64, i64, String);

fn role_str(role: SignOffRole) -> &'static str {
    match role {
        SignOffRole::EscalationManager => "escalation_manager",
        SignOffRole::Abrm => "abrm",
    }
}

/// Signs off for `role` with the code that was mailed; a wrong code is counted and refused.
pub fn confirm_signoff(
    store: &mut Store,
    aar_id: i64,
    expected_version: i64,
    role: SignOffRole,
    code: &str,
) -> Result<Aar> {
    // The outcome crosses the transaction as a value, so a refusal after a wrong code still commits its count.
    let outcome: std::result::Result<(), Error> =
        store.change(|tx, who, stamp| {
            let case_id = ready_to_sign(tx, aar_id, expected_version, role)?;
            check_signer(tx, aar_id, case_id, role, who)?;
            let pending: Option<StoredRow> = tx
            .query_row(
                "SELECT id, salt, code_hash, digest, expires_at, failed_attempts, person_id, email FROM signoff_codes
                 WHERE aar_id = ?1 AND role = ?2 AND status = 'pending' ORDER BY id DESC LIMIT 1",
                params![aar_id, role_str(role)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
            )
            .optional()?;
            let Some((code_id, salt, hash, digest, expires, failed, person_id, sent_to)) = pending else {
                return Ok(Err(Error::Refused(format!(
                    "No sign-off code is waiting for the {}: send one first.",
                    role_name(role)
                ))));
            };
            // The signer now must be the person, at the address, the code went to: a team change or an
            // address change since then needs a new code.
            let (now_id, _, now_email) = signer_in_directory(tx, case_id, role, &who.email)?;
            if now_id != person_id || !now_email.eq_ignore_ascii_case(&sent_to) {
                return Ok(Err(Error::Refused(format!(
                    "The code went to {sent_to}, and the {} is no longer that person at that address: send a new code.",
                    role_name(role)
                ))));
            }
            not_the_other_signer(tx, aar_id, role, person_id)?;
            let stored = PendingCode {
                salt,
                code_hash: hash,
                digest,
                expires_at: parse_time(&expires)?,
                failed_attempts: failed,
            };
            let at = parse_time(&stamp.text)?;
            let check = check_code(&stored, code, &digest_now(tx, aar_id)?, at);
            match check {
                CodeCheck::Accepted => {}
                CodeCheck::Wrong { tries_left } => {
                    tx.execute(
                        "UPDATE signoff_codes SET failed_attempts = failed_attempts + 1,
                        status = CASE WHEN failed_attempts + 1 >= ?2 THEN 'locked' ELSE status END WHERE id = ?1",
                        params![code_id, CODE_TRIES],
                    )?;
                    if tries_left == 0 {
                        event(
                            tx,
                            case_id,
                            who,
                            stamp,
                            EventKind::AarStatusChanged,
                            format!(
                                "Sign-off code for the {} locked after {CODE_TRIES} wrong entries",
                                role_name(role)
                            ),
                        )?;
                    }
                    return Ok(Err(refusal(&check)));
                }
                CodeCheck::Expired | CodeCheck::TextChanged => return Ok(Err(refusal(&check))),
            }
            claim_aar(tx, aar_id, expected_version, stamp)?;
            let (email, requested_at): (String, String) = tx.query_row(
                "SELECT email, requested_at FROM signoff_codes WHERE id = ?1",
                [code_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            tx.execute(
                "UPDATE signoff_codes SET status = 'used', used_at = ?2 WHERE id = ?1",
                params![code_id, stamp.text],
            )?;
            let confirmation = format!(
                "one-time code sent to {email} at {requested_at}, entered at {} by OS account {} on {}",
                stamp.text, who.os_account, who.machine
            );
            let summary = sign_in(tx, who, stamp, aar_id, role, &confirmation)?;
            event(tx, case_id, who, stamp, EventKind::AarStatusChanged, summary)?;
            Ok(Ok(()))
        })?;
    outcome?;
    load_aar(store.conn(), aar_id)
}

/// The changes of the signer's directory address made before the sign-off, newest first.
pub(super) fn address_changes_before(
    conn: &Db,
    aar_id: i64,
    role: SignOffRole,
    signed_at: &str,
) -> Result<Vec<String>> {
    conn
        .prepare_cached(
            "SELECT c.old_email, c.new_email, c.changed_by, c.changed_at FROM person_email_changes c
             WHERE c.person_id = (SELECT person_id FROM signoff_codes WHERE aar_id = ?1 AND role = ?2 AND status = 'used'
                                  ORDER BY id DESC LIMIT 1)
               AND c.changed_at <= ?3
             ORDER BY c.changed_at DESC, c.id DESC",
        )?
        .query_map(params![aar_id, role_str(role), signed_at], |r| {
            Ok(format!(
                "Directory address changed from {} to {} by {} at {}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?
            ))
        })?
        .collect::<Result<_>>()
}

/// The codes sent and not yet used, expired or locked: the report page offers to enter them.
pub(super) fn pending_codes(conn: &Db, aar_id: i64) -> Result<Vec<SignOffCodeSent>> {
    conn.prepare_cached(
        "SELECT role, email, expires_at FROM signoff_codes
             WHERE aar_id = ?1 AND status = 'pending' AND expires_at > ?2 ORDER BY id",
    )?
    .query_map(params![aar_id, format_time(crate::store::now())], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
    })?
    .collect::<Result<Vec<_>>>()?
    .into_iter()
    .map(|(role, email, expires)| {
        Ok(SignOffCodeSent {
            role: if role == "abrm" {
                SignOffRole::Abrm
            } else {
                SignOffRole::EscalationManager
            },
            email,
            expires_at: parse_time(&expires)?,
        })
    })
    .collect::<Result<_>>()
}
