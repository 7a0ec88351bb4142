//! `xtu watch` and `xtu notices` through the built binary against the fake:
//! the first check records silently, a grade published on the fake is
//! reported once by every channel without a login, a moved exam is
//! `changed` with `before`, an expired session is re-entered once, a
//! failing webhook gets the event when it answers again, and a watcher
//! killed mid-delivery loses nothing (what it delivers again carries the
//! same id).

mod common;

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::{PASSWORD, USER, fake, xtu};
use serde_json::{Value, json};
use xtu_fake::{AdminKind, FakeXtu, System};

struct Watcher {
    fake: FakeXtu,
    dir: tempfile::TempDir,
}

impl Watcher {
    /// A fake with the account logged in.
    async fn logged_in() -> Self {
        let fake = fake().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let watcher = Self { fake, dir };
        let login = watcher
            .run(
                &["login", "--username", USER],
                &[("XTU_PASSWORD", PASSWORD)],
            )
            .await;
        assert_eq!(login.code, 0, "{login:#?}");
        watcher
    }

    async fn run(&self, args: &[&str], extra: &[(&str, &str)]) -> common::Run {
        let state = self.dir.path().to_string_lossy().into_owned();
        let mut env = vec![("XTU_STATE_DIR", state.as_str())];
        env.extend_from_slice(extra);
        xtu(&self.fake, args, &env, None).await
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }

    /// Publishes a grade of 2024-2025-2 on the fake.
    fn publish_grade(&self, code: &str, score: &str) {
        self.fake.admin_upsert(
            AdminKind::Grades,
            json!({"kcmc": format!("新课程{code}"), "kch_id": code, "cj": score, "jd": "3.0",
                   "xf": "2.0", "kcxzmc": "必修", "xnm": "2024", "xqm": "12",
                   "xnmmc": "2024-2025", "xqmmc": "2", "jsxm": "教师新"}),
        );
    }
}

fn events(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect()
}

#[tokio::test]
async fn notices_newest_first_in_the_promised_shape() {
    let watcher = Watcher::logged_in().await;
    let run = watcher.run(&["notices", "--format", "json"], &[]).await;
    let notices: Vec<Value> = serde_json::from_str(run.ok()).expect("json");
    assert_eq!(notices.len(), 3);
    let first = run.stdout.split('}').next().expect("an object");
    let at = |key: &str| first.find(&format!("\"{key}\"")).expect(key);
    assert!(
        at("title") < at("kind") && at("kind") < at("text") && at("text") < at("time"),
        "{first}"
    );
    assert_eq!(notices[0].as_object().map(|o| o.len()), Some(4));
    assert_eq!(notices[0]["kind"], "调课提醒");
    assert_eq!(notices[1]["kind"], "考试安排提醒");
    let times: Vec<&str> = notices.iter().filter_map(|n| n["time"].as_str()).collect();
    let mut sorted = times.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
    let forms = watcher.fake.ems_forms("notices");
    let form = forms.last().expect("asked");
    assert_eq!(
        (form["sfyy"].as_str(), form["flag"].as_str()),
        ("0", "1"),
        "{form:?}"
    );
    assert_eq!(form["queryModel.sortName"], "cjsj");
    assert_eq!(form["queryModel.sortOrder"], "desc");
}

#[tokio::test]
#[cfg_attr(windows, ignore = "--exec runs `sh -c` here; Windows runs `cmd /C`")]
async fn a_new_grade_is_reported_once_on_stdout_and_by_exec_without_a_login() {
    let watcher = Watcher::logged_in().await;
    let first = watcher.run(&["watch"], &[]).await;
    assert_eq!(
        first.ok(),
        "",
        "the first check records and reports nothing"
    );

    watcher.publish_grade("9990001", "88");
    watcher.fake.clear_requests();
    let delivered = watcher.path("delivered.jsonl");
    let ids = watcher.path("ids.txt");
    let exec = format!(
        "cat >> '{delivered}' && printf '%s %s %s\\n' \"$XTU_EVENT_ID\" \"$XTU_EVENT_KIND\" \"$XTU_EVENT_CHANGE\" >> '{ids}'"
    );
    let run = watcher.run(&["watch", "--exec", &exec], &[]).await;
    let printed = events(run.ok());
    assert_eq!(printed.len(), 1, "{printed:?}");
    let event = &printed[0];
    assert_eq!(event["kind"], "grade");
    assert_eq!(event["change"], "new");
    assert_eq!(event["item"]["course"], "新课程9990001");
    assert_eq!(event["item"]["score"], "88");
    assert_eq!(event["before"], Value::Null);
    let id = event["id"].as_str().expect("an id");

    // The command got the same event on its stdin and in its environment.
    let piped = std::fs::read_to_string(&delivered).expect("exec ran");
    assert_eq!(events(&piped), printed);
    assert_eq!(
        std::fs::read_to_string(&ids).expect("exec ran").trim(),
        format!("{id} grade new")
    );

    // One request per source, none to the CAS.
    let requests = watcher.fake.requests();
    assert!(
        requests.iter().all(|r| r.system == System::Ems),
        "{requests:#?}"
    );
    assert_eq!(requests.len(), 3, "{requests:#?}");

    let again = watcher.run(&["watch", "--exec", &exec], &[]).await;
    assert_eq!(again.ok(), "", "reported once");
    assert_eq!(
        events(&std::fs::read_to_string(&delivered).expect("read")).len(),
        1
    );
}

#[tokio::test]
async fn report_existing_reports_what_is_there_and_only_filters_sources() {
    let watcher = Watcher::logged_in().await;
    let run = watcher
        .run(&["watch", "--only", "notices", "--report-existing"], &[])
        .await;
    let printed = events(run.ok());
    assert_eq!(printed.len(), 3, "the fixture's three notices");
    assert!(
        printed
            .iter()
            .all(|e| e["kind"] == "notice" && e["change"] == "new")
    );
    assert_eq!(watcher.fake.ems_forms("grades").len(), 0, "--only notices");

    watcher.fake.admin_upsert(
        AdminKind::Notices,
        json!({"id": "N-NEW", "xxbt": "成绩发布通知", "xxnr": "成绩发布通知:新课程的成绩已发布",
               "cjsj": "2025-12-01 10:00:00"}),
    );
    let run = watcher.run(&["watch", "--only", "notices"], &[]).await;
    let printed = events(run.ok());
    assert_eq!(printed.len(), 1);
    assert_eq!(printed[0]["item"]["title"], "成绩发布通知");
    assert_eq!(printed[0]["item"]["kind"], "成绩发布通知");
}

#[tokio::test]
async fn a_moved_exam_is_changed_with_before() {
    let watcher = Watcher::logged_in().await;
    assert_eq!(
        watcher.run(&["watch", "--only", "exams"], &[]).await.ok(),
        ""
    );
    let exams = watcher
        .run(&["exams", "--all", "--format", "json"], &[])
        .await;
    let exams: Vec<Value> = serde_json::from_str(exams.ok()).expect("json");
    let exam = exams
        .iter()
        .find(|e| e["location"].is_string())
        .expect("an exam with a room");
    let old_room = exam["location"].as_str().expect("room").to_owned();
    // The site's item of the same exam (course code and exam name) in another room.
    watcher.fake.admin_upsert(
        AdminKind::Exams,
        json!({"kcmc": exam["course"], "kch": exam["course_code"], "ksmc": exam["exam_name"],
               "kssj": exam["time_text"], "cdmc": "第九教学楼909", "khfs": exam["assessment"],
               "ksfs": exam["method"]}),
    );
    let run = watcher.run(&["watch", "--only", "exams"], &[]).await;
    let printed = events(run.ok());
    assert_eq!(printed.len(), 1, "{printed:?}");
    assert_eq!(printed[0]["kind"], "exam");
    assert_eq!(printed[0]["change"], "changed");
    assert_eq!(printed[0]["item"]["location"], "第九教学楼909");
    assert_eq!(printed[0]["before"]["location"], old_room.as_str());
}

#[tokio::test]
async fn an_expired_session_is_re_entered_once_and_the_event_delivered() {
    let watcher = Watcher::logged_in().await;
    assert_eq!(watcher.run(&["watch"], &[]).await.ok(), "");
    watcher.publish_grade("9990002", "91");
    watcher.fake.expire_ems_sessions();
    watcher.fake.clear_requests();
    let run = watcher.run(&["watch"], &[]).await;
    let printed = events(run.ok());
    assert_eq!(printed.len(), 1);
    assert_eq!(printed[0]["item"]["score"], "91");
    assert_eq!(
        watcher
            .fake
            .count(System::Ems, "GET", "/jwglxt/ticketlogin"),
        1,
        "re-entered once, for every source"
    );
    assert_eq!(
        watcher.fake.count(System::Sso, "POST", "/cas/login"),
        0,
        "no password sent"
    );
    // BENCHMARKS.md's figure: the failed first request, the hand-off, then
    // one request per source.
    let requests = watcher.fake.requests();
    let count = |system| requests.iter().filter(|r| r.system == system).count();
    assert_eq!(
        (count(System::Ems), count(System::Sso)),
        (8, 1),
        "{requests:#?}"
    );
}

/// A request's body and its Authorization header.
type Received = (String, Option<String>);

/// A webhook receiver on loopback that fails its first `failures` requests
/// with 503, then records each request's body and Authorization header.
#[derive(Clone, Default)]
struct Receiver {
    failures_left: Arc<Mutex<u32>>,
    tries: Arc<Mutex<u32>>,
    received: Arc<Mutex<Vec<Received>>>,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    *receiver.tries.lock().expect("lock") += 1;
    {
        let mut left = receiver.failures_left.lock().expect("lock");
        if *left > 0 {
            *left -= 1;
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    }
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    receiver.received.lock().expect("lock").push((body, auth));
    StatusCode::OK
}

async fn start_receiver(failures: u32) -> (Receiver, std::net::SocketAddr) {
    let receiver = Receiver {
        failures_left: Arc::new(Mutex::new(failures)),
        ..Receiver::default()
    };
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (receiver, addr)
}

#[tokio::test]
async fn a_failing_webhook_is_retried_and_its_event_delivered_once_it_answers() {
    let watcher = Watcher::logged_in().await;
    assert_eq!(watcher.run(&["watch"], &[]).await.ok(), "");
    watcher.publish_grade("9990003", "77");

    // Down for longer than one check's tries: not delivered, not recorded.
    let (receiver, addr) = start_receiver(100).await;
    let url = format!("http://hookuser:hookpass@{addr}/hook?token=querysecret");
    let run = watcher.run(&["watch", "--webhook", &url], &[]).await;
    assert_eq!(run.code, 1, "{run:#?}");
    assert_eq!(events(&run.stdout).len(), 1, "stdout always gets it");
    assert!(run.stderr.contains("not delivered"), "{run:#?}");
    assert!(run.stderr.contains("HTTP 503"), "{run:#?}");
    for secret in ["hookpass", "querysecret", "hookuser"] {
        assert!(!run.stderr.contains(secret), "{secret} shown: {run:#?}");
    }
    assert_eq!(
        *receiver.tries.lock().expect("lock"),
        4,
        "tried with backoff"
    );

    // Back after two more failures: the next check delivers it.
    *receiver.failures_left.lock().expect("lock") = 2;
    let run = watcher.run(&["watch", "--webhook", &url], &[]).await;
    let printed = events(run.ok());
    assert_eq!(printed.len(), 1);
    let received = receiver.received.lock().expect("lock").clone();
    assert_eq!(received.len(), 1);
    let (body, auth) = &received[0];
    let posted: Value = serde_json::from_str(body).expect("a JSON body");
    assert_eq!(posted, printed[0]);
    assert_eq!(auth.as_deref(), Some("Basic aG9va3VzZXI6aG9va3Bhc3M="));

    let run = watcher.run(&["watch", "--webhook", &url], &[]).await;
    assert_eq!(run.ok(), "");
    assert_eq!(receiver.received.lock().expect("lock").len(), 1, "once");
}

#[tokio::test]
#[cfg_attr(windows, ignore = "the stand-in notifier is a shell script")]
async fn desktop_notifications_go_through_the_platforms_notifier() {
    let watcher = Watcher::logged_in().await;
    let bin = watcher.dir.path().join("bin");
    std::fs::create_dir(&bin).expect("mkdir");
    let shown = watcher.path("shown.txt");
    let notifier = bin.join("notify-send");
    std::fs::write(
        &notifier,
        format!("#!/bin/sh\nprintf '%s|' \"$@\" >> '{shown}'\necho >> '{shown}'\n"),
    )
    .expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&notifier, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    assert_eq!(watcher.run(&["watch"], &[]).await.ok(), "");
    watcher.publish_grade("9990004", "95");
    let run = watcher
        .run(&["watch", "--desktop"], &[("PATH", path.as_str())])
        .await;
    assert_eq!(events(run.ok()).len(), 1);
    let text = std::fs::read_to_string(&shown).expect("notified");
    assert_eq!(
        text.trim(),
        "--app-name=xtu|xtu: grade new|grade new: 新课程9990004 95 (2024-2025-2)|"
    );

    // Without a notifier: a clear error before anything is asked.
    let empty = watcher.dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let run = watcher
        .run(
            &["watch", "--desktop"],
            &[("PATH", empty.to_str().expect("utf-8"))],
        )
        .await;
    assert!(run.fails_with(2).contains("notify-send"), "{run:#?}");
}

#[tokio::test]
#[cfg_attr(windows, ignore = "kills the watcher while its `sh -c` command runs")]
async fn a_killed_watcher_loses_nothing_and_repeats_only_under_the_same_id() {
    let watcher = Watcher::logged_in().await;
    assert_eq!(watcher.run(&["watch"], &[]).await.ok(), "");
    watcher.publish_grade("9990005", "60");
    watcher.publish_grade("9990006", "70");
    let delivered = watcher.path("delivered.txt");

    // The first event is delivered, then the watcher is killed before it
    // can record it (its command is still running).
    let state = watcher.dir.path().to_string_lossy().into_owned();
    let slow = format!("printf '%s\\n' \"$XTU_EVENT_ID\" >> '{delivered}'; sleep 5");
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_xtu"));
    command
        .args(["watch", "--exec", &slow])
        .env("XTU_STATE_DIR", &state)
        .env("XTU_KEYRING", "none")
        .env("XTU_SSO_BASE_URL", watcher.fake.sso_base_url())
        .env("XTU_EMS_BASE_URL", watcher.fake.ems_base_url())
        .env_remove("XTU_PROXY")
        .env_remove("http_proxy")
        .env_remove("all_proxy")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    let mut child = common::spawn(&mut command).expect("starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::fs::read_to_string(&delivered).map_or(true, |t| t.is_empty()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the command never ran"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    child.kill().await.expect("killed");
    let first_delivery = std::fs::read_to_string(&delivered).expect("read");
    assert_eq!(first_delivery.lines().count(), 1);

    // The state was never half-written.
    let state_file = watcher
        .dir
        .path()
        .join("watch")
        .join(format!("{USER}.watch.json"));
    let saved: Value =
        serde_json::from_slice(&std::fs::read(&state_file).expect("state")).expect("valid JSON");
    assert!(saved["sources"]["grades"].is_object());

    // The next check delivers both: the first again, under the same id.
    let quick = format!("printf '%s\\n' \"$XTU_EVENT_ID\" >> '{delivered}'");
    let run = watcher.run(&["watch", "--exec", &quick], &[]).await;
    let printed = events(run.ok());
    assert_eq!(printed.len(), 2, "{printed:?}");
    let ids: Vec<String> = std::fs::read_to_string(&delivered)
        .expect("read")
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[0], ids[1], "repeated under the same id");
    assert_ne!(ids[1], ids[2]);
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 2, "nothing lost: both grades");

    let run = watcher.run(&["watch", "--exec", &quick], &[]).await;
    assert_eq!(run.ok(), "", "and nothing more");
}

#[tokio::test]
async fn units_run_one_check_on_a_schedule() {
    let watcher = Watcher::logged_in().await;
    let service = watcher
        .run(
            &[
                "watch",
                "--print-unit",
                "systemd",
                "--only",
                "grades",
                "--desktop",
            ],
            &[],
        )
        .await;
    let text = service.ok();
    assert!(text.contains("Type=oneshot"), "{text}");
    let exec_start = text
        .lines()
        .find(|l| l.starts_with("ExecStart="))
        .expect("ExecStart");
    assert!(
        exec_start.ends_with(" watch --once --only grades --desktop"),
        "{exec_start}"
    );
    let timer = watcher
        .run(
            &["watch", "--print-unit", "systemd-timer", "--every", "1m"],
            &[],
        )
        .await;
    assert!(
        timer.ok().contains("OnUnitActiveSec=5min"),
        "the real site's floor holds for units too: {timer:#?}"
    );
    let plist = watcher
        .run(&["watch", "--print-unit", "launchd"], &[])
        .await;
    assert!(plist.ok().contains("<integer>1800</integer>"));
    let task = watcher
        .run(&["watch", "--print-unit", "schtasks"], &[])
        .await;
    assert!(task.ok().contains("<Interval>PT30M</Interval>"));
    let bad = watcher.run(&["watch", "--print-unit", "cron"], &[]).await;
    assert!(bad.fails_with(2).contains("systemd"));
}

#[tokio::test]
async fn a_closed_grade_page_is_read_through_the_transcript() {
    let watcher = Watcher::logged_in().await;
    assert_eq!(
        watcher.run(&["watch", "--only", "grades"], &[]).await.ok(),
        ""
    );
    let page: Vec<Value> = serde_json::from_str(
        watcher
            .run(&["grades", "--all", "--format", "json"], &[])
            .await
            .ok(),
    )
    .expect("json");
    let on_page: Vec<&str> = page.iter().filter_map(|g| g["course"].as_str()).collect();

    // The course evaluation closes the page: it lists nothing, the
    // transcript still lists every grade.
    watcher.fake.serve_xhr(
        "grades",
        r#"{"items":[],"currentPage":1,"totalPage":1,"totalResult":0}"#,
    );
    watcher.fake.clear_requests();
    let run = watcher.run(&["watch", "--only", "grades"], &[]).await;
    let printed = events(run.ok());
    // BENCHMARKS.md's figure: the grade page, then the transcript's three.
    assert_eq!(
        watcher.fake.requests().len(),
        4,
        "{:#?}",
        watcher.fake.requests()
    );
    let transcript: Value = serde_json::from_str(
        watcher
            .run(&["transcript", "--format", "json"], &[])
            .await
            .ok(),
    )
    .expect("json");
    let expected: Vec<&str> = transcript["scores"]
        .as_array()
        .expect("scores")
        .iter()
        .filter_map(|row| row["name"].as_str())
        .filter(|name| !on_page.contains(name))
        .collect();
    assert!(!expected.is_empty());
    let reported: Vec<&str> = printed
        .iter()
        .filter_map(|e| e["item"]["course"].as_str())
        .collect();
    assert_eq!(
        reported, expected,
        "the transcript's grades the page had not shown"
    );
    assert!(
        printed
            .iter()
            .all(|e| e["kind"] == "grade" && e["change"] == "new"),
        "nothing removed or changed by a closed page: {printed:?}"
    );
    assert_eq!(
        watcher.run(&["watch", "--only", "grades"], &[]).await.ok(),
        "",
        "reported once"
    );
}

#[tokio::test]
async fn a_remembered_password_is_sent_once_and_never_again_after_a_lost_answer() {
    let watcher = Watcher::logged_in().await;
    let remember = watcher
        .run(
            &[
                "login",
                "--username",
                USER,
                "--remember",
                "--insecure-store",
            ],
            &[("XTU_PASSWORD", PASSWORD)],
        )
        .await;
    assert_eq!(remember.code, 0, "{remember:#?}");
    assert_eq!(watcher.run(&["watch"], &[]).await.ok(), "");
    let posts = || watcher.fake.count(System::Sso, "POST", "/cas/login");
    let before = posts();

    // Both sessions expire: one automatic login, and the event still comes.
    watcher.publish_grade("9990007", "83");
    watcher.fake.expire_ems_sessions();
    watcher.fake.expire_sso_sessions();
    let run = watcher.run(&["watch"], &[]).await;
    assert_eq!(events(run.ok()).len(), 1);
    assert_eq!(posts(), before + 1, "one password, sent once");

    // Next time the login's answers are lost (the login sends its password
    // once more when the first answer is lost, as for any login): those may
    // have counted as failures, so no check sends another within the
    // guard's window.
    watcher.fake.expire_ems_sessions();
    watcher.fake.expire_sso_sessions();
    watcher.fake.inject(
        xtu_fake::FaultRule::new(System::Sso, xtu_fake::Fault::Reset)
            .method("POST")
            .path("/cas/login")
            .times(2),
    );
    let lost = watcher.run(&["watch"], &[]).await;
    assert_eq!(lost.code, 8, "{lost:#?}");
    assert_eq!(posts(), before + 3);
    let again = watcher.run(&["watch"], &[]).await;
    assert!(again.fails_with(10).contains("xtu login"), "{again:#?}");
    assert_eq!(posts(), before + 3, "no further password within 24 hours");
}

#[tokio::test]
async fn every_checks_at_once_keeps_running_and_stops_on_a_lost_session() {
    use tokio::io::AsyncBufReadExt as _;
    let watcher = Watcher::logged_in().await;
    assert_eq!(watcher.run(&["watch"], &[]).await.ok(), "");
    watcher.publish_grade("9990008", "99");
    let state = watcher.dir.path().to_string_lossy().into_owned();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_xtu"));
    command
        .args(["watch", "--every", "5m"])
        .env("XTU_STATE_DIR", &state)
        .env("XTU_KEYRING", "none")
        .env("XTU_SSO_BASE_URL", watcher.fake.sso_base_url())
        .env("XTU_EMS_BASE_URL", watcher.fake.ems_base_url())
        .env_remove("XTU_PROXY")
        .env_remove("http_proxy")
        .env_remove("all_proxy")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    let mut child = common::spawn(&mut command).expect("starts");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let line = tokio::time::timeout(std::time::Duration::from_secs(20), lines.next_line())
        .await
        .expect("the first check runs at once")
        .expect("read")
        .expect("a line");
    let event: Value = serde_json::from_str(&line).expect("JSON");
    assert_eq!(event["item"]["score"], "99");
    assert!(
        child.try_wait().expect("status").is_none(),
        "still watching"
    );
    // Printed comes before recorded (at-least-once): wait for the record.
    let state_file = watcher
        .dir
        .path()
        .join("watch")
        .join(format!("{USER}.watch.json"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !std::fs::read_to_string(&state_file).is_ok_and(|t| t.contains("9990008")) {
        assert!(std::time::Instant::now() < deadline, "never recorded");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    child.kill().await.expect("killed");
    assert_eq!(watcher.run(&["watch"], &[]).await.ok(), "", "recorded");

    // Logged out: nothing to retry on a schedule, the loop stops at once.
    assert_eq!(watcher.run(&["logout"], &[]).await.code, 0);
    let stopped = watcher.run(&["watch", "--every", "5m"], &[]).await;
    assert!(stopped.fails_with(10).contains("xtu login"), "{stopped:#?}");
}
