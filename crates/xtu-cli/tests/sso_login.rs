//! `xtu sso-login` end to end: the built binary against the fake CAS.

mod common;

use common::{PASSWORD, USER, xtu};
use xtu_fake::{Account, Behaviour, FakeXtu, System};

async fn fake_with(behaviour: Behaviour) -> FakeXtu {
    FakeXtu::builder()
        .account(Account::new(USER, PASSWORD).with_behaviour(behaviour))
        .start()
        .await
}

async fn login(fake: &FakeXtu, extra: &[&str]) -> common::Run {
    let mut args = vec!["sso-login", "--username", USER];
    args.extend_from_slice(extra);
    xtu(fake, &args, &[("XTU_PASSWORD", PASSWORD)], None).await
}

#[tokio::test]
async fn prints_only_a_token_that_decodes_to_the_cas_cookies() {
    let fake = fake_with(Behaviour::Normal).await;
    for (flag, compressed) in [(&[][..], false), (&["--compressed"][..], true)] {
        let run = login(&fake, flag).await;
        let token = run.ok().trim_end();
        assert_eq!(run.stdout.lines().count(), 1);
        assert_eq!(token.starts_with('['), !compressed, "{token}");
        let session = xtu_sso::SsoSession::from_token(token).expect("the printed token decodes");
        assert!(session.jar().contains("CASTGC") || session.jar().contains("iPlanetDirectoryPro"));
    }
}

#[tokio::test]
async fn reads_the_password_from_stdin() {
    let fake = fake_with(Behaviour::Normal).await;
    let run = xtu(
        &fake,
        &["sso-login", "--username", USER, "--password-stdin"],
        &[],
        Some(&format!("{PASSWORD}\n")),
    )
    .await;
    // No other source of a password is set: one accepted POST means the
    // line was read, without its newline.
    let token = run.ok().trim_end();
    let session = xtu_sso::SsoSession::from_token(token).expect("the printed token decodes");
    assert!(session.jar().contains("CASTGC") || session.jar().contains("iPlanetDirectoryPro"));
    assert_eq!(fake.count(System::Sso, "POST", "/cas/login"), 1);
}

#[tokio::test]
async fn without_a_password_and_no_terminal_it_is_a_usage_error() {
    let fake = fake_with(Behaviour::Normal).await;
    let run = xtu(&fake, &["sso-login", "--username", USER], &[], None).await;
    let line = run.fails_with(2);
    assert!(line.contains("no password given"), "{line}");
    assert_eq!(fake.count(System::Sso, "POST", "/cas/login"), 0);
}

#[tokio::test]
async fn bad_credentials_exit_3_with_the_sites_message_and_no_retry() {
    let fake = fake_with(Behaviour::Normal).await;
    let run = xtu(
        &fake,
        &[
            "sso-login",
            "--username",
            USER,
            "--password",
            "wrong-password",
        ],
        &[],
        None,
    )
    .await;
    let line = run.fails_with(3);
    assert!(line.contains("用户名或密码错误"), "{line}");
    assert!(
        !line.contains("wrong-password"),
        "the password leaked: {line}"
    );
    assert_eq!(
        fake.count(System::Sso, "POST", "/cas/login"),
        1,
        "a failed login must not be retried"
    );
}

#[tokio::test]
async fn outcomes_map_to_documented_exit_codes() {
    let cases = [
        (
            Behaviour::Locked {
                message: "账号已锁定".into(),
                unlock_at: Some("2026-11-23 10:00:00".into()),
            },
            4,
            "2026-11-23 10:00:00",
        ),
        (
            Behaviour::CaptchaRequired {
                answer: "ab12".into(),
            },
            5,
            "验证码",
        ),
        (Behaviour::MustChangePassword, 6, "change"),
        (Behaviour::Disabled, 7, "disabled"),
    ];
    for (behaviour, code, needle) in cases {
        let fake = fake_with(behaviour).await;
        let run = login(&fake, &[]).await;
        let line = run.fails_with(code);
        assert!(line.contains(needle), "{line}");
        assert!(!line.contains(PASSWORD));
        assert!(
            fake.count(System::Sso, "POST", "/cas/login") <= 1,
            "never retried"
        );
    }
}

#[tokio::test]
async fn an_unreachable_server_is_a_network_error() {
    let fake = fake_with(Behaviour::Normal).await;
    // Bind and drop a listener: nothing listens on that port afterwards.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let run = xtu(
        &fake,
        &["sso-login", "--username", USER, "--sso-base-url", &url],
        &[("XTU_PASSWORD", PASSWORD)],
        None,
    )
    .await;
    run.fails_with(8);
}

#[tokio::test]
async fn a_server_that_is_not_a_cas_is_an_unexpected_page() {
    let fake = fake_with(Behaviour::Normal).await;
    // The academic system's listener has no /cas/login.
    let run = xtu(
        &fake,
        &[
            "sso-login",
            "--username",
            USER,
            "--sso-base-url",
            fake.ems_base_url(),
        ],
        &[("XTU_PASSWORD", PASSWORD)],
        None,
    )
    .await;
    run.fails_with(9);
}

#[tokio::test]
async fn a_password_too_long_for_the_key_is_refused_before_any_post() {
    let fake = fake_with(Behaviour::Normal).await;
    let long = "p".repeat(200);
    let run = xtu(
        &fake,
        &["sso-login", "--username", USER],
        &[("XTU_PASSWORD", &long)],
        None,
    )
    .await;
    let line = run.fails_with(2);
    assert!(line.contains("too long"), "{line}");
    assert_eq!(fake.count(System::Sso, "POST", "/cas/login"), 0);
}

#[tokio::test]
async fn bad_flags_are_usage_errors() {
    let fake = fake_with(Behaviour::Normal).await;
    let run = xtu(&fake, &["sso-login"], &[], None).await;
    assert_eq!(run.code, 2, "{run:#?}");
    let run = xtu(
        &fake,
        &["sso-login", "--username", USER, "--sso-base-url", "ftp://x"],
        &[("XTU_PASSWORD", PASSWORD)],
        None,
    )
    .await;
    run.fails_with(2);
}

#[tokio::test]
async fn a_stale_execution_is_retried_once_then_succeeds() {
    let fake = FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .stale_executions(1)
        .start()
        .await;
    login(&fake, &[]).await.ok();
    assert_eq!(fake.count(System::Sso, "POST", "/cas/login"), 2);
    fake.set_stale_executions(2);
    let run = login(&fake, &[]).await;
    assert!(run.fails_with(9).contains("stale"), "{run:#?}");
    assert_eq!(
        fake.count(System::Sso, "POST", "/cas/login"),
        4,
        "one retry, not more"
    );
}

/// On a terminal the captcha is shown as a file and answered at a prompt.
/// The account is flagged: only the first POST's answer reveals the captcha.
#[tokio::test]
#[cfg_attr(
    windows,
    ignore = "a terminal comes from script(1), which a process in wine cannot drive: .ci/windows.sh drives xtu.exe in wine's console instead (packaging/wine/console_check.py)"
)]
async fn on_a_terminal_the_captcha_is_answered_at_a_prompt() {
    let fake = fake_with(Behaviour::CaptchaRequired {
        answer: "ab12".into(),
    })
    .await;
    let (status, text) = common::on_terminal(
        &fake,
        &["sso-login", "--username", USER],
        &[("XTU_PASSWORD", PASSWORD)],
        "captcha: ",
        "ab12",
    )
    .await;
    assert!(status.success(), "{text}");
    let path = text
        .split("the image is at ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the image path is shown");
    assert!(path.ends_with(".png"), "{path}");
    assert!(
        !std::path::Path::new(path).exists(),
        "the image is removed after the answer"
    );
    let token = text
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('['))
        .expect("a token");
    let session = xtu_sso::SsoSession::from_token(token.trim()).expect("the token decodes");
    assert!(session.jar().contains("CASTGC"));
    assert_eq!(
        fake.count(System::Sso, "POST", "/cas/login"),
        2,
        "one without, one with the answer"
    );
}
