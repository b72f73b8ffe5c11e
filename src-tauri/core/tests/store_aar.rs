//! The After Action Report on a real SQLite file: template, co-authoring with conflicts,
//! comments, sign-off and locking, revisions and their differences, the improvement plan, the
//! PDF, and the distribution through a real SMTP server with the attached PDF byte-identical.

mod common;

use std::sync::{Arc, Mutex};

use base64::Engine;
use common::smtp::{self, SmtpServer};
use common::{appoint_core_team, count, new_case, person};
use escalation_core::aar::{AarStatus, Improvement, ImprovementStatus, LineChange, SectionSource, SignOffRole};
use escalation_core::aar_pdf::render_pdf;
use escalation_core::case::Level;
use escalation_core::directory::OrgRole;
use escalation_core::mail::settings::FixedPassword;
use escalation_core::mail::worker::{OutboxWorker, RetryPolicy};
use escalation_core::problem::NewProblem;
use escalation_core::stage::StageAction;
use escalation_core::store::aar::*;
use escalation_core::store::cases::{get_case, insert_case, update_stage};
use escalation_core::store::mail_settings::update_smtp_settings;
use escalation_core::store::problems::insert_problem;
use escalation_core::{ErrorKind, Store};

fn be(store: &mut Store, name: &str, email: &str) {
    common::be(store, name, email, "Escalation team");
}

fn manager(store: &mut Store) {
    be(store, "Dana Whitfield", "dana.whitfield@doit.state.gov");
}

/// A case with its core team (the ABRM is abrm<case>@doit.state.gov) and a started report.
fn case_with_report(store: &mut Store) -> (i64, escalation_core::aar::Aar) {
    let case = insert_case(store, &new_case("INC0000001", Level::Escalated)).unwrap();
    appoint_core_team(store, case.id);
    let aar = insert_aar(store, case.id).unwrap();
    (case.id, aar)
}

fn write_all(store: &mut Store, case_id: i64) -> escalation_core::aar::Aar {
    let aar = get_aar(store.conn(), case_id).unwrap().unwrap();
    for s in &aar.sections {
        if s.body.trim().is_empty() {
            update_aar_section(store, s.id, s.version, &format!("What we learned about {}.", s.title)).unwrap();
        }
    }
    get_aar(store.conn(), case_id).unwrap().unwrap()
}

fn approve(store: &mut Store, case_id: i64) -> escalation_core::aar::Aar {
    let aar = write_all(store, case_id);
    let aar = update_aar_status(store, aar.id, aar.version, AarStep::SubmitForReview).unwrap();
    manager(store);
    let aar = common::sign(store, aar.id, aar.version, SignOffRole::EscalationManager).unwrap();
    be(store, "ABRM", &format!("abrm{case_id}@doit.state.gov"));
    let aar = common::sign(store, aar.id, aar.version, SignOffRole::Abrm).unwrap();
    manager(store);
    aar
}

/// A case with its core team and a written report submitted for review: where sign-offs start.
fn in_review(store: &mut Store) -> (i64, escalation_core::aar::Aar) {
    let (case_id, _) = case_with_report(store);
    let aar = write_all(store, case_id);
    let aar = update_aar_status(store, aar.id, aar.version, AarStep::SubmitForReview).unwrap();
    (case_id, aar)
}

fn render(store: &mut Store, case_id: i64) -> (escalation_core::aar::AarRender, Vec<u8>) {
    let (aar_id, revision, status, doc) = pdf_document(store, case_id).unwrap();
    let pdf = render_pdf(&doc).unwrap();
    (
        insert_aar_render(store, aar_id, revision, status, &pdf, 1).unwrap(),
        pdf,
    )
}

#[test]
fn a_report_starts_from_the_template_with_the_generated_sections_filled() {
    let mut t = common::store();
    let (case_id, aar) = case_with_report(&mut t.store);
    let titles: Vec<&str> = aar.sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles.len(), 11, "{titles:?}");
    assert_eq!(titles[0], "Executive summary");
    assert_eq!(titles[10], "Appendices");
    assert_eq!(aar.status, AarStatus::Draft);
    let team = aar.sections.iter().find(|s| s.source == SectionSource::Team).unwrap();
    assert!(team.body.contains(&format!("ABRM {case_id}")), "{}", team.body);
    let timeline = aar
        .sections
        .iter()
        .find(|s| s.source == SectionSource::Timeline)
        .unwrap();
    assert!(timeline.body.contains("Case opened"), "{}", timeline.body);
    let figures = aar
        .sections
        .iter()
        .find(|s| s.source == SectionSource::Figures)
        .unwrap();
    assert!(
        figures.body.contains("| Time to escalate | 0 min |"),
        "{}",
        figures.body
    );
    let again = insert_aar(&mut t.store, case_id).unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Refused, "one report per case");
}

#[test]
fn each_comment_stays_with_its_own_section_in_the_order_written() {
    let mut t = common::store();
    let (_, aar) = case_with_report(&mut t.store);
    let (first, fourth) = (aar.sections[0].id, aar.sections[3].id);
    insert_aar_comment(&mut t.store, fourth, "Name the storage vendor").unwrap();
    insert_aar_comment(&mut t.store, first, "Shorter, please").unwrap();
    let aar = insert_aar_comment(&mut t.store, fourth, "And its ticket number").unwrap();
    let bodies = |i: usize| -> Vec<&str> { aar.sections[i].comments.iter().map(|c| c.body.as_str()).collect() };
    assert_eq!(bodies(0), ["Shorter, please"]);
    assert_eq!(bodies(3), ["Name the storage vendor", "And its ticket number"]);
    let elsewhere: usize = aar.sections.iter().map(|s| s.comments.len()).sum::<usize>() - 3;
    assert_eq!(elsewhere, 0, "no comment shows on a section it was not written on");
}

#[test]
fn the_second_of_two_authors_saving_the_same_version_gets_a_conflict_and_nothing_is_lost() {
    let mut t = common::store();
    let (case_id, aar) = case_with_report(&mut t.store);
    let summary = aar.sections[0].clone();
    // Both opened version 1. The ABRM saves first.
    be(&mut t.store, "ABRM", &format!("abrm{case_id}@doit.state.gov"));
    update_aar_section(
        &mut t.store,
        summary.id,
        summary.version,
        "Theirs: the portal failed over.",
    )
    .unwrap();
    manager(&mut t.store);
    let err = update_aar_section(&mut t.store, summary.id, summary.version, "Mine: a storage fault.").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    let now = get_aar(t.store.conn(), case_id).unwrap().unwrap();
    assert_eq!(
        now.sections[0].body, "Theirs: the portal failed over.",
        "the first save stands"
    );
    assert!(
        now.sections[0].edited_by.as_deref().unwrap().starts_with("ABRM"),
        "last editor shown"
    );
    // The author chooses (here: both texts) and saves on the version they now saw.
    let merged = update_aar_section(
        &mut t.store,
        summary.id,
        now.sections[0].version,
        "Theirs: the portal failed over.\nMine: a storage fault.",
    )
    .unwrap();
    assert_eq!(merged.sections[0].version, 3);
    let versions = list_section_versions(&t.store, summary.id).unwrap();
    assert_eq!(versions.len(), 3, "every saved text is kept");
    let tamper = t.store.conn().execute("UPDATE aar_section_versions SET body = 'x'", []);
    assert!(tamper.is_err(), "versions are append-only");
}

#[test]
fn comments_are_added_and_resolved_and_sections_go_only_to_team_members() {
    let mut t = common::store();
    let (case_id, aar) = case_with_report(&mut t.store);
    let section = aar.sections[1].id;
    let aar = insert_aar_comment(&mut t.store, section, "Add the storage vendor's ticket").unwrap();
    let comment = &aar.sections[1].comments[0];
    assert_eq!(comment.body, "Add the storage vendor's ticket");
    let aar = update_aar_comment_resolved(&mut t.store, comment.id).unwrap();
    assert!(aar.sections[1].comments[0].resolved_at.is_some());
    let outsider = person(&mut t.store, "Out Sider", "out@doit.state.gov", &[]);
    let err = update_aar_section_assignee(&mut t.store, section, Some(outsider)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    let team = escalation_core::store::cases::get_case_detail(&t.store, case_id)
        .unwrap()
        .team;
    let aar = update_aar_section_assignee(&mut t.store, section, Some(team.members[0].person.id)).unwrap();
    assert_eq!(aar.sections[1].assignee.as_ref().unwrap().id, team.members[0].person.id);
}

#[test]
fn review_needs_every_section_and_approval_needs_both_the_manager_and_the_abrm() {
    let mut t = common::store();
    let (case_id, aar) = case_with_report(&mut t.store);
    let err = update_aar_status(&mut t.store, aar.id, aar.version, AarStep::SubmitForReview).unwrap_err();
    assert!(
        err.to_string().contains("Executive summary"),
        "names the empty sections: {err}"
    );
    let aar = write_all(&mut t.store, case_id);
    let aar = update_aar_status(&mut t.store, aar.id, aar.version, AarStep::SubmitForReview).unwrap();
    assert_eq!(aar.status, AarStatus::InReview);
    // The manager cannot sign for the ABRM.
    let err = common::sign(&mut t.store, aar.id, aar.version, SignOffRole::Abrm).unwrap_err();
    assert!(err.to_string().contains("Only the case's ABRM"), "{err}");
    let aar = get_aar(t.store.conn(), case_id).unwrap().unwrap();
    let aar = common::sign(&mut t.store, aar.id, aar.version, SignOffRole::EscalationManager).unwrap();
    assert_eq!(aar.status, AarStatus::InReview, "one sign-off is not approval");
    // An edit during review voids the sign-off given so far.
    let s = &aar.sections[0];
    let aar = update_aar_section(&mut t.store, s.id, s.version, "Edited in review.").unwrap();
    assert!(aar.manager_signoff.is_none());
    let aar = common::sign(&mut t.store, aar.id, aar.version, SignOffRole::EscalationManager).unwrap();
    be(&mut t.store, "ABRM", &format!("abrm{case_id}@doit.state.gov"));
    let aar = common::sign(&mut t.store, aar.id, aar.version, SignOffRole::Abrm).unwrap();
    assert_eq!(aar.status, AarStatus::Approved);
    let s = &aar.sections[0];
    let locked = update_aar_section(&mut t.store, s.id, s.version, "Late change").unwrap_err();
    assert!(locked.to_string().contains("locked"), "{locked}");
    let stale = update_aar_status(&mut t.store, aar.id, aar.version - 1, AarStep::StartNewRevision).unwrap_err();
    assert_eq!(stale.kind(), ErrorKind::Conflict);
}

#[test]
fn a_new_revision_of_an_approved_report_is_compared_with_the_first() {
    let mut t = common::store();
    let (case_id, _) = case_with_report(&mut t.store);
    let aar = approve(&mut t.store, case_id);
    let aar = update_aar_status(&mut t.store, aar.id, aar.version, AarStep::StartNewRevision).unwrap();
    assert_eq!((aar.status, aar.revision), (AarStatus::Draft, 2));
    assert!(
        aar.manager_signoff.is_none() && aar.abrm_signoff.is_none(),
        "sign-offs cleared"
    );
    let s = &aar.sections[0];
    let old = s.body.clone();
    update_aar_section(
        &mut t.store,
        s.id,
        s.version,
        &format!("{old}\nThe vendor has since patched it."),
    )
    .unwrap();
    let diff = diff_aar_revisions(&t.store, aar.id, 1, 2).unwrap();
    assert!(diff[0].changed);
    assert_eq!(
        diff[0]
            .lines
            .iter()
            .filter(|l| l.change == LineChange::Added)
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>(),
        ["The vendor has since patched it."]
    );
    assert!(diff[1..].iter().all(|d| !d.changed), "other sections unchanged");
    assert_eq!(
        diff_aar_revisions(&t.store, aar.id, 1, 3).unwrap_err().kind(),
        ErrorKind::Validation
    );
}

#[test]
fn the_improvement_plan_is_validated_and_handed_to_the_problem_case_once() {
    let mut t = common::store();
    let (case_id, aar) = case_with_report(&mut t.store);
    let item = |action: &str| Improvement {
        action: action.into(),
        owner: "Storage team".into(),
        due_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 31),
        status: ImprovementStatus::Open,
        sent_to_problem_at: None,
    };
    let bad = update_aar_improvements(&mut t.store, aar.id, aar.version, &[item(" ")]).unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::Validation);
    let aar = update_aar_improvements(&mut t.store, aar.id, aar.version, &[item("Test failover monthly")]).unwrap();
    let err = insert_problem_actions(&mut t.store, aar.id, aar.version).unwrap_err();
    assert!(err.to_string().contains("no problem case"), "{err}");
    let case = get_case(&t.store, case_id).unwrap();
    insert_problem(
        &mut t.store,
        case_id,
        case.version,
        &NewProblem {
            ticket: "PRB0000001".into(),
            title: "Failover does not complete".into(),
        },
    )
    .unwrap();
    let aar = get_aar(t.store.conn(), case_id).unwrap().unwrap();
    let aar = insert_problem_actions(&mut t.store, aar.id, aar.version).unwrap();
    assert!(aar.improvements[0].sent_to_problem_at.is_some());
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM problem_actions"), 1);
    let problem_id = get_case(&t.store, case_id).unwrap().problem_id.unwrap();
    let received = escalation_core::store::problems::get_problem_detail(&t.store, problem_id)
        .unwrap()
        .received;
    assert_eq!(
        received[0].kind, "corrective action",
        "the problem case shows what it received"
    );
    assert!(received[0]
        .text
        .starts_with("Test failover monthly (owner: Storage team, due 2026-12-31)"));
    let again = insert_problem_actions(&mut t.store, aar.id, aar.version).unwrap_err();
    assert!(again.to_string().contains("already been sent"), "{again}");
}

#[test]
fn the_distribution_list_is_suggested_from_the_directory() {
    let mut t = common::store();
    person(
        &mut t.store,
        "Robert Chavez",
        "cio@doit.state.gov",
        &[OrgRole::ExecutiveManagement],
    );
    person(
        &mut t.store,
        "Sam Desk",
        "sam@doit.state.gov",
        &[OrgRole::ServiceDeskSupervisor],
    );
    let (case_id, _) = case_with_report(&mut t.store);
    let list = list_distribution_suggestions(&t.store, case_id).unwrap();
    let emails: Vec<&str> = list.iter().map(|s| s.email.as_str()).collect();
    assert!(emails.contains(&"cio@doit.state.gov"), "{emails:?}");
    assert!(emails.contains(&"sam@doit.state.gov"), "{emails:?}");
    assert!(
        emails.contains(&format!("abrm{case_id}@doit.state.gov").as_str()),
        "the team's ABRM: {emails:?}"
    );
}

#[test]
fn a_draft_pdf_is_watermarked_and_only_an_approved_rendered_report_is_distributed() {
    let mut t = common::store();
    let (case_id, aar) = case_with_report(&mut t.store);
    assert_eq!(
        pdf_document(&t.store, case_id).unwrap().3.watermark.as_deref(),
        Some("DRAFT")
    );
    let (draft, _) = render(&mut t.store, case_id);
    assert_eq!(draft.status, AarStatus::Draft);
    assert!(
        std::path::Path::new(&draft.path).exists(),
        "a copy for the system viewer"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&draft.path).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode, 0o600,
            "a report names agency staff and incidents: readable by the user only"
        );
        let (again, _) = render(&mut t.store, case_id);
        assert_eq!(
            again.path, draft.path,
            "rendering the same draft again replaces its copy"
        );
    }
    let err = insert_distribution(&mut t.store, aar.id, aar.version, &["cio@doit.state.gov".into()]).unwrap_err();
    assert!(err.to_string().contains("approved"), "{err}");
    let aar = approve(&mut t.store, case_id);
    assert_eq!(
        pdf_document(&t.store, case_id).unwrap().3.watermark,
        None,
        "no watermark once approved"
    );
    let err = insert_distribution(&mut t.store, aar.id, aar.version, &["cio@doit.state.gov".into()]).unwrap_err();
    assert!(err.to_string().contains("Render the approved report"), "{err}");
    let bad = insert_distribution(&mut t.store, aar.id, aar.version, &["not-an-address".into()]).unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::Validation);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_distributed_pdf_arrives_byte_identical_and_the_log_shows_its_delivery_then_the_case_may_close() {
    let t = common::store();
    let pki = smtp::pki();
    let port = smtp::free_port();
    let mut store = t.store;
    update_smtp_settings(&mut store, &smtp::settings(&pki, port)).unwrap();
    let (case_id, _) = case_with_report(&mut store);
    let aar = approve(&mut store, case_id);
    let head_at_render = escalation_core::store::timeline::chain_head(store.conn(), case_id).unwrap();
    let (rendered, pdf) = render(&mut store, case_id);
    assert_eq!(rendered.status, AarStatus::Approved);
    let cover = common::pdftotext(&pdf);
    assert!(
        cover.replace(char::is_whitespace, "").contains(&head_at_render),
        "the chain head as of the rendering is printed on the report:\n{cover}"
    );
    let flat = cover.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Signed ABRM ABRM, ") && flat.contains(&format!("code mailed to abrm{case_id}@doit.state.gov")),
        "the cover says who signed and where their code went:\n{cover}"
    );
    assert!(flat.contains("Signed Escalation manager Dana Whitfield, "), "{cover}");
    assert!(flat.contains("code mailed to dana.whitfield@doit.state.gov"), "{cover}");
    let to = vec!["cio@doit.state.gov".to_string(), "sam@doit.state.gov".to_string()];
    // The head as the distribution finds it (after the rendering's own event): the one mailed.
    let head_mailed = escalation_core::store::timeline::grouped_head(
        &escalation_core::store::timeline::chain_head(store.conn(), case_id).unwrap(),
    );
    let aar = insert_distribution(&mut store, aar.id, aar.version, &to).unwrap();
    assert_eq!(aar.status, AarStatus::Distributed);
    assert_eq!(aar.distributions.len(), 2, "one message per recipient by default");
    // Correcting a recipient (held back, edited, queued again) rebuilds the message: the PDF must
    // still be attached to what is sent.
    {
        use escalation_core::store::outbox::{get_message, update_cancelled, update_recipients, update_retry};
        let first = get_message(store.conn(), aar.distributions[1].outbox_id).unwrap();
        let held = update_cancelled(&mut store, first.id, first.version).unwrap();
        let fixed = update_recipients(
            &mut store,
            held.id,
            held.version,
            &["robert.chavez@doit.state.gov".into()],
        )
        .unwrap();
        assert_eq!(fixed.recipients, ["robert.chavez@doit.state.gov"]);
        update_retry(&mut store, fixed.id, fixed.version).unwrap();
    }

    let maildir = t.dir.path().join("maildir");
    let server = SmtpServer::start(&pki, port, maildir);
    let store = Arc::new(Mutex::new(store));
    let worker = OutboxWorker {
        store: store.clone(),
        passwords: Arc::new(FixedPassword(Some(smtp::PASSWORD.into()))),
        wake: Arc::new(tokio::sync::Notify::new()),
        on_change: None,
        policy: RetryPolicy {
            first_delay: std::time::Duration::ZERO,
            max_delay: std::time::Duration::ZERO,
            max_attempts: 3,
            step_timeout: escalation_core::mail::transport::STEP_TIMEOUT,
            standby: std::time::Duration::from_secs(1),
        },
    };
    worker.send_due().await.unwrap();
    let received = server.received();
    let mails: Vec<&String> = received
        .iter()
        .filter(|m| m.contains("After Action Report") && !m.contains("Sign-off code"))
        .collect();
    assert_eq!(mails.len(), 2, "both recipients got it");
    assert_eq!(received.len(), 4, "and the two signers their codes");
    assert!(
        mails
            .iter()
            .any(|m| m.contains("X-Test-Rcpt-To: robert.chavez@doit.state.gov")),
        "the corrected recipient got it"
    );
    for mail in mails {
        let attached = attachment(mail).expect("a PDF attachment");
        assert!(attached == pdf, "the attachment is byte-identical to the rendered PDF");
        // Quoted-printable soft breaks, whatever line ends the Maildir kept.
        let unfolded = mail.replace("=\r\n", "").replace("=\n", "");
        assert!(
            unfolded.contains(&format!(
                "Timeline chain head of ESC-{case_id:05}: {head_mailed} (as of "
            )),
            "every distribution mail carries the case's chain head:\n{unfolded}"
        );
    }
    server.stop();

    let mut store = store.lock().unwrap();
    let aar = get_aar(store.conn(), case_id).unwrap().unwrap();
    assert!(aar
        .distributions
        .iter()
        .all(|d| d.delivery == escalation_core::store::outbox::OutboxStatus::Sent));
    // The closing guard now sees the distributed report (and still lists the other steps).
    store
        .conn()
        .execute("UPDATE cases SET stage = 'review' WHERE id = ?1", [case_id])
        .unwrap();
    let case = get_case(&store, case_id).unwrap();
    let err = update_stage(&mut store, case_id, case.version, StageAction::Close, Some("Done")).unwrap_err();
    let missing = err.payload().missing;
    assert!(
        !missing.iter().any(|m| m.contains("After Action Report")),
        "{missing:?}"
    );
    assert!(missing.iter().any(|m| m.contains("review")), "{missing:?}");
}

/// The base64 body of the message's application/pdf part.
fn attachment(mail: &str) -> Option<Vec<u8>> {
    let start = mail.find("Content-Type: application/pdf")?;
    let rest = &mail[start..];
    let body_start = rest
        .find("\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| rest.find("\n\n").map(|i| i + 2))?;
    let body = &rest[body_start..];
    let end = body.find("--").unwrap_or(body.len());
    let b64: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

#[test]
fn closing_is_refused_until_the_report_is_distributed() {
    let mut t = common::store();
    let (case_id, _) = case_with_report(&mut t.store);
    t.store
        .conn()
        .execute("UPDATE cases SET stage = 'review' WHERE id = ?1", [case_id])
        .unwrap();
    let case = get_case(&t.store, case_id).unwrap();
    let err = update_stage(&mut t.store, case_id, case.version, StageAction::Close, Some("Done")).unwrap_err();
    assert!(
        err.to_string().contains("After Action Report approved and distributed"),
        "{err}"
    );
}

#[test]
fn a_cover_logo_must_be_a_small_png_and_goes_on_the_cover() {
    use base64::Engine;
    let mut t = common::store();
    let (case_id, _) = case_with_report(&mut t.store);
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let err = update_aar_logo(&mut t.store, Some(&b64(b"GIF89a not a png"))).unwrap_err();
    assert_eq!(err.payload().field.as_deref(), Some("logo"));
    let err = update_aar_logo(&mut t.store, Some("%%% not base64")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert!(
        !get_aar_settings(t.store.conn()).unwrap().has_logo,
        "nothing saved on bad input"
    );
    let png = include_bytes!("../../../icons/32x32.png");
    assert!(update_aar_logo(&mut t.store, Some(&b64(png))).unwrap().has_logo);
    let (_, _, _, doc) = pdf_document(&t.store, case_id).unwrap();
    assert_eq!(doc.logo_png.as_deref(), Some(&png[..]));
    render_pdf(&doc).expect("a report with a logo renders");
    assert!(!update_aar_logo(&mut t.store, None).unwrap().has_logo, "removed");
}

#[test]
fn a_sign_off_on_a_stale_view_is_a_conflict_and_one_person_cannot_sign_twice() {
    let mut t = common::store();
    let (case_id, _) = case_with_report(&mut t.store);
    let aar = write_all(&mut t.store, case_id);
    let seen = update_aar_status(&mut t.store, aar.id, aar.version, AarStep::SubmitForReview).unwrap();
    // Someone edits a section after the ABRM opened the report: the ABRM's view is stale.
    let s = &seen.sections[0];
    update_aar_section(&mut t.store, s.id, s.version, "Changed after the ABRM looked").unwrap();
    be(&mut t.store, "ABRM", &format!("abrm{case_id}@doit.state.gov"));
    let err = common::sign(&mut t.store, seen.id, seen.version, SignOffRole::Abrm).unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Conflict,
        "never a signature on text the signer did not see"
    );
    // A manager who is also the ABRM signs one role only.
    be(&mut t.store, "Dana Whitfield", &format!("abrm{case_id}@doit.state.gov"));
    let now = get_aar(t.store.conn(), case_id).unwrap().unwrap();
    let now = common::sign(&mut t.store, now.id, now.version, SignOffRole::EscalationManager).unwrap();
    let err = common::sign(&mut t.store, now.id, now.version, SignOffRole::Abrm).unwrap_err();
    assert!(err.to_string().contains("someone else"), "{err}");
    // Changing the improvement plan during review voids the signature given.
    let now = get_aar(t.store.conn(), case_id).unwrap().unwrap();
    let item = Improvement {
        action: "Add a second controller".into(),
        owner: "Storage team".into(),
        due_date: None,
        status: ImprovementStatus::Open,
        sent_to_problem_at: None,
    };
    let now = update_aar_improvements(&mut t.store, now.id, now.version, &[item]).unwrap();
    assert!(now.manager_signoff.is_none(), "the plan is part of what was signed");
}

#[test]
fn an_empty_improvement_plan_is_said_in_words_never_as_a_table_below_that_is_not_there() {
    let mut t = common::store();
    let (case_id, _) = case_with_report(&mut t.store);
    let (_, _, _, doc) = pdf_document(&t.store, case_id).unwrap();
    let section = doc
        .sections
        .iter()
        .find(|s| s.markdown.contains("improvement plan"))
        .expect("the improvement plan section");
    assert!(!section.markdown.contains("table below"), "{}", section.markdown);
    assert!(
        section.markdown.contains("No corrective action was recorded"),
        "{}",
        section.markdown
    );
}

#[test]
fn one_person_cannot_sign_for_the_abrm_by_typing_the_abrms_name_and_address() {
    let mut t = common::store();
    let (case_id, aar) = in_review(&mut t.store);
    let aar = common::sign(&mut t.store, aar.id, aar.version, SignOffRole::EscalationManager).unwrap();
    // The old way, a plain sign-off step, is refused outright.
    be(
        &mut t.store,
        &format!("ABRM {case_id}"),
        &format!("abrm{case_id}@doit.state.gov"),
    );
    let err = update_aar_status(&mut t.store, aar.id, aar.version, AarStep::SignOff(SignOffRole::Abrm)).unwrap_err();
    assert!(err.to_string().contains("one-time code"), "{err}");
    // The manager, now "the ABRM" on the identity form, asks for a code: it goes to the ABRM's mailbox.
    let sent = request_signoff_code(&mut t.store, aar.id, aar.version, SignOffRole::Abrm).unwrap();
    assert_eq!(sent.email, format!("abrm{case_id}@doit.state.gov"));
    let real = common::mailed_code(&t.store, &sent.email);
    let wrong = if real == "000000" { "111111" } else { "000000" };
    for left in (1..=4).rev() {
        let err = confirm_signoff(&mut t.store, aar.id, aar.version, SignOffRole::Abrm, wrong).unwrap_err();
        assert!(err.to_string().contains(&format!("{left} tr")), "{err}");
    }
    let err = confirm_signoff(&mut t.store, aar.id, aar.version, SignOffRole::Abrm, wrong).unwrap_err();
    assert!(err.to_string().contains("locked"), "{err}");
    let err = confirm_signoff(&mut t.store, aar.id, aar.version, SignOffRole::Abrm, &real).unwrap_err();
    assert!(
        err.to_string().contains("No sign-off code is waiting"),
        "a locked code stays locked: {err}"
    );
    let aar = get_aar(t.store.conn(), case_id).unwrap().unwrap();
    assert_eq!(aar.status, AarStatus::InReview, "not approved");
    assert!(aar.abrm_signoff.is_none());
    assert_eq!(
        count(
            &t.store,
            "SELECT failed_attempts FROM signoff_codes WHERE status = 'locked'"
        ),
        5,
        "every wrong try was counted"
    );
    // The code is only ever in the mail: the database keeps a salted hash.
    assert_eq!(
        count(
            &t.store,
            &format!("SELECT COUNT(*) FROM signoff_codes WHERE code_hash LIKE '%{real}%'")
        ),
        0
    );
}

#[test]
fn a_code_expires_after_a_day_and_a_changed_text_needs_a_new_code() {
    let mut t = common::store();
    let (case_id, aar) = in_review(&mut t.store);
    be(
        &mut t.store,
        &format!("ABRM {case_id}"),
        &format!("abrm{case_id}@doit.state.gov"),
    );
    let sent = request_signoff_code(&mut t.store, aar.id, aar.version, SignOffRole::Abrm).unwrap();
    let code = common::mailed_code(&t.store, &sent.email);
    let valid = sent.expires_at - escalation_core::store::now();
    assert!(
        valid <= chrono::Duration::hours(24) && valid > chrono::Duration::hours(23),
        "valid for a day: {valid}"
    );
    t.store
        .conn()
        .execute("UPDATE signoff_codes SET expires_at = '2026-01-01T00:00:00.000Z'", [])
        .unwrap();
    let err = confirm_signoff(&mut t.store, aar.id, aar.version, SignOffRole::Abrm, &code).unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");

    let sent = request_signoff_code(&mut t.store, aar.id, aar.version, SignOffRole::Abrm).unwrap();
    let code = common::mailed_code(&t.store, &sent.email);
    let s = &aar.sections[1];
    let aar = update_aar_section(&mut t.store, s.id, s.version, "Changed after the code was sent.").unwrap();
    let err = confirm_signoff(&mut t.store, aar.id, aar.version, SignOffRole::Abrm, &code).unwrap_err();
    assert!(err.to_string().contains("changed after the code was sent"), "{err}");
}

#[test]
fn a_sign_off_records_how_it_was_confirmed_and_an_address_change_made_before_it() {
    use escalation_core::store::people::{get_person, update_person};
    let mut t = common::store();
    let (case_id, aar) = in_review(&mut t.store);
    // Someone points the ABRM's directory entry at another mailbox before the sign-off.
    let abrm_id = count(
        &t.store,
        &format!("SELECT id FROM people WHERE email = 'abrm{case_id}@doit.state.gov'"),
    );
    let abrm = get_person(&t.store, abrm_id).unwrap();
    update_person(
        &mut t.store,
        abrm.id,
        abrm.version,
        &escalation_core::directory::PersonFields {
            email: "abrm.new@doit.state.gov".into(),
            ..abrm.fields.clone()
        },
    )
    .unwrap();
    be(&mut t.store, &format!("ABRM {case_id}"), "abrm.new@doit.state.gov");
    let aar = common::sign(&mut t.store, aar.id, aar.version, SignOffRole::Abrm).unwrap();
    let signed = aar.abrm_signoff.expect("signed");
    let how = signed.confirmation.expect("how it was confirmed");
    assert!(
        how.starts_with("one-time code sent to abrm.new@doit.state.gov at "),
        "{how}"
    );
    assert!(how.contains(" by OS account ") && how.contains(" on "), "{how}");
    assert_eq!(signed.address_changes.len(), 1);
    assert!(
        signed.address_changes[0].starts_with(&format!(
            "Directory address changed from abrm{case_id}@doit.state.gov to abrm.new@doit.state.gov by Dana Whitfield <dana.whitfield@doit.state.gov> at "
        )),
        "{}",
        signed.address_changes[0]
    );
    let err = t
        .store
        .conn()
        .execute("DELETE FROM person_email_changes", [])
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
}

#[test]
fn one_person_known_to_the_directory_cannot_sign_both_roles_under_two_spellings() {
    let mut t = common::store();
    let (case_id, aar) = in_review(&mut t.store);
    // The ABRM on the team is also named as the case's escalation manager.
    t.store
        .conn()
        .execute(
            "UPDATE cases SET escalation_manager = ?1 WHERE id = ?2",
            rusqlite::params![format!("ABRM {case_id}"), case_id],
        )
        .unwrap();
    be(
        &mut t.store,
        &format!("ABRM {case_id}"),
        &format!("abrm{case_id}@doit.state.gov"),
    );
    let aar = common::sign(&mut t.store, aar.id, aar.version, SignOffRole::Abrm).unwrap();
    // Same mailbox, another spelling of the address on the identity form: still one person.
    be(
        &mut t.store,
        &format!("abrm {case_id}"),
        &format!("ABRM{case_id}@doit.state.gov"),
    );
    let err = common::sign(&mut t.store, aar.id, aar.version, SignOffRole::EscalationManager).unwrap_err();
    assert!(err.to_string().contains("signed in the other role"), "{err}");
}

#[test]
fn a_code_mail_cannot_be_redirected_from_the_outbox_and_loses_its_code_once_sent() {
    use escalation_core::store::outbox::{update_cancelled, update_recipients};
    let mut t = common::store();
    let (case_id, aar) = in_review(&mut t.store);
    be(
        &mut t.store,
        &format!("ABRM {case_id}"),
        &format!("abrm{case_id}@doit.state.gov"),
    );
    request_signoff_code(&mut t.store, aar.id, aar.version, SignOffRole::Abrm).unwrap();
    let (id, version): (i64, i64) = t
        .store
        .conn()
        .query_row(
            "SELECT id, version FROM outbox WHERE purpose = 'signoff_code'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let cancelled = update_cancelled(&mut t.store, id, version).unwrap();
    let err = update_recipients(&mut t.store, id, cancelled.version, &["me@doit.state.gov".into()]).unwrap_err();
    assert!(
        err.to_string()
            .contains("only to the signer's address in the directory"),
        "{err}"
    );
    assert_eq!(
        count(
            &t.store,
            "SELECT COUNT(*) FROM outbox WHERE recipients LIKE '%me@doit%'"
        ),
        0
    );
    let code = common::mailed_code(&t.store, &format!("abrm{case_id}@doit.state.gov"));
    escalation_core::store::outbox::mark_sent(&t.store, id).unwrap();
    let kept: String = t
        .store
        .conn()
        .query_row("SELECT text_body FROM outbox WHERE id = ?1", [id], |r| r.get(0))
        .unwrap();
    assert!(
        !kept.contains(&code) && kept.contains("Your sign-off code: (removed once sent)"),
        "{kept}"
    );
}

#[test]
fn a_role_is_sent_at_most_five_codes_a_day_so_new_codes_cannot_buy_endless_tries() {
    let mut t = common::store();
    let (case_id, aar) = in_review(&mut t.store);
    be(
        &mut t.store,
        &format!("ABRM {case_id}"),
        &format!("abrm{case_id}@doit.state.gov"),
    );
    for _ in 0..5 {
        request_signoff_code(&mut t.store, aar.id, aar.version, SignOffRole::Abrm).unwrap();
    }
    let err = request_signoff_code(&mut t.store, aar.id, aar.version, SignOffRole::Abrm).unwrap_err();
    assert!(
        err.to_string().contains("5 sign-off codes were sent for the ABRM"),
        "{err}"
    );
    // The last code sent still works.
    let code = common::mailed_code(&t.store, &format!("abrm{case_id}@doit.state.gov"));
    let aar = confirm_signoff(&mut t.store, aar.id, aar.version, SignOffRole::Abrm, &code).unwrap();
    assert!(aar.abrm_signoff.is_some());
}
