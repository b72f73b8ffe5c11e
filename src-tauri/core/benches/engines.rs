//! Benchmark: the dashboard list and a case page on a desk of 10,000 cases, on each engine (the
//! SQLite file and a team desk on PostgreSQL), side by side with the same statements run bare in
//! the engine's own shell (`sqlite3`, `psql`) on the same data. Fails when the store's read is over
//! 3x the bare one on either engine.
//!
//! The desk is generated into a SQLite file (as `pages.rs` does) and moved into a new database on
//! the PostgreSQL server with the store's own desk copy, so both engines hold the same rows.
//!
//! The bare figure is what the shell spends per read, without starting itself: the statements are
//! run `LONG` times and `SHORT` times in one shell process each, and the difference divided by
//! `LONG - SHORT` (the best of three). The shell reads every row and formats it (to /dev/null);
//! psql sends each statement as text, to be parsed and planned each time, as a DBA would run it.
//!
//! Run: `ESCALATION_TEST_PG_URL=$(tests/pg/cluster start DIR) cargo bench -p escalation-core --bench engines`
//! (needs `sqlite3` and `psql` on the PATH; `.ci/test` runs it on its throwaway cluster).

#[path = "support/desk.rs"]
mod desk;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use escalation_core::case::{CaseFilter, Level};
use escalation_core::page::PageRequest;
use escalation_core::store::{cases, desk_copy};
use escalation_core::Store;

use desk::{ms, secs, time};

const CASES: usize = 10_000;
const BUDGET: f64 = 3.0;
/// A bare read faster than this is compared against this instead (see `pages.rs`).
const FLOOR: Duration = Duration::from_micros(100);
const SHORT: usize = 10;
const LONG: usize = 60;

#[derive(Clone, Copy, PartialEq)]
enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Clone, Copy)]
enum Page {
    Dashboard,
    CaseDetail,
}

impl Page {
    fn name(self) -> &'static str {
        match self {
            Page::Dashboard => "dashboard, first page (escalated)",
            Page::CaseDetail => "case page (CaseDetail)",
        }
    }

    fn read(self, store: &Store, probe_case: i64) {
        match self {
            Page::Dashboard => {
                let filter = CaseFilter {
                    level: Some(Level::Escalated),
                    ..CaseFilter::default()
                };
                let page = cases::list_cases(store, &filter, PageRequest::FIRST).unwrap();
                assert_eq!(page.rows.len(), 25, "a full first page");
            }
            Page::CaseDetail => {
                let detail = cases::get_case_detail(store, probe_case).unwrap();
                std::hint::black_box(detail);
            }
        }
    }

    /// The page's bare statements as the engine's shell takes them: the case's id written in,
    /// and SQLite's case-blind match in PostgreSQL's spelling (as the store's dialect does).
    fn bare_sql(self, engine: Engine, probe_case: i64) -> Vec<String> {
        let statements: &[&str] = match self {
            Page::Dashboard => &desk::DASHBOARD_BARE,
            Page::CaseDetail => desk::CASE_PAGE_BARE,
        };
        statements
            .iter()
            .map(|sql| {
                let sql = sql.replace("?1", &probe_case.to_string());
                match engine {
                    Engine::Sqlite => sql,
                    Engine::Postgres => match sql.split_once(" = (") {
                        Some((left, right)) if right.ends_with(") COLLATE NOCASE") => {
                            let column = left.rsplit(' ').next().unwrap();
                            let left = left.strip_suffix(column).unwrap();
                            let inner = right.strip_suffix(") COLLATE NOCASE").unwrap();
                            format!("{left}lower({column}) = lower(({inner}))")
                        }
                        _ => sql,
                    },
                }
            })
            .collect()
    }
}

/// A new database on the benchmark's server, dropped at the end.
struct PgDatabase {
    admin: String,
    name: String,
    url: String,
}

impl PgDatabase {
    fn create(admin: &str) -> PgDatabase {
        let name = format!("engines_bench_{}", std::process::id());
        let mut client = postgres::Client::connect(admin, postgres::NoTls).expect("the PostgreSQL server answers");
        client.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let (base, _) = admin.rsplit_once('/').expect("a URL ending in /database");
        PgDatabase {
            url: format!("{base}/{name}"),
            admin: admin.to_owned(),
            name,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

fn main() {
    let Ok(admin) = std::env::var("ESCALATION_TEST_PG_URL") else {
        eprintln!(
            "the engines benchmark needs a PostgreSQL server: ESCALATION_TEST_PG_URL=$(tests/pg/cluster start DIR)"
        );
        std::process::exit(2);
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("desk.sqlite3");
    let generated = desk::generate(&file, CASES, 15);
    let sqlite = Store::open(&file).unwrap();

    let database = PgDatabase::create(&admin);
    let postgres = Store::open_postgres(&database.url, None, None).unwrap();
    let started = Instant::now();
    let copied = desk_copy::copy_desk(&sqlite, &postgres).unwrap();
    println!(
        "copied into PostgreSQL in {:.1} s ({} cases, chains verified)",
        started.elapsed().as_secs_f64(),
        copied.cases
    );
    // Fresh statistics, as autovacuum would have them on a desk in use.
    let mut client = postgres::Client::connect(&database.url, postgres::NoTls).unwrap();
    client.batch_execute("VACUUM ANALYZE").unwrap();
    drop(client);

    println!(
        "\n{:<34} {:<11} {:>11} {:>15} {:>7}   ({} cases; bare = the same statements in the engine's shell)",
        "page",
        "engine",
        "store",
        "bare",
        "ratio",
        desk::thousands(CASES)
    );
    let mut failures = Vec::new();
    for page in [Page::Dashboard, Page::CaseDetail] {
        for (engine, store) in [(Engine::Sqlite, &sqlite), (Engine::Postgres, &postgres)] {
            let app = time(|| page.read(store, generated.probe_case));
            let sql = page.bare_sql(engine, generated.probe_case);
            let bare = match engine {
                Engine::Sqlite => shell_time(&sql, |script| sqlite_shell(&file, script)),
                Engine::Postgres => shell_time(&sql, |script| psql(&database.url, script)),
            };
            let ratio = secs(app) / secs(bare.max(FLOOR));
            println!(
                "{:<34} {:<11} {:>11} {:>15} {:>6.2}x",
                page.name(),
                engine.name(),
                ms(app),
                ms(bare),
                ratio
            );
            if ratio > BUDGET {
                failures.push(format!(
                    "{} on {}: {} against {} bare ({ratio:.2}x, budget {BUDGET}x)",
                    page.name(),
                    engine.name(),
                    ms(app),
                    ms(bare)
                ));
            }
        }
    }
    drop(postgres);
    drop(database);
    if !failures.is_empty() {
        eprintln!("\nover budget:\n  {}", failures.join("\n  "));
        std::process::exit(1);
    }
    println!("\nboth engines within {BUDGET}x of their shells");
}

/// What one run of `statements` costs the shell: (LONG runs - SHORT runs) / (LONG - SHORT), the
/// best of three, so the shell's start and connection are not counted.
fn shell_time(statements: &[String], run: impl Fn(&str) -> Duration) -> Duration {
    let script = |times: usize| {
        let once: String = statements.iter().map(|s| format!("{s};\n")).collect();
        once.repeat(times)
    };
    let (short, long) = (script(SHORT), script(LONG));
    run(&long); // warm the caches, as the store's first read does
    (0..3)
        .map(|_| run(&long).saturating_sub(run(&short)) / (LONG - SHORT) as u32)
        .min()
        .unwrap()
}

/// Runs `script` in the sqlite3 shell on `file`, rows to /dev/null; the wall time.
fn sqlite_shell(file: &Path, script: &str) -> Duration {
    timed(
        Command::new("sqlite3").arg("-batch").arg("-bail").arg(file),
        &format!(".output /dev/null\n{script}"),
    )
}

/// Runs `script` in psql on `url`, rows to /dev/null; the wall time.
fn psql(url: &str, script: &str) -> Duration {
    timed(
        Command::new("psql").args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url]),
        &format!("\\o /dev/null\n{script}"),
    )
}

fn timed(command: &mut Command, input: &str) -> Duration {
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {:?} (is it installed?): {e}", command.get_program()));
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "{:?} failed: {}",
        command.get_program(),
        String::from_utf8_lossy(&out.stderr)
    );
    took
}
