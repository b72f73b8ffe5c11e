//! Writing the directory as CSV, in the format the import reads back.
//!
//! Invariants: the text starts with a UTF-8 byte-order mark, so Excel reads accents as written;
//! a cell a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage
//! return) is written with a leading apostrophe, which spreadsheets show as text and our import
//! takes off again, so an export re-imports unchanged.

use crate::directory::{Agency, Person, PersonRef, Service};

/// The first characters that make a spreadsheet read a cell as a formula (OWASP's list).
pub(super) const FORMULA_STARTS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

fn inert(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// Writes the header and the rows; every cell goes through [`inert`].
fn write<const N: usize>(header: [&str; N], rows: impl Iterator<Item = [String; N]>) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(header).expect("writing to memory cannot fail");
    for row in rows {
        w.write_record(row.iter().map(|c| inert(c).into_owned()))
            .expect("writing to memory cannot fail");
    }
    let body = String::from_utf8(w.into_inner().expect("writing to memory cannot fail")).expect("CSV of UTF-8 strings");
    format!("\u{feff}{body}")
}

fn email(p: &Option<PersonRef>) -> String {
    p.as_ref().map(|p| p.email.clone()).unwrap_or_default()
}

pub fn write_people(people: &[Person]) -> String {
    write(
        [
            "name",
            "email",
            "phone",
            "title",
            "department",
            "organization_kind",
            "organization",
            "roles",
        ],
        people.iter().map(|p| {
            let f = &p.fields;
            [
                f.name.clone(),
                f.email.clone(),
                f.phone.clone(),
                f.title.clone(),
                f.department.clone(),
                f.organization_kind.as_str().to_owned(),
                f.organization.clone(),
                f.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(";"),
            ]
        }),
    )
}

pub fn write_agencies(agencies: &[Agency]) -> String {
    write(
        [
            "name",
            "business_segment",
            "abrm_email",
            "customer_account_rep_email",
            "key_contacts",
        ],
        agencies.iter().map(|a| {
            let contacts = a
                .contacts
                .iter()
                .map(|c| format!("{}={}", c.person.email, c.category.name))
                .collect::<Vec<_>>()
                .join("; ");
            [
                a.fields.name.clone(),
                a.fields.business_segment.clone(),
                email(&a.abrm),
                email(&a.customer_account_rep),
                contacts,
            ]
        }),
    )
}

pub fn write_services(services: &[Service]) -> String {
    write(
        ["name", "owner_email", "manager_email"],
        services
            .iter()
            .map(|s| [s.fields.name.clone(), email(&s.owner), email(&s.manager)]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_as_formulas_are_written_as_text() {
        for (cell, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1 505 555 0100", "'+1 505 555 0100"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tcmd", "'\tcmd"),
            ("\rcmd", "'\rcmd"),
            ("Jane = lead", "Jane = lead"),
        ] {
            assert_eq!(inert(cell), written, "{cell:?}");
        }
    }

    #[test]
    fn the_export_starts_with_a_byte_order_mark_for_excel() {
        let csv = write_services(&[]);
        assert!(csv.starts_with("\u{feff}name,"), "{csv:?}");
    }
}
