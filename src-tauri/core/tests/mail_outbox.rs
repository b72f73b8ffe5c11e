//! The outbox against a real SMTP server on 127.0.0.1 (STARTTLS + AUTH), on a real SQLite file.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::smtp::{self, SmtpServer};
use escalation_core::mail::message::Draft;
use escalation_core::mail::settings::FixedPassword;
use escalation_core::mail::worker::{OutboxWorker, Pass, RetryPolicy};
use escalation_core::store::mail_settings::update_smtp_settings;
use escalation_core::store::outbox::{self, get_message, insert_message_in, OutboxStatus};
use escalation_core::Store;
use tokio::sync::Notify;

const NOW: RetryPolicy = RetryPolicy {
    first_delay: Duration::ZERO,
    max_delay: Duration::ZERO,
    max_attempts: 5,
    step_timeout: Duration::from_secs(2),
    standby: Duration::from_millis(100),
};

fn draft(to: &str) -> Draft {
    Draft {
        attachments: Vec::new(),
        recipients: vec![to.into()],
        subject: "[INC0104233] Progress: failover complete".into(),
        text: "Plain text body: the claims portal is back.".into(),
        html: "<p>HTML body: the claims portal is <b>back</b>.</p>".into(),
    }
}

struct Setup {
    store: Arc<Mutex<Store>>,
    pki: smtp::Pki,
    port: u16,
    maildir: std::path::PathBuf,
    // Declared after the store: the store closes before its test database is dropped.
    _t: tempfile::TempDir,
    _pg: Option<common::PgDatabase>,
}

fn setup() -> Setup {
    let t = common::store();
    let pki = smtp::pki();
    let port = smtp::free_port();
    let mut store = t.store;
    update_smtp_settings(&mut store, &smtp::settings(&pki, port)).unwrap();
    let maildir = t.dir.path().join("maildir");
    Setup {
        store: Arc::new(Mutex::new(store)),
        pki,
        port,
        maildir,
        _t: t.dir,
        _pg: t.pg,
    }
}

impl Setup {
    fn worker(&self, password: &str) -> OutboxWorker {
        OutboxWorker {
            store: self.store.clone(),
            passwords: Arc::new(FixedPassword(Some(password.into()))),
            wake: Arc::new(Notify::new()),
            on_change: None,
            policy: NOW,
        }
    }
    fn queue(&self, to: &str) -> i64 {
        insert_message_in(self.store.lock().unwrap().conn(), None, "progress", &draft(to)).unwrap()
    }
    fn message(&self, id: i64) -> outbox::OutboxMessage {
        get_message(self.store.lock().unwrap().conn(), id).unwrap()
    }
    fn server(&self) -> SmtpServer {
        SmtpServer::start(&self.pki, self.port, self.maildir.clone())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_queued_message_arrives_once_with_its_headers_both_parts_and_recipient() {
    let s = setup();
    let server = s.server();
    let id = s.queue("elena.vargas@doit.state.gov");
    let queued = s.message(id);
    assert_eq!(queued.status, OutboxStatus::Queued, "stored before anything is sent");

    let pass = s.worker(smtp::PASSWORD).send_due().await.unwrap();
    assert_eq!(
        pass,
        Pass {
            sent: 1,
            logins: 1,
            ..Pass::default()
        }
    );
    let got = server.received();
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert!(
        m.contains(&format!("Message-ID: {}", queued.message_id)),
        "the stored Message-ID is the one sent:\n{m}"
    );
    assert!(m.contains("Subject: [INC0104233] Progress: failover complete"));
    assert!(
        m.contains("escalations@doit.state.gov"),
        "From is the configured sender"
    );
    assert!(m.contains("X-Test-Rcpt-To: elena.vargas@doit.state.gov"));
    assert!(
        m.contains("Plain text body") && m.contains("<b>back</b>"),
        "both parts arrive"
    );
    assert_eq!(s.message(id).status, OutboxStatus::Sent);

    let again = s.worker(smtp::PASSWORD).send_due().await.unwrap();
    assert_eq!(
        again,
        Pass::default(),
        "a sent message is not sent again (and nobody logs in for nothing)"
    );
    assert_eq!(server.received().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn while_the_server_is_down_the_message_waits_and_once_it_is_up_it_is_sent_once() {
    let s = setup();
    let id = s.queue("grace.kim@doit.state.gov");
    let pass = s.worker(smtp::PASSWORD).send_due().await.unwrap();
    assert_eq!(pass.retrying, 1);
    let waiting = s.message(id);
    assert_eq!(waiting.status, OutboxStatus::Queued);
    assert!(
        waiting.last_error.as_deref().unwrap().contains("Cannot connect"),
        "{:?}",
        waiting.last_error
    );

    let server = s.server();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let pass = s.worker(smtp::PASSWORD).send_due().await.unwrap();
    assert_eq!(pass.sent, 1);
    s.worker(smtp::PASSWORD).send_due().await.unwrap();
    assert_eq!(server.received().len(), 1, "sent exactly once");
    assert_eq!(s.message(id).attempts, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_is_reported_as_such_and_the_message_is_kept() {
    let s = setup();
    let server = s.server();
    let id = s.queue("grace.kim@doit.state.gov");
    let pass = s.worker("wrong-password").send_due().await.unwrap();
    assert_eq!(pass.retrying, 1);
    let m = s.message(id);
    assert_eq!(m.status, OutboxStatus::Queued, "kept for when the password is fixed");
    assert!(
        m.last_error
            .as_deref()
            .unwrap()
            .contains("refused the user name or password"),
        "{:?}",
        m.last_error
    );
    assert!(server.received().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_permanent_refusal_fails_the_message_which_is_kept_and_can_be_retried_with_new_recipients() {
    let s = setup();
    let server = s.server();
    let id = s.queue("reject-me@doit.state.gov");
    let pass = s.worker(smtp::PASSWORD).send_due().await.unwrap();
    assert_eq!(pass.failed, 1);
    let failed = s.message(id);
    assert_eq!(failed.status, OutboxStatus::Failed);
    assert!(
        failed.last_error.as_deref().unwrap().contains("refused the message"),
        "{:?}",
        failed.last_error
    );

    let fixed = {
        let mut store = s.store.lock().unwrap();
        let m =
            outbox::update_recipients(&mut store, id, failed.version, &["elena.vargas@doit.state.gov".into()]).unwrap();
        assert_eq!(m.status, OutboxStatus::Failed, "editing does not send");
        outbox::update_retry(&mut store, id, m.version).unwrap()
    };
    assert_eq!(fixed.status, OutboxStatus::Queued);
    s.worker(smtp::PASSWORD).send_due().await.unwrap();
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert!(got[0].contains("X-Test-Rcpt-To: elena.vargas@doit.state.gov"));
    assert!(got[0].contains(&failed.message_id), "the Message-ID survives the edit");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_between_storing_and_sending_loses_nothing_and_sends_once_after_restart() {
    let s = setup();
    let server = s.server();
    let id = s.queue("grace.kim@doit.state.gov");
    let path = s.store.lock().unwrap().path().to_path_buf();
    let team_desk = s._pg.as_ref().map(|db| db.url.clone());
    drop(s.store); // the app stops before the worker ran

    let reopened = match team_desk {
        Some(url) => Store::open_postgres(&url, None, None).unwrap(),
        None => Store::open(&path).unwrap(),
    };
    let reopened = Arc::new(Mutex::new(reopened));
    let worker = OutboxWorker {
        store: reopened.clone(),
        passwords: Arc::new(FixedPassword(Some(smtp::PASSWORD.into()))),
        wake: Arc::new(Notify::new()),
        on_change: None,
        policy: NOW,
    };
    assert_eq!(worker.send_due().await.unwrap().sent, 1);
    assert_eq!(worker.send_due().await.unwrap().sent, 0);
    assert_eq!(server.received().len(), 1);
    assert_eq!(
        get_message(reopened.lock().unwrap().conn(), id).unwrap().status,
        OutboxStatus::Sent
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_interrupted_mid_send_is_marked_failed_at_restart_not_sent_again() {
    let s = setup();
    let server = s.server();
    let id = s.queue("grace.kim@doit.state.gov");
    // The worker claimed it and the app stopped before the answer came.
    outbox::claim_due(&mut s.store.lock().unwrap(), chrono::Utc::now())
        .unwrap()
        .unwrap();
    assert_eq!(outbox::recover_interrupted(&s.store.lock().unwrap()).unwrap(), 1);
    let m = s.message(id);
    assert_eq!(m.status, OutboxStatus::Failed);
    assert!(m.last_error.unwrap().contains("may have received it"));
    s.worker(smtp::PASSWORD).send_due().await.unwrap();
    assert!(server.received().is_empty(), "never sent twice unless the user asks");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_running_worker_sends_a_new_message_when_woken() {
    let s = setup();
    let server = s.server();
    let worker = s.worker(smtp::PASSWORD);
    let wake = worker.wake.clone();
    let task = tokio::spawn(worker.run());
    s.queue("elena.vargas@doit.state.gov");
    wake.notify_one();
    let mut waited = 0;
    while server.received().is_empty() && waited < 200 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }
    task.abort();
    assert_eq!(server.received().len(), 1, "delivered within 10 s of being queued");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_password_this_run_sending_pauses_and_nothing_fails() {
    let s = setup();
    let server = s.server();
    let id = s.queue("grace.kim@doit.state.gov");
    let no_password = OutboxWorker {
        store: s.store.clone(),
        passwords: Arc::new(FixedPassword(None)),
        wake: Arc::new(Notify::new()),
        on_change: None,
        policy: NOW,
    };
    assert_eq!(no_password.send_due().await.unwrap(), Pass::default());
    let m = s.message(id);
    assert_eq!((m.status, m.attempts), (OutboxStatus::Queued, 0), "waiting, not failed");
    s.worker(smtp::PASSWORD).send_due().await.unwrap();
    assert_eq!(server.received().len(), 1, "sent once the password is known");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_with_thirty_queued_messages_makes_exactly_one_login_then_sending_pauses() {
    let s = setup();
    let server = s.server();
    let ids: Vec<i64> = (0..30).map(|i| s.queue(&format!("person{i}@doit.state.gov"))).collect();
    let pass = s.worker("wrong-password").send_due().await.unwrap();
    assert_eq!(pass.logins, 1, "{pass:?}");
    assert_eq!(
        server.logins(),
        1,
        "the server saw one login attempt, not one per message"
    );
    let pause = escalation_core::store::mail_settings::get_mail_pause(&s.store.lock().unwrap())
        .unwrap()
        .expect("sending is paused and says why");
    assert!(
        pause.reason.contains("refused the user name or password"),
        "{}",
        pause.reason
    );

    let again = s.worker("wrong-password").send_due().await.unwrap();
    assert_eq!(
        (again.logins, server.logins()),
        (0, 1),
        "a paused worker does not log in again"
    );
    for id in &ids {
        assert_eq!(s.message(*id).status, OutboxStatus::Queued, "every message is kept");
    }

    // The user corrects the password in the settings: saving resumes, one login sends all 30.
    {
        let mut store = s.store.lock().unwrap();
        update_smtp_settings(&mut store, &smtp::settings(&s.pki, s.port)).unwrap();
    }
    let pass = s.worker(smtp::PASSWORD).send_due().await.unwrap();
    assert_eq!(
        (pass.sent, pass.logins),
        (30, 1),
        "one connection carries the whole batch"
    );
    assert_eq!(server.received().len(), 30);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_whose_reply_never_came_is_delivery_unknown_and_not_resent_by_itself() {
    let s = setup();
    let server = s.server();
    let id = s.queue("silent.inbox@doit.state.gov");
    let pass = s.worker(smtp::PASSWORD).send_due().await.unwrap();
    assert_eq!(pass.unknown, 1, "{pass:?}");
    let m = s.message(id);
    assert_eq!(m.status, OutboxStatus::DeliveryUnknown);
    assert!(
        m.last_error.as_deref().unwrap().contains("may or may not have arrived"),
        "{:?}",
        m.last_error
    );
    let later = s.worker(smtp::PASSWORD).send_due().await.unwrap();
    assert_eq!(later, Pass::default(), "the worker leaves it for the user to decide");

    // The user decides to send it again: same Message-ID.
    let requeued = outbox::update_retry(&mut s.store.lock().unwrap(), id, m.version).unwrap();
    assert_eq!(
        (requeued.status, requeued.message_id.as_str()),
        (OutboxStatus::Queued, m.message_id.as_str())
    );
    drop(server);
}

#[test]
fn a_recipient_the_mail_library_cannot_parse_holds_the_message_without_failing_the_change() {
    let t = common::store();
    let id = insert_message_in(
        t.store.conn(),
        None,
        "progress",
        &Draft {
            recipients: vec!["grace.kim@doit.state.gov".into(), "Grace Kim (old import)".into()],
            ..draft("x@doit.state.gov")
        },
    )
    .expect("queuing never fails on an old bad address");
    let m = get_message(t.store.conn(), id).unwrap();
    assert_eq!(m.status, OutboxStatus::Held);
    let reason = m.last_error.unwrap();
    assert!(
        reason.contains("\"Grace Kim (old import)\""),
        "names the bad recipient: {reason}"
    );
    let mut store = t.store;
    let err = outbox::update_retry(&mut store, id, m.version).unwrap_err();
    assert!(err.to_string().contains("Grace Kim (old import)"), "{err}");
    let fixed = outbox::update_recipients(&mut store, id, m.version, &["grace.kim@doit.state.gov".into()]).unwrap();
    let queued = outbox::update_retry(&mut store, id, fixed.version).unwrap();
    assert_eq!(queued.status, OutboxStatus::Queued);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pass_under_way_when_the_window_moves_to_another_desk_settles_nothing_on_the_new_desk() {
    // A server that accepts and never greets: the pass waits in its first step while the window
    // moves to another desk (the same slot, another store), as "Connect to a team desk" does.
    let s = setup();
    let listener = std::net::TcpListener::bind(("127.0.0.1", s.port)).unwrap();
    let _silent = std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(1).collect();
        std::thread::sleep(Duration::from_secs(5));
        drop(held);
    });
    let old_id = s.queue("elena.vargas@doit.state.gov");
    let mut other = common::store();
    update_smtp_settings(&mut other.store, &smtp::settings(&s.pki, s.port)).unwrap();
    let new_id = insert_message_in(other.store.conn(), None, "progress", &draft("cio@doit.state.gov")).unwrap();
    assert_eq!(old_id, new_id, "both desks have a message of this id: the trap");
    let other_desk = other.open_again();

    let worker = s.worker(smtp::PASSWORD);
    let pass = tokio::spawn(async move { worker.send_due().await });
    // Claimed on the first desk...
    for _ in 0..100 {
        if s.message(old_id).status == OutboxStatus::Sending {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(s.message(old_id).status, OutboxStatus::Sending);
    // ...then the window moves to the other desk.
    let first_desk = std::mem::replace(&mut *s.store.lock().unwrap(), other.store);
    pass.await.unwrap().unwrap();

    // The new desk's message of the same id is untouched: not retried, not failed, no error.
    let untouched = get_message(other_desk.conn(), new_id).unwrap();
    assert_eq!(untouched.status, OutboxStatus::Queued);
    assert_eq!(untouched.attempts, 0);
    assert_eq!(untouched.last_error, None);
    // The first desk's stays in flight, for that desk's next sender to recover.
    assert_eq!(
        get_message(first_desk.conn(), old_id).unwrap().status,
        OutboxStatus::Sending
    );
}
