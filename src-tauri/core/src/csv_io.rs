//! Reading and writing the directory's CSV files: people, agencies and services.
//!
//! Invariants: headers are matched by name (case, spacing and punctuation ignored, common aliases
//! from directory exports accepted), not by position; every problem is reported as a
//! [`RowError`] with its line and field, and a bad row never stops the good ones from being read.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::directory::{slug, Agency, DirectoryKind, OrgKind, OrgRole, Person, PersonFields, Service};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RowError {
    /// The line in the file (the header is line 1).
    pub line: i64,
    pub field: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportAction {
    Create,
    Update,
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportRow {
    pub line: i64,
    /// The email (people) or name (agencies, services) the row is matched by.
    pub key: String,
    pub name: String,
    pub action: ImportAction,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportPreview {
    pub kind: DirectoryKind,
    pub rows: Vec<ImportRow>,
    pub errors: Vec<RowError>,
    pub creates: i64,
    pub updates: i64,
    pub unchanged: i64,
}

impl ImportPreview {
    pub fn new(kind: DirectoryKind, rows: Vec<ImportRow>, errors: Vec<RowError>) -> Self {
        let count = |a: ImportAction| rows.iter().filter(|r| r.action == a).count() as i64;
        ImportPreview {
            kind,
            creates: count(ImportAction::Create),
            updates: count(ImportAction::Update),
            unchanged: count(ImportAction::Unchanged),
            rows,
            errors,
        }
    }
}

/// A column: its name in our files, the other names directory exports use, and whether it must be there.
struct Column {
    name: &'static str,
    aliases: &'static [&'static str],
    required: bool,
}

const PEOPLE: &[Column] = &[
    Column {
        name: "name",
        aliases: &["full-name", "display-name"],
        required: true,
    },
    Column {
        name: "email",
        aliases: &["e-mail", "mail", "email-address", "e-mail-address"],
        required: true,
    },
    Column {
        name: "phone",
        aliases: &["telephone", "mobile", "phone-number", "business-phone"],
        required: false,
    },
    Column {
        name: "title",
        aliases: &["job-title"],
        required: false,
    },
    Column {
        name: "department",
        aliases: &["dept"],
        required: false,
    },
    Column {
        name: "organization_kind",
        aliases: &["organization-type", "org-type", "organization-kind"],
        required: false,
    },
    Column {
        name: "organization",
        aliases: &["org", "company", "organisation"],
        required: false,
    },
    Column {
        name: "roles",
        aliases: &["role"],
        required: false,
    },
];

const AGENCIES: &[Column] = &[
    Column {
        name: "name",
        aliases: &["agency", "agency-name"],
        required: true,
    },
    Column {
        name: "business_segment",
        aliases: &["business-segment", "segment"],
        required: false,
    },
    Column {
        name: "abrm_email",
        aliases: &["abrm-email", "abrm"],
        required: false,
    },
    Column {
        name: "customer_account_rep_email",
        aliases: &[
            "customer-account-rep-email",
            "customer-account-representative",
            "car-email",
            "car",
        ],
        required: false,
    },
    Column {
        name: "key_contacts",
        aliases: &["key-contacts", "contacts"],
        required: false,
    },
];

const SERVICES: &[Column] = &[
    Column {
        name: "name",
        aliases: &["service", "service-name"],
        required: true,
    },
    Column {
        name: "owner_email",
        aliases: &["owner-email", "service-owner", "owner"],
        required: false,
    },
    Column {
        name: "manager_email",
        aliases: &["manager-email", "service-manager", "manager"],
        required: false,
    },
];

/// One data row: its line and its cells by our column names.
pub struct Record {
    pub line: i64,
    cells: HashMap<&'static str, String>,
}

impl Record {
    pub fn get(&self, column: &str) -> &str {
        self.cells.get(column).map(String::as_str).unwrap_or("")
    }
}

fn read(text: &str, columns: &'static [Column]) -> (Vec<Record>, Vec<RowError>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text); // Excel's byte-order mark
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut errors = Vec::new();
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return (
                Vec::new(),
                vec![RowError {
                    line: 1,
                    field: "header".into(),
                    reason: e.to_string(),
                }],
            )
        }
    };
    let mut index: HashMap<&'static str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let s = slug(h);
        if let Some(c) = columns
            .iter()
            .find(|c| slug(c.name) == s || c.aliases.contains(&s.as_str()))
        {
            index.entry(c.name).or_insert(i);
        }
    }
    for c in columns.iter().filter(|c| c.required && !index.contains_key(c.name)) {
        errors.push(RowError {
            line: 1,
            field: c.name.into(),
            reason: format!("the file has no {} column", c.name),
        });
    }
    if !errors.is_empty() {
        return (Vec::new(), errors);
    }
    let mut records = Vec::new();
    for result in reader.records() {
        match result {
            Ok(rec) => {
                let line = rec.position().map(|p| p.line() as i64).unwrap_or(0);
                if rec.iter().all(|c| c.is_empty()) {
                    continue;
                }
                let cells = index
                    .iter()
                    .map(|(name, i)| (*name, rec.get(*i).unwrap_or("").to_owned()))
                    .collect();
                records.push(Record { line, cells });
            }
            Err(e) => {
                let line = e.position().map(|p| p.line() as i64).unwrap_or(0);
                errors.push(RowError {
                    line,
                    field: "row".into(),
                    reason: format!("unreadable row: {e}"),
                });
            }
        }
    }
    (records, errors)
}

pub fn read_records(kind: DirectoryKind, text: &str) -> (Vec<Record>, Vec<RowError>) {
    read(
        text,
        match kind {
            DirectoryKind::People => PEOPLE,
            DirectoryKind::Agencies => AGENCIES,
            DirectoryKind::Services => SERVICES,
        },
    )
}

/// A people row as typed fields, or the reasons it cannot be.
pub fn person_fields(rec: &Record) -> Result<PersonFields, Vec<RowError>> {
    let mut errors = Vec::new();
    let err = |field: &str, reason: String| RowError {
        line: rec.line,
        field: field.into(),
        reason,
    };
    let kind_text = rec.get("organization_kind");
    let organization_kind = if kind_text.is_empty() {
        OrgKind::Division
    } else {
        OrgKind::parse(kind_text).unwrap_or_else(|| {
            errors.push(err(
                "organization_kind",
                format!("{kind_text:?} is not division, agency or vendor"),
            ));
            OrgKind::Division
        })
    };
    let mut roles = Vec::new();
    for part in rec
        .get("roles")
        .split([';', '|', ','])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match OrgRole::parse(part) {
            Some(r) => roles.push(r),
            None => errors.push(err("roles", format!("{part:?} is not a known role"))),
        }
    }
    let organization = match rec.get("organization") {
        "" if organization_kind == OrgKind::Division => "Our IT division".to_owned(),
        o => o.to_owned(),
    };
    let fields = PersonFields {
        name: rec.get("name").into(),
        email: rec.get("email").into(),
        phone: rec.get("phone").into(),
        title: rec.get("title").into(),
        department: rec.get("department").into(),
        organization_kind,
        organization,
        roles,
    };
    match fields.validate() {
        Ok(f) if errors.is_empty() => Ok(f),
        Ok(_) => Err(errors),
        Err(e) => {
            errors.extend(e.payload().fields.into_iter().map(|f| err(&f.field, f.message)));
            Err(errors)
        }
    }
}

/// "email=Category; email=Category" into pairs; a part without "=" is an error.
pub fn key_contacts(rec: &Record) -> Result<Vec<(String, String)>, RowError> {
    let mut out = Vec::new();
    for part in rec
        .get("key_contacts")
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let Some((email, category)) = part.split_once('=') else {
            return Err(RowError {
                line: rec.line,
                field: "key_contacts".into(),
                reason: format!("{part:?} should be email=category"),
            });
        };
        out.push((email.trim().to_ascii_lowercase(), category.trim().to_owned()));
    }
    Ok(out)
}

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().from_writer(Vec::new())
}

fn finish(w: csv::Writer<Vec<u8>>) -> String {
    String::from_utf8(w.into_inner().expect("writing to memory cannot fail")).expect("CSV of UTF-8 strings")
}

pub fn write_people(people: &[Person]) -> String {
    let mut w = writer();
    let header: Vec<&str> = PEOPLE.iter().map(|c| c.name).collect();
    w.write_record(&header).expect("in memory");
    for p in people {
        let f = &p.fields;
        let roles = f.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(";");
        w.write_record([
            f.name.as_str(),
            &f.email,
            &f.phone,
            &f.title,
            &f.department,
            f.organization_kind.as_str(),
            &f.organization,
            &roles,
        ])
        .expect("in memory");
    }
    finish(w)
}

pub fn write_agencies(agencies: &[Agency]) -> String {
    let mut w = writer();
    let header: Vec<&str> = AGENCIES.iter().map(|c| c.name).collect();
    w.write_record(&header).expect("in memory");
    for a in agencies {
        let contacts = a
            .contacts
            .iter()
            .map(|c| format!("{}={}", c.person.email, c.category.name))
            .collect::<Vec<_>>()
            .join("; ");
        let email = |p: &Option<crate::directory::PersonRef>| p.as_ref().map(|p| p.email.clone()).unwrap_or_default();
        w.write_record([
            a.fields.name.as_str(),
            &a.fields.business_segment,
            &email(&a.abrm),
            &email(&a.customer_account_rep),
            &contacts,
        ])
        .expect("in memory");
    }
    finish(w)
}

pub fn write_services(services: &[Service]) -> String {
    let mut w = writer();
    let header: Vec<&str> = SERVICES.iter().map(|c| c.name).collect();
    w.write_record(&header).expect("in memory");
    for s in services {
        let email = |p: &Option<crate::directory::PersonRef>| p.as_ref().map(|p| p.email.clone()).unwrap_or_default();
        w.write_record([s.fields.name.as_str(), &email(&s.owner), &email(&s.manager)])
            .expect("in memory");
    }
    finish(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_matched_by_name_whatever_their_order_spelling_or_bom() {
        let text = "\u{feff}E-mail,Display Name,Job Title,Role\njane@doit.gov,Jane Roe,Engineer,ABRM; service owner\n";
        let (records, errors) = read_records(DirectoryKind::People, text);
        assert!(errors.is_empty(), "{errors:?}");
        let f = person_fields(&records[0]).unwrap();
        assert_eq!(
            (f.name.as_str(), f.email.as_str(), f.title.as_str()),
            ("Jane Roe", "jane@doit.gov", "Engineer")
        );
        assert_eq!(f.roles, vec![OrgRole::ServiceOwner, OrgRole::Abrm]);
        assert_eq!(records[0].line, 2, "the header is line 1");
    }

    #[test]
    fn a_file_without_a_required_column_is_refused_at_the_header() {
        let (records, errors) = read_records(DirectoryKind::People, "name,phone\nJane,123\n");
        assert!(records.is_empty());
        assert_eq!(
            errors,
            vec![RowError {
                line: 1,
                field: "email".into(),
                reason: "the file has no email column".into()
            }]
        );
    }

    #[test]
    fn each_bad_cell_is_reported_with_its_line_and_field() {
        let text = "name,email,organization_kind,roles\nJane,jane@x.gov,vendor,\n,bob@x,alien,wizard\n";
        let (records, _) = read_records(DirectoryKind::People, text);
        let errors = person_fields(&records[1]).unwrap_err();
        let fields: Vec<(i64, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(
            fields,
            [(3, "organization_kind"), (3, "roles"), (3, "name"), (3, "email")]
        );
    }

    #[test]
    fn key_contacts_read_as_email_and_category_pairs() {
        let (records, _) = read_records(
            DirectoryKind::Agencies,
            "name,key_contacts\nDWS,\"sec@dws.gov=Cabinet secretary; dir@dws.gov=Agency director\"\n",
        );
        assert_eq!(
            key_contacts(&records[0]).unwrap(),
            vec![
                ("sec@dws.gov".into(), "Cabinet secretary".into()),
                ("dir@dws.gov".into(), "Agency director".into())
            ]
        );
    }
}
