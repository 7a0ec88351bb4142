//! `-v` and `XTU_LOG`: one line per HTTP request on standard error, and never
//! a secret in them.

mod common;

use common::{PASSWORD, USER, fake, xtu};

/// Every cookie value of the stored session (both tokens).
fn stored_cookie_values(state: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(state.join(format!("sessions/{USER}.json")))
        .expect("a stored session");
    let stored: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    ["sso_token", "ems_token"]
        .iter()
        .filter_map(|key| stored[key].as_str())
        .flat_map(|token| {
            xtu_sso::CookieJar::from_token(token)
                .expect("token")
                .cookies()
        })
        .map(|cookie| cookie.value)
        .collect()
}

#[tokio::test]
async fn verbose_logs_each_request_and_no_secret() {
    let fake = fake().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().to_string_lossy().into_owned();
    let login = xtu(
        &fake,
        &["-v", "login", "--username", USER],
        &[("XTU_STATE_DIR", &state), ("XTU_PASSWORD", PASSWORD)],
        None,
    )
    .await;
    assert_eq!(login.code, 0, "{login:#?}");
    fake.expire_ems_sessions();
    let query = xtu(
        &fake,
        &[
            "timetable",
            "--year",
            "2025",
            "--term",
            "1",
            "--format",
            "json",
        ],
        &[("XTU_STATE_DIR", &state), ("XTU_LOG", "debug")],
        None,
    )
    .await;
    assert_eq!(query.code, 0, "{query:#?}");

    let log = format!("{}{}", login.stderr, query.stderr);
    let requests: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with("debug: http request"))
        .collect();
    // One line per request the fake saw.
    assert_eq!(requests.len(), fake.requests().len(), "{log}");
    let post = requests
        .iter()
        .find(|l| l.contains("method=POST") && l.contains("path=\"/cas/login\""))
        .expect("the login POST is logged");
    for field in [
        "host=",
        "status=302",
        "ms=",
        "attempt=1",
        "redirect_host=",
        "redirect_path=",
    ] {
        assert!(post.contains(field), "{field} in {post}");
    }

    let mut secrets = stored_cookie_values(dir.path());
    assert!(secrets.len() >= 3, "the fake set cookies: {secrets:?}");
    secrets.push(PASSWORD.to_owned());
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "a secret in the log:\n{log}"
        );
    }
    for leak in ["ticket=", "ST-", "?", "execution", "JSESSIONID"] {
        assert!(!log.contains(leak), "{leak} in the log:\n{log}");
    }
}
