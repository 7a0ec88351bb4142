//! Captchas as a new user meets them: asked before any password is sent,
//! answered at a terminal in `xtu login` as in `xtu sso-login`, never
//! prompted for off a terminal or in an automatic re-login. Every test
//! counts the password POSTs the fake received.

mod common;

use common::{PASSWORD, USER, on_terminal, xtu};
use xtu_fake::{Account, Behaviour, FakeXtu, Fault, FaultRule, System};

/// A CAS that announces a captcha (`getKaptchaStatus`) for every login.
async fn announcing() -> FakeXtu {
    FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .captcha("x7k2")
        .start()
        .await
}

fn posts(fake: &FakeXtu) -> usize {
    fake.count(System::Sso, "POST", "/cas/login")
}

#[tokio::test]
async fn off_a_terminal_an_announced_captcha_sends_no_password() {
    let fake = announcing().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().to_string_lossy().into_owned();
    for args in [
        &["login", "--username", USER][..],
        &["sso-login", "--username", USER][..],
    ] {
        let run = xtu(
            &fake,
            args,
            &[("XTU_STATE_DIR", &state), ("XTU_PASSWORD", PASSWORD)],
            None,
        )
        .await;
        let line = run.fails_with(5);
        assert!(line.contains("captcha"), "{line}");
    }
    assert_eq!(
        posts(&fake),
        0,
        "no password before the captcha is answered"
    );
}

#[tokio::test]
#[cfg_attr(
    windows,
    ignore = "a terminal comes from script(1), which a process in wine cannot drive: .ci/windows.sh drives xtu.exe in wine's console instead (packaging/wine/console_check.py)"
)]
async fn xtu_login_asks_for_an_announced_captcha_on_a_terminal() {
    let fake = announcing().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().to_string_lossy().into_owned();
    let (status, text) = on_terminal(
        &fake,
        &["login", "--username", USER],
        &[("XTU_STATE_DIR", &state), ("XTU_PASSWORD", PASSWORD)],
        "captcha: ",
        "x7k2",
    )
    .await;
    assert!(status.success(), "{text}");
    assert!(text.contains("logged in as"), "{text}");
    assert_eq!(posts(&fake), 1, "one password, with the answer");
}

#[tokio::test]
#[cfg_attr(
    windows,
    ignore = "a terminal comes from script(1), which a process in wine cannot drive: .ci/windows.sh drives xtu.exe in wine's console instead (packaging/wine/console_check.py)"
)]
async fn xtu_login_asks_when_only_the_answer_reveals_the_captcha() {
    let fake = FakeXtu::builder()
        .account(
            Account::new(USER, PASSWORD).with_behaviour(Behaviour::CaptchaRequired {
                answer: "q9".into(),
            }),
        )
        .start()
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().to_string_lossy().into_owned();
    let (status, text) = on_terminal(
        &fake,
        &["login", "--username", USER],
        &[("XTU_STATE_DIR", &state), ("XTU_PASSWORD", PASSWORD)],
        "captcha: ",
        "q9",
    )
    .await;
    assert!(status.success(), "{text}");
    assert_eq!(posts(&fake), 2, "the revealing POST, then the answered one");
}

#[tokio::test]
#[cfg_attr(
    windows,
    ignore = "a terminal comes from script(1), which a process in wine cannot drive: .ci/windows.sh drives xtu.exe in wine's console instead (packaging/wine/console_check.py)"
)]
async fn an_automatic_re_login_never_prompts() {
    let fake = announcing().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().to_string_lossy().into_owned();
    let (status, text) = on_terminal(
        &fake,
        &[
            "login",
            "--username",
            USER,
            "--remember",
            "--insecure-store",
        ],
        &[("XTU_STATE_DIR", &state), ("XTU_PASSWORD", PASSWORD)],
        "captcha: ",
        "x7k2",
    )
    .await;
    assert!(status.success(), "{text}");
    fake.expire_ems_sessions();
    fake.expire_sso_sessions();
    // On a terminal too: a remembered password is used only without a person.
    let (status, text) = on_terminal(
        &fake,
        &["info"],
        &[("XTU_STATE_DIR", &state)],
        "captcha: ",
        "x7k2",
    )
    .await;
    assert_eq!(status.code(), Some(5), "{text}");
    assert!(!text.contains("captcha: "), "no prompt: {text}");
    assert_eq!(posts(&fake), 1, "no password sent by the automatic login");
}

#[tokio::test]
async fn a_lost_answer_is_sent_once_more_and_never_a_third_time() {
    let fake = common::fake().await;
    // Every password POST is answered by a gateway's 502: the outcome is unknown.
    fake.inject(
        FaultRule::new(System::Sso, Fault::BadGateway)
            .method("POST")
            .path("/cas/login"),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().to_string_lossy().into_owned();
    let env = [
        ("XTU_STATE_DIR", state.as_str()),
        ("XTU_PASSWORD", PASSWORD),
    ];
    let run = xtu(&fake, &["login", "--username", USER], &env, None).await;
    assert_eq!(run.code, 8, "{run:#?}");
    assert_eq!(
        posts(&fake),
        2,
        "at most two password POSTs in one invocation"
    );
    // Both unanswered POSTs count in the guard: the next run may send one
    // password (the third in the window) but not a second one ...
    let run = xtu(&fake, &["login", "--username", USER], &env, None).await;
    assert!(run.fails_with(2).contains("--force"), "{run:#?}");
    assert_eq!(posts(&fake), 3);
    // ... and the one after it sends none.
    let refused = xtu(&fake, &["login", "--username", USER], &env, None).await;
    assert!(refused.fails_with(2).contains("--force"), "{refused:#?}");
    assert_eq!(posts(&fake), 3, "refused without a POST");
}
