//! `doctor` against the fake XTU over loopback: a healthy site, a host that
//! is down, a changed login page, and a TLS server with nothing in common.

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use xtu_fake::{Account, FakeXtu, System};
use xtu_sso::doctor::{self, CheckFailure, DoctorConfig, DoctorReport, FailureClass, Verdict};

async fn fake() -> FakeXtu {
    FakeXtu::builder()
        .account(Account::new("202205561111", "Xtu@2025!"))
        .start()
        .await
}

fn verdicts(report: &DoctorReport) -> Vec<(&str, Verdict)> {
    report
        .steps
        .iter()
        .map(|s| (s.name.as_str(), s.verdict))
        .collect()
}

/// A port nothing listens on: bound, then closed.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    listener.local_addr().expect("address").port()
}

#[tokio::test]
async fn a_healthy_site_passes_every_step_without_a_password() {
    let fake = fake().await;
    let config = DoctorConfig::new(fake.sso_base_url(), fake.ems_base_url());
    let report = doctor::run(&config, None).await.expect("valid urls");
    use Verdict::{Pass, Skip};
    assert_eq!(
        verdicts(&report),
        [
            ("proxy", Skip),
            ("sso dns", Pass),
            ("ems dns", Pass),
            ("sso tcp", Pass),
            ("ems tcp", Pass),
            ("sso tls", Skip),
            ("ems tls", Skip),
            ("sso http", Pass),
            ("ems http", Pass),
            ("cas login page", Pass),
            ("cas public key", Pass),
            ("ems hand-off", Pass),
            ("stored session", Skip),
            ("clock", Pass),
        ],
        "{report:#?}"
    );
    assert!(report.passed() && report.first_failure().is_none());
    assert_eq!(fake.count(System::Sso, "POST", "/cas/login"), 0);
    // The key was asked in the login page's session, like a login would.
    assert_eq!(fake.count(System::Sso, "GET", "/cas/v2/getPubKey"), 1);
    let json = serde_json::to_value(&report).expect("serializes");
    assert_eq!(json["passed"], true);
    assert!(json["first_failure"].is_null());
}

#[tokio::test]
async fn a_host_that_is_down_is_a_network_failure() {
    let fake = fake().await;
    let down = format!("http://127.0.0.1:{}", closed_port().await);
    let config = DoctorConfig::new(fake.sso_base_url(), &down);
    let report = doctor::run(&config, None).await.expect("valid urls");
    let first = report.first_failure().expect("a failure");
    assert_eq!(first.name, "ems tcp", "{report:#?}");
    assert_eq!(first.class, Some(FailureClass::Network));
    // What depends on it is skipped, the other host still checked.
    let verdict = |name: &str| {
        report
            .steps
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.verdict)
    };
    assert_eq!(verdict("ems http"), Some(Verdict::Skip));
    assert_eq!(verdict("ems hand-off"), Some(Verdict::Skip));
    assert_eq!(verdict("cas login page"), Some(Verdict::Pass));
    let json = serde_json::to_value(&report).expect("serializes");
    assert_eq!(json["class"], "network");
}

/// A base URL whose server answers 404 (a wrong path prefix, another
/// site): the host is up, but it is not the system.
#[tokio::test]
async fn a_404_is_a_failure_naming_the_base_url() {
    let fake = fake().await;
    for (sso, ems, step) in [
        (
            fake.sso_base_url().to_owned(),
            format!("{}/wrong-prefix", fake.ems_base_url()),
            "ems http",
        ),
        // The academic system's server has no CAS.
        (
            fake.ems_base_url().to_owned(),
            fake.ems_base_url().to_owned(),
            "sso http",
        ),
    ] {
        let config = DoctorConfig::new(sso, ems);
        let report = doctor::run(&config, None).await.expect("valid urls");
        assert!(!report.passed(), "{report:#?}");
        let first = report.first_failure().expect("a failure");
        assert_eq!(first.name, step, "{report:#?}");
        assert_eq!(first.class, Some(FailureClass::SiteChanged));
        assert!(first.detail.starts_with("HTTP 404 in "), "{}", first.detail);
        assert!(first.detail.contains(" has no /"), "{}", first.detail);
        assert!(
            first
                .hint
                .as_deref()
                .is_some_and(|h| h.contains("base URL")),
            "{first:#?}"
        );
    }
}

#[tokio::test]
async fn a_login_page_without_execution_is_a_site_change() {
    let fake = fake().await;
    fake.serve_login_page(
        "<html><body><form id=\"fm1\" method=\"post\">\
         <input name=\"username\"><input type=\"password\" name=\"password\">\
         </form></body></html>",
    );
    let config = DoctorConfig::new(fake.sso_base_url(), fake.ems_base_url());
    let report = doctor::run(&config, None).await.expect("valid urls");
    let first = report.first_failure().expect("a failure");
    assert_eq!(first.name, "cas login page", "{report:#?}");
    assert_eq!(first.class, Some(FailureClass::SiteChanged));
    assert!(first.detail.contains("execution"), "{}", first.detail);
    let key = report.steps.iter().find(|s| s.name == "cas public key");
    assert_eq!(key.map(|s| s.verdict), Some(Verdict::Skip));
}

#[tokio::test]
async fn the_callers_session_check_is_a_step() {
    let fake = fake().await;
    let config = DoctorConfig::new(fake.sso_base_url(), fake.ems_base_url());
    let valid = doctor::run(&config, Some(Box::pin(async { Ok("valid".to_owned()) })))
        .await
        .expect("valid urls");
    assert!(valid.passed(), "{valid:#?}");
    let expired = doctor::run(
        &config,
        Some(Box::pin(async {
            Err(CheckFailure {
                class: FailureClass::SessionExpired,
                detail: "ems session expired".into(),
            })
        })),
    )
    .await
    .expect("valid urls");
    let first = expired.first_failure().expect("a failure");
    assert_eq!(
        (first.name.as_str(), first.class),
        ("stored session", Some(FailureClass::SessionExpired))
    );
}

/// Answers every ClientHello with a fatal `handshake_failure` alert, as an
/// OpenSSL server with only suites the client does not offer (e.g. CBC
/// suites for rustls) does.
async fn server_with_no_common_suite() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut hello = [0u8; 4096];
                if socket.read(&mut hello).await.is_ok() {
                    // Record: alert (21), TLS 1.2, length 2; fatal (2), handshake_failure (40).
                    let _ = socket.write_all(&[21, 3, 3, 0, 2, 2, 40]).await;
                    let _ = socket.flush().await;
                }
            });
        }
    });
    port
}

#[tokio::test]
async fn a_tls_server_with_no_common_suite_is_reported_as_such() {
    let fake = fake().await;
    let sso = format!("https://127.0.0.1:{}", server_with_no_common_suite().await);
    let config = DoctorConfig::new(&sso, fake.ems_base_url());
    let report = doctor::run(&config, None).await.expect("valid urls");
    let tls = report
        .steps
        .iter()
        .find(|s| s.name == "sso tls")
        .expect("a tls step");
    assert!(
        tls.detail
            .contains("no TLS version or cipher suite in common"),
        "{tls:#?}"
    );
    if cfg!(feature = "native-tls") {
        // The rustls probe's finding is shown; the requests use another TLS.
        assert_eq!(tls.verdict, Verdict::Skip, "{tls:#?}");
    } else {
        assert_eq!(tls.verdict, Verdict::Fail, "{tls:#?}");
        assert_eq!(tls.class, Some(FailureClass::Network));
        assert!(
            tls.hint
                .as_deref()
                .is_some_and(|h| h.contains("native-tls"))
        );
        assert_eq!(
            report.first_failure().map(|s| s.name.as_str()),
            Some("sso tls")
        );
    }
}

#[tokio::test]
async fn invalid_base_urls_are_refused() {
    let config = DoctorConfig::new("ftp://x", "http://127.0.0.1:1");
    assert!(doctor::run(&config, None).await.is_err());
}
