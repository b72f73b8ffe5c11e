//! Reading and writing the directory's CSV files: people, agencies and services.
//!
//! Invariants: headers are matched by name (case, spacing and punctuation ignored, common aliases
//! from directory exports accepted), not by position; every problem is reported as a
//! [`RowError`] with its line and field, and a bad row never stops the good ones from being read.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

mod encoding;
mod write;

pub use encoding::{decode, TextEncoding};
pub use write::{write_agencies, write_people, write_services};

use crate::directory::{slug, DirectoryKind, OrgKind, OrgRole, PersonFields};

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

/// How one column of the file is read: as one of our fields, or ignored (`field` is `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ColumnMap {
    pub index: i64,
    pub header: String,
    pub field: Option<String>,
    /// The first non-empty value under it, to help the user choose.
    pub sample: String,
}

/// A field the columns can be mapped to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FieldChoice {
    pub name: String,
    pub label: String,
    pub required: bool,
}

/// For people: what rows without an organization kind, organization or roles column (or with an
/// empty cell) get, chosen once for the whole import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportDefaults {
    pub organization_kind: OrgKind,
    /// Empty: "Our IT division" for the division, else required from the file.
    pub organization: String,
    pub roles: Vec<OrgRole>,
}

impl Default for ImportDefaults {
    fn default() -> Self {
        ImportDefaults {
            organization_kind: OrgKind::Division,
            organization: String::new(),
            roles: Vec::new(),
        }
    }
}

/// What the user asks to preview or import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportRequest {
    pub kind: DirectoryKind,
    /// The file's bytes in base64, exactly as read from disk: the encoding is found here, not in
    /// the webview (which would replace what it cannot decode).
    pub data: String,
    /// Per column of the file, in order: the field it is read as (`None`: ignored). `None` as a
    /// whole: recognise the columns by their names and the last mapping used.
    pub mapping: Option<Vec<Option<String>>>,
    #[serde(default)]
    pub defaults: Option<ImportDefaults>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportPreview {
    pub kind: DirectoryKind,
    pub encoding: TextEncoding,
    pub encoding_label: String,
    pub columns: Vec<ColumnMap>,
    /// What the columns can be mapped to.
    pub fields: Vec<FieldChoice>,
    /// Headers of the columns read as nothing, so none is dropped silently.
    pub ignored: Vec<String>,
    pub rows: Vec<ImportRow>,
    pub errors: Vec<RowError>,
    pub creates: i64,
    pub updates: i64,
    pub unchanged: i64,
}

impl ImportPreview {
    pub fn new(kind: DirectoryKind, file: &ParsedFile, rows: Vec<ImportRow>, errors: Vec<RowError>) -> Self {
        let count = |a: ImportAction| rows.iter().filter(|r| r.action == a).count() as i64;
        ImportPreview {
            kind,
            encoding: file.encoding,
            encoding_label: file.encoding.label().to_owned(),
            fields: columns_of(kind)
                .iter()
                .map(|c| FieldChoice {
                    name: c.name.into(),
                    label: c.label.into(),
                    required: c.required,
                })
                .collect(),
            ignored: file
                .columns
                .iter()
                .filter(|c| c.field.is_none())
                .map(|c| c.header.clone())
                .collect(),
            columns: file.columns.clone(),
            creates: count(ImportAction::Create),
            updates: count(ImportAction::Update),
            unchanged: count(ImportAction::Unchanged),
            rows,
            errors,
        }
    }
}

/// A column: its name in our files, how the preview names it, the other names directory exports
/// use (as slugs), and whether it must be there.
struct Column {
    name: &'static str,
    label: &'static str,
    aliases: &'static [&'static str],
    required: bool,
}

const PEOPLE: &[Column] = &[
    Column {
        name: "name",
        label: "Name (whole)",
        aliases: &["full-name", "display-name", "displayname", "cn", "common-name"],
        required: false, // or given and family name; checked in `missing_required`
    },
    Column {
        name: "given_name",
        label: "Given (first) name",
        aliases: &[
            "givenname",
            "given-name",
            "first-name",
            "firstname",
            "first",
            "forename",
        ],
        required: false,
    },
    Column {
        name: "family_name",
        label: "Family (last) name",
        aliases: &["surname", "sn", "family-name", "last-name", "lastname", "last"],
        required: false,
    },
    Column {
        name: "email",
        label: "Email",
        aliases: &[
            "e-mail",
            "mail",
            "email-address",
            "e-mail-address",
            "emailaddress",
            "primary-email",
            "userprincipalname",
            "user-principal-name",
        ],
        required: true,
    },
    Column {
        name: "phone",
        label: "Phone",
        aliases: &[
            "telephone",
            "telephonenumber",
            "telephone-number",
            "mobile",
            "mobile-phone",
            "phone-number",
            "business-phone",
            "office-phone",
            "work-phone",
        ],
        required: false,
    },
    Column {
        name: "title",
        label: "Job title",
        aliases: &["job-title", "jobtitle", "position"],
        required: false,
    },
    Column {
        name: "department",
        label: "Department",
        aliases: &["dept", "division-name"],
        required: false,
    },
    Column {
        name: "organization_kind",
        label: "Organization kind (division, agency, vendor)",
        aliases: &["organization-type", "org-type", "organization-kind", "org-kind"],
        required: false,
    },
    Column {
        name: "organization",
        label: "Organization",
        aliases: &["org", "company", "organisation", "company-name"],
        required: false,
    },
    Column {
        name: "roles",
        label: "Roles",
        aliases: &["role"],
        required: false,
    },
];

const AGENCIES: &[Column] = &[
    Column {
        name: "name",
        label: "Agency name",
        aliases: &["agency", "agency-name"],
        required: true,
    },
    Column {
        name: "business_segment",
        label: "Business segment",
        aliases: &["business-segment", "segment"],
        required: false,
    },
    Column {
        name: "abrm_email",
        label: "ABRM's email",
        aliases: &["abrm-email", "abrm"],
        required: false,
    },
    Column {
        name: "customer_account_rep_email",
        label: "Customer account representative's email",
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
        label: "Key contacts (email=category; ...)",
        aliases: &["key-contacts", "contacts"],
        required: false,
    },
];

const SERVICES: &[Column] = &[
    Column {
        name: "name",
        label: "Service name",
        aliases: &["service", "service-name"],
        required: true,
    },
    Column {
        name: "owner_email",
        label: "Service owner's email",
        aliases: &["owner-email", "service-owner", "owner"],
        required: false,
    },
    Column {
        name: "manager_email",
        label: "Service manager's email",
        aliases: &["manager-email", "service-manager", "manager"],
        required: false,
    },
];

/// The names of a kind's columns in our own files, in order (a mapping may give any column one).
pub fn column_names(kind: DirectoryKind) -> impl Iterator<Item = &'static str> {
    columns_of(kind).iter().map(|c| c.name)
}

fn columns_of(kind: DirectoryKind) -> &'static [Column] {
    match kind {
        DirectoryKind::People => PEOPLE,
        DirectoryKind::Agencies => AGENCIES,
        DirectoryKind::Services => SERVICES,
    }
}

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

/// A file read: its encoding, how its columns are mapped, its rows, and what could not be read.
pub struct ParsedFile {
    pub encoding: TextEncoding,
    pub columns: Vec<ColumnMap>,
    pub records: Vec<Record>,
    pub errors: Vec<RowError>,
}

/// Our export writes a leading apostrophe before a cell that a spreadsheet would take for a
/// formula (see `write`); reading it back takes the apostrophe off again.
fn unescape_cell(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(write::FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// The field each header is read as: the user's explicit choice, else the remembered choice for
/// that header, else the first field whose name or alias matches. A field is taken once.
fn map_columns(
    headers: &csv::StringRecord,
    columns: &'static [Column],
    mapping: Option<&[Option<String>]>,
    remembered: &HashMap<String, Option<String>>,
) -> std::result::Result<Vec<Option<&'static str>>, Vec<RowError>> {
    let known = |name: &str| columns.iter().find(|c| c.name == name).map(|c| c.name);
    let header_error = |reason: String| RowError {
        line: 1,
        field: "header".into(),
        reason,
    };
    let mut taken: Vec<Option<&'static str>> = Vec::new();
    let mut errors = Vec::new();
    if let Some(mapping) = mapping {
        if mapping.len() != headers.len() {
            return Err(vec![header_error(format!(
                "the mapping names {} columns but the file has {}",
                mapping.len(),
                headers.len()
            ))]);
        }
        for choice in mapping {
            let field = match choice.as_deref().filter(|f| !f.is_empty()) {
                None => None,
                Some(f) => match known(f) {
                    Some(k) if taken.contains(&Some(k)) => {
                        errors.push(header_error(format!("two columns are mapped to {f}")));
                        None
                    }
                    Some(k) => Some(k),
                    None => {
                        errors.push(header_error(format!("{f:?} is not a field of this list")));
                        None
                    }
                },
            };
            taken.push(field);
        }
        return if errors.is_empty() { Ok(taken) } else { Err(errors) };
    }
    for h in headers.iter() {
        let s = slug(h);
        let field = match remembered.get(&s) {
            Some(choice) => choice.as_deref().and_then(known),
            None => columns
                .iter()
                .find(|c| slug(c.name) == s || c.aliases.contains(&s.as_str()))
                .map(|c| c.name),
        };
        taken.push(field.filter(|f| !taken.contains(&Some(*f))));
    }
    Ok(taken)
}

fn missing_required(kind: DirectoryKind, mapped: &[Option<&'static str>]) -> Vec<RowError> {
    let has = |name: &str| mapped.contains(&Some(name));
    let mut errors: Vec<RowError> = columns_of(kind)
        .iter()
        .filter(|c| c.required && !has(c.name))
        .map(|c| RowError {
            line: 1,
            field: c.name.into(),
            reason: format!(
                "no column is read as {} (choose one in the mapping)",
                c.label.to_lowercase()
            ),
        })
        .collect();
    if kind == DirectoryKind::People && !has("name") && !has("given_name") && !has("family_name") {
        errors.insert(
            0,
            RowError {
                line: 1,
                field: "name".into(),
                reason: "no column is read as the name, or as given and family name (choose one in the mapping)".into(),
            },
        );
    }
    errors
}

/// Reads a decoded file's rows by the mapping (see [`map_columns`]).
pub fn read_records(
    kind: DirectoryKind,
    text: &str,
    encoding: TextEncoding,
    mapping: Option<&[Option<String>]>,
    remembered: &HashMap<String, Option<String>>,
) -> ParsedFile {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text); // Excel's byte-order mark
    let mut file = ParsedFile {
        encoding,
        columns: Vec::new(),
        records: Vec::new(),
        errors: Vec::new(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            file.errors.push(RowError {
                line: 1,
                field: "header".into(),
                reason: e.to_string(),
            });
            return file;
        }
    };
    let columns = columns_of(kind);
    let mapped = match map_columns(&headers, columns, mapping, remembered) {
        Ok(m) => m,
        Err(errors) => {
            file.errors = errors;
            map_columns(&headers, columns, None, remembered).unwrap_or_default()
        }
    };
    file.columns = headers
        .iter()
        .enumerate()
        .map(|(i, h)| ColumnMap {
            index: i as i64,
            header: h.to_owned(),
            field: mapped.get(i).copied().flatten().map(str::to_owned),
            sample: String::new(),
        })
        .collect();
    file.errors.extend(missing_required(kind, &mapped));
    for result in reader.records() {
        match result {
            Ok(rec) => {
                let line = rec.position().map(|p| p.line() as i64).unwrap_or(0);
                if rec.iter().all(|c| c.is_empty()) {
                    continue;
                }
                for (col, cell) in file.columns.iter_mut().zip(rec.iter()) {
                    if col.sample.is_empty() && !cell.is_empty() {
                        col.sample = cell.chars().take(60).collect();
                    }
                }
                let cells = mapped
                    .iter()
                    .enumerate()
                    .filter_map(|(i, f)| f.map(|f| (f, unescape_cell(rec.get(i).unwrap_or("")).to_owned())))
                    .collect();
                file.records.push(Record { line, cells });
            }
            Err(e) => {
                let line = e.position().map(|p| p.line() as i64).unwrap_or(0);
                file.errors.push(RowError {
                    line,
                    field: "row".into(),
                    reason: format!("unreadable row: {e}"),
                });
            }
        }
    }
    if file.errors.iter().any(|e| e.line == 1) {
        file.records.clear(); // a header problem: no row is read as anything until it is fixed
    }
    file
}

/// "Given Family" where either is mapped; else the whole name, with "Family, Given" (a directory's
/// DisplayName convention) turned round.
fn person_name(rec: &Record) -> String {
    let (given, family) = (rec.get("given_name").trim(), rec.get("family_name").trim());
    if !given.is_empty() || !family.is_empty() {
        return format!("{given} {family}").trim().to_owned();
    }
    let name = rec.get("name").trim();
    match name.split_once(',') {
        Some((family, given)) if !family.trim().is_empty() && !given.trim().is_empty() && !given.contains(',') => {
            format!("{} {}", given.trim(), family.trim())
        }
        _ => name.to_owned(),
    }
}

/// A people row as typed fields, or the reasons it cannot be.
pub fn person_fields(rec: &Record, defaults: &ImportDefaults) -> Result<PersonFields, Vec<RowError>> {
    let mut errors = Vec::new();
    let err = |field: &str, reason: String| RowError {
        line: rec.line,
        field: field.into(),
        reason,
    };
    let kind_text = rec.get("organization_kind");
    let organization_kind = if kind_text.is_empty() {
        defaults.organization_kind
    } else {
        OrgKind::parse(kind_text).unwrap_or_else(|| {
            errors.push(err(
                "organization_kind",
                format!("{kind_text:?} is not division, agency or vendor"),
            ));
            defaults.organization_kind
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
    if roles.is_empty() && rec.get("roles").trim().is_empty() {
        roles = defaults.roles.clone();
    }
    let organization = match (rec.get("organization"), defaults.organization.trim()) {
        ("", "") if organization_kind == OrgKind::Division => "Our IT division".to_owned(),
        ("", chosen) => chosen.to_owned(),
        (o, _) => o.to_owned(),
    };
    let fields = PersonFields {
        name: person_name(rec),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read(kind: DirectoryKind, text: &str) -> (Vec<Record>, Vec<RowError>) {
        let f = read_records(kind, text, TextEncoding::Utf8, None, &HashMap::new());
        (f.records, f.errors)
    }

    fn fields(rec: &Record) -> Result<PersonFields, Vec<RowError>> {
        person_fields(rec, &ImportDefaults::default())
    }

    #[test]
    fn headers_are_matched_by_name_whatever_their_order_spelling_or_bom() {
        let text = "\u{feff}E-mail,Display Name,Job Title,Role\njane@doit.gov,Jane Roe,Engineer,ABRM; service owner\n";
        let (records, errors) = read(DirectoryKind::People, text);
        assert!(errors.is_empty(), "{errors:?}");
        let f = fields(&records[0]).unwrap();
        assert_eq!(
            (f.name.as_str(), f.email.as_str(), f.title.as_str()),
            ("Jane Roe", "jane@doit.gov", "Engineer")
        );
        assert_eq!(f.roles, vec![OrgRole::ServiceOwner, OrgRole::Abrm]);
        assert_eq!(records[0].line, 2, "the header is line 1");
    }

    #[test]
    fn a_file_without_a_required_column_is_refused_at_the_header() {
        let (records, errors) = read(DirectoryKind::People, "name,phone\nJane,123\n");
        assert!(records.is_empty());
        assert_eq!(
            errors,
            vec![RowError {
                line: 1,
                field: "email".into(),
                reason: "no column is read as email (choose one in the mapping)".into()
            }]
        );
    }

    #[test]
    fn each_bad_cell_is_reported_with_its_line_and_field() {
        let text = "name,email,organization_kind,roles\nJane,jane@x.gov,vendor,\n,bob at x.gov,alien,wizard\n";
        let (records, _) = read(DirectoryKind::People, text);
        let errors = fields(&records[1]).unwrap_err();
        let fields: Vec<(i64, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(
            fields,
            [(3, "organization_kind"), (3, "roles"), (3, "name"), (3, "email")]
        );
    }

    #[test]
    fn key_contacts_read_as_email_and_category_pairs() {
        let (records, _) = read(
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

    #[test]
    fn an_active_directory_export_is_read_by_its_own_column_names() {
        let text = "DisplayName,GivenName,Surname,mail,telephoneNumber,title,department,company,whenCreated\n\
                    \"Roe, Jane\",Jane,Roe,Jane.Roe@DWS.state.gov,+1 505 555 0100,Analyst,Benefits,Workforce Solutions,2020-01-01\n";
        let file = read_records(DirectoryKind::People, text, TextEncoding::Utf8, None, &HashMap::new());
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        let mapped: Vec<Option<&str>> = file.columns.iter().map(|c| c.field.as_deref()).collect();
        assert_eq!(
            mapped,
            [
                Some("name"),
                Some("given_name"),
                Some("family_name"),
                Some("email"),
                Some("phone"),
                Some("title"),
                Some("department"),
                Some("organization"),
                None
            ]
        );
        let f = fields(&file.records[0]).unwrap();
        assert_eq!(
            f.name, "Jane Roe",
            "given and family name win over a 'Family, Given' display name"
        );
        assert_eq!(
            (f.email.as_str(), f.organization.as_str()),
            ("jane.roe@dws.state.gov", "Workforce Solutions")
        );
    }

    #[test]
    fn a_family_comma_given_display_name_alone_is_turned_round() {
        let (records, _) = read(DirectoryKind::People, "Display Name,E-mail\n\"Roe, Jane\",j@x.gov\n");
        assert_eq!(fields(&records[0]).unwrap().name, "Jane Roe");
    }

    #[test]
    fn the_users_mapping_overrides_the_guess_and_a_field_cannot_be_taken_twice() {
        let text = "Login,Contact\njroe,jane@x.gov\n";
        let guessed = read_records(DirectoryKind::People, text, TextEncoding::Utf8, None, &HashMap::new());
        assert!(guessed.errors.iter().any(|e| e.field == "name"), "{:?}", guessed.errors);
        let chosen = vec![Some("name".to_owned()), Some("email".to_owned())];
        let file = read_records(
            DirectoryKind::People,
            text,
            TextEncoding::Utf8,
            Some(&chosen),
            &HashMap::new(),
        );
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        assert_eq!(fields(&file.records[0]).unwrap().name, "jroe");
        let twice = vec![Some("email".to_owned()), Some("email".to_owned())];
        let file = read_records(
            DirectoryKind::People,
            text,
            TextEncoding::Utf8,
            Some(&twice),
            &HashMap::new(),
        );
        assert!(file
            .errors
            .iter()
            .any(|e| e.reason == "two columns are mapped to email"));
        assert!(file.records.is_empty(), "nothing is read while the header is wrong");
    }

    #[test]
    fn the_whole_imports_organization_kind_and_roles_fill_empty_cells() {
        let (records, _) = read(
            DirectoryKind::People,
            "name,email,roles\nAna,ana@v.com,\nBo,bo@v.com,ABRM\n",
        );
        let defaults = ImportDefaults {
            organization_kind: OrgKind::Vendor,
            organization: "Acme Networks".into(),
            roles: vec![OrgRole::ServiceOwner],
        };
        let ana = person_fields(&records[0], &defaults).unwrap();
        assert_eq!(
            (ana.organization_kind, ana.organization.as_str()),
            (OrgKind::Vendor, "Acme Networks")
        );
        assert_eq!(ana.roles, vec![OrgRole::ServiceOwner]);
        assert_eq!(
            person_fields(&records[1], &defaults).unwrap().roles,
            vec![OrgRole::Abrm],
            "the file's own roles win"
        );
    }

    #[test]
    fn an_apostrophe_our_export_put_before_a_formula_character_is_taken_off() {
        let (records, _) = read(
            DirectoryKind::People,
            "name,email,phone\nJane,j@x.gov,'+1 505 555 0100\n",
        );
        assert_eq!(fields(&records[0]).unwrap().phone, "+1 505 555 0100");
    }
}
