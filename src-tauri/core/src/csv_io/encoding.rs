//! Turning a CSV file's bytes into text: UTF-8 (with or without Excel's byte-order mark), UTF-16
//! (Excel's "Unicode text") and Windows-1252 (what Excel writes by default on a Western locale,
//! a superset of the printable Latin-1).
//!
//! Invariants: a byte is never replaced by U+FFFD or dropped; a file that is not text, or that no
//! supported encoding decodes exactly, is refused with the reason and where it was found.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Windows1252,
}

impl TextEncoding {
    /// How the preview names it.
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 with byte-order mark",
            TextEncoding::Utf16Le => "UTF-16 (little-endian)",
            TextEncoding::Utf16Be => "UTF-16 (big-endian)",
            TextEncoding::Windows1252 => "Windows-1252 (Western European, Latin-1)",
        }
    }
}

/// Windows-1252's characters for the bytes 0x80..=0x9F; `None` where the code page has none.
const CP1252_HIGH: [Option<char>; 32] = [
    Some('€'),
    None,
    Some('‚'),
    Some('ƒ'),
    Some('„'),
    Some('…'),
    Some('†'),
    Some('‡'),
    Some('ˆ'),
    Some('‰'),
    Some('Š'),
    Some('‹'),
    Some('Œ'),
    None,
    Some('Ž'),
    None,
    None,
    Some('‘'),
    Some('’'),
    Some('“'),
    Some('”'),
    Some('•'),
    Some('–'),
    Some('—'),
    Some('˜'),
    Some('™'),
    Some('š'),
    Some('›'),
    Some('œ'),
    None,
    Some('ž'),
    Some('Ÿ'),
];

fn line_of(bytes: &[u8], at: usize) -> usize {
    bytes[..at].iter().filter(|b| **b == b'\n').count() + 1
}

fn not_text(what: &str) -> Error {
    Error::invalid(
        "file",
        format!(
            "This file is not a CSV text file ({what}). In Excel, use File > Save As > \"CSV UTF-8 (Comma delimited)\" and import that file."
        ),
    )
}

/// Control characters other than tab, line feed, carriage return and form feed do not occur in
/// directory exports; finding one means the bytes are not text in this encoding.
fn refuse_controls(text: &str) -> Result<()> {
    if let Some((i, c)) = text
        .char_indices()
        .find(|(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
    {
        let line = text[..i].matches('\n').count() + 1;
        return Err(not_text(&format!(
            "it holds the control character U+{:04X} on line {line}",
            c as u32
        )));
    }
    Ok(())
}

fn utf16(body: &[u8], little: bool) -> Result<String> {
    if !body.len().is_multiple_of(2) {
        return Err(not_text("it starts like UTF-16 but has an odd number of bytes"));
    }
    let units = body.chunks_exact(2).map(|p| {
        if little {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    });
    char::decode_utf16(units)
        .collect::<std::result::Result<String, _>>()
        .map_err(|_| not_text("it starts like UTF-16 but holds an unpaired surrogate"))
}

/// Decodes a CSV file's bytes, telling which encoding it was in.
pub fn decode(bytes: &[u8]) -> Result<(String, TextEncoding)> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(not_text("it is an Excel workbook or another zip archive"));
    }
    let (text, encoding) = if let Some(body) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let text = std::str::from_utf8(body).map_err(|e| {
            Error::invalid(
                "file",
                format!(
                    "The file says it is UTF-8 but line {} holds bytes that are not UTF-8; save it again as \"CSV UTF-8\".",
                    line_of(body, e.valid_up_to())
                ),
            )
        })?;
        (text.to_owned(), TextEncoding::Utf8Bom)
    } else if let Some(body) = bytes.strip_prefix(b"\xFF\xFE") {
        (utf16(body, true)?, TextEncoding::Utf16Le)
    } else if let Some(body) = bytes.strip_prefix(b"\xFE\xFF") {
        (utf16(body, false)?, TextEncoding::Utf16Be)
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        (text.to_owned(), TextEncoding::Utf8)
    } else {
        let mut text = String::with_capacity(bytes.len() + bytes.len() / 8);
        for (i, &b) in bytes.iter().enumerate() {
            let c = match b {
                0x80..=0x9F => CP1252_HIGH[(b - 0x80) as usize].ok_or_else(|| {
                    not_text(&format!(
                        "line {} holds the byte 0x{b:02X}, which is neither UTF-8 nor a Windows-1252 character",
                        line_of(bytes, i)
                    ))
                })?,
                _ => b as char, // 0x00..=0x7F and 0xA0..=0xFF are Latin-1's own code points
            };
            text.push(c);
        }
        (text, TextEncoding::Windows1252)
    };
    refuse_controls(&text)?;
    Ok((text, encoding))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_a_bom_is_read_as_written() {
        assert_eq!(
            decode("Zoë,Núñez".as_bytes()).unwrap(),
            ("Zoë,Núñez".into(), TextEncoding::Utf8)
        );
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice("Zoë".as_bytes());
        assert_eq!(
            decode(&bom).unwrap(),
            ("Zoë".into(), TextEncoding::Utf8Bom),
            "the BOM is not part of the text"
        );
    }

    #[test]
    fn windows_1252_accents_and_smart_quotes_are_decoded_not_replaced() {
        // "José Núñez – “IT”" as Excel writes it on a Western Windows.
        let bytes = b"Jos\xE9 N\xFA\xF1ez \x96 \x93IT\x94 \x80";
        let (text, enc) = decode(bytes).unwrap();
        assert_eq!(text, "José Núñez – “IT” €");
        assert_eq!(enc, TextEncoding::Windows1252);
        assert!(!text.contains('\u{FFFD}'), "nothing may be replaced");
    }

    #[test]
    fn utf16_from_excels_unicode_text_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "Zoë\tx".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(&bytes).unwrap(), ("Zoë\tx".into(), TextEncoding::Utf16Le));
    }

    #[test]
    fn a_workbook_or_binary_file_is_refused_as_not_text() {
        let xlsx = decode(b"PK\x03\x04\x14\x00\x06\x00").unwrap_err().to_string();
        assert!(xlsx.contains("Excel workbook"), "{xlsx}");
        let png = decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR").unwrap_err().to_string();
        assert!(png.contains("not a CSV text file"), "{png}");
        let nul = decode(b"name,email\nJane\x00,j@x.gov\n").unwrap_err().to_string();
        assert!(nul.contains("line 2"), "the refusal says where: {nul}");
    }

    #[test]
    fn a_byte_that_no_supported_encoding_has_is_refused_with_its_line() {
        let err = decode(b"name\nab\x81c\n").unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("0x81"), "{err}");
    }

    #[test]
    fn a_bom_that_lies_about_utf8_is_refused() {
        let err = decode(b"\xEF\xBB\xBFname\nJos\xE9\n").unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}
