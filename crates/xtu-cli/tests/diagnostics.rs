//! `xtu doctor` and the saved page of a failure, through the built binary
//! against the fake.

mod common;

use common::{PASSWORD, USER, fake, xtu};
use serde_json::Value;

fn state(dir: &tempfile::TempDir) -> String {
    dir.path().to_string_lossy().into_owned()
}

#[tokio::test]
async fn doctor_passes_against_a_working_site_and_sends_no_password() {
    let fake = fake().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let env = [("XTU_STATE_DIR", state(&dir))];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let run = xtu(&fake, &["doctor", "--format", "json"], &env, None).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["passed"], true, "{report}");
    let names: Vec<&str> = report["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    for step in [
        "sso tcp",
        "cas login page",
        "cas public key",
        "ems hand-off",
        "clock",
    ] {
        assert!(names.contains(&step), "{step} missing from {names:?}");
    }
    assert_eq!(
        fake.count(xtu_fake::System::Sso, "POST", "/cas/login"),
        0,
        "no password"
    );

    // With a stored session, its validity is one more step that passes.
    let mut with_password = env.clone();
    with_password.push(("XTU_PASSWORD", PASSWORD));
    let login = xtu(&fake, &["login", "--username", USER], &with_password, None).await;
    assert_eq!(login.code, 0, "{login:#?}");
    let run = xtu(&fake, &["doctor", "--format", "table"], &env, None).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.contains("stored session"), "{}", run.stdout);
    assert!(
        run.stdout.ends_with("all checks passed\n"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn doctor_names_the_first_failing_step_with_its_exit_code() {
    let fake = fake().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state(&dir);
    // A host that is down: a port that was just free.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let down = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let run = xtu(
        &fake,
        &["doctor", "--format", "json"],
        &[("XTU_STATE_DIR", &state), ("XTU_EMS_BASE_URL", &down)],
        None,
    )
    .await;
    assert_eq!(run.code, 8, "{run:#?}");
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["first_failure"], "ems tcp", "{report}");
    assert_eq!(report["class"], "network", "{report}");

    // A login page without its execution token: the site changed.
    fake.serve_login_page("<html><body><form id=\"fm1\"></form></body></html>");
    let run = xtu(
        &fake,
        &["doctor", "--format", "json"],
        &[("XTU_STATE_DIR", &state)],
        None,
    )
    .await;
    assert_eq!(run.code, 9, "{run:#?}");
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["first_failure"], "cas login page", "{report}");
}

#[tokio::test]
async fn a_page_that_cannot_be_read_is_saved_scrubbed_for_a_bug_report() {
    // Not the fixtures' placeholder number, so its absence means something.
    const STUDENT: &str = "201905001234";
    let fake = xtu_fake::FakeXtu::builder()
        .account(xtu_fake::Account::new(STUDENT, PASSWORD))
        .start()
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state(&dir);
    let login = xtu(
        &fake,
        &["login", "--username", STUDENT],
        &[("XTU_STATE_DIR", &state), ("XTU_PASSWORD", PASSWORD)],
        None,
    )
    .await;
    assert_eq!(login.code, 0, "{login:#?}");
    // The site renamed the student-number field; the page carries a real
    // person's data, which must not reach the saved file.
    let changed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/ems/student-info.html"
    ))
    .expect("fixture")
    .replace("col_xh\"", "col_xsxh\"")
    .replace(USER, STUDENT)
    .replace("张三", "李四光")
    .replace("[PHONE]", "13912345678")
    .replace("[ID-NUMBER]", "430102200106151234")
    .replace("[ADDRESS]", "湖南省湘潭市雨湖区羊牯塘27号");
    fake.serve_profile(changed);
    let run = xtu(&fake, &["info"], &[("XTU_STATE_DIR", &state)], None).await;
    assert_eq!(run.code, 9, "{run:#?}");
    let error = run.stderr.lines().next().expect("an error line").to_owned();
    let command = run
        .stderr
        .lines()
        .find_map(|line| line.strip_prefix("reproduce: "))
        .expect("the command that reproduces it");
    let path = command
        .strip_prefix("xtu parse student-info ")
        .expect("xtu parse on the saved file");
    assert!(path.starts_with(&state), "{path} is in the state directory");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).expect("saved").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let saved = std::fs::read_to_string(path).expect("readable");
    for personal in [
        "李四光",
        "13912345678",
        "430102200106151234",
        "羊牯塘",
        STUDENT,
    ] {
        assert!(!saved.contains(personal), "{personal} in the saved page");
    }
    let reproduced = xtu(
        &fake,
        &["parse", "student-info", path],
        &[("XTU_STATE_DIR", &state)],
        None,
    )
    .await;
    assert_eq!(reproduced.code, 9, "{reproduced:#?}");
    assert_eq!(
        reproduced.stderr.trim_end(),
        error,
        "the same error offline"
    );
}
