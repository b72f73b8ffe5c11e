//! The directory on a real SQLite file: people, agencies, services, retiring, CSV import and export.

mod common;

use common::count;
use escalation_core::csv_io::{ImportAction, ImportDefaults, ImportRequest, TextEncoding};
use escalation_core::directory::{
    AgencyFields, DirectoryFilter, DirectoryKind, KeyContactInput, OrgKind, OrgRole, PersonFields,
};
use escalation_core::store::agencies::{
    insert_agency, insert_contact_category, list_agencies, list_contact_categories,
};
use escalation_core::store::directory_csv::{apply_import, export_csv, preview_import};
use escalation_core::store::people::{get_person, insert_person, list_people, update_person, update_person_retired};
use escalation_core::store::services::list_services;
use escalation_core::ErrorKind;

/// A request for `text` as the file's bytes, with the mapping recognised from the headers.
fn req(kind: DirectoryKind, text: &str) -> ImportRequest {
    bytes_req(kind, text.as_bytes())
}

fn bytes_req(kind: DirectoryKind, bytes: &[u8]) -> ImportRequest {
    use base64::Engine;
    ImportRequest {
        kind,
        data: base64::engine::general_purpose::STANDARD.encode(bytes),
        mapping: None,
        defaults: None,
    }
}

fn jane() -> PersonFields {
    PersonFields {
        name: "Jane Roe".into(),
        email: "jane.roe@doit.state.gov".into(),
        phone: "505-555-0100".into(),
        title: "Network engineer".into(),
        department: "Infrastructure".into(),
        organization_kind: OrgKind::Division,
        organization: "DoIT".into(),
        roles: vec![OrgRole::DepartmentManager],
    }
}

const PEOPLE_CSV: &str = "\
Display Name,E-mail,Job Title,Department,Organization Type,Organization,Roles
Jane Roe,jane.roe@doit.state.gov,Network engineer,Infrastructure,division,DoIT,Department manager
Elena Vargas,elena.vargas@doit.state.gov,ABRM,Customer Relations,division,DoIT,ABRM
Linda Morales,linda.morales@dws.state.gov,Cabinet secretary,Office of the Secretary,agency,Department of Workforce Solutions,
Broken Row,not-an-email,,,,,
,nobody@doit.state.gov,,,martian,,wizard
Jane Again,JANE.ROE@doit.state.gov,,,,,
";

#[test]
fn a_person_round_trips_and_an_email_belongs_to_one_person_only() {
    let mut t = common::store();
    let p = insert_person(&mut t.store, &jane()).unwrap();
    assert_eq!(get_person(&t.store, p.id).unwrap(), p);
    let err = insert_person(
        &mut t.store,
        &PersonFields {
            name: "Other".into(),
            email: "JANE.ROE@doit.state.gov".into(),
            ..jane()
        },
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Duplicate);
    assert_eq!(err.payload().field.as_deref(), Some("email"));
    assert!(err.to_string().contains("Jane Roe"), "names who has it: {err}");
}

#[test]
fn editing_a_person_with_an_old_version_is_a_conflict() {
    let mut t = common::store();
    let p = insert_person(&mut t.store, &jane()).unwrap();
    update_person(
        &mut t.store,
        p.id,
        p.version,
        &PersonFields {
            title: "Lead".into(),
            ..jane()
        },
    )
    .unwrap();
    let err = update_person(
        &mut t.store,
        p.id,
        p.version,
        &PersonFields {
            title: "Other".into(),
            ..jane()
        },
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(get_person(&t.store, p.id).unwrap().fields.title, "Lead");
}

#[test]
fn retired_people_leave_the_list_but_stay_findable_and_can_return() {
    let mut t = common::store();
    let p = insert_person(&mut t.store, &jane()).unwrap();
    update_person_retired(&mut t.store, p.id, true).unwrap();
    assert!(list_people(&t.store, &DirectoryFilter::default()).unwrap().is_empty());
    let all = list_people(
        &t.store,
        &DirectoryFilter {
            text: Some("roe".into()),
            include_retired: true,
        },
    )
    .unwrap();
    assert!(all[0].retired_at.is_some());
    update_person_retired(&mut t.store, p.id, false).unwrap();
    assert_eq!(list_people(&t.store, &DirectoryFilter::default()).unwrap().len(), 1);
}

#[test]
fn agencies_keep_their_abrm_account_rep_and_key_contacts_by_category() {
    let mut t = common::store();
    let elena = common::person(&mut t.store, "Elena", "elena@doit.state.gov", &[OrgRole::Abrm]);
    let linda = common::person(&mut t.store, "Linda", "linda@dws.state.gov", &[]);
    let cats = list_contact_categories(&t.store).unwrap();
    let names: Vec<&str> = cats.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Statewide elected official",
            "Cabinet secretary",
            "Agency director",
            "Governor's office staff",
            "Other"
        ]
    );
    let own = insert_contact_category(&mut t.store, "Tribal liaison").unwrap();
    assert!(!own.builtin, "agencies add categories of their own");
    let a = insert_agency(
        &mut t.store,
        &AgencyFields {
            name: "Department of Workforce Solutions".into(),
            business_segment: "Economic Security".into(),
            abrm_id: Some(elena),
            customer_account_rep_id: None,
            contacts: vec![KeyContactInput {
                person_id: linda,
                category_id: cats[1].id,
            }],
        },
    )
    .unwrap();
    assert_eq!(a.abrm.unwrap().name, "Elena");
    assert_eq!(a.contacts[0].category.name, "Cabinet secretary");
    assert_eq!(a.contacts[0].person.name, "Linda");
}

#[test]
fn the_import_preview_reports_each_bad_row_and_imports_nothing() {
    let mut t = common::store();
    let preview = preview_import(&t.store, &req(DirectoryKind::People, PEOPLE_CSV)).unwrap();
    assert_eq!((preview.creates, preview.updates, preview.unchanged), (3, 0, 0));
    let bad: Vec<(i64, &str)> = preview.errors.iter().map(|e| (e.line, e.field.as_str())).collect();
    assert_eq!(
        bad,
        [
            (5, "email"),
            (6, "organization_kind"),
            (6, "roles"),
            (6, "name"),
            (7, "email")
        ],
        "{:#?}",
        preview.errors
    );
    assert!(preview.errors.last().unwrap().reason.contains("same email as line 2"));
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM people"),
        0,
        "a preview changes nothing"
    );

    let done = apply_import(&mut t.store, &req(DirectoryKind::People, PEOPLE_CSV)).unwrap();
    assert_eq!(done.creates, 3);
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM people"),
        3,
        "only the good rows are imported"
    );
    let linda = list_people(
        &t.store,
        &DirectoryFilter {
            text: Some("linda".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(linda[0].fields.organization_kind, OrgKind::Agency);
}

#[test]
fn importing_the_same_file_twice_creates_no_duplicates_and_a_changed_row_updates() {
    let mut t = common::store();
    apply_import(&mut t.store, &req(DirectoryKind::People, PEOPLE_CSV)).unwrap();
    let again = apply_import(&mut t.store, &req(DirectoryKind::People, PEOPLE_CSV)).unwrap();
    assert_eq!((again.creates, again.updates, again.unchanged), (0, 0, 3));
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM people"), 3);

    let changed = PEOPLE_CSV.replace("Network engineer", "Network architect");
    let preview = preview_import(&t.store, &req(DirectoryKind::People, &changed)).unwrap();
    let jane = preview
        .rows
        .iter()
        .find(|r| r.key == "jane.roe@doit.state.gov")
        .unwrap();
    assert_eq!(jane.action, ImportAction::Update);
    apply_import(&mut t.store, &req(DirectoryKind::People, &changed)).unwrap();
    let p = list_people(
        &t.store,
        &DirectoryFilter {
            text: Some("jane".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(p[0].fields.title, "Network architect");
}

#[test]
fn agencies_and_services_import_against_people_by_email_and_report_unknown_ones() {
    let mut t = common::store();
    apply_import(&mut t.store, &req(DirectoryKind::People, PEOPLE_CSV)).unwrap();
    let agencies = "name,business_segment,abrm_email,customer_account_rep_email,key_contacts
Department of Workforce Solutions,Economic Security,elena.vargas@doit.state.gov,,linda.morales@dws.state.gov=Cabinet secretary
Department of Corrections,Public Safety,ghost@doit.state.gov,,
Taxation and Revenue,Revenue,,,linda.morales@dws.state.gov=Mayor
";
    let done = apply_import(&mut t.store, &req(DirectoryKind::Agencies, agencies)).unwrap();
    assert_eq!(done.creates, 1);
    let reasons: Vec<(i64, String)> = done.errors.iter().map(|e| (e.line, e.reason.clone())).collect();
    assert!(
        reasons[0].0 == 3 && reasons[0].1.contains("no person with email ghost@doit.state.gov"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].0 == 4 && reasons[1].1.contains("\"Mayor\" is not a contact category"),
        "{reasons:?}"
    );
    let dws = &list_agencies(&t.store, &DirectoryFilter::default()).unwrap()[0];
    assert_eq!(dws.contacts[0].category.name, "Cabinet secretary");

    let services =
        "Service,Service Owner,Service Manager\nUI Claims Portal,jane.roe@doit.state.gov,elena.vargas@doit.state.gov\n";
    apply_import(&mut t.store, &req(DirectoryKind::Services, services)).unwrap();
    let s = &list_services(&t.store, &DirectoryFilter::default()).unwrap()[0];
    assert_eq!(s.owner.as_ref().unwrap().name, "Jane Roe");
}

#[test]
fn an_export_imports_back_unchanged() {
    let mut t = common::store();
    apply_import(&mut t.store, &req(DirectoryKind::People, PEOPLE_CSV)).unwrap();
    let exported = export_csv(&t.store, DirectoryKind::People).unwrap();
    assert!(exported.starts_with("\u{feff}name,email,phone,title,department,organization_kind,organization,roles\n"));
    let back = preview_import(&t.store, &req(DirectoryKind::People, &exported)).unwrap();
    assert!(back.errors.is_empty(), "{:?}", back.errors);
    assert_eq!((back.creates, back.updates, back.unchanged), (0, 0, 3));
}

/// Outlook's contact export, as Excel saves it on a Western Windows: Windows-1252, its own headers.
const OUTLOOK_CSV_1252: &[u8] = b"First Name,Last Name,E-mail Address,Business Phone,Job Title,Department,Company,Notes\r\n\
Jos\xE9,N\xFA\xF1ez,jose.nunez@acme-networks.com,+1 505 555 0199,Field engineer,Support,Acme Networks,met at kickoff\r\n\
Zo\xEB,M\xFCller,zoe.muller@acme-networks.com,,Account manager,Sales,Acme Networks,\r\n";

#[test]
fn an_outlook_export_in_windows_1252_imports_with_its_accents_and_names_the_ignored_column() {
    let mut t = common::store();
    let mut request = bytes_req(DirectoryKind::People, OUTLOOK_CSV_1252);
    request.defaults = Some(ImportDefaults {
        organization_kind: OrgKind::Vendor,
        organization: String::new(),
        roles: vec![],
    });
    let preview = preview_import(&t.store, &request).unwrap();
    assert!(preview.errors.is_empty(), "{:?}", preview.errors);
    assert_eq!(preview.encoding, TextEncoding::Windows1252);
    assert_eq!(
        preview.ignored,
        ["Notes"],
        "a column we do not use is named, not dropped silently"
    );
    assert_eq!(preview.creates, 2);

    apply_import(&mut t.store, &request).unwrap();
    let people = list_people(&t.store, &DirectoryFilter::default()).unwrap();
    let jose = people
        .iter()
        .find(|p| p.fields.email == "jose.nunez@acme-networks.com")
        .unwrap();
    assert_eq!(jose.fields.name, "José Núñez", "given + family, decoded exactly");
    assert_eq!(jose.fields.organization, "Acme Networks");
    assert_eq!(
        jose.fields.organization_kind,
        OrgKind::Vendor,
        "chosen for the whole import"
    );
    assert!(people.iter().any(|p| p.fields.name == "Zoë Müller"));
}

#[test]
fn the_last_mapping_is_remembered_for_the_next_file_with_the_same_headers() {
    let mut t = common::store();
    let text = "Login,Contact,Cost centre\njroe,jane@doit.state.gov,4410\n";
    let guessed = preview_import(&t.store, &req(DirectoryKind::People, text)).unwrap();
    assert!(
        guessed.errors.iter().any(|e| e.line == 1 && e.field == "name"),
        "{:?}",
        guessed.errors
    );
    assert!(
        apply_import(&mut t.store, &req(DirectoryKind::People, text)).is_err(),
        "a file whose header cannot be read imports nothing"
    );

    let mut chosen = req(DirectoryKind::People, text);
    chosen.mapping = Some(vec![Some("name".into()), Some("email".into()), None]);
    assert_eq!(apply_import(&mut t.store, &chosen).unwrap().creates, 1);

    let next = preview_import(
        &t.store,
        &req(
            DirectoryKind::People,
            "Login,Contact,Cost centre\nabe,abe@doit.state.gov,1\n",
        ),
    )
    .unwrap();
    let fields: Vec<Option<&str>> = next.columns.iter().map(|c| c.field.as_deref()).collect();
    assert_eq!(fields, [Some("name"), Some("email"), None]);
    assert_eq!(next.creates, 1, "{:?}", next.errors);
}

#[test]
fn a_file_that_is_not_text_is_refused_with_a_clear_message_and_nothing_changes() {
    let mut t = common::store();
    let err = apply_import(
        &mut t.store,
        &bytes_req(DirectoryKind::People, b"PK\x03\x04\x14\x00\x06\x00\x08\x00"),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert!(err.to_string().contains("Excel workbook"), "{err}");
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM people"), 0);
}

#[test]
fn an_exported_formula_is_inert_in_a_spreadsheet_and_imports_back_as_typed() {
    let mut t = common::store();
    let mut p = jane();
    p.title = "=HYPERLINK(\"http://evil\",\"x\")".into();
    p.phone = "+1 505 555 0100".into();
    insert_person(&mut t.store, &p).unwrap();
    let exported = export_csv(&t.store, DirectoryKind::People).unwrap();
    assert!(
        exported.contains("\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\""),
        "{exported}"
    );
    assert!(exported.contains(",'+1 505 555 0100,"), "{exported}");
    let back = preview_import(&t.store, &req(DirectoryKind::People, &exported)).unwrap();
    assert_eq!(
        (back.creates, back.updates, back.unchanged),
        (0, 0, 1),
        "{:?}",
        back.errors
    );
}
