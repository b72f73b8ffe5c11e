//! Work one workstation does for the whole desk (`store::desk_jobs`): three workstations' outbox
//! workers on one desk send 1,000 messages, each exactly once, and a sender that dies mid-run
//! loses none; the periodic sweep runs on one workstation at a time. Both engines: on a team desk
//! one workstation sends while the others stand by; on a SQLite file (one workstation in the app,
//! three connections here) every worker may send and each claim is the desk's one write at a time.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::smtp::{self, SmtpServer};
use escalation_core::mail::message::Draft;
use escalation_core::mail::settings::FixedPassword;
use escalation_core::mail::worker::{OutboxWorker, RetryPolicy};
use escalation_core::store::desk_jobs::{self, Sending};
use escalation_core::store::mail_settings::update_smtp_settings;
use escalation_core::store::outbox::{self, insert_message_in, OutboxStatus};
use escalation_core::Store;

const MESSAGES: usize = 1000;

fn worker(store: &Arc<Mutex<Store>>) -> OutboxWorker {
    OutboxWorker {
        store: store.clone(),
        passwords: Arc::new(FixedPassword(Some(smtp::PASSWORD.into()))),
        wake: Default::default(),
        on_change: None,
        policy: RetryPolicy {
            first_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
            max_attempts: 5,
            step_timeout: Duration::from_secs(5),
            standby: Duration::from_millis(100),
        },
    }
}

fn statuses(store: &Store) -> HashMap<OutboxStatus, usize> {
    let mut out = HashMap::new();
    for m in outbox::list_outbox(store, None, 10 * MESSAGES as i64).unwrap() {
        *out.entry(m.status).or_default() += 1;
    }
    out
}

/// The Message-ID of each message the server received, with how many times it came.
fn received_ids(server: &SmtpServer) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for mail in server.received() {
        let id = mail
            .lines()
            .find_map(|l| {
                l.strip_prefix("Message-ID: ")
                    .or_else(|| l.strip_prefix("Message-Id: "))
            })
            .expect("every message has a Message-ID")
            .trim()
            .to_owned();
        *out.entry(id).or_default() += 1;
    }
    out
}

async fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_workstations_send_a_thousand_messages_each_exactly_once_and_a_sender_that_dies_loses_none() {
    let t = common::store();
    let on_postgres = t.on_postgres();
    let pki = smtp::pki();
    let port = smtp::free_port();
    let server = SmtpServer::start(&pki, port, t.dir.path().join("maildir"));
    let workstations: Vec<Arc<Mutex<Store>>> = (0..3).map(|_| Arc::new(Mutex::new(t.open_again()))).collect();
    {
        let mut first = workstations[0].lock().unwrap();
        update_smtp_settings(&mut first, &smtp::settings(&pki, port)).unwrap();
        for i in 0..MESSAGES {
            let draft = Draft {
                attachments: Vec::new(),
                recipients: vec![format!("person{i}@doit.state.gov")],
                subject: format!("[INC0104233] Progress {i}"),
                text: "The claims portal is back.".into(),
                html: "<p>The claims portal is back.</p>".into(),
            };
            insert_message_in(first.conn(), None, "progress", &draft).unwrap();
        }
    }

    // Each workstation asks for the sending job before any worker runs: on a team desk the first
    // takes it and the others stand by.
    let asked: Vec<Sending> = workstations
        .iter()
        .map(|w| desk_jobs::take_sending(&mut w.lock().unwrap()).unwrap())
        .collect();
    let taken = Sending::Taken { recovered: 0 };
    if on_postgres {
        assert_eq!(asked, [taken, Sending::Elsewhere, Sending::Elsewhere]);
    } else {
        assert_eq!(asked, [taken, taken, taken]);
    }
    let mut running: Vec<_> = workstations.iter().map(|w| tokio::spawn(worker(w).run())).collect();

    // The first workstation dies mid-run: its task stops wherever it was, its connection closes.
    wait_for("200 messages delivered", Duration::from_secs(120), || {
        server.received().len() >= 200
    })
    .await;
    running.remove(0).abort();
    let first = workstations[0].clone();
    drop(workstations);
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(first); // the aborted task has let go of its own handle by now

    // The others carry on until nothing is left to claim and what is in flight has settled.
    let watcher = t.open_again();
    let mut last = (usize::MAX, usize::MAX);
    wait_for("the outbox to drain", Duration::from_secs(180), || {
        let s = statuses(&watcher);
        let now = (
            s.get(&OutboxStatus::Sent).copied().unwrap_or(0),
            server.received().len(),
        );
        let settled =
            !s.contains_key(&OutboxStatus::Queued) && s.get(&OutboxStatus::Sending).copied().unwrap_or(0) <= 1;
        let stable = settled && now == last;
        last = now;
        stable
    })
    .await;
    for task in running {
        task.abort();
    }
    // A restart (the dead workstation's, or any) takes the job and recovers what was left mid-send.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut restarted = t.open_again();
    let Sending::Taken { recovered } = desk_jobs::take_sending(&mut restarted).unwrap() else {
        panic!("nobody else holds the sending job once every other workstation has stopped");
    };
    assert!(
        recovered <= 1,
        "only the dead sender's message can be left mid-send, got {recovered}"
    );

    let messages = outbox::list_outbox(&restarted, None, 10 * MESSAGES as i64).unwrap();
    assert_eq!(messages.len(), MESSAGES);
    let received = received_ids(&server);
    let twice: Vec<_> = received.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "messages received more than once: {twice:?}");
    let mut interrupted = 0;
    for m in &messages {
        match m.status {
            OutboxStatus::Sent => assert!(
                received.contains_key(&m.message_id),
                "{} is sent but never arrived",
                m.message_id
            ),
            OutboxStatus::Failed => {
                interrupted += 1;
                assert!(
                    m.last_error.as_deref().unwrap_or("").contains("stopped while sending"),
                    "{:?}",
                    m.last_error
                );
            }
            other => panic!("{} left {other:?}", m.message_id),
        }
    }
    assert!(
        interrupted <= 1,
        "{interrupted} messages interrupted by one dead sender"
    );
    // Nothing lost: every message arrived, or is marked for the user to check (the one the dead
    // sender had in hand, which the server may or may not have taken).
    assert!(received.len() >= MESSAGES - interrupted && received.len() <= MESSAGES);
    drop(t);
}

#[test]
fn on_a_team_desk_one_workstation_sweeps_at_a_time_and_lets_go_when_done() {
    let t = common::store();
    let mut first = t.open_again();
    let mut second = t.open_again();
    let inside = desk_jobs::sweep_alone(&mut first, |_| {
        // While the first workstation sweeps, the second's sweep does not run on a team desk.
        Ok(desk_jobs::sweep_alone(&mut second, |_| Ok(())).unwrap())
    })
    .unwrap();
    assert_eq!(inside, Some(if t.on_postgres() { None } else { Some(()) }));
    // Once the first is done, the second may.
    assert_eq!(desk_jobs::sweep_alone(&mut second, |_| Ok(7)).unwrap(), Some(7));
    // A failed sweep lets go too.
    let failed = desk_jobs::sweep_alone(&mut first, |_| -> escalation_core::Result<()> {
        Err(escalation_core::Error::Refused("the sweep failed".into()))
    });
    assert!(failed.is_err());
    assert_eq!(desk_jobs::sweep_alone(&mut second, |_| Ok(8)).unwrap(), Some(8));
}

#[test]
fn a_workstation_starting_on_a_team_desk_never_marks_another_ones_message_in_flight_as_interrupted() {
    let t = common::store();
    let mut sender = t.open_again();
    let draft = Draft {
        attachments: Vec::new(),
        recipients: vec!["grace.kim@doit.state.gov".into()],
        subject: "[INC0104233] Progress".into(),
        text: "Back.".into(),
        html: "<p>Back.</p>".into(),
    };
    let id = insert_message_in(sender.conn(), None, "progress", &draft).unwrap();
    assert_eq!(
        desk_jobs::take_sending(&mut sender).unwrap(),
        Sending::Taken { recovered: 0 }
    );
    let claimed = outbox::claim_due(&mut sender, chrono::Utc::now()).unwrap().unwrap();
    assert_eq!(claimed.id, id);

    // A second workstation starts while the first is mid-send.
    let mut starting = t.open_again();
    let asked = desk_jobs::take_sending(&mut starting).unwrap();
    let status = outbox::get_message(starting.conn(), id).unwrap().status;
    if t.on_postgres() {
        assert_eq!(asked, Sending::Elsewhere);
        assert_eq!(
            status,
            OutboxStatus::Sending,
            "still the first workstation's, in flight"
        );
    } else {
        // A SQLite file has one workstation (the app's instance lock): a second start is a restart.
        assert_eq!(asked, Sending::Taken { recovered: 1 });
        assert_eq!(status, OutboxStatus::Failed);
    }
}

#[test]
fn a_sender_whose_connection_the_server_dropped_no_longer_counts_itself_the_sender() {
    let t = common::store();
    let Some(url) = t.pg.as_ref().map(|db| db.url.clone()) else {
        return; // a SQLite file has no connection to lose
    };
    let mut first = t.open_again();
    let mut second = t.open_again();
    assert_eq!(
        desk_jobs::take_sending(&mut first).unwrap(),
        Sending::Taken { recovered: 0 }
    );
    assert_eq!(desk_jobs::take_sending(&mut second).unwrap(), Sending::Elsewhere);
    // The server drops the sender's connection (and with it the lock); the other takes the job.
    let pid: i32 = first
        .conn()
        .query_row("SELECT pg_backend_pid()", [], |r| r.get(0))
        .unwrap();
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    admin.execute("SELECT pg_terminate_backend($1)", &[&pid]).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(
        desk_jobs::take_sending(&mut second).unwrap(),
        Sending::Taken { recovered: 0 }
    );
    // The first connects again at its next call and finds the job taken, not still its own.
    let _ = first.conn().query_row("SELECT 1", [], |r| r.get::<_, i64>(0)); // the call that finds it lost
    assert_eq!(desk_jobs::take_sending(&mut first).unwrap(), Sending::Elsewhere);
}
