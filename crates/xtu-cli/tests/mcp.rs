//! `xtu mcp` driven by a test client over stdio (newline-delimited JSON-RPC).

mod common;

use common::{PASSWORD, USER};

use std::process::Stdio;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use xtu_fake::{Account, FakeXtu};

struct Client {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

impl Client {
    /// `xtu mcp` on the session stored in `state`, initialized; with the
    /// answer to `initialize`.
    async fn start(fake: &FakeXtu, state: &str) -> (Self, Value) {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_xtu"));
        command
            .arg("mcp")
            .env("XTU_STATE_DIR", state)
            .env("XTU_SSO_BASE_URL", fake.sso_base_url())
            .env("XTU_EMS_BASE_URL", fake.ems_base_url())
            .env("XTU_GRAD_BASE_URL", fake.grad_base_url())
            .env_remove("XTU_TOKEN")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        let mut child = common::spawn(&mut command).expect("xtu mcp starts");
        let stdin = child.stdin.take().expect("stdin");
        let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut client = Self {
            child,
            stdin,
            lines,
        };
        client
            .send(
                json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-06-18", "capabilities": {},
                "clientInfo": {"name": "xtu-test", "version": "0"}}}),
            )
            .await;
        let init = client.response(1).await;
        client
            .send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        (client, init)
    }

    async fn send(&mut self, message: Value) {
        let mut line = message.to_string();
        line.push('\n');
        self.stdin.write_all(line.as_bytes()).await.expect("write");
        self.stdin.flush().await.expect("flush");
    }

    /// The response to request `id` (notifications in between are skipped).
    async fn response(&mut self, id: u64) -> Value {
        loop {
            let line =
                tokio::time::timeout(std::time::Duration::from_secs(20), self.lines.next_line())
                    .await
                    .expect("a response in time")
                    .expect("read")
                    .expect("the server is still running");
            let message: Value = serde_json::from_str(&line).expect("JSON-RPC on stdout");
            if message["id"] == json!(id) {
                return message;
            }
        }
    }

    async fn call(&mut self, id: u64, tool: &str, arguments: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": tool, "arguments": arguments}}))
            .await;
        self.response(id).await["result"].clone()
    }
}

/// A state directory holding a session logged in with the fake's account.
async fn logged_in(fake: &FakeXtu) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().to_string_lossy().into_owned();
    let login = common::xtu(
        fake,
        &["login", "--username", USER],
        &[("XTU_STATE_DIR", &state), ("XTU_PASSWORD", PASSWORD)],
        None,
    )
    .await;
    assert_eq!(login.code, 0, "{login:#?}");
    dir
}

#[tokio::test]
async fn tools_are_listed_and_answer_with_the_stored_session() {
    let fake = FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .start()
        .await;
    let dir = logged_in(&fake).await;
    let state = dir.path().to_string_lossy().into_owned();

    let (mut client, init) = Client::start(&fake, &state).await;
    assert!(
        init["result"]["capabilities"]["tools"].is_object(),
        "{init}"
    );
    assert_eq!(init["result"]["serverInfo"]["name"], "xtu", "{init}");
    assert_eq!(
        init["result"]["serverInfo"]["version"],
        env!("CARGO_PKG_VERSION"),
        "{init}"
    );
    client
        .send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
        .await;
    let list = client.response(2).await;
    let mut names: Vec<&str> = list["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "changes",
            "classroom_availability",
            "evaluations",
            "exams",
            "fill_evaluations",
            "free_rooms",
            "gpa",
            "grad_timetable",
            "grades",
            "majors",
            "notices",
            "plan",
            "progress",
            "student_info",
            "teaching_calendar",
            "timetable",
            "transcript"
        ]
    );
    let classroom = list["result"]["tools"]
        .as_array()
        .and_then(|tools| tools.iter().find(|t| t["name"] == "classroom_availability"))
        .expect("classroom tool");
    assert_eq!(
        classroom["inputSchema"]["properties"]["weeks"]["type"], "array",
        "{classroom}"
    );
    for tool in list["result"]["tools"].as_array().expect("tools") {
        // The one tool that writes says so, and that it cannot be undone.
        let writes = tool["name"] == "fill_evaluations";
        assert_eq!(tool["annotations"]["readOnlyHint"], !writes, "{tool}");
        if writes {
            assert!(
                tool["description"]
                    .as_str()
                    .is_some_and(|d| d.contains("IRREVERSIBLE")),
                "{tool}"
            );
        }
        assert_eq!(tool["outputSchema"]["type"], "object", "{tool}");
    }

    let info = client.call(3, "student_info", json!({})).await;
    assert_eq!(info["isError"], false, "{info}");
    let text = info["content"][0]["text"].as_str().expect("text");
    let profile: Value = serde_json::from_str(text).expect("JSON text");
    assert_eq!(profile["student_id"], USER);
    // The same value as structured content, for clients that read it.
    assert_eq!(info["structuredContent"], profile, "{info}");

    let rooms = client
        .call(
            4,
            "classroom_availability",
            json!({"year": 2025, "term": 1, "weeks": [1, 2, 3],
            "day_of_week": 1, "sections": [1, 2, 3]}),
        )
        .await;
    assert_eq!(rooms["isError"], false, "{rooms}");
    let names: Value =
        serde_json::from_str(rooms["content"][0]["text"].as_str().expect("text")).expect("JSON");
    assert_eq!(
        names["rooms"],
        json!(["化工原理楼-北106", "一教楼-102", "一教楼-114"])
    );

    let bad = client
        .call(
            5,
            "classroom_availability",
            json!({"year": 2025, "term": 3, "weeks": [1],
            "day_of_week": 1, "sections": [1]}),
        )
        .await;
    assert_eq!(bad["isError"], true, "{bad}");
    assert!(
        bad["content"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("invalid term 3")),
        "{bad}"
    );

    let text_json = |answer: &Value| -> Value {
        assert_eq!(answer["isError"], false, "{answer}");
        serde_json::from_str(answer["content"][0]["text"].as_str().expect("text")).expect("JSON")
    };
    let timetable = client
        .call(7, "timetable", json!({"year": 2025, "term": 1}))
        .await;
    assert_eq!(
        text_json(&timetable)["courses"].as_array().map(Vec::len),
        Some(6)
    );
    let exams = client.call(8, "exams", json!({"all": true})).await;
    assert_eq!(text_json(&exams)["exams"].as_array().map(Vec::len), Some(3));
    let grades = client
        .call(9, "grades", json!({"year": 2024, "term": 2}))
        .await;
    assert_eq!(
        text_json(&grades)["grades"].as_array().map(Vec::len),
        Some(3)
    );
    let gpa = client
        .call(
            10,
            "gpa",
            json!({"from": "2022-1", "compulsory_only": true}),
        )
        .await;
    // The same report as `xtu gpa --format json`.
    let gpa = text_json(&gpa);
    // The compulsory courses' own ranking.
    assert_eq!(gpa["ranking"]["gpa"], 3.52, "{gpa}");
    assert_eq!(gpa["compulsory_only"], true, "{gpa}");
    // An undergraduate has no graduate system: a tool error saying so.
    let graduate = client.call(14, "grad_timetable", json!({})).await;
    assert_eq!(graduate["isError"], true, "{graduate}");
    assert!(
        graduate["content"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("no graduate system")),
        "{graduate}"
    );
    let half = client.call(11, "timetable", json!({"year": 2025})).await;
    assert_eq!(half["isError"], true, "{half}");
    let backwards = client
        .call(12, "gpa", json!({"from": "2025-1", "to": "2024-2"}))
        .await;
    assert!(
        backwards["content"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("invalid term range")),
        "{backwards}"
    );

    let transcript = client.call(13, "transcript", json!({})).await;
    let transcript = text_json(&transcript);
    assert_eq!(
        transcript["scores"].as_array().map(Vec::len),
        Some(30),
        "{transcript}"
    );

    // What is left to graduate: the same JSON as `xtu progress`, the
    // structured content matching the declared schema's object.
    let progress = client.call(20, "progress", json!({"missing": true})).await;
    let progress = text_json(&progress);
    assert_eq!(progress["student_id"], USER);
    let short = progress["categories"].as_array().expect("categories");
    assert!(!short.is_empty());
    assert!(
        short
            .iter()
            .all(|c| c["missing_credits"].as_f64() > Some(0.0)),
        "{progress}"
    );
    let plan = client
        .call(21, "plan", json!({"major": "0502", "grade": "2022"}))
        .await;
    assert_eq!(text_json(&plan)["major"]["name"], "软件工程");
    let own = client.call(22, "plan", json!({})).await;
    assert_eq!(text_json(&own)["major"]["code"], "0501");
    let half_plan = client.call(23, "plan", json!({"major": "0502"})).await;
    assert_eq!(half_plan["isError"], true, "{half_plan}");
    let majors = client.call(24, "majors", json!({})).await;
    assert_eq!(text_json(&majors)["majors"][1]["code"], "0502");

    let notices = client.call(14, "notices", json!({})).await;
    let notices = text_json(&notices);
    assert_eq!(notices["notices"][0]["kind"], "调课提醒", "{notices}");
    // The first call records; a grade published afterwards is the one change.
    let first = text_json(&client.call(15, "changes", json!({})).await);
    assert_eq!(first["events"], json!([]), "{first}");
    fake.admin_upsert(
        xtu_fake::AdminKind::Grades,
        json!({"kcmc": "新课程", "kch_id": "9990100", "cj": "86", "xnm": "2024", "xqm": "12"}),
    );
    let changes = text_json(&client.call(16, "changes", json!({"only": "grades"})).await);
    assert_eq!(
        changes["events"].as_array().map(Vec::len),
        Some(1),
        "{changes}"
    );
    assert_eq!(changes["events"][0]["change"], "new");
    assert_eq!(changes["events"][0]["item"]["score"], "86");
    let again = text_json(&client.call(17, "changes", json!({})).await);
    assert_eq!(again["events"], json!([]), "asked again: nothing new");

    fake.expire_ems_sessions();
    fake.expire_sso_sessions();
    let expired = client.call(6, "teaching_calendar", json!({})).await;
    assert_eq!(expired["isError"], true);
    assert!(
        expired["content"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("xtu login")),
        "{expired}"
    );

    drop(client.stdin);
    let status = client.child.wait().await.expect("exits");
    assert!(
        status.success(),
        "xtu mcp exits cleanly when the client closes stdin"
    );
}

/// At a turn of the year the tools ask for the site's current term, and an
/// empty answer carries a warning after its JSON (the structured content
/// keeps its declared shape).
#[tokio::test]
async fn tools_take_the_sites_term_and_say_when_an_answer_is_empty() {
    let fake = FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .today(chrono::NaiveDate::from_ymd_opt(2027, 2, 20).expect("date"))
        .start()
        .await;
    let dir = logged_in(&fake).await;
    let state = dir.path().to_string_lossy().into_owned();
    let (mut client, _) = Client::start(&fake, &state).await;
    let timetable = client.call(2, "timetable", json!({})).await;
    assert_eq!(
        timetable["structuredContent"]["term"], "2026-2027-2",
        "{timetable}"
    );
    assert!(
        timetable["structuredContent"]["courses"]
            .as_array()
            .is_some_and(|c| !c.is_empty()),
        "{timetable}"
    );
    let grades = client.call(3, "grades", json!({})).await;
    assert_eq!(grades["structuredContent"]["grades"], json!([]), "{grades}");
    let content = grades["content"].as_array().expect("content");
    assert_eq!(
        content.last().and_then(|c| c["text"].as_str()),
        Some("warning: no grades in 2026-2027-2, the academic system's current term"),
        "{grades}"
    );
}

#[tokio::test]
async fn the_evaluation_tool_saves_and_submits_only_with_submit_true() {
    let fake = FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .start()
        .await;
    fake.open_evaluations();
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().to_string_lossy().into_owned();
    let login = common::xtu(
        &fake,
        &["login", "--username", USER],
        &[("XTU_STATE_DIR", &state), ("XTU_PASSWORD", PASSWORD)],
        None,
    )
    .await;
    assert_eq!(login.code, 0, "{login:#?}");
    let (mut client, _) = Client::start(&fake, &state).await;
    let states = |fake: &FakeXtu| -> Vec<i8> {
        fake.evaluation_states()
            .into_iter()
            .map(|(_, _, s)| s)
            .collect()
    };

    let list = client.call(2, "evaluations", json!({})).await;
    assert_eq!(list["isError"], false, "{list}");
    assert_eq!(
        list["structuredContent"]["evaluations"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );

    let neither = client.call(3, "fill_evaluations", json!({})).await;
    assert_eq!(neither["isError"], true, "{neither}");
    let bad = client
        .call(
            4,
            "fill_evaluations",
            json!({"answers": {"default": "超级好", "default_score": 90}}),
        )
        .await;
    assert_eq!(bad["isError"], true, "{bad}");
    assert!(fake.evaluation_writes().is_empty());

    let saved = client
        .call(5, "fill_evaluations", json!({"best": true}))
        .await;
    assert_eq!(saved["isError"], false, "{saved}");
    assert_eq!(states(&fake), [0, 0, 0], "saved only: submit was not asked");

    let submitted = client
        .call(6, "fill_evaluations", json!({"best": true, "submit": true}))
        .await;
    assert_eq!(submitted["isError"], false, "{submitted}");
    assert_eq!(states(&fake), [1, 1, 1]);
    assert_eq!(
        fake.evaluation_writes()
            .iter()
            .filter(|w| w.kind == "submit")
            .count(),
        3
    );
}
