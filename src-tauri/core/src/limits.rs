//! Every size limit on what a user can enter or import, named once. Rust checks them at the
//! boundary (the UI mirrors them for early feedback, never instead); the message names the limit.
//!
//! Invariant: a value over its limit is refused before anything is written.

use crate::error::{Error, Result};

/// A directory CSV file: far above any real division's directory, far below what strains memory.
pub const CSV_FILE_BYTES: usize = 10 * 1024 * 1024;

/// Refuses `bytes` longer than `max`, naming the limit in the units people think in.
pub fn check_bytes(field: &str, bytes: &[u8], max: usize) -> Result<()> {
    if bytes.len() > max {
        return Err(Error::invalid(
            field,
            format!(
                "The file is {} and the limit is {}: split it into smaller files.",
                human_size(bytes.len()),
                human_size(max)
            ),
        ));
    }
    Ok(())
}

fn human_size(n: usize) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KiB", n.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_limit_is_refused_naming_both_sizes() {
        let err = check_bytes("file", &vec![b'a'; 11 * 1024 * 1024], CSV_FILE_BYTES)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "The file is 11.0 MiB and the limit is 10.0 MiB: split it into smaller files."
        );
        assert!(check_bytes("file", b"name,email\n", CSV_FILE_BYTES).is_ok());
    }
}
