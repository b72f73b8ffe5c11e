//! One running desk per database file: an exclusive advisory lock on `<db>.lock`, held for the
//! life of the process, and a Unix socket `<db>.sock` through which a second start asks the running
//! one to bring its window forward.
//!
//! Invariants:
//! - While an [`InstanceLock`] lives, every other [`InstanceLock::acquire`] of the same database is
//!   refused with [`Claim::AlreadyOpen`], whether from another process or from this one (the lock
//!   belongs to the open file, not to the process), and whatever path names the file (the lock file
//!   sits beside the database's canonical path). Another database file is not affected.
//! - The lock is an OS advisory lock (`flock` on Unix, `LockFileEx` on Windows): it goes with the
//!   process, so a crashed desk never leaves a stale lock. The lock file itself is never deleted:
//!   deleting it would let a third start lock a new file while the second still holds the old one.
//! - The socket is only bound by the lock's holder, so a socket file left by a crash is removed and
//!   replaced without asking anyone. It is 0600 (and its folder 0700 when we created it): only
//!   the same user can ask for the window.
//! - The lock sits in a file of its own, not on the database: SQLite locks the database file
//!   itself, and on Windows a byte-range lock there would block SQLite's own reads.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::store::files;

/// What a start on a database gets: the lock, or the news that another desk has it.
#[derive(Debug)]
pub enum Claim {
    Ours(InstanceLock),
    /// Another desk (this process or another) holds the lock on this database.
    AlreadyOpen {
        database: PathBuf,
    },
}

/// The held lock; dropping it releases the lock and stops the socket.
#[derive(Debug)]
pub struct InstanceLock {
    // Fields drop in order: the socket goes before the lock is released, so we never remove the
    // socket of a desk that took the lock after us.
    #[cfg(unix)]
    listener: Option<listen::Listening>,
    // Held for its lock only: the advisory lock lives exactly as long as this open file.
    _file: File,
    database: PathBuf,
}

/// The lock file of a database (beside it, same name plus `.lock`).
pub fn lock_path(database: &Path) -> PathBuf {
    files::with_suffix(database, ".lock")
}

/// The socket the running desk listens on (beside the database, same name plus `.sock`).
pub fn socket_path(database: &Path) -> PathBuf {
    files::with_suffix(database, ".sock")
}

/// The one name of a database file however it was reached (relative path, `..`, symlinked folder
/// or file), so that two paths to the same file find the same lock. Creates the folder (0700)
/// when missing, as opening the store would.
pub fn canonical_database(database: &Path) -> Result<PathBuf> {
    if let Ok(path) = std::fs::canonicalize(database) {
        return Ok(path);
    }
    let dir = database
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    files::create_private_dir(dir)?;
    let dir = std::fs::canonicalize(dir)?;
    Ok(match database.file_name() {
        Some(name) => dir.join(name),
        None => dir,
    })
}

impl InstanceLock {
    /// Takes the lock of `database` without waiting. An error is a lock file we could not create
    /// or lock for another reason than another holder (a read-only folder, say).
    pub fn acquire(database: &Path) -> Result<Claim> {
        let database = canonical_database(database)?;
        let file = files::private_options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(lock_path(&database))?;
        match file.try_lock() {
            Ok(()) => Ok(Claim::Ours(InstanceLock {
                #[cfg(unix)]
                listener: None,
                _file: file,
                database,
            })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(Claim::AlreadyOpen { database }),
            Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
        }
    }

    /// The database this lock guards, by its canonical path.
    pub fn database(&self) -> &Path {
        &self.database
    }

    /// Listens on the socket beside the database and calls `on_show` for each later start that
    /// asks for the window (on a thread of its own, so `on_show` must not block for long). Without
    /// Unix sockets this does nothing: a later start then shows its refusal instead.
    pub fn listen(&mut self, on_show: impl Fn() + Send + 'static) -> Result<()> {
        #[cfg(unix)]
        {
            self.listener = Some(listen::Listening::start(&socket_path(&self.database), on_show)?);
        }
        #[cfg(not(unix))]
        let _ = on_show;
        Ok(())
    }
}

/// Asks the desk holding `database` to bring its window forward; true only when it answered that
/// it did. False when nobody listens (no socket, a crash's leftover, a platform without sockets).
pub fn ask_to_show(database: &Path) -> bool {
    #[cfg(unix)]
    {
        match canonical_database(database) {
            Ok(database) => listen::ask(&socket_path(&database)),
            Err(_) => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = database;
        false
    }
}

#[cfg(unix)]
mod listen {
    use std::io::{BufRead, BufReader, Write};
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::net::{UnixListener, UnixStream};
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use crate::error::Result;

    const SHOW: &str = "show";
    const SHOWN: &str = "shown";
    /// A running desk answers at once; a hung one must not hang the second start with it.
    const ANSWER_WITHIN: Duration = Duration::from_secs(2);

    #[derive(Debug)]
    pub(super) struct Listening {
        path: PathBuf,
        stop: Arc<AtomicBool>,
        thread: Option<std::thread::JoinHandle<()>>,
    }

    impl Listening {
        pub(super) fn start(path: &Path, on_show: impl Fn() + Send + 'static) -> Result<Listening> {
            // We hold the lock, so any socket file here is a crashed desk's: nobody listens on it.
            match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
            let listener = UnixListener::bind(path)?;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
            let stop = Arc::new(AtomicBool::new(false));
            let stopping = stop.clone();
            let thread = std::thread::Builder::new()
                .name("instance-socket".into())
                .spawn(move || {
                    for stream in listener.incoming() {
                        if stopping.load(Ordering::SeqCst) {
                            break;
                        }
                        match stream {
                            Ok(stream) => answer(stream, &on_show),
                            Err(e) => log::warn!("instance socket: {e}"),
                        }
                    }
                })?;
            Ok(Listening {
                path: path.to_path_buf(),
                stop,
                thread: Some(thread),
            })
        }
    }

    fn answer(stream: UnixStream, on_show: &impl Fn()) {
        let _ = stream.set_read_timeout(Some(ANSWER_WITHIN));
        let _ = stream.set_write_timeout(Some(ANSWER_WITHIN));
        let mut line = String::new();
        if BufReader::new(&stream).read_line(&mut line).is_err() || line.trim_end() != SHOW {
            return;
        }
        on_show();
        let _ = (&stream).write_all(format!("{SHOWN}\n").as_bytes());
    }

    impl Drop for Listening {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            // accept() has no timeout: a connection of our own wakes the thread to see `stop`.
            let _ = UnixStream::connect(&self.path);
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
            let _ = std::fs::remove_file(&self.path);
        }
    }

    pub(super) fn ask(path: &Path) -> bool {
        let Ok(mut stream) = UnixStream::connect(path) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(ANSWER_WITHIN));
        let _ = stream.set_write_timeout(Some(ANSWER_WITHIN));
        if stream.write_all(format!("{SHOW}\n").as_bytes()).is_err() {
            return false;
        }
        let mut line = String::new();
        BufReader::new(&stream).read_line(&mut line).is_ok() && line.trim_end() == SHOWN
    }
}
