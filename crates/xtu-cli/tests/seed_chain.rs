//! The seed's whole chain through the built binary against the fake XTU:
//! sso-login → ems-auth → student-info, teaching-calendar,
//! classroom-availability; then expiry and offline parsing.

mod common;

use common::{PASSWORD, USER, fake, xtu};
use xtu_fake::{FakeXtu, System};

/// Logs in and enters the academic system through the binary; returns the
/// EMS token.
async fn ems_token(fake: &FakeXtu, compressed: bool) -> String {
    let flag: &[&str] = if compressed { &["--compressed"] } else { &[] };
    let mut args = vec!["sso-login", "--username", USER];
    args.extend_from_slice(flag);
    let sso = xtu(fake, &args, &[("XTU_PASSWORD", PASSWORD)], None)
        .await
        .ok()
        .trim_end()
        .to_owned();
    let mut args = vec!["ems-auth", "--token", &sso];
    args.extend_from_slice(flag);
    let ems = xtu(fake, &args, &[], None).await.ok().trim_end().to_owned();
    assert_eq!(ems.starts_with('['), !compressed);
    ems
}

const ROOMS: &[&str] = &[
    "classroom-availability",
    "--year",
    "2025",
    "--term",
    "1",
    "--weeks",
    "1",
    "2",
    "3",
    "--day-of-week",
    "1",
    "--sections",
    "1",
    "2",
    "3",
];

#[tokio::test]
async fn the_seed_chain_prints_the_seed_json() {
    let fake = fake().await;
    let token = ems_token(&fake, true).await;
    let env = [("XTU_TOKEN", token.as_str())];

    let info = xtu(&fake, &["student-info", "--compressed"], &env, None).await;
    insta::assert_snapshot!("student-info", info.ok());
    let calendar = xtu(&fake, &["teaching-calendar", "--compressed"], &env, None).await;
    insta::assert_snapshot!("teaching-calendar", calendar.ok());
    let rooms = xtu(&fake, ROOMS, &env, None).await;
    insta::assert_snapshot!("classroom-availability", rooms.ok());

    // The seed's query went out as the protocol describes: bitmasks and xqm.
    let posts = fake.ems_classroom_forms();
    let first = posts.first().expect("a classroom query was sent");
    assert_eq!(first.get("zcd").map(String::as_str), Some("7"));
    assert_eq!(first.get("jcd").map(String::as_str), Some("7"));
    assert_eq!(first.get("xqj").map(String::as_str), Some("1"));
    assert_eq!(first.get("xnm").map(String::as_str), Some("2025"));
    assert_eq!(first.get("xqm").map(String::as_str), Some("3"));
}

#[tokio::test]
async fn plain_tokens_and_token_on_stdin_work_too() {
    let fake = fake().await;
    let token = ems_token(&fake, false).await;
    let run = xtu(
        &fake,
        &["student-info", "--token", "-"],
        &[],
        Some(&format!("{token}\n")),
    )
    .await;
    assert!(
        run.ok().contains("\"student_id\": \"202205561111\""),
        "{run:#?}"
    );
}

#[tokio::test]
async fn an_expired_ems_session_exits_10_and_never_prints_an_empty_result() {
    let fake = fake().await;
    let token = ems_token(&fake, true).await;
    fake.expire_ems_sessions();
    let env = [("XTU_TOKEN", token.as_str())];
    for args in [&["student-info"][..], &["teaching-calendar"][..], ROOMS] {
        let run = xtu(&fake, args, &env, None).await;
        let line = run.fails_with(10);
        assert!(line.contains("session expired"), "{line}");
    }
}

#[tokio::test]
async fn an_expired_sso_session_cannot_enter_the_academic_system() {
    let fake = fake().await;
    let sso = xtu(
        &fake,
        &["sso-login", "--username", USER],
        &[("XTU_PASSWORD", PASSWORD)],
        None,
    )
    .await
    .ok()
    .trim_end()
    .to_owned();
    fake.expire_sso_sessions();
    let run = xtu(&fake, &["ems-auth", "--token", &sso], &[], None).await;
    let line = run.fails_with(10);
    assert!(line.contains("sso session expired"), "{line}");
}

#[tokio::test]
async fn the_error_page_is_reported_as_a_server_error() {
    let fake = fake().await;
    let token = ems_token(&fake, true).await;
    fake.fail_ems_pages_with_error_page(true);
    let run = xtu(
        &fake,
        &["student-info"],
        &[("XTU_TOKEN", token.as_str())],
        None,
    )
    .await;
    let line = run.fails_with(11);
    assert!(
        line.contains("系统运行异常") || line.contains("internal error"),
        "{line}"
    );
}

#[tokio::test]
async fn invalid_input_is_refused_before_any_request() {
    let fake = fake().await;
    let token = ems_token(&fake, true).await;
    let before = fake.requests().len();
    let env = [("XTU_TOKEN", token.as_str())];
    for (flag, value, needle) in [
        ("--term", "3", "invalid term 3"),
        ("--year", "1999", "invalid year 1999"),
        ("--weeks", "26", "invalid week 26"),
        ("--day-of-week", "8", "invalid day of week 8"),
        ("--sections", "12", "invalid section 12"),
    ] {
        let mut args: Vec<&str> = ROOMS.to_vec();
        let at = args.iter().position(|a| *a == flag).expect("flag present");
        args[at + 1] = value;
        let run = xtu(&fake, &args, &env, None).await;
        let line = run.fails_with(2);
        assert!(line.contains(needle), "{line}");
    }
    assert_eq!(
        fake.requests().len(),
        before,
        "no request for invalid input"
    );
}

#[tokio::test]
async fn garbage_tokens_are_usage_errors_that_do_not_echo_the_token() {
    let fake = fake().await;
    for token in ["SECRET-not-a-token", "[{\"key\": \"SECRETKEY\"}]"] {
        let run = xtu(&fake, &["student-info"], &[("XTU_TOKEN", token)], None).await;
        let line = run.fails_with(2);
        assert!(!line.contains("SECRET"), "{line}");
        assert!(line.contains("token"), "{line}");
    }
    assert_eq!(
        fake.count(
            System::Ems,
            "GET",
            "/jwglxt/xsxxxggl/xsgrxxwh_cxXsgrxx.html"
        ),
        0
    );
}

#[tokio::test]
async fn parse_prints_what_the_command_prints() {
    let fake = fake().await;
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/ems");
    let token = ems_token(&fake, true).await;
    let env = [("XTU_TOKEN", token.as_str())];
    for (page, file, args) in [
        ("student-info", "student-info.html", &["student-info"][..]),
        (
            "teaching-calendar",
            "teaching-calendar.html",
            &["teaching-calendar"][..],
        ),
    ] {
        let offline = xtu(
            &fake,
            &["parse", page, &format!("{fixtures}/{file}")],
            &[],
            None,
        )
        .await;
        let online = xtu(&fake, args, &env, None).await;
        assert_eq!(offline.ok(), online.ok(), "{page}");
    }
    let run = xtu(&fake, &["parse", "no-such-page", "x"], &[], None).await;
    assert!(run.fails_with(2).contains("student-info"));
    let run = xtu(
        &fake,
        &[
            "parse",
            "student-info",
            &format!("{fixtures}/student-info.session-expired.html"),
        ],
        &[],
        None,
    )
    .await;
    // Offline nothing expired: the file is named for what it is.
    let line = run.fails_with(9);
    assert!(
        line.contains("student-info.session-expired.html is not a saved student-info page: it is the academic system's login page"),
        "{line}"
    );
    // Not a page at all, though it quotes the error page's words.
    let readme = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let run = xtu(&fake, &["parse", "student-info", readme], &[], None).await;
    let line = run.fails_with(9);
    assert!(
        line.ends_with("README.md is not a saved student-info page: it holds no HTML page"),
        "{line}"
    );
}

/// Commands that need no stored session work on a machine without a state
/// directory (no HOME, no LOCALAPPDATA, no XTU_STATE_DIR); the others say
/// what to set.
#[test]
fn without_a_state_directory_only_the_store_is_missing() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/ems/student-info.html"
    );
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_xtu"))
            .args(args)
            .env_remove("HOME")
            .env_remove("XDG_STATE_HOME")
            .env_remove("LOCALAPPDATA")
            .env_remove("XTU_STATE_DIR")
            .env_remove("XTU_TOKEN")
            .output()
            .expect("xtu runs")
    };
    let parsed = run(&["parse", "student-info", fixture]);
    assert!(parsed.status.success(), "{parsed:?}");
    let whoami = run(&["whoami"]);
    assert_eq!(whoami.status.code(), Some(2), "{whoami:?}");
    assert!(String::from_utf8_lossy(&whoami.stderr).contains("XTU_STATE_DIR"));
}

/// Values from the environment are not flags the user typed: a usage error
/// shows only the command's own syntax.
#[tokio::test]
async fn usage_lines_do_not_list_the_environments_values_as_flags() {
    let fake = fake().await;
    let run = xtu(
        &fake,
        &["grades", "--year", "2024"],
        &[("XTU_USER", "someone")],
        None,
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
    // `xtu` or, on Windows, `xtu.exe`.
    assert!(
        run.stderr.contains("Usage: xtu") && run.stderr.contains(" grades --year <YEAR>"),
        "{run:#?}"
    );
    for flag in ["--sso-base-url", "--ems-base-url", "--timeout", "--user"] {
        assert!(!run.stderr.contains(flag), "{flag}: {run:#?}");
    }
    // The environment is still read, and checked like the flag.
    let run = xtu(&fake, &["whoami"], &[("XTU_TIMEOUT", "0")], None).await;
    assert!(
        run.fails_with(2)
            .contains("invalid XTU_TIMEOUT \"0\": expected seconds, 1-600"),
        "{run:#?}"
    );
}

/// `info` and `calendar` take --format like every other query.
#[tokio::test]
async fn info_and_calendar_print_tables_when_asked() {
    let fake = fake().await;
    let token = ems_token(&fake, true).await;
    let env = [("XTU_TOKEN", token.as_str())];
    let info = xtu(&fake, &["info", "--format", "table"], &env, None).await;
    assert!(
        info.ok()
            .starts_with("student id    202205561111\nname          张三\n"),
        "{info:#?}"
    );
    let calendar = xtu(&fake, &["calendar", "--format", "table"], &env, None).await;
    assert_eq!(
        calendar.ok(),
        "term       2025-2026-1\nfirst day  2025-09-01 (Mon)\nlast day   2026-01-18 (Sun)\nweeks      1-20\n"
    );
    let json = xtu(
        &fake,
        &["teaching-calendar", "--format", "json"],
        &env,
        None,
    )
    .await;
    let json: serde_json::Value = serde_json::from_str(json.ok()).expect("JSON");
    assert_eq!(json["term_id"], "2025-2026-1");
}
