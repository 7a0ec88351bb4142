//! Off campus: the built `xtu` through a SOCKS5 and an HTTP proxy on
//! loopback in front of the fake, whose base URLs are names only the
//! proxies know (`sso.xtu.test`, `jw.xtu.test`): a login and a query
//! succeed only if the proxy resolved them.

mod common;

use common::proxy::{self, Kind, TestProxy};
use common::{PASSWORD, USER, xtu};
use xtu_fake::{Account, FakeXtu};

/// A fake XTU reachable only by name, through a proxy.
async fn named_fake() -> FakeXtu {
    FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .host_names("sso.xtu.test", "jw.xtu.test")
        .start()
        .await
}

/// Logs in and asks for the timetable, both with `-v` and the proxy given by
/// `how` (a flag or environment variables); returns everything printed.
async fn login_and_query(fake: &FakeXtu, proxy_args: &[&str], env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().to_string_lossy().into_owned();
    let mut env = env.to_vec();
    env.push(("XTU_STATE_DIR", &state));
    let mut login_env = env.clone();
    login_env.push(("XTU_PASSWORD", PASSWORD));
    let mut args = proxy_args.to_vec();
    args.extend(["-v", "login", "--username", USER]);
    let login = xtu(fake, &args, &login_env, None).await;
    assert_eq!(login.code, 0, "{login:#?}");
    let mut args = proxy_args.to_vec();
    args.extend([
        "-v",
        "timetable",
        "--year",
        "2025",
        "--term",
        "1",
        "--format",
        "json",
    ]);
    let query = xtu(fake, &args, &env, None).await;
    assert_eq!(query.code, 0, "{query:#?}");
    let courses: serde_json::Value = serde_json::from_str(&query.stdout).expect("JSON");
    assert!(
        courses["courses"].as_array().is_some_and(|c| !c.is_empty())
            || courses.as_array().is_some_and(|c| !c.is_empty()),
        "no course came through the proxy: {}",
        query.stdout
    );
    let session = std::fs::read_to_string(dir.path().join(format!("sessions/{USER}.json")))
        .expect("a stored session");
    format!(
        "{}{}{}{}{session}",
        login.stdout, login.stderr, query.stdout, query.stderr
    )
}

/// Every request line of `-v` names the proxy, and the proxy was asked for
/// both systems by name.
fn assert_went_through(output: &str, proxy: &TestProxy, fake: &FakeXtu) {
    let requests: Vec<&str> = output
        .lines()
        .filter(|l| l.starts_with("debug: http request"))
        .collect();
    assert!(requests.len() >= 5, "{output}");
    let named = format!("proxy=\"{}\"", proxy.addr);
    for line in &requests {
        assert!(
            line.contains(&named),
            "a request line without the proxy: {line}"
        );
    }
    let asked = proxy.destinations();
    for (name, _) in proxy::names_of(fake) {
        assert!(
            asked.contains(&name),
            "{name} not asked of the proxy: {asked:?}"
        );
    }
    assert!(
        asked
            .iter()
            .all(|d| d.starts_with("sso.xtu.test:") || d.starts_with("jw.xtu.test:")),
        "the client resolved a name itself: {asked:?}"
    );
}

#[tokio::test]
async fn a_socks5h_proxy_resolves_the_names_for_a_login_and_a_query() {
    let fake = named_fake().await;
    let proxy = proxy::start(Kind::Socks5, &proxy::names_of(&fake), None).await;
    let url = format!("socks5h://{}", proxy.addr);
    let output = login_and_query(&fake, &["--proxy", &url], &[]).await;
    assert_went_through(&output, &proxy, &fake);
}

#[tokio::test]
async fn an_http_connect_proxy_with_credentials_never_shows_its_password() {
    let fake = named_fake().await;
    let proxy = proxy::start(
        Kind::Http,
        &proxy::names_of(&fake),
        Some(("student", "pr0xy-s3cret")),
    )
    .await;
    let url = format!("http://student:pr0xy-s3cret@{}", proxy.addr);
    // From XTU_PROXY, which wins over the standard variables.
    let output = login_and_query(
        &fake,
        &[],
        &[("XTU_PROXY", &url), ("https_proxy", "http://127.0.0.1:9")],
    )
    .await;
    assert_went_through(&output, &proxy, &fake);
    assert!(!output.contains("pr0xy-s3cret"), "{output}");
}

#[tokio::test]
async fn a_socks5_proxy_with_credentials_from_all_proxy() {
    let fake = named_fake().await;
    let proxy = proxy::start(
        Kind::Socks5,
        &proxy::names_of(&fake),
        Some(("student", "s0cks-s3cret")),
    )
    .await;
    let url = format!("socks5h://student:s0cks-s3cret@{}", proxy.addr);
    let output = login_and_query(&fake, &[], &[("ALL_PROXY", &url)]).await;
    assert_went_through(&output, &proxy, &fake);
    assert!(!output.contains("s0cks-s3cret"), "{output}");
}

#[tokio::test]
async fn wrong_proxy_credentials_are_the_proxys_answer_and_never_shown() {
    let fake = named_fake().await;
    let proxy = proxy::start(Kind::Socks5, &proxy::names_of(&fake), Some(("u", "right"))).await;
    let url = format!("socks5h://u:wr0ng-pass@{}", proxy.addr);
    let run = xtu(
        &fake,
        &["--proxy", &url, "login", "--username", USER],
        &[
            ("XTU_PASSWORD", PASSWORD),
            ("XTU_STATE_DIR", "/nonexistent-unused"),
        ],
        None,
    )
    .await;
    let line = run.fails_with(8);
    assert!(line.contains(&proxy.addr.to_string()), "{line}");
    assert!(!line.contains("wr0ng-pass"), "{line}");
}

/// A loopback port nothing listens on.
fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

#[tokio::test]
async fn a_dead_proxy_exits_8_and_names_the_proxy() {
    let fake = common::fake().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().to_string_lossy().into_owned();
    for (flag, env_name) in [("socks5h", None), ("http", Some("http_proxy"))] {
        let port = dead_port();
        let url = format!("{flag}://user:d3ad-secret@127.0.0.1:{port}");
        let mut args = vec!["login", "--username", USER];
        let mut env = vec![
            ("XTU_PASSWORD", PASSWORD),
            ("XTU_STATE_DIR", state.as_str()),
        ];
        let flag_args = ["--proxy".to_owned(), url.clone()];
        match env_name {
            Some(name) => env.push((name, url.as_str())),
            None => {
                args.splice(0..0, flag_args.iter().map(String::as_str));
            }
        }
        let run = xtu(&fake, &args, &env, None).await;
        let line = run.fails_with(8);
        assert!(
            line.contains(&format!("could not reach the proxy 127.0.0.1:{port}")),
            "{line}"
        );
        assert!(
            !line.contains("d3ad-secret") && !line.contains("user@"),
            "{line}"
        );
        assert!(
            !line.contains(&fake.sso_base_url()[7..]),
            "names the target: {line}"
        );
    }
    // Nothing reached the fake.
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn proxy_none_ignores_the_environment() {
    let fake = common::fake().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().to_string_lossy().into_owned();
    let dead = format!("socks5h://127.0.0.1:{}", dead_port());
    let run = xtu(
        &fake,
        &["--proxy", "none", "login", "--username", USER],
        &[
            ("XTU_PASSWORD", PASSWORD),
            ("XTU_STATE_DIR", &state),
            ("XTU_PROXY", &dead),
            ("all_proxy", &dead),
        ],
        None,
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
}

#[tokio::test]
async fn an_invalid_proxy_is_a_usage_error_naming_its_source() {
    let fake = common::fake().await;
    let run = xtu(&fake, &["--proxy", "socks4://h:1", "whoami"], &[], None).await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("unsupported scheme socks4"), "{run:#?}");
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().to_string_lossy().into_owned();
    let run = xtu(
        &fake,
        &["login", "--username", USER],
        &[
            ("XTU_PASSWORD", PASSWORD),
            ("XTU_STATE_DIR", &state),
            ("ALL_PROXY", "ftp://u:ftp-secret@h"),
        ],
        None,
    )
    .await;
    let line = run.fails_with(2);
    assert!(line.contains("from ALL_PROXY"), "{line}");
    assert!(!line.contains("ftp-secret"), "{line}");
}

#[tokio::test]
async fn doctor_checks_the_proxy_first_and_leaves_dns_to_a_socks5h_proxy() {
    let fake = named_fake().await;
    let proxy = proxy::start(
        Kind::Socks5,
        &proxy::names_of(&fake),
        Some(("u", "doc-s3cret")),
    )
    .await;
    let url = format!("socks5h://u:doc-s3cret@{}", proxy.addr);
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().to_string_lossy().into_owned();
    let run = xtu(
        &fake,
        &["doctor", "--format", "json"],
        &[("XTU_STATE_DIR", &state), ("XTU_PROXY", &url)],
        None,
    )
    .await;
    assert!(!run.stdout.contains("doc-s3cret") && !run.stderr.contains("doc-s3cret"));
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let steps = report["steps"].as_array().expect("steps");
    assert_eq!(steps[0]["name"], "proxy", "{report:#}");
    assert_eq!(steps[0]["verdict"], "pass", "{report:#}");
    let detail = steps[0]["detail"].as_str().expect("detail");
    assert!(
        detail.contains(&format!("socks5h://{} (from XTU_PROXY)", proxy.addr)),
        "{detail}"
    );
    let step = |name: &str| {
        steps
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no step {name}: {report:#}"))
    };
    for dns in ["sso dns", "ems dns"] {
        assert_eq!(step(dns)["verdict"], "skip", "{report:#}");
        let detail = step(dns)["detail"].as_str().expect("detail");
        assert!(detail.contains("done by the proxy"), "{detail}");
    }
    for through in [
        "sso http",
        "cas login page",
        "cas public key",
        "ems hand-off",
    ] {
        assert_eq!(step(through)["verdict"], "pass", "{through}: {report:#}");
    }
    assert_eq!(report["passed"], true, "{report:#}");
    assert_eq!(run.code, 0, "{run:#?}");

    // The same proxy down: the proxy step fails first, naming it (exit 8).
    let dead = format!("socks5h://127.0.0.1:{}", dead_port());
    let run = xtu(
        &fake,
        &["doctor", "--format", "json"],
        &[("XTU_STATE_DIR", &state), ("all_proxy", &dead)],
        None,
    )
    .await;
    assert_eq!(run.code, 8, "{run:#?}");
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["first_failure"], "proxy", "{report:#}");
    let detail = report["steps"][0]["detail"].as_str().expect("detail");
    assert!(
        detail.contains("could not reach the proxy 127.0.0.1:"),
        "{detail}"
    );
    // Windows has one variable whatever the case of its name, named in upper case.
    let source = if cfg!(windows) {
        "ALL_PROXY"
    } else {
        "all_proxy"
    };
    assert!(detail.contains(&format!("(from {source})")), "{detail}");
}

#[tokio::test]
async fn https_goes_through_a_connect_tunnel_and_a_tls_failure_in_it_is_not_the_proxys() {
    // The fake speaks plain HTTP: an https:// base URL makes the TLS
    // handshake inside the tunnel fail, after the proxy opened it.
    let fake = named_fake().await;
    let proxy = proxy::start(Kind::Http, &proxy::names_of(&fake), None).await;
    let (sso, _) = proxy::names_of(&fake).remove(0);
    let base = format!("https://{sso}");
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().to_string_lossy().into_owned();
    let url = format!("http://{}", proxy.addr);
    let run = xtu(
        &fake,
        &[
            "--proxy",
            &url,
            "--sso-base-url",
            &base,
            "login",
            "--username",
            USER,
        ],
        &[("XTU_PASSWORD", PASSWORD), ("XTU_STATE_DIR", &state)],
        None,
    )
    .await;
    let line = run.fails_with(8);
    assert!(
        proxy.destinations().contains(&sso),
        "{:?}",
        proxy.destinations()
    );
    assert!(!line.contains("could not reach the proxy"), "{line}");
}
