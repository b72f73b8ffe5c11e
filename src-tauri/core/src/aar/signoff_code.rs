//! One-time codes that confirm a sign-off, apart from the store: how a code is made, kept and
//! checked, and the digest of the text it confirms.
//!
//! Invariants:
//! - A code is six digits from the operating system's random source; only its salted SHA-256 is
//!   stored, the code itself is only in the mail to the signer's directory address.
//! - A code confirms one role on one revision's text (its digest): a text changed after the code
//!   was sent needs a new code. It expires [`CODE_VALID_HOURS`] after it was sent, and
//!   [`CODE_TRIES`] wrong entries lock it (a new code must be sent).
//! - Sending a new code supersedes the pending one for that role.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// A code sent and waiting: what the report page says, and offers to enter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SignOffCodeSent {
    pub role: super::SignOffRole,
    /// The directory address the code went to.
    pub email: String,
    pub expires_at: DateTime<Utc>,
}

pub const CODE_VALID_HOURS: i64 = 24;
pub const CODE_TRIES: i64 = 5;
/// Codes one role may be sent in a day: a new code starts its own five tries, so without a cap
/// sending codes over and over would allow guessing without end.
pub const CODES_PER_DAY: i64 = 5;
/// The words before the code in the mail (the outbox removes the code after them once sent).
pub const CODE_LINE: &str = "Your sign-off code: ";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh code and the salt its hash is kept with.
pub fn new_code() -> Result<(String, String)> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| Error::Internal(format!("no random source for the sign-off code: {e}")))?;
    // 2^32 mod 10^6 bias is below one in four thousand: harmless for a code with five tries.
    let n = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) % 1_000_000;
    Ok((format!("{n:06}"), hex(&bytes[4..])))
}

/// The stored form of a code: SHA-256 of the salt and the code (spaces and dashes typed ignored).
pub fn code_hash(salt: &str, code: &str) -> String {
    let digits: String = code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    hex(&Sha256::digest(format!("{salt}:{digits}").as_bytes()))
}

/// The digest of a revision's text: its number and every section's key and body, in order.
pub fn revision_digest<'a>(revision: i64, sections: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut h = Sha256::new();
    h.update(format!("revision {revision}\n").as_bytes());
    for (key, body) in sections {
        // Lengths first, so no two different texts run together into the same bytes.
        h.update(format!("{}:{key}{}:", key.len(), body.len()).as_bytes());
        h.update(body.as_bytes());
    }
    hex(&h.finalize())
}

pub fn expires_at(sent_at: DateTime<Utc>) -> DateTime<Utc> {
    sent_at + Duration::hours(CODE_VALID_HOURS)
}

/// The pending code of a role, as stored.
#[derive(Debug, Clone)]
pub struct PendingCode {
    pub salt: String,
    pub code_hash: String,
    pub digest: String,
    pub expires_at: DateTime<Utc>,
    pub failed_attempts: i64,
}

/// What an entered code is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeCheck {
    Accepted,
    /// Wrong; this many tries are left before the code locks (0: it locks now).
    Wrong {
        tries_left: i64,
    },
    Expired,
    /// The report's text changed after the code was sent.
    TextChanged,
}

pub fn check_code(pending: &PendingCode, typed: &str, digest_now: &str, at: DateTime<Utc>) -> CodeCheck {
    if at >= pending.expires_at {
        CodeCheck::Expired
    } else if pending.digest != digest_now {
        CodeCheck::TextChanged
    } else if code_hash(&pending.salt, typed) == pending.code_hash {
        CodeCheck::Accepted
    } else {
        CodeCheck::Wrong {
            tries_left: (CODE_TRIES - pending.failed_attempts - 1).max(0),
        }
    }
}

/// The refusal shown for a check that did not accept.
pub fn refusal(check: &CodeCheck) -> Error {
    Error::Refused(match check {
        CodeCheck::Accepted => unreachable!("an accepted code is not refused"),
        CodeCheck::Wrong { tries_left: 0 } => {
            "That code is wrong, and too many wrong codes were entered: the code is locked. Send a new code.".into()
        }
        CodeCheck::Wrong { tries_left } => format!(
            "That code is wrong. {tries_left} {} left before it locks.",
            if *tries_left == 1 { "try" } else { "tries" }
        ),
        CodeCheck::Expired => {
            format!("The code has expired ({CODE_VALID_HOURS} hours after it was sent): send a new code.")
        }
        CodeCheck::TextChanged => {
            "The report changed after the code was sent: read it again and send a new code.".into()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(code: &str, digest: &str, failed: i64) -> PendingCode {
        PendingCode {
            salt: "s".into(),
            code_hash: code_hash("s", code),
            digest: digest.into(),
            expires_at: "2026-12-05T10:00:00Z".parse().unwrap(),
            failed_attempts: failed,
        }
    }

    #[test]
    fn codes_are_six_digits_and_never_repeat_in_a_thousand() {
        let codes: std::collections::HashSet<String> = (0..1000).map(|_| new_code().unwrap().0).collect();
        assert!(codes
            .iter()
            .all(|c| c.len() == 6 && c.chars().all(|d| d.is_ascii_digit())));
        assert!(codes.len() > 990, "{} distinct", codes.len());
    }

    #[test]
    fn the_right_code_with_spaces_is_accepted_before_it_expires_on_the_same_text() {
        let at: DateTime<Utc> = "2026-12-05T09:59:59Z".parse().unwrap();
        assert_eq!(
            check_code(&pending("123456", "d", 0), " 123 456 ", "d", at),
            CodeCheck::Accepted
        );
        assert_eq!(
            check_code(&pending("123456", "d", 0), "123457", "d", at),
            CodeCheck::Wrong { tries_left: 4 }
        );
        assert_eq!(
            check_code(&pending("123456", "d", 4), "123457", "d", at),
            CodeCheck::Wrong { tries_left: 0 }
        );
        assert_eq!(
            check_code(&pending("123456", "d", 0), "123456", "other", at),
            CodeCheck::TextChanged
        );
        let late: DateTime<Utc> = "2026-12-05T10:00:00Z".parse().unwrap();
        assert_eq!(
            check_code(&pending("123456", "d", 0), "123456", "d", late),
            CodeCheck::Expired
        );
    }

    #[test]
    fn the_digest_changes_with_any_section_text_and_with_the_revision() {
        let a = revision_digest(1, [("summary", "ab"), ("impact", "c")]);
        assert_ne!(a, revision_digest(1, [("summary", "a"), ("impact", "bc")]));
        assert_ne!(a, revision_digest(2, [("summary", "ab"), ("impact", "c")]));
        assert_eq!(a, revision_digest(1, [("summary", "ab"), ("impact", "c")]));
    }
}
