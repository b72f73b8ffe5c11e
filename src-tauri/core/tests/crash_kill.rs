//! The crash harness: a workstation writing to the desk is killed (SIGKILL, no chance to clean up)
//! at random points, over and over, and after every kill the desk must be whole.
//!
//! The writer is this test binary run again as a child (`the_writer_the_harness_kills`, ignored in
//! a normal run): it opens the desk, then opens cases and records customer updates as fast as the
//! store takes them, printing each change on its own line only once the store has acknowledged it.
//! The parent kills it after a random delay (anywhere from during the desk's open to mid-change),
//! then checks what a user would rely on after a power cut or a killed window:
//!
//! - the desk opens again (SQLite: and `PRAGMA integrity_check` says ok);
//! - every change the child was told had committed is there (no acknowledged change lost);
//! - every case's timeline chain verifies (no half-written change).
//!
//! `CRASH_KILLS=n` sets how many kills (200 by default, what CI runs on each engine);
//! `CRASH_SEED=n` replays a run's delays (each run prints its seed). A SIGKILL is a crashed
//! process, not a power cut: the kernel still writes what the process had written; the store's
//! FULL synchronous mode is what carries acknowledged changes across a power cut, which this does
//! not simulate. On PostgreSQL (`ESCALATION_TEST_ENGINE=postgres`) the child is a workstation
//! of a team desk and the server must keep a consistent state when it dies mid-change.
mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use escalation_core::case::Level;
use escalation_core::communication::{CustomerUpdateInput, UpdateChannel};
use escalation_core::store::{cases, communications, timeline};
use escalation_core::Store;

/// Where the child writes: a SQLite file's path or a team desk's URL.
const DESK_VAR: &str = "CRASH_CHILD_DESK";
/// The longest a child lives before it is killed. A start (open, migrate check) takes 10-40 ms,
/// a change 2-10 ms on this machine's disk, so most kills land among changes and some in the open.
const MAX_LIFE_MS: u64 = 250;

/// A small deterministic generator (xorshift64*): the delays are reproducible from the seed.
struct Delays(u64);

impl Delays {
    fn next_ms(&mut self, max: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % (max + 1)
    }
}

fn open(desk: &str) -> Store {
    if desk.starts_with("postgres://") {
        Store::open_postgres(desk, None, None).expect("the team desk opens")
    } else {
        Store::open(desk).expect("the desk opens")
    }
}

#[test]
#[ignore = "the child process of the crash harness, which runs it and kills it"]
fn the_writer_the_harness_kills() {
    let desk = std::env::var(DESK_VAR).expect("run by the crash harness, which names the desk");
    let mut store = open(&desk);
    let me = std::process::id();
    for n in 0.. {
        let ticket = format!("CRASH{me}-{n}");
        let case = cases::insert_case(&mut store, &common::new_case(&ticket, Level::Escalated)).expect("a case opens");
        println!("case {ticket}");
        for u in 0..3 {
            let summary = format!("Call {u} on {ticket}");
            let input = CustomerUpdateInput {
                channel: UpdateChannel::Phone,
                summary: summary.clone(),
                major: false,
            };
            communications::insert_customer_update(&mut store, case.id, &input).expect("an update is recorded");
            println!("update {summary}");
        }
    }
}

/// What the children were told had committed, across every kill so far.
#[derive(Default)]
struct Acknowledged {
    cases: HashSet<String>,
    updates: HashSet<String>,
}

/// Runs one child on `desk` and kills it after `life`; returns how many changes it acknowledged.
fn run_and_kill(desk: &str, life: Duration, seen: &mut Acknowledged) -> usize {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "the_writer_the_harness_kills",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(DESK_VAR, desk)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the child starts");
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines_rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    std::thread::sleep(life);
    child.kill().expect("SIGKILL is sent");
    let status = child.wait().unwrap();
    reader.join().unwrap();
    // A child that ended by itself did not die at a random point: it failed, and says why on a rerun.
    assert!(
        !status.success() && status.code().is_none(),
        "the writer ended by itself ({status}) instead of being killed"
    );
    let mut acknowledged = 0;
    for line in lines_rx.try_iter() {
        if let Some(ticket) = line.strip_prefix("case ") {
            seen.cases.insert(ticket.to_owned());
            acknowledged += 1;
        } else if let Some(summary) = line.strip_prefix("update ") {
            seen.updates.insert(summary.to_owned());
            acknowledged += 1;
        }
    }
    acknowledged
}

/// After a kill: the desk opens, is whole, and holds every acknowledged change.
fn check_after_kill(desk: &str, on_postgres: bool, seen: &Acknowledged, kill: usize) {
    let store = open(desk);
    if !on_postgres {
        let check: String = store
            .conn()
            .sqlite_connection()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "after kill {kill}, SQLite's integrity check");
    }
    let tickets: HashSet<String> = strings(&store, "SELECT ticket FROM cases");
    let lost: Vec<_> = seen.cases.difference(&tickets).collect();
    assert!(
        lost.is_empty(),
        "after kill {kill}, acknowledged cases are missing: {lost:?}"
    );
    let summaries: HashSet<String> = strings(&store, "SELECT summary FROM customer_updates");
    let lost: Vec<_> = seen.updates.difference(&summaries).collect();
    assert!(
        lost.is_empty(),
        "after kill {kill}, acknowledged updates are missing: {lost:?}"
    );
    let report = timeline::verify_all_timelines(&store).unwrap();
    assert!(
        report.broken.is_empty(),
        "after kill {kill}: {}",
        report.describe_broken(5)
    );
}

fn strings(store: &Store, sql: &str) -> HashSet<String> {
    store
        .conn()
        .prepare_cached(sql)
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_workstation_killed_at_random_points_leaves_a_whole_desk_with_every_acknowledged_change() {
    let t = common::store();
    let on_postgres = t.on_postgres();
    let desk = match &t.pg {
        Some(db) => db.url.clone(),
        None => t.path().to_string_lossy().into_owned(),
    };
    let kills: usize = std::env::var("CRASH_KILLS")
        .map(|k| k.parse().expect("CRASH_KILLS is a number"))
        .unwrap_or(200);
    let seed: u64 = std::env::var("CRASH_SEED")
        .map(|s| s.parse().expect("CRASH_SEED is a number"))
        .unwrap_or_else(|_| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("crash harness: {kills} kills, CRASH_SEED={seed}");
    let mut delays = Delays(seed);
    let mut seen = Acknowledged::default();
    let started = Instant::now();
    let (mut acknowledged, mut mid_open) = (0, 0);
    for kill in 1..=kills {
        let life = Duration::from_millis(delays.next_ms(MAX_LIFE_MS));
        let changes = run_and_kill(&desk, life, &mut seen);
        if changes == 0 {
            mid_open += 1;
        }
        acknowledged += changes;
        check_after_kill(&desk, on_postgres, &seen, kill);
    }
    let cases = seen.cases.len();
    println!(
        "crash harness: {kills} kills in {:.0?} ({mid_open} before the first change), {acknowledged} acknowledged changes \
         ({cases} cases, {} updates), every one there after its kill, every chain verified",
        started.elapsed(),
        seen.updates.len()
    );
    assert!(
        acknowledged > kills,
        "the children were killed before they wrote much ({acknowledged} changes in {kills} runs): the harness tests nothing"
    );
}
