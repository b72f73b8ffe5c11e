//! Gives the system back the memory a large read freed.
//!
//! glibc keeps what a thread frees in that thread's arena (64 MB each) and returns it only from
//! the arena's top; the pages a large read brought into SQLite's cache, once released
//! (`store::figures`), stay counted as the app's for as long as it runs. Measured on the
//! 100,000-case desk once the dashboard's figures were in (tests/bench/first-screen, PSS): the
//! app's process 185 MiB; the cache released, still 185; released and trimmed, 95 MiB, as on a
//! 50-case desk (93 MiB). Invariant: only freed memory is returned; nothing
//! live moves, so calling it at any time is safe, and it costs a walk of the free lists.

/// Returns the freed pages of every arena to the system (glibc's `malloc_trim`); nothing elsewhere.
pub fn give_back_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer and only releases memory the allocator holds free.
    unsafe {
        libc::malloc_trim(0);
    }
}
