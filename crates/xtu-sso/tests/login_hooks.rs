//! `SsoClient::login_with`: the caller's guard and captcha prompt, and the
//! cap of two password POSTs, against the fake CAS in both captcha modes
//! (announced by `getKaptchaStatus`, or revealed only by a POST's answer).

use std::time::Duration;

use xtu_fake::{Account, Behaviour, FakeXtu, Fault, FaultRule, System};
use xtu_sso::{LoginError, LoginHooks, MAX_PASSWORD_POSTS, SsoClient};

const USER: &str = "202205561111";
const PASSWORD: &str = "Xtu@2025!";
const ANSWER: &str = "ab12";

/// `error` matches `pattern`, or the test fails showing it.
macro_rules! assert_error {
    ($error:expr, $pattern:pat) => {
        assert!(matches!($error, $pattern), "{:?}", $error)
    };
}

/// Hooks that record what they were asked.
#[derive(Debug, Default)]
struct Recorder {
    /// Password POSTs allowed before refusing (`None`: all).
    allow: Option<u32>,
    asked_to_post: u32,
    answer: Option<&'static str>,
    images: Vec<Vec<u8>>,
}

impl LoginHooks for Recorder {
    fn allow_password_post(&mut self) -> bool {
        self.asked_to_post += 1;
        self.allow.is_none_or(|n| self.asked_to_post <= n)
    }

    fn captcha(&mut self, image: &[u8]) -> Option<String> {
        self.images.push(image.to_vec());
        self.answer.map(str::to_owned)
    }
}

fn answering(answer: Option<&'static str>) -> Recorder {
    Recorder {
        answer,
        ..Recorder::default()
    }
}

fn client(fake: &FakeXtu) -> SsoClient {
    SsoClient::builder()
        .base_url(fake.sso_base_url())
        .timeout(Duration::from_millis(800))
        .build()
        .expect("valid client")
}

/// A login that must fail; its error.
async fn failed_login(fake: &FakeXtu, password: &str, hooks: &mut Recorder) -> LoginError {
    client(fake)
        .login_with(USER, password, hooks)
        .await
        .expect_err("the login fails")
}

fn posts(fake: &FakeXtu) -> usize {
    fake.count(System::Sso, "POST", "/cas/login")
}

/// A captcha on for everyone, announced by `getKaptchaStatus`.
async fn announced() -> FakeXtu {
    FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .captcha(ANSWER)
        .start()
        .await
}

/// An account flagged for a captcha that only the POST's answer reveals.
async fn revealed() -> FakeXtu {
    FakeXtu::builder()
        .account(
            Account::new(USER, PASSWORD).with_behaviour(Behaviour::CaptchaRequired {
                answer: ANSWER.into(),
            }),
        )
        .start()
        .await
}

#[tokio::test]
async fn an_announced_captcha_is_asked_before_any_post() {
    let fake = announced().await;
    let mut hooks = answering(None);
    let error = failed_login(&fake, PASSWORD, &mut hooks).await;
    assert_error!(error, LoginError::CaptchaRequired { .. });
    assert_eq!(posts(&fake), 0, "no password without an answer");
    assert_eq!(hooks.asked_to_post, 0);
    assert_eq!(hooks.images.len(), 1);
    assert!(hooks.images[0].starts_with(b"\x89PNG"), "the image as sent");

    fake.clear_requests();
    let mut hooks = answering(Some("AB12"));
    client(&fake)
        .login_with(USER, PASSWORD, &mut hooks)
        .await
        .expect("answered");
    assert_eq!(posts(&fake), 1);
    assert_eq!(hooks.asked_to_post, 1);
    // The status and the image are asked in the login page's session,
    // before the POST.
    let order: Vec<String> = fake.requests().into_iter().map(|r| r.path).collect();
    let position = |path: &str| order.iter().position(|p| p == path).expect(path);
    assert!(position("/cas/v2/getKaptchaStatus") < position("/cas/kaptcha"));
    let post = order.iter().rposition(|p| p == "/cas/login").expect("post");
    assert!(position("/cas/kaptcha") < post, "{order:?}");
}

#[tokio::test]
async fn a_captcha_revealed_by_the_post_is_asked_then_posted_once_more() {
    let fake = revealed().await;
    let mut hooks = answering(None);
    let error = failed_login(&fake, PASSWORD, &mut hooks).await;
    assert_error!(error, LoginError::CaptchaRequired { .. });
    assert_eq!(posts(&fake), 1, "only the POST that revealed it");
    assert!(
        error.to_string().contains("验证码"),
        "the site's message: {error}"
    );
    assert_eq!(hooks.images.len(), 1, "asked with a fresh page's image");

    fake.clear_requests();
    let mut hooks = answering(Some(ANSWER));
    client(&fake)
        .login_with(USER, PASSWORD, &mut hooks)
        .await
        .expect("answered on the second POST");
    assert_eq!(posts(&fake), 2);
    assert_eq!(hooks.asked_to_post, 2, "the guard counts both");

    // The guard refuses the second POST: none is sent.
    fake.clear_requests();
    let mut hooks = Recorder {
        allow: Some(1),
        ..answering(Some(ANSWER))
    };
    let error = failed_login(&fake, PASSWORD, &mut hooks).await;
    assert_error!(error, LoginError::AttemptRefused);
    assert_eq!(posts(&fake), 1);
}

#[tokio::test]
async fn login_without_hooks_never_answers_a_captcha() {
    let fake = revealed().await;
    let error = client(&fake)
        .login(USER, PASSWORD)
        .await
        .expect_err("captcha");
    assert_error!(error, LoginError::CaptchaRequired { .. });
    assert_eq!(posts(&fake), 1);

    let fake = announced().await;
    let error = client(&fake)
        .login(USER, PASSWORD)
        .await
        .expect_err("captcha");
    assert_error!(error, LoginError::CaptchaRequired { .. });
    assert_eq!(posts(&fake), 0);
}

#[tokio::test]
async fn a_refusing_guard_stops_before_the_first_post() {
    let fake = FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .start()
        .await;
    let mut hooks = Recorder {
        allow: Some(0),
        ..Recorder::default()
    };
    let error = failed_login(&fake, PASSWORD, &mut hooks).await;
    assert_error!(error, LoginError::AttemptRefused);
    assert!(!error.to_string().contains(PASSWORD), "{error}");
    assert_eq!(posts(&fake), 0);
}

#[tokio::test]
async fn an_unknown_outcome_is_retried_only_if_the_guard_allows() {
    let fake = FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .start()
        .await;
    fake.inject(
        FaultRule::new(System::Sso, Fault::BadGateway)
            .method("POST")
            .path("/cas/login")
            .times(1),
    );
    let mut hooks = Recorder {
        allow: Some(1),
        ..Recorder::default()
    };
    let error = failed_login(&fake, PASSWORD, &mut hooks).await;
    assert_error!(error, LoginError::AttemptRefused);
    assert_eq!(posts(&fake), 1);
    assert_eq!(hooks.asked_to_post, 2);
}

#[tokio::test]
async fn answers_of_the_cas_are_never_retried() {
    let cases = [
        (Behaviour::Normal, "wrong"),
        (
            Behaviour::Locked {
                message: "账号已锁定".into(),
                unlock_at: None,
            },
            PASSWORD,
        ),
        (Behaviour::Disabled, PASSWORD),
        (Behaviour::MustChangePassword, PASSWORD),
    ];
    for (behaviour, password) in cases {
        let fake = FakeXtu::builder()
            .account(Account::new(USER, PASSWORD).with_behaviour(behaviour.clone()))
            .start()
            .await;
        let mut hooks = Recorder::default();
        let error = failed_login(&fake, password, &mut hooks).await;
        assert_eq!(posts(&fake), 1, "{behaviour:?}: {error:?}");
        assert_eq!(hooks.asked_to_post, 1, "{behaviour:?}");
    }

    // A wrong captcha answer is an answer too.
    let fake = announced().await;
    let error = failed_login(&fake, PASSWORD, &mut answering(Some("zzzz"))).await;
    assert_error!(error, LoginError::CaptchaIncorrect { .. });
    assert_eq!(posts(&fake), 1);
}

#[tokio::test]
async fn the_cap_covers_a_stale_execution_and_a_lost_outcome_together() {
    let fake = FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .stale_executions(1)
        .start()
        .await;
    fake.inject(
        FaultRule::new(System::Sso, Fault::Reset)
            .method("POST")
            .path("/cas/login")
            .times(1),
    );
    // The rule hits the first POST (its reset wins over the stale answer
    // behind it); the second meets the stale execution: two POSTs, no third.
    let mut hooks = Recorder::default();
    let error = failed_login(&fake, PASSWORD, &mut hooks).await;
    assert_error!(error, LoginError::StaleExecution);
    assert_eq!(posts(&fake), MAX_PASSWORD_POSTS as usize);
    assert_eq!(hooks.asked_to_post, MAX_PASSWORD_POSTS);
}
