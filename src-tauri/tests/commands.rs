//! The commands through Tauri's mock runtime, with the app's real config and capabilities, on a
//! real temp database: arguments and results as the UI sends and reads them, errors as `{kind, ...}`.

use escalation_core::Store;
use escalation_desk_lib::state::Desk;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

struct Harness {
    app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    _dir: tempfile::TempDir,
}

/// A file's bytes as the UI sends them to the import commands.
fn b64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("desk.sqlite3")).unwrap();
    let app = mock_builder()
        .manage(Desk::from_store(store))
        .manage(escalation_desk_lib::integrity::Integrity::default())
        .invoke_handler(escalation_desk_lib::invoke_handler())
        .build(tauri::generate_context!())
        .expect("app builds with the real config and capabilities");
    // What the app's setup does (a mock app never runs its setup): changes become events.
    escalation_desk_lib::events::connect(app.handle());
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    Harness { app, window, _dir: dir }
}

impl Harness {
    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|body| body.deserialize::<Value>().unwrap())
    }

    /// Every `desk-changed` payload the window is sent from now on, in order.
    fn desk_changes(&self) -> std::sync::Arc<std::sync::Mutex<Vec<Value>>> {
        use tauri::Listener;
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = seen.clone();
        self.app
            .listen_any(escalation_desk_lib::events::DESK_CHANGED, move |event| {
                sink.lock()
                    .unwrap()
                    .push(serde_json::from_str::<Value>(event.payload()).unwrap());
            });
        seen
    }

    fn identify(&self) {
        self.invoke(
            "set_identity",
            json!({"input": {"name": "Dana Whitfield", "email": "dana@doit.state.gov", "role": "Escalation manager"}}),
        )
        .expect("identity is accepted");
    }
}

fn intake(ticket: &str) -> Value {
    json!({"input": {
        "fields": {
            "kind": "incident", "ticket": ticket, "title": "Claims portal unavailable", "description": "",
            "agency": "Department of Workforce Solutions", "affectedService": "UI Claims Portal",
            "impact": "high", "urgency": "high", "reportedBy": "Maria Lopez", "escalationManager": "Dana Whitfield"
        },
        "level": "escalated", "levelReason": "Statewide outage"
    }})
}

#[test]
fn a_new_workstation_has_no_identity_and_no_cases_until_told() {
    let h = harness();
    let ws = h.invoke("get_workstation", json!({})).unwrap();
    assert_eq!(ws["identity"], Value::Null);
    assert_eq!(ws["hasCases"], false);
    assert!(ws["databasePath"].as_str().unwrap().ends_with("desk.sqlite3"));
    h.identify();
    let ws = h.invoke("get_workstation", json!({})).unwrap();
    assert_eq!(ws["identity"]["name"], "Dana Whitfield");
}

#[test]
fn changes_before_the_identity_is_set_are_refused_with_the_no_identity_kind() {
    let h = harness();
    let err = h.invoke("open_case", intake("INC0000001")).unwrap_err();
    assert_eq!(err["kind"], "no_identity");
}

#[test]
fn intake_then_the_dashboard_then_the_case_page_then_a_stage_move() {
    let h = harness();
    h.identify();
    let case = h.invoke("open_case", intake("inc0000001")).unwrap();
    assert_eq!(case["fields"]["ticket"], "INC0000001");
    assert_eq!(case["priority"], "P1");
    let list = h
        .invoke(
            "list_cases",
            json!({"filter": {"text": null, "stage": null, "includeClosed": false, "level": null, "sort": "priority"},
                   "page": {"offset": 0, "limit": 25}}),
        )
        .unwrap();
    assert_eq!(list["rows"].as_array().unwrap().len(), 1);
    assert_eq!(list["total"], 1, "a page says how many match in all");

    let id = case["id"].clone();
    let detail = h.invoke("get_case", json!({"id": id})).unwrap();
    assert_eq!(detail["stageOptions"][0]["to"], "team");
    let moved = h
        .invoke(
            "take_stage_action",
            json!({"id": id, "version": 1, "action": "advance", "reason": null}),
        )
        .unwrap();
    assert_eq!(moved["case"]["stage"], "team");
    assert_eq!(
        moved["timeline"].as_array().unwrap().len(),
        3,
        "opened, the P1 executive alert, the move: all on the timeline"
    );
    let report = h.invoke("verify_timeline", json!({"id": id})).unwrap();
    assert_eq!(report["firstBroken"], Value::Null);
}

#[test]
fn errors_cross_ipc_as_kind_message_and_fields() {
    let h = harness();
    h.identify();
    h.invoke("open_case", intake("INC0000001")).unwrap();
    let dup = h.invoke("open_case", intake("INC0000001")).unwrap_err();
    assert_eq!(dup["kind"], "duplicate");
    assert_eq!(dup["field"], "ticket");
    assert!(dup["message"].as_str().unwrap().contains("already used"));

    let mut bad = intake("");
    bad["input"]["fields"]["title"] = json!("");
    let invalid = h.invoke("open_case", bad).unwrap_err();
    assert_eq!(invalid["kind"], "validation");
    let fields: Vec<&str> = invalid["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["ticket", "title"]);

    let stale = h
        .invoke(
            "take_stage_action",
            json!({"id": 1, "version": 99, "action": "advance", "reason": null}),
        )
        .unwrap_err();
    assert_eq!(stale["kind"], "conflict");
    let refused = h
        .invoke(
            "take_stage_action",
            json!({"id": 1, "version": 1, "action": "reopen", "reason": "x"}),
        )
        .unwrap_err();
    assert_eq!(refused["kind"], "transition_refused");
    let missing = h.invoke("get_case", json!({"id": 4242})).unwrap_err();
    assert_eq!(missing["kind"], "not_found");
}

#[test]
fn sample_data_loads_once_into_an_empty_database() {
    let h = harness();
    h.identify();
    let n = h.invoke("load_sample_data", json!({})).unwrap();
    assert!(n.as_u64().unwrap() >= 3);
    assert_eq!(h.invoke("get_workstation", json!({})).unwrap()["hasCases"], true);
    assert_eq!(h.invoke("load_sample_data", json!({})).unwrap_err()["kind"], "refused");
    let problems = h.invoke("list_problems", json!({})).unwrap();
    assert_eq!(problems.as_array().unwrap().len(), 1);
}

#[test]
fn an_unknown_command_is_refused() {
    let h = harness();
    assert!(h.invoke("drop_all_tables", json!({})).is_err());
}

#[test]
fn the_capability_grants_our_own_commands_only_and_each_of_them_exists() {
    let cap: Value = serde_json::from_str(include_str!("../capabilities/default.json")).unwrap();
    // Besides our commands, the window may only listen to the events the backend sends it
    // (screens refresh from them): no other core or plugin permission.
    const LISTENING: [&str; 2] = ["core:event:allow-listen", "core:event:allow-unlisten"];
    let all: Vec<&str> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    let permissions: Vec<&str> = all.iter().copied().filter(|p| !LISTENING.contains(p)).collect();
    assert_eq!(
        all.len() - permissions.len(),
        LISTENING.len(),
        "listening, and nothing else of core"
    );
    assert!(permissions.len() >= 10);
    let h = harness();
    for p in permissions {
        let command = p
            .strip_prefix("allow-")
            .unwrap_or_else(|| panic!("{p} is not one of our own command permissions"))
            .replace('-', "_");
        // Called without arguments: a real, allowed command answers with an argument error or a result.
        let answer = h.invoke(&command, json!({}));
        let text = format!("{answer:?}");
        assert!(
            !text.contains("not allowed") && !text.contains("not found"),
            "{command}: {text}"
        );
    }
}

#[test]
fn a_directory_imported_through_ipc_staffs_a_team_and_shows_the_staff_load() {
    let h = harness();
    h.identify();
    let csv = "name,email,roles\nJane Roe,jane@doit.state.gov,\nAbe Brim,abe@doit.state.gov,ABRM\nGrace Kim,grace@doit.state.gov,Department manager\n";
    let preview = h
        .invoke(
            "preview_import",
            json!({"request": {"kind": "people", "data": b64(csv), "mapping": null}}),
        )
        .unwrap();
    assert_eq!(preview["creates"], 3);
    assert_eq!(
        h.invoke(
            "list_people",
            json!({"filter": {"text": null, "includeRetired": false}})
        )
        .unwrap(),
        json!([])
    );
    h.invoke(
        "apply_import",
        json!({"request": {"kind": "people", "data": b64(csv), "mapping": null}}),
    )
    .unwrap();
    let people = h
        .invoke(
            "list_people",
            json!({"filter": {"text": null, "includeRetired": false}}),
        )
        .unwrap();
    let id = |email: &str| {
        people
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["fields"]["email"] == email)
            .unwrap()["id"]
            .clone()
    };

    let a = h.invoke("open_case", intake("INC0000001")).unwrap();
    let b = h.invoke("open_case", intake("INC0000002")).unwrap();
    for case in [&a, &b] {
        h.invoke("appoint_member", json!({"caseId": case["id"], "appointment": {"personId": id("jane@doit.state.gov"), "role": "subject_matter_expert"}}))
            .unwrap();
    }
    let detail = h
        .invoke(
            "appoint_member",
            json!({"caseId": a["id"], "appointment": {"personId": id("abe@doit.state.gov"), "role": "abrm"}}),
        )
        .unwrap();
    assert_eq!(detail["team"]["members"].as_array().unwrap().len(), 2);
    let taken = h
        .invoke(
            "appoint_member",
            json!({"caseId": a["id"], "appointment": {"personId": id("grace@doit.state.gov"), "role": "abrm"}}),
        )
        .unwrap_err();
    assert_eq!(taken["kind"], "refused");

    let load = h.invoke("get_staff_load", json!({})).unwrap();
    assert_eq!(load[0]["person"]["name"], "Jane Roe");
    let agreeing = h.invoke("list_agreeing_people", json!({})).unwrap();
    assert_eq!(agreeing[0]["name"], "Grace Kim");
    let load = h
        .invoke(
            "record_work_order",
            json!({"input": {"personId": id("jane@doit.state.gov"), "caseIds": [b["id"], a["id"]], "agreedById": id("grace@doit.state.gov"),
                   "agreedAt": "2026-11-27T09:00:00Z", "reason": "VPN first"}}),
        )
        .unwrap();
    assert_eq!(load[0]["order"]["cases"][0]["id"], b["id"]);
}

#[test]
fn mail_settings_are_validated_and_the_password_is_kept_but_never_in_the_database() {
    let h = harness();
    h.identify();
    let mut settings = json!({"host": "smtp.state.gov", "port": 587, "security": "plain", "username": "desk",
        "senderName": "Escalation Desk", "senderAddress": "escalations@doit.state.gov", "extraCaPem": ""});
    let refused = h
        .invoke(
            "save_mail_settings",
            json!({"settings": settings, "password": "pw-123"}),
        )
        .unwrap_err();
    assert_eq!(refused["field"], "security", "plain SMTP to a remote host is refused");
    settings["security"] = json!("starttls");
    let saved = h
        .invoke(
            "save_mail_settings",
            json!({"settings": settings, "password": "pw-123"}),
        )
        .unwrap();
    assert_ne!(
        saved["password"], "none",
        "kept in the keyring or, without one, in memory"
    );
    let db = std::fs::read(h._dir.path().join("desk.sqlite3")).unwrap();
    let wal = std::fs::read(h._dir.path().join("desk.sqlite3-wal")).unwrap_or_default();
    let needle = b"pw-123";
    assert!(
        !db.windows(needle.len()).any(|w| w == needle) && !wal.windows(needle.len()).any(|w| w == needle),
        "the password is not in the database file"
    );
    let test = h
        .invoke("send_test_message", json!({"to": "dana@doit.state.gov"}))
        .unwrap();
    assert_eq!(
        test["failure"], "connect",
        "no server at smtp.state.gov here: a clear connect failure, {test}"
    );
}

#[test]
fn alert_rules_are_tested_saved_and_their_alerts_acknowledged_through_ipc() {
    let h = harness();
    h.identify();
    let case = h.invoke("open_case", intake("inc0000001")).unwrap();
    let page = json!({"page": {"offset": 0, "limit": 10}});
    let open = h.invoke("list_open_alerts", page.clone()).unwrap();
    assert_eq!(open["total"], 1, "the built-in P1 rule alerted: {open}");
    let open = open["rows"].clone();
    assert_eq!(open[0]["case"]["ticket"], "INC0000001");

    let rule = json!({"name": "Workforce portal", "enabled": true,
        "condition": {"type": "all", "of": [
            {"type": "field", "field": "agency", "op": "is", "value": "Department of Workforce Solutions"},
            {"type": "field", "field": "text", "op": "contains", "value": "portal"}]},
        "recipients": {"roles": ["executive_management"], "people": []}});
    let would = h.invoke("test_alert_rule", json!({"rule": rule})).unwrap();
    assert_eq!(would[0]["id"], case["id"], "the test lists the case it would match");
    let bad = json!({"name": "", "enabled": true,
        "condition": {"type": "any", "of": []}, "recipients": {"roles": [], "people": []}});
    let err = h.invoke("add_alert_rule", json!({"rule": bad})).unwrap_err();
    assert_eq!(err["kind"], "validation");
    assert_eq!(
        err["fields"].as_array().unwrap().len(),
        3,
        "name, condition, recipients: {err}"
    );
    let saved = h.invoke("add_alert_rule", json!({"rule": rule})).unwrap();
    assert_eq!(saved["builtin"], false);
    assert_eq!(
        h.invoke("list_open_alerts", page.clone()).unwrap()["rows"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let id = open[0]["id"].clone();
    let acked = h
        .invoke("acknowledge_alert", json!({"id": id, "note": "CIO informed"}))
        .unwrap();
    assert!(acked["acknowledgedAt"].is_string());
    let detail = h.invoke("get_case", json!({"id": case["id"]})).unwrap();
    assert_eq!(detail["alerts"].as_array().unwrap().len(), 2);
    assert_eq!(detail["timeline"][0]["kind"], "alert_acknowledged");
    h.invoke("delete_alert_rule", json!({"id": saved["id"]})).unwrap();
    assert_eq!(
        h.invoke("list_alert_rules", json!({}))
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn an_aar_is_started_written_with_a_conflict_and_rendered_through_ipc() {
    let h = harness();
    h.identify();
    let case = h.invoke("open_case", intake("inc0000002")).unwrap();
    assert_eq!(h.invoke("get_aar", json!({"caseId": case["id"]})).unwrap(), Value::Null);
    let aar = h.invoke("start_aar", json!({"caseId": case["id"]})).unwrap();
    let section = aar["sections"][0].clone();
    let saved = h
        .invoke(
            "save_aar_section",
            json!({"sectionId": section["id"], "version": section["version"], "body": "First text"}),
        )
        .unwrap();
    assert_eq!(saved["sections"][0]["body"], "First text");
    let err = h
        .invoke(
            "save_aar_section",
            json!({"sectionId": section["id"], "version": section["version"], "body": "Stale text"}),
        )
        .unwrap_err();
    assert_eq!(
        err["kind"], "conflict",
        "the UI branches on the kind to show both texts: {err}"
    );
    let err = h
        .invoke(
            "change_aar_status",
            json!({"aarId": aar["id"], "version": saved["version"], "step": {"type": "submit_for_review"}}),
        )
        .unwrap_err();
    assert_eq!(err["kind"], "refused", "empty sections remain: {err}");
    let rendered = h.invoke("render_aar", json!({"caseId": case["id"]})).unwrap();
    let render = &rendered["renders"][0];
    assert_eq!(render["status"], "draft");
    assert!(render["pages"].as_i64().unwrap() >= 2, "cover and body: {render}");
    let err = h.invoke("open_aar_pdf", json!({"path": "/etc/passwd"})).unwrap_err();
    assert_eq!(err["kind"], "refused", "only our own rendered files are opened");
}

#[test]
fn a_hostile_section_is_refused_on_save_and_one_already_stored_still_renders_instead_of_killing_the_window() {
    let h = harness();
    h.identify();
    let case = h.invoke("open_case", intake("INC0000001")).unwrap();
    let aar = h
        .invoke("start_aar", json!({"caseId": case["id"]}))
        .expect("a report is started");
    let section = &aar["sections"][0];
    let hostile = format!("{}the innermost quote", ">".repeat(100_000));
    let refused = h
        .invoke(
            "save_aar_section",
            json!({"sectionId": section["id"], "version": section["version"], "body": hostile}),
        )
        .unwrap_err();
    assert_eq!(
        refused["kind"], "validation",
        "the author is told, beside the editor: {refused}"
    );
    assert_eq!(
        refused["field"], "body",
        "the error sits on the section's text: {refused}"
    );

    // Written around the store (an older version, another tool): the render must still come back.
    let raw = Store::open(h._dir.path().join("desk.sqlite3")).unwrap();
    raw.conn()
        .execute(
            "UPDATE aar_sections SET body = ?2 WHERE id = ?1",
            rusqlite::params![section["id"].as_i64().unwrap(), hostile],
        )
        .unwrap();
    drop(raw);
    let rendered = h.invoke("render_aar", json!({"caseId": case["id"]}));
    let rendered = rendered.expect("the stored hostile text is drawn flat and the report renders");
    assert_eq!(
        rendered["renders"].as_array().map(Vec::len),
        Some(1),
        "the PDF is kept: {rendered}"
    );
}

#[test]
fn the_timeline_check_is_reported_once_it_has_run_and_not_before() {
    let h = harness();
    assert_eq!(
        h.invoke("get_integrity", json!({})).unwrap(),
        Value::Null,
        "not run yet"
    );
}

#[test]
fn each_change_tells_the_window_what_it_touched_and_reads_or_refusals_tell_it_nothing() {
    let h = harness();
    h.identify();
    let seen = h.desk_changes();
    let taken = || std::mem::take(&mut *seen.lock().unwrap());

    let case = h.invoke("open_case", intake("INC0000001")).unwrap();
    let id = case["id"].as_i64().unwrap();
    assert_eq!(
        taken(),
        vec![json!({"entity": "case", "caseId": id})],
        "a new case names itself, known only once it is made"
    );

    h.invoke("get_case", json!({"id": id})).unwrap();
    h.invoke(
        "list_people",
        json!({"filter": {"text": null, "includeRetired": false}}),
    )
    .unwrap();
    assert_eq!(
        taken(),
        Vec::<Value>::new(),
        "reading changes nothing, so nothing is said"
    );

    let refused = h.invoke(
        "update_case",
        json!({"id": id, "version": 99, "fields": case["fields"]}),
    );
    assert_eq!(refused.unwrap_err()["kind"], "conflict");
    assert_eq!(taken(), Vec::<Value>::new(), "a refused change changed nothing");

    let person = h
        .invoke(
            "add_person",
            json!({"fields": {"name": "Jane Roe", "email": "jane@doit.state.gov", "phone": "", "title": "",
                "department": "", "organizationKind": "division", "organization": "DoIT", "roles": []}}),
        )
        .unwrap();
    assert_eq!(
        taken(),
        vec![json!({"entity": "directory", "caseId": null})],
        "the directory is no one case's"
    );

    h.invoke(
        "appoint_member",
        json!({"caseId": id, "appointment": {"personId": person["id"], "role": "incident_owner"}}),
    )
    .unwrap();
    h.invoke(
        "take_stage_action",
        json!({"id": id, "version": 1, "action": "advance", "reason": null}),
    )
    .unwrap();
    assert_eq!(
        taken(),
        vec![
            json!({"entity": "team", "caseId": id}),
            json!({"entity": "case", "caseId": id})
        ],
        "each change of the case, in the order made"
    );
}

#[test]
fn every_command_that_writes_through_the_store_goes_through_desk_change_so_the_window_hears_of_it() {
    // The store's verbs say what writes (insert_, update_, delete_, apply_): a command calling one
    // without `Desk::change` would leave the open screens showing what was there before.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        for command in source.split("#[tauri::command]").skip(1) {
            let name = command
                .split("pub async fn ")
                .nth(1)
                .and_then(|rest| rest.split('(').next())
                .unwrap_or("?");
            let writes = ["::insert_", "::update_", "::delete_", "::apply_"]
                .iter()
                .any(|verb| command.contains(verb));
            if writes {
                checked += 1;
                assert!(
                    command.contains(".change(") || command.contains(".change_of("),
                    "{name} in {} writes through the store without Desk::change",
                    path.display()
                );
            }
        }
    }
    assert!(checked >= 50, "the commands that write were found ({checked})");
}

#[test]
fn connecting_to_a_team_desk_names_each_bad_field_and_a_server_that_does_not_answer_changes_nothing() {
    let h = harness();
    let input = |host: &str, port: u16, user: &str| {
        json!({"input": {
            "address": {"host": host, "port": port, "database": "escalation", "user": user, "caFile": null},
            "password": "secret"
        }})
    };
    let err = h.invoke("connect_team_desk", input("db server", 0, "")).unwrap_err();
    assert_eq!(err["kind"], "validation");
    let fields: Vec<&str> = err["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["host", "port", "user"]);

    // A port nothing listens on: the connection is refused, the window stays on its file.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = h
        .invoke("connect_team_desk", input("127.0.0.1", port, "dana"))
        .unwrap_err();
    assert_eq!(err["kind"], "refused");
    let message = err["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!(
            "Could not connect to the team desk 127.0.0.1:{port}/escalation: "
        )),
        "{message}"
    );
    assert!(!message.contains("secret"), "the password is never in a message");
    let ws = h.invoke("get_workstation", json!({})).unwrap();
    assert!(ws["databasePath"].as_str().unwrap().ends_with("desk.sqlite3"));
}
