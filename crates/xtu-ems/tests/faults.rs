//! The academic-system client on a bad network: resets, hangs, gateway
//! errors, cut bodies and redirect loops from the fake XTU.

use std::time::{Duration, Instant};

use xtu_ems::{ClassroomQuery, EmsClient, EmsError, TermSpec};
use xtu_fake::{Account, FakeXtu, Fault, FaultRule, System};
use xtu_sso::SsoClient;
use xtu_sso::http::TransportError;

const USER: &str = "202205561111";
const PASSWORD: &str = "Xtu@2025!";
const PROFILE: &str = "/jwglxt/xsxxxggl/xsgrxxwh_cxXsgrxx.html";
const ROOMS: &str = "/jwglxt/cdjy/cdjy_cxKxcdlb.html";

async fn fake() -> FakeXtu {
    FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .start()
        .await
}

async fn entered(fake: &FakeXtu, timeout: Duration) -> EmsClient {
    let sso = SsoClient::builder()
        .base_url(fake.sso_base_url())
        .timeout(timeout)
        .build()
        .expect("client")
        .login(USER, PASSWORD)
        .await
        .expect("login");
    EmsClient::builder()
        .base_url(fake.ems_base_url())
        .timeout(timeout)
        .enter(&sso)
        .await
        .expect("hand-off")
}

fn profile_gets(fake: &FakeXtu) -> usize {
    fake.count(System::Ems, "GET", PROFILE)
}

#[tokio::test]
async fn gets_survive_two_transient_failures_with_backoff() {
    let fake = fake().await;
    let ems = entered(&fake, Duration::from_secs(5)).await;
    for fault in [Fault::BadGateway, Fault::Reset, Fault::TruncatedBody] {
        fake.clear_requests();
        fake.inject(
            FaultRule::new(System::Ems, fault)
                .method("GET")
                .path(PROFILE)
                .times(2),
        );
        let started = Instant::now();
        let profile = ems.student_profile().await;
        let profile = profile.unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        assert_eq!(profile.student_id, USER, "{fault:?}");
        assert_eq!(profile_gets(&fake), 3, "{fault:?}: two retries");
        // 200 ms, then 400 ms: a lower bound only, so never flaky.
        assert!(started.elapsed() >= Duration::from_millis(600), "{fault:?}");
    }
}

#[tokio::test]
async fn a_third_failure_is_the_answer() {
    let fake = fake().await;
    let ems = entered(&fake, Duration::from_secs(5)).await;
    fake.inject(FaultRule::new(System::Ems, Fault::BadGateway).path(PROFILE));
    let error = ems.student_profile().await.expect_err("always 502");
    assert!(
        matches!(error, EmsError::UnexpectedResponse { status: 502, .. }),
        "{error:?}"
    );
    assert_eq!(profile_gets(&fake), 3, "at most two retries");

    fake.clear_faults();
    fake.clear_requests();
    fake.inject(FaultRule::new(System::Ems, Fault::Reset).path(PROFILE));
    let error = ems.student_profile().await.expect_err("always reset");
    assert!(matches!(error, EmsError::Transport(_)), "{error:?}");
    assert_eq!(profile_gets(&fake), 3);
}

#[tokio::test]
async fn every_request_has_a_timeout() {
    let fake = fake().await;
    let ems = entered(&fake, Duration::from_millis(500)).await;
    fake.inject(FaultRule::new(System::Ems, Fault::Hang).path(PROFILE));
    let error = ems.student_profile().await.expect_err("hangs");
    assert!(
        matches!(error, EmsError::Transport(TransportError::Timeout { .. })),
        "{error:?}"
    );
    // A timeout is transient for a GET: tried three times.
    assert_eq!(profile_gets(&fake), 3);

    let query =
        ClassroomQuery::new(TermSpec::new(2025, 1).expect("term"), [1], [1], [1]).expect("query");
    fake.inject(FaultRule::new(System::Ems, Fault::Hang).path(ROOMS));
    let error = ems.free_classrooms(&query).await.expect_err("hangs");
    assert!(
        matches!(error, EmsError::Transport(TransportError::Timeout { .. })),
        "{error:?}"
    );
    assert_eq!(
        fake.count(System::Ems, "POST", ROOMS),
        1,
        "a POST is never retried"
    );
}

#[tokio::test]
async fn posts_are_not_retried() {
    let fake = fake().await;
    let ems = entered(&fake, Duration::from_secs(5)).await;
    let query =
        ClassroomQuery::new(TermSpec::new(2025, 1).expect("term"), [1], [1], [1]).expect("query");
    for fault in [Fault::BadGateway, Fault::Reset, Fault::TruncatedBody] {
        fake.clear_requests();
        fake.inject(FaultRule::new(System::Ems, fault).path(ROOMS).times(1));
        assert!(ems.free_classrooms(&query).await.is_err(), "{fault:?}");
        assert_eq!(fake.count(System::Ems, "POST", ROOMS), 1, "{fault:?}");
    }
    // The fault used up, the next query works.
    assert!(ems.free_classrooms(&query).await.is_ok());
}

#[tokio::test]
async fn a_redirect_loop_in_the_hand_off_ends_with_a_clear_error() {
    let fake = fake().await;
    let sso = SsoClient::builder()
        .base_url(fake.sso_base_url())
        .build()
        .expect("client")
        .login(USER, PASSWORD)
        .await
        .expect("login");
    fake.inject(FaultRule::new(System::Ems, Fault::RedirectLoop).path("/sso/zfiotlogin"));
    let error = EmsClient::builder()
        .base_url(fake.ems_base_url())
        .enter(&sso)
        .await
        .expect_err("loops");
    assert!(matches!(error, EmsError::TooManyRedirects(10)), "{error:?}");
    assert!(error.to_string().contains("too many redirects"), "{error}");
    assert_eq!(fake.count(System::Ems, "GET", "/sso/zfiotlogin"), 11);

    // On a page, a redirect anywhere but the login page is unexpected, not followed.
    fake.clear_faults();
    let ems = entered(&fake, Duration::from_secs(5)).await;
    fake.inject(FaultRule::new(System::Ems, Fault::RedirectLoop).path(PROFILE));
    let error = ems.student_profile().await.expect_err("redirects");
    assert!(
        matches!(error, EmsError::UnexpectedResponse { status: 302, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn latency_slows_but_does_not_break() {
    let fake = fake().await;
    fake.add_latency(Duration::from_millis(30));
    let started = Instant::now();
    let ems = entered(&fake, Duration::from_secs(5)).await;
    assert!(ems.teaching_calendar().await.is_ok());
    let requests = fake.requests().len();
    assert!(started.elapsed() >= Duration::from_millis(30) * u32::try_from(requests).unwrap_or(0));
}

#[tokio::test]
async fn a_gbk_page_is_read_in_its_charset() {
    let fake = fake().await;
    let ems = entered(&fake, Duration::from_secs(5)).await;
    fake.serve_profile_in_gbk();
    let profile = ems.student_profile().await.expect("parses");
    assert_eq!(profile.name, "张三");
    assert_eq!(profile.college, "计算机学院●网络空间安全学院");
}

#[tokio::test]
async fn a_gigantic_page_is_refused_at_the_size_cap() {
    let fake = fake().await;
    let ems = entered(&fake, Duration::from_secs(30)).await;
    // 50 MB of a plausible page: the fields never come.
    let filler = "<div class=\"row\"><p>湘潭大学</p></div>\n".repeat(50 * 1024 * 1024 / 40);
    fake.serve_profile(format!("<html><body>{filler}</body></html>"));
    let error = ems.student_profile().await.expect_err("too large");
    assert!(
        matches!(error, EmsError::Transport(TransportError::TooLarge { .. })),
        "{error:?}"
    );
    assert!(error.to_string().contains("larger than"), "{error}");
}
