//! The login flow against the fake CAS: one test per outcome of the protocol.

use std::time::Duration;

use xtu_fake::{Account, Behaviour, FakeXtu, System};
use xtu_sso::{EncryptError, LoginError, SsoClient, SsoSession, TokenFormat};

const USER: &str = "202205561111";
const PASSWORD: &str = "Xtu@2025!";

async fn fake(behaviour: Behaviour) -> FakeXtu {
    FakeXtu::builder()
        .account(Account::new(USER, PASSWORD).with_behaviour(behaviour))
        .start()
        .await
}

fn client(fake: &FakeXtu) -> SsoClient {
    SsoClient::builder()
        .base_url(fake.sso_base_url())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("valid client")
}

/// A client that gives up on a hanging request quickly.
fn impatient_client(fake: &FakeXtu) -> SsoClient {
    SsoClient::builder()
        .base_url(fake.sso_base_url())
        .timeout(Duration::from_millis(500))
        .build()
        .expect("valid client")
}

fn posts(fake: &FakeXtu) -> usize {
    fake.count(System::Sso, "POST", "/cas/login")
}

/// Neither the message nor Debug may carry secrets.
fn assert_no_secrets(error: &LoginError) {
    for text in [error.to_string(), format!("{error:?}")] {
        for secret in [PASSWORD, "ST-", "TGT-", "ticket="] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }
}

#[tokio::test]
async fn success_costs_the_protocol_minimum_and_yields_the_cas_cookies() {
    let fake = fake(Behaviour::Normal).await;
    let session = client(&fake)
        .login(USER, PASSWORD)
        .await
        .expect("login succeeds");
    assert!(session.jar().contains("CASTGC"));
    assert!(session.jar().contains("iPlanetDirectoryPro"));
    assert!(session.jar().contains("JSESSIONID"));
    // Login page, public key, captcha status, POST, ticket follow: nothing else.
    let requests: Vec<(String, String)> = fake
        .requests()
        .into_iter()
        .map(|r| (r.method, r.path))
        .collect();
    let expected = [
        ("GET", "/cas/login"),
        ("GET", "/cas/v2/getPubKey"),
        ("GET", "/cas/v2/getKaptchaStatus"),
        ("POST", "/cas/login"),
        ("GET", "/application-center"),
    ];
    assert_eq!(
        requests,
        expected.map(|(m, p)| (m.to_owned(), p.to_owned())).to_vec()
    );
    // The session survives a round trip through a token, in both formats.
    for format in [TokenFormat::Plain, TokenFormat::Compressed] {
        let restored = SsoSession::from_token(&session.to_token(format)).expect("token decodes");
        assert_eq!(restored.jar().cookies(), session.jar().cookies());
    }
    let debug = format!("{session:?}");
    assert!(!debug.contains("TGT-"), "{debug}");
}

#[tokio::test]
async fn bad_credentials_carry_the_sites_message_and_are_not_retried() {
    let fake = fake(Behaviour::Normal).await;
    let error = client(&fake).login(USER, "wrong").await.expect_err("fails");
    assert!(
        matches!(&error, LoginError::BadCredentials { message } if message == "用户名或密码错误"),
        "{error:?}"
    );
    assert_eq!(posts(&fake), 1);
    assert_no_secrets(&error);
    let unknown = client(&fake)
        .login("nobody", PASSWORD)
        .await
        .expect_err("fails");
    assert!(matches!(unknown, LoginError::BadCredentials { .. }));
}

#[tokio::test]
async fn a_locked_account_reports_its_unlock_time() {
    let fake = fake(Behaviour::Locked {
        message: "密码错误次数过多，账号已锁定".into(),
        unlock_at: Some("2026-11-23 10:00:00".into()),
    })
    .await;
    let error = client(&fake)
        .login(USER, PASSWORD)
        .await
        .expect_err("fails");
    match &error {
        LoginError::AccountLocked { message, unlock_at } => {
            assert!(message.contains("锁定"));
            assert_eq!(unlock_at.as_deref(), Some("2026-11-23 10:00:00"));
        }
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("until 2026-11-23 10:00:00"));
    assert_eq!(posts(&fake), 1, "never retried");
}

#[tokio::test]
async fn a_captcha_is_required_then_answered() {
    let fake = FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .captcha("ab12")
        .start()
        .await;
    let sso = client(&fake);
    let error = sso
        .login(USER, PASSWORD)
        .await
        .expect_err("needs a captcha");
    assert!(
        matches!(error, LoginError::CaptchaRequired { .. }),
        "{error:?}"
    );
    assert_eq!(posts(&fake), 0, "announced: no password sent");

    let attempt = sso.begin().await.expect("login page");
    assert!(attempt.captcha_required().await.expect("status"));
    let image = attempt.captcha_image().await.expect("image");
    assert!(image.starts_with(b"\x89PNG"), "an image");
    let session = attempt
        .submit(USER, PASSWORD, Some("AB12"))
        .await
        .expect("answered");
    assert!(session.jar().contains("CASTGC"));
}

#[tokio::test]
async fn a_wrong_captcha_is_its_own_error() {
    let fake = fake(Behaviour::CaptchaRequired {
        answer: "ab12".into(),
    })
    .await;
    let attempt = client(&fake).begin().await.expect("login page");
    let error = attempt
        .submit(USER, PASSWORD, Some("zzzz"))
        .await
        .expect_err("wrong");
    assert!(
        matches!(error, LoginError::CaptchaIncorrect { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn must_change_password_and_disabled() {
    let fake = fake(Behaviour::MustChangePassword).await;
    let error = client(&fake)
        .login(USER, PASSWORD)
        .await
        .expect_err("fails");
    assert!(matches!(error, LoginError::MustChangePassword), "{error:?}");

    let fake = fake_disabled().await;
    let error = client(&fake)
        .login(USER, PASSWORD)
        .await
        .expect_err("fails");
    assert!(matches!(error, LoginError::AccountDisabled), "{error:?}");
    assert_eq!(posts(&fake), 1);
}

async fn fake_disabled() -> FakeXtu {
    fake(Behaviour::Disabled).await
}

#[tokio::test]
async fn a_stale_execution_is_retried_exactly_once() {
    let fake = FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .stale_executions(1)
        .start()
        .await;
    client(&fake)
        .login(USER, PASSWORD)
        .await
        .expect("second try succeeds");
    assert_eq!(
        fake.count(System::Sso, "GET", "/cas/login"),
        2,
        "a fresh login page"
    );
    assert_eq!(
        fake.count(System::Sso, "GET", "/cas/v2/getPubKey"),
        2,
        "and a fresh key"
    );
    assert_eq!(posts(&fake), 2);

    fake.set_stale_executions(2);
    fake.clear_requests();
    let error = client(&fake)
        .login(USER, PASSWORD)
        .await
        .expect_err("stale twice");
    assert!(matches!(error, LoginError::StaleExecution), "{error:?}");
    assert_eq!(posts(&fake), 2, "retried once, not more");
}

#[tokio::test]
async fn a_password_that_does_not_fit_the_key_is_refused_before_any_post() {
    let fake = fake(Behaviour::Normal).await;
    let error = client(&fake)
        .login(USER, &"p".repeat(80))
        .await
        .expect_err("too long");
    assert!(
        matches!(
            error,
            LoginError::InvalidPassword(EncryptError::TooLong { len: 80, .. })
        ),
        "{error:?}"
    );
    assert_eq!(posts(&fake), 0);
}

#[tokio::test]
async fn keys_rotate_per_request_and_the_latest_one_is_used() {
    let fake = fake(Behaviour::Normal).await;
    // Each login fetches a key; the fake hands out a different one each time
    // (512, 504 and 496 bits) and decrypts with the one bound to the session.
    for _ in 0..4 {
        client(&fake)
            .login(USER, PASSWORD)
            .await
            .expect("login succeeds with any key size");
    }
}

#[tokio::test]
async fn unreachable_and_unexpected_servers() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let sso = SsoClient::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .timeout(Duration::from_secs(5))
        .build()
        .expect("valid");
    let error = sso
        .login(USER, PASSWORD)
        .await
        .expect_err("nothing listens");
    assert!(matches!(error, LoginError::Transport(_)), "{error:?}");

    // jwglxt's listener is not a CAS: /cas/login is a 404 there.
    let fake = fake(Behaviour::Normal).await;
    let sso = SsoClient::builder()
        .base_url(fake.ems_base_url())
        .build()
        .expect("valid");
    match sso.login(USER, PASSWORD).await {
        Err(LoginError::UnexpectedResponse { status: 404, url }) => {
            assert!(url.ends_with("/cas/login"), "{url}");
            assert!(!url.contains('?'), "no query in errors: {url}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn invalid_base_urls_are_refused() {
    for url in ["", "ftp://x", "not a url"] {
        assert!(matches!(
            SsoClient::builder().base_url(url).build(),
            Err(LoginError::InvalidBaseUrl(_))
        ));
    }
}

mod faults {
    use xtu_fake::{Fault, FaultRule};

    use super::*;

    #[tokio::test]
    async fn the_login_page_and_key_survive_transient_failures() {
        let fake = fake(Behaviour::Normal).await;
        fake.inject(
            FaultRule::new(System::Sso, Fault::BadGateway)
                .method("GET")
                .path("/cas/login")
                .times(2),
        );
        fake.inject(
            FaultRule::new(System::Sso, Fault::Reset)
                .path("/cas/v2/getPubKey")
                .times(1),
        );
        let session = client(&fake).login(USER, PASSWORD).await;
        assert!(session.is_ok(), "{session:?}");
        assert_eq!(fake.count(System::Sso, "GET", "/cas/login"), 3);
        assert_eq!(fake.count(System::Sso, "GET", "/cas/v2/getPubKey"), 2);
        assert_eq!(posts(&fake), 1);
    }

    /// Every way a POST's answer can be lost.
    const LOST_ANSWERS: [Fault; 4] = [
        Fault::BadGateway,
        Fault::Reset,
        Fault::TruncatedBody,
        Fault::Hang,
    ];

    /// A fake whose login POSTs meet `fault` (the next `times`, or all).
    async fn fake_losing_posts(fault: Fault, times: Option<u32>) -> FakeXtu {
        let fake = fake(Behaviour::Normal).await;
        let rule = FaultRule::new(System::Sso, fault)
            .method("POST")
            .path("/cas/login");
        fake.inject(match times {
            Some(n) => rule.times(n),
            None => rule,
        });
        fake
    }

    #[tokio::test]
    async fn a_login_post_whose_outcome_is_lost_is_sent_once_more() {
        for fault in LOST_ANSWERS {
            let fake = fake_losing_posts(fault, Some(1)).await;
            let client = impatient_client(&fake);
            let session = client.login(USER, PASSWORD).await;
            assert!(session.is_ok(), "{fault:?}: {session:?}");
            assert_eq!(posts(&fake), 2, "{fault:?}");
            assert_eq!(
                fake.count(System::Sso, "GET", "/cas/login"),
                2,
                "{fault:?}: a fresh login page for the second POST"
            );
        }
    }

    #[tokio::test]
    async fn never_more_than_two_login_posts() {
        for fault in LOST_ANSWERS {
            let fake = fake_losing_posts(fault, None).await;
            let client = impatient_client(&fake);
            let error = client
                .login(USER, PASSWORD)
                .await
                .expect_err("the POST failed");
            assert_eq!(posts(&fake), 2, "{fault:?}: {error:?}");
            assert_no_secrets(&error);
            let expected = match fault {
                Fault::BadGateway => {
                    matches!(error, LoginError::UnexpectedResponse { status: 502, .. })
                }
                Fault::Hang => matches!(
                    error,
                    LoginError::Transport(xtu_sso::http::TransportError::Timeout { .. })
                ),
                _ => matches!(error, LoginError::Transport(_)),
            };
            assert!(expected, "{fault:?}: {error:?}");
        }
    }

    #[tokio::test]
    async fn a_redirect_loop_after_the_post_is_an_error_not_a_loop() {
        let fake = fake(Behaviour::Normal).await;
        fake.inject(
            FaultRule::new(System::Sso, Fault::RedirectLoop)
                .method("POST")
                .path("/cas/login"),
        );
        let error = client(&fake)
            .login(USER, PASSWORD)
            .await
            .expect_err("a redirect to the form is no ticket");
        assert!(
            matches!(error, LoginError::UnexpectedResponse { status: 302, .. }),
            "{error:?}"
        );
        assert_eq!(posts(&fake), 1);
    }
}
