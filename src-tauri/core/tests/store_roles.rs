//! A team desk's roles are PostgreSQL's to enforce (`store::team_desk`), not only the window's:
//! each role's login tries, through the store, what it must not do, and is refused with a clear
//! message with nothing written. On a SQLite file (one workstation, no logins) the roles do not
//! exist, and asking for them says so.

mod common;

use escalation_core::case::Level;
use escalation_core::identity::IdentityInput;
use escalation_core::store::{cases, team_desk, users};
use escalation_core::{Error, Store};

/// A new login on the test's server with the desk role `role`, mapped to the person `name`
/// (email `first.last@doit.state.gov`) as the desk's owner maps one, and a store connected as it.
fn login_as(t: &common::TempStore, role: &str, name: &str) -> Store {
    let email = format!("{}@doit.state.gov", name.to_lowercase().replace(' ', "."));
    login_as_person(t, role, name, &email)
}

/// [`login_as`] with the person's directory address given.
fn login_as_person(t: &common::TempStore, role: &str, name: &str, email: &str) -> Store {
    let login = new_login(t, role);
    team_desk::grant(&t.store, &login, role).unwrap();
    let mut owner = t.open_again();
    let email = email.to_owned();
    team_desk::map_login(
        &mut owner,
        &login,
        &IdentityInput {
            name: name.into(),
            email,
            role: team_desk::role_title(team_desk::group_role(role).unwrap()).into(),
        },
    )
    .unwrap();
    connect_as(t, &login)
}

/// A new login on the test's server, with no desk role and no person yet.
fn new_login(t: &common::TempStore, role: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let login = format!("{role}_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let mut admin = postgres::Client::connect(&t.pg.as_ref().unwrap().url, postgres::NoTls).unwrap();
    admin.batch_execute(&format!("CREATE ROLE {login} LOGIN")).unwrap();
    login
}

/// A store connected to the test's desk as `login`.
fn connect_as(t: &common::TempStore, login: &str) -> Store {
    // The test server trusts its loopback logins (tests/pg/cluster): the URL names the login.
    let url = &t.pg.as_ref().unwrap().url;
    let (scheme, rest) = url.split_once("://").unwrap();
    let (_, server) = rest.split_once('@').unwrap();
    Store::open_postgres(&format!("{scheme}://{login}@{server}"), None, None).unwrap()
}

fn count(store: &Store, table: &str) -> i64 {
    common::count(store, &format!("SELECT COUNT(*) FROM {table}"))
}

fn refused(result: escalation_core::Result<impl std::fmt::Debug>) -> String {
    match result {
        Err(Error::Refused(message)) => message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn each_role_is_refused_by_the_server_what_it_may_not_do_and_nothing_is_written() {
    let t = common::store();
    if !t.on_postgres() {
        let e = team_desk::create_group_roles(&t.store).unwrap_err();
        assert!(e.to_string().contains("team desk on PostgreSQL"));
        return;
    }
    team_desk::create_group_roles(&t.store).unwrap();
    team_desk::create_group_roles(&t.store).expect("running it again changes nothing");
    let dana = IdentityInput {
        name: "Dana Whitfield".into(),
        email: "dana.whitfield@doit.state.gov".into(),
        role: "Escalation manager".into(),
    };

    // A viewer reads the desk and changes nothing, not even who it is: the login is the person
    // the owner mapped it to, and mapping itself to the manager is refused by the server.
    let mut viewer = login_as(&t, "viewer", "Vic Lee");
    assert_eq!(
        users::get_workstation(&viewer).unwrap().identity.unwrap().name,
        "Vic Lee"
    );
    let users_before = count(&t.store, "users");
    let why = refused(users::update_current_user(&mut viewer, &dana));
    assert!(
        why.starts_with("On a team desk you are the person your login is mapped to"),
        "{why}"
    );
    let login = users::desk_login(&viewer).unwrap().unwrap();
    let why = refused(team_desk::map_login(&mut viewer, &login, &dana));
    assert!(
        why.starts_with("Your login may not do this on the team desk (permission denied for table users"),
        "{why}"
    );
    assert_eq!(count(&t.store, "users"), users_before, "nothing written");

    // A member works on cases but opens none: the whole change is refused, not half of it. Nor
    // may a member make itself someone else.
    let mut member = login_as(&t, "member", "Mo Reyes");
    let login = users::desk_login(&member).unwrap().unwrap();
    assert!(refused(team_desk::map_login(&mut member, &login, &dana)).contains("permission denied for table users"));
    let why = refused(cases::insert_case(
        &mut member,
        &common::new_case("INC0300001", Level::Escalated),
    ));
    assert!(why.contains("permission denied for table cases"), "{why}");
    assert_eq!(count(&t.store, "cases"), 0);
    assert_eq!(count(&t.store, "timeline_events"), 0);

    // A manager opens it.
    let mut manager = login_as(&t, "manager", "Mia Grant");
    cases::insert_case(&mut manager, &common::new_case("INC0300001", Level::Escalated)).unwrap();
    assert_eq!(count(&t.store, "cases"), 1);

    // A new role replaces the old: the manager made a viewer opens no more cases.
    let login: String = manager
        .conn()
        .query_row("SELECT CAST(session_user AS text)", [], |r| r.get(0))
        .unwrap();
    team_desk::grant(&t.store, &login, "viewer").unwrap();
    let why = refused(cases::insert_case(
        &mut manager,
        &common::new_case("INC0300003", Level::Escalated),
    ));
    assert!(why.contains("permission denied"), "{why}");
    assert_eq!(count(&t.store, "cases"), 1);

    // The ABRM role is a member's: it opens no case either.
    let mut abrm = login_as(&t, "abrm", "Avery Chen");
    let why = refused(cases::insert_case(
        &mut abrm,
        &common::new_case("INC0300002", Level::Elevated),
    ));
    assert!(why.contains("permission denied for table cases"), "{why}");
    assert_eq!(count(&t.store, "cases"), 1);

    // No role is made up or given to a login the server does not have.
    assert!(refused(team_desk::grant(&t.store, "nobody_at_all", "viewer")).contains("There is no login"));
    let login = format!("owner_{}", std::process::id());
    let mut admin = postgres::Client::connect(&t.pg.as_ref().unwrap().url, postgres::NoTls).unwrap();
    admin.batch_execute(&format!("CREATE ROLE {login} LOGIN")).unwrap();
    assert!(refused(team_desk::grant(&t.store, &login, "owner")).contains("use viewer, member, abrm or manager"));
}

#[test]
fn on_a_team_desk_every_change_is_made_as_the_person_the_login_is_mapped_to() {
    let t = common::store();
    if !t.on_postgres() {
        // A workstation's file has no logins: its identity is the form's.
        assert_eq!(users::desk_login(&t.store).unwrap(), None);
        assert!(refused(team_desk::map_login(
            &mut t.open_again(),
            "dana",
            &IdentityInput {
                name: "Dana".into(),
                email: "dana@doit.state.gov".into(),
                role: "Escalation manager".into(),
            }
        ))
        .contains("team desk on PostgreSQL"));
        return;
    }
    team_desk::create_group_roles(&t.store).unwrap();

    // A login the manager has not mapped yet is nobody: it changes nothing, and is told whom to ask.
    let login = new_login(&t, "manager");
    team_desk::grant(&t.store, &login, "manager").unwrap();
    let mut nobody = connect_as(&t, &login);
    let ws = users::get_workstation(&nobody).unwrap();
    assert_eq!((ws.identity, ws.desk_login.as_deref()), (None, Some(login.as_str())));
    let why = refused(cases::insert_case(
        &mut nobody,
        &common::new_case("INC0400001", Level::Escalated),
    ));
    assert!(
        why.starts_with(&format!("Your login {login} is not a person on this team desk yet")),
        "{why}"
    );
    assert_eq!(count(&t.store, "cases"), 0);

    // Mapped, the same connection is that person at once; the timeline names them, whatever the
    // workstation's own identity row says.
    let mia = team_desk::map_login(
        &mut t.open_again(),
        &login,
        &IdentityInput {
            name: "Mia Grant".into(),
            email: "mia.grant@doit.state.gov".into(),
            role: "Escalation manager".into(),
        },
    )
    .unwrap();
    let case = cases::insert_case(&mut nobody, &common::new_case("INC0400001", Level::Escalated)).unwrap();
    let events = escalation_core::store::timeline::list_events(&t.store, case.id).unwrap();
    assert!(!events.is_empty());
    assert!(
        events.iter().all(|e| e.actor == "Mia Grant <mia.grant@doit.state.gov>"),
        "{events:?}"
    );
    assert_eq!(users::get_current_user(&nobody).unwrap().unwrap().id, mia.id);

    // Mapping another login to the same person moves the person, not a copy of them; the first
    // login is nobody again.
    let second = new_login(&t, "manager");
    team_desk::grant(&t.store, &second, "manager").unwrap();
    let again = team_desk::map_login(
        &mut t.open_again(),
        &second,
        &IdentityInput {
            name: "Mia Grant".into(),
            email: "mia.grant@doit.state.gov".into(),
            role: "Escalation manager".into(),
        },
    )
    .unwrap();
    assert_eq!(again.id, mia.id);
    assert_eq!(
        users::get_current_user(&connect_as(&t, &second)).unwrap().unwrap().id,
        mia.id
    );
    assert_eq!(users::get_current_user(&nobody).unwrap(), None);
}

#[test]
fn the_server_lets_only_the_cases_abrm_sign_as_abrm_only_a_manager_sign_as_manager_or_escalate_and_owners_change_their_sections_and_actions(
) {
    use escalation_core::aar::SignOffRole;
    use escalation_core::store::aar::{self, AarStep};
    let mut t = common::store();
    // The owner (Dana, the desk's owner login) opens an elevated case with its core team, whose
    // ABRM is "ABRM <id>" <abrm<id>@doit.state.gov>, and starts its report.
    let case = cases::insert_case(&mut t.store, &common::new_case("INC0500001", Level::Elevated)).unwrap();
    common::appoint_core_team(&mut t.store, case.id);
    let report = aar::insert_aar(&mut t.store, case.id).unwrap();
    if !t.on_postgres() {
        // A file has one person at one keyboard and no logins: the window's own checks are the
        // rule, and the person at it is not the case's ABRM.
        for s in &report.sections {
            if s.body.trim().is_empty() {
                aar::update_aar_section(&mut t.store, s.id, s.version, "Written.").unwrap();
            }
        }
        let r = aar::get_aar(t.store.conn(), case.id).unwrap().unwrap();
        let report = aar::update_aar_status(&mut t.store, r.id, r.version, AarStep::SubmitForReview).unwrap();
        let why = refused(common::sign(&mut t.store, report.id, report.version, SignOffRole::Abrm));
        assert!(why.starts_with("Only the case's ABRM"), "{why}");
        assert!(aar::get_aar(t.store.conn(), case.id)
            .unwrap()
            .unwrap()
            .abrm_signoff
            .is_none());
        return;
    }
    team_desk::create_group_roles(&t.store).unwrap();
    let abrm_email = format!("abrm{}@doit.state.gov", case.id);
    let owner_email = format!("owner{}@doit.state.gov", case.id);
    let events = |t: &common::TempStore| count(&t.store, "timeline_events");

    // A member may not escalate: refused by the server, the level and the timeline unchanged.
    let mut member = login_as(&t, "member", "Mo Reyes");
    let before = events(&t);
    let why = refused(cases::update_level(
        &mut member,
        case.id,
        cases::get_case(&t.store, case.id).unwrap().version,
        Level::Escalated,
        "The member thinks so",
    ));
    assert!(
        why.starts_with("Your login may not do this on the team desk (only a desk manager escalates a case"),
        "{why}"
    );
    assert_eq!(cases::get_case(&t.store, case.id).unwrap().level, Level::Elevated);
    assert_eq!(events(&t), before);

    // A section assigned to the incident owner: another member may not write it, its assignee may.
    let owner_person: i64 = common::count(
        &t.store,
        &format!("SELECT id FROM people WHERE email = '{owner_email}'"),
    );
    let section = &report.sections[0];
    aar::update_aar_section_assignee(&mut t.store, section.id, Some(owner_person)).unwrap();
    let section = aar::get_aar(t.store.conn(), case.id).unwrap().unwrap().sections[0].clone();
    let why = refused(aar::update_aar_section(
        &mut member,
        section.id,
        section.version,
        "Not mine to write.",
    ));
    assert!(
        why.contains("is assigned to someone else: its assignee or a manager writes it"),
        "{why}"
    );
    let mut assignee = login_as_person(&t, "member", &format!("Owner {}", case.id), &owner_email);
    aar::update_aar_section(&mut assignee, section.id, section.version, "Written by its assignee.").unwrap();

    // Plan actions likewise: the owner's action is theirs (or a manager's) to change or remove;
    // an action nobody owns, anyone's who may write.
    use escalation_core::plan::PlanKind;
    use escalation_core::store::plans;
    let mut owned = common::action("Replace the storage controller");
    owned.owner_id = Some(owner_person);
    plans::insert_revision(
        &mut t.store,
        case.id,
        PlanKind::Escalation,
        0,
        &[owned, common::action("Brief the agency")],
    )
    .unwrap();
    let plan = |t: &common::TempStore| plans::get_plans(t.store.conn(), case.id).unwrap().escalation;
    let reworded = |t: &common::TempStore, k: usize, text: &str| {
        let mut actions = plan(t).actions;
        actions[k].description = text.into();
        actions
    };
    let revisions = |t: &common::TempStore| count(&t.store, "plan_revisions");
    let before = revisions(&t);
    let why = refused(plans::insert_revision(
        &mut member,
        case.id,
        PlanKind::Escalation,
        plan(&t).revision,
        &reworded(&t, 0, "Mo's version"),
    ));
    assert!(
        why.contains("belongs to someone else: its owner or a manager changes it"),
        "{why}"
    );
    let removed: Vec<_> = plan(&t).actions.into_iter().skip(1).collect();
    let why = refused(plans::insert_revision(
        &mut member,
        case.id,
        PlanKind::Escalation,
        plan(&t).revision,
        &removed,
    ));
    assert!(why.contains("its owner or a manager removes it"), "{why}");
    assert_eq!(revisions(&t), before, "nothing written");
    plans::insert_revision(
        &mut member,
        case.id,
        PlanKind::Escalation,
        plan(&t).revision,
        &reworded(&t, 1, "Brief the agency hourly"),
    )
    .expect("an action nobody owns");
    plans::insert_revision(
        &mut assignee,
        case.id,
        PlanKind::Escalation,
        plan(&t).revision,
        &reworded(&t, 0, "Replace it tonight"),
    )
    .expect("the owner's own action");
    assert_eq!(plan(&t).actions[0].description, "Replace it tonight");

    // The owner writes the rest and submits the report for review.
    for s in &aar::get_aar(t.store.conn(), case.id).unwrap().unwrap().sections {
        if s.body.trim().is_empty() {
            aar::update_aar_section(&mut t.store, s.id, s.version, "Written.").unwrap();
        }
    }
    let report = aar::get_aar(t.store.conn(), case.id).unwrap().unwrap();
    let report = aar::update_aar_status(&mut t.store, report.id, report.version, AarStep::SubmitForReview).unwrap();

    // Signing is checked by the server too, not only by the window: statements that skip the
    // window's checks, from another ABRM's login and from the case's ABRM as manager, are refused.
    let mut other_abrm = login_as(&t, "abrm", "Avery Chen");
    let sign_directly = |store: &mut Store, column: &str| {
        store.conn().execute(
            &format!("UPDATE aars SET {column}_by = 'someone', {column}_at = '2026-12-06T00:00:00.000Z' WHERE id = ?1"),
            [report.id],
        )
    };
    let why = refused(sign_directly(&mut other_abrm, "abrm_signed"));
    assert!(why.contains("only the case's ABRM signs as ABRM, and login"), "{why}");
    let mut case_abrm = login_as_person(&t, "abrm", &format!("ABRM {}", case.id), &abrm_email);
    let why = refused(sign_directly(&mut case_abrm, "manager_signed"));
    assert!(why.contains("only a desk manager signs as escalation manager"), "{why}");
    let unsigned = aar::get_aar(t.store.conn(), case.id).unwrap().unwrap();
    assert!(
        unsigned.abrm_signoff.is_none() && unsigned.manager_signoff.is_none(),
        "nothing written"
    );

    // Through the store, the case's ABRM signs as ABRM, each from their own login.
    let signed = common::sign(&mut case_abrm, report.id, report.version, SignOffRole::Abrm).unwrap();
    assert_eq!(
        signed.abrm_signoff.unwrap().by,
        format!("ABRM {} <{abrm_email}>", case.id)
    );
}
