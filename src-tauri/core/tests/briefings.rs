//! The briefing documents, on each engine, read back with pdftotext and checked figure by figure
//! against the store: the case briefing and the portfolio briefing with its charts.

mod common;

use chrono::{Duration, Utc};
use common::{action, appoint_car, appoint_core_team, new_case, pdftotext, start_warranty};
use escalation_core::aar::format_minutes;
use escalation_core::case::{Level, NewCase};
use escalation_core::figures::Period;
use escalation_core::plan::{ActionStatus, PlanKind};
use escalation_core::stage::{Stage, StageAction};
use escalation_core::store::briefings::{case_briefing_pdf, portfolio_briefing_pdf, write_case_briefing};
use escalation_core::store::cases::{get_case, insert_case, update_stage};
use escalation_core::store::figures::get_portfolio;
use escalation_core::store::plans::insert_revision;
use escalation_core::store::timeline::{chain_head, grouped_head};
use escalation_core::{ErrorKind, Store};

/// The text of each page (pdftotext separates pages with a form feed).
fn pages(text: &str) -> Vec<&str> {
    text.split('\u{c}').filter(|p| !p.trim().is_empty()).collect()
}

/// One line of text, whatever pdftotext did with its spacing.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A case in Resolving with a team, one action done, one open and overdue on the escalation plan.
fn resolving_case(store: &mut Store, ticket: &str, title: &str) -> i64 {
    let mut input: NewCase = new_case(ticket, Level::Escalated);
    input.fields.title = title.into();
    let case = insert_case(store, &input).unwrap();
    appoint_core_team(store, case.id);
    common::make_plans_ready(store, case.id);
    let mut c = get_case(store, case.id).unwrap();
    for _ in 0..3 {
        c = update_stage(store, c.id, c.version, StageAction::Advance, None).unwrap();
    }
    assert_eq!(c.stage, Stage::Resolving);
    let plans = escalation_core::store::plans::get_plans(store.conn(), c.id).unwrap();
    let mut actions = plans.escalation.actions.clone();
    actions[0].status = ActionStatus::Done;
    let mut late = action("Brief the cabinet secretary | *twice*");
    late.due = Some(Utc::now() - Duration::hours(3));
    actions.push(late);
    insert_revision(store, c.id, PlanKind::Escalation, plans.escalation.revision, &actions).unwrap();
    c.id
}

#[test]
fn a_case_briefing_prints_the_case_as_of_now_with_its_figures_marking_and_chain_head() {
    let mut t = common::store();
    let id = resolving_case(&mut t.store, "INC0004242", "Payroll batch stalled | *mainframe*");
    let pdf = case_briefing_pdf(&t.store, id).unwrap();
    let text = pdftotext(&pdf);
    let all = flat(&text);
    let detail = escalation_core::store::cases::get_case_detail(&t.store, id).unwrap();

    let pages = pages(&text);
    assert!((1..=2).contains(&pages.len()), "one or two pages, not {}", pages.len());
    for p in &pages {
        assert!(p.contains("Internal"), "the marking is on every page:\n{p}");
    }
    assert!(all.contains("Case briefing"), "{all}");
    // What users typed prints as typed: no table cell split at "|", no emphasis eaten.
    assert!(all.contains("Payroll batch stalled | *mainframe*"), "{all}");
    assert!(all.contains("Brief the cabinet secretary | *twice*"), "{all}");
    assert!(all.contains("INC0004242"));
    assert!(all.contains("Escalated · Resolving"), "{all}");
    assert!(
        all.contains(&format!("Priority {}", detail.case.priority.as_str())),
        "{all}"
    );
    assert!(
        all.contains("Department of Workforce Solutions · UI Claims Portal"),
        "{all}"
    );
    for m in detail.team.members.iter().filter(|m| m.released_at.is_none()) {
        assert!(all.contains(&m.person.name), "team member {} is listed", m.person.name);
    }
    // Plan progress, counted by the store's own plan view: done 1, open 1, overdue 1.
    let (done, open, overdue) = escalation_core::briefing::plan_progress(&detail.plans.escalation);
    assert_eq!((done, open, overdue), (1, 1, 1));
    assert!(
        all.contains(&format!(
            "Escalation plan {} {done} {open} {overdue}",
            detail.plans.escalation.revision
        )),
        "{all}"
    );
    assert!(
        all.contains("Overdue escalation action: Brief the cabinet secretary"),
        "{all}"
    );
    // The next decision is the stage bar's forward step with what it misses.
    let forward = detail
        .stage_options
        .iter()
        .find(|o| o.action == StageAction::Advance)
        .unwrap();
    assert!(all.contains(&format!("move to {}", forward.to.label())), "{all}");
    for missing in &forward.missing {
        assert!(all.contains(&flat(missing)), "{missing} is named:\n{all}");
    }
    let head = chain_head(t.store.conn(), id).unwrap();
    assert!(all.contains(&grouped_head(&head)), "the chain head, whole");
}

#[test]
fn a_briefing_is_written_where_only_briefings_are_opened_from() {
    let mut t = common::store();
    let id = resolving_case(&mut t.store, "INC0000001", "Claims portal unavailable");
    let file = write_case_briefing(&t.store, id).unwrap();
    let bytes = std::fs::read(&file.path).unwrap();
    assert_eq!(bytes.len() as i64, file.bytes);
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(file.pages >= 1);
    use escalation_core::store::briefings::check_briefing_file;
    check_briefing_file(&t.store, &file.path).unwrap();
    let elsewhere = t.dir.path().join("not-a-briefing.pdf");
    std::fs::write(&elsewhere, b"%PDF-1.7").unwrap();
    for path in [
        elsewhere.to_string_lossy().into_owned(),
        format!("{}/../desk.sqlite3", t.dir.path().display()),
        "/etc/passwd".into(),
    ] {
        assert_eq!(
            check_briefing_file(&t.store, &path).unwrap_err().kind(),
            ErrorKind::Refused,
            "{path}"
        );
    }
}

#[test]
fn the_portfolio_briefing_counts_charts_and_lists_every_case_of_the_period_as_the_store_has_them() {
    let mut t = common::store();
    let a = resolving_case(&mut t.store, "INC0000001", "Claims portal unavailable");
    let b = resolving_case(&mut t.store, "INC0000002", "VPN drops for field offices");
    appoint_car(&mut t.store, b);
    start_warranty(&mut t.store, b);
    let mut other = new_case("RITM0000003", Level::Elevated);
    other.fields.agency = "Office of the Governor".into();
    let c = insert_case(&mut t.store, &other).unwrap().id;
    // Case a agreed hourly updates three hours ago: its first update is late, the next on time.
    use escalation_core::cadence::{CadenceInput, CadenceKind};
    use escalation_core::communication::{CustomerUpdateInput, UpdateChannel};
    use escalation_core::store::communications::{insert_customer_update, update_cadence};
    let hourly = CadenceInput {
        kind: CadenceKind::EveryHours,
        every_hours: Some(1),
        fixed_times: vec![],
        working_days_only: false,
        time_zone: "America/Denver".into(),
    };
    update_cadence(&mut t.store, a, &hourly).unwrap();
    t.store
        .conn()
        .execute(
            "UPDATE customer_cadences SET agreed_at = ?1 WHERE case_id = ?2",
            escalation_core::store::db::params_from_iter([
                rusqlite::types::Value::Text(common::minutes_from_now(-180)),
                rusqlite::types::Value::Integer(a),
            ]),
        )
        .unwrap();
    let call = CustomerUpdateInput {
        channel: UpdateChannel::Phone,
        summary: "Called the agency's deputy director".into(),
        major: false,
    };
    insert_customer_update(&mut t.store, a, &call).unwrap();
    insert_customer_update(&mut t.store, a, &call).unwrap();

    let today = Utc::now().date_naive();
    let period = Period {
        from: today - Duration::days(27),
        to: today,
    };
    let store_view = get_portfolio(&t.store, &period).unwrap();
    let pdf = portfolio_briefing_pdf(&t.store, &period).unwrap();
    let text = pdftotext(&pdf);
    let all = flat(&text);

    // Counted independently of the figures module: every case is open today.
    let cases = common::count(&t.store, "SELECT COUNT(*) FROM cases");
    let active = common::count(&t.store, "SELECT COUNT(*) FROM cases WHERE stage <> 'closed'");
    assert_eq!(
        (store_view.cases.len() as i64, store_view.active as i64),
        (cases, active)
    );
    assert!(
        all.contains(&format!(
            "{cases} cases were open during the period; {active} are active now"
        )),
        "{all}"
    );
    for p in pages(&text) {
        assert!(p.contains("Internal"), "the marking is on every page");
    }
    // Cases by stage: two charts' bars read back as label then value.
    let in_stage =
        |stage: &str| common::count(&t.store, &format!("SELECT COUNT(*) FROM cases WHERE stage = '{stage}'"));
    for (label, stage) in [
        ("Intake", "intake"),
        ("Resolving", "resolving"),
        ("Warranty", "warranty"),
    ] {
        let n = in_stage(stage);
        assert!(
            all.contains(&format!("{label} {n} case{}", if n == 1 { "" } else { "s" })),
            "{label}: {all}"
        );
    }
    assert!(all.contains("Office of the Governor 1 case"), "{all}");
    assert!(all.contains("Department of Workforce Solutions 2 cases"), "{all}");
    // New escalations per week: the weeks' columns hold every case opened in the period.
    let weekly: usize = store_view.new_per_week.iter().map(|w| w.count).sum();
    assert_eq!(weekly as i64, cases);
    assert!(
        all.contains(&store_view.new_per_week.last().unwrap().label),
        "the last week is labelled"
    );
    // Time to resolve: one resolution, timed as the store has it.
    assert_eq!(store_view.to_resolve.count, 1);
    let minutes = store_view.to_resolve.median_minutes.unwrap();
    assert!(
        all.contains(&format!("Time to resolve 1 {m} {m}", m = format_minutes(minutes))),
        "{all}"
    );
    assert!(all.contains("under 4 hours 1 case 4 to 24 hours 0 cases"), "{all}");
    assert_eq!(
        (store_view.updates_on_time.count, store_view.updates_late.count),
        (1, 1)
    );
    assert_eq!(store_view.updates_late.case_ids, vec![a]);
    assert!(
        all.contains("Customer updates on time 1 Customer updates late 1"),
        "{all}"
    );
    // Times by agency: the one resolution is the Workforce Solutions case's.
    assert!(
        all.contains(&format!(
            "Department of Workforce Solutions 0 min, 0 min (2 cases) {m}, {m} (1 case)",
            m = format_minutes(minutes)
        )),
        "{all}"
    );
    // Every case by priority, each with its chain head.
    for id in [a, b, c] {
        let ticket = get_case(&t.store, id).unwrap().fields.ticket;
        assert!(all.contains(&ticket), "{ticket} listed");
        assert!(
            all.contains(&grouped_head(&chain_head(t.store.conn(), id).unwrap())),
            "{ticket}'s head"
        );
    }
    // The charts are vector graphics: no image in the file.
    assert!(!String::from_utf8_lossy(&pdf).contains("/Subtype /Image"));
}

#[test]
fn a_period_that_runs_backwards_is_refused_with_the_field_named() {
    let t = common::store();
    let today = Utc::now().date_naive();
    let err = portfolio_briefing_pdf(
        &t.store,
        &Period {
            from: today,
            to: today - Duration::days(1),
        },
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert!(err.to_string().contains("ends before it starts"), "{err}");
}
