//! The academic-system client on a bad network: resets, hangs, gateway
//! errors, cut bodies and redirect loops from the fake XTU.

mod common;

use std::time::{Duration, Instant};

use xtu_ems::{ClassroomQuery, EmsClient, EmsError, TermSpec};
use xtu_fake::{Account, FakeXtu, Fault, FaultRule, System};
use xtu_sso::SsoClient;
use xtu_sso::http::TransportError;

const USER: &str = "202205561111";
const PASSWORD: &str = "Xtu@2025!";
const PROFILE: &str = "/jwglxt/xsxxxggl/xsgrxxwh_cxXsgrxx.html";
const ROOMS: &str = "/jwglxt/cdjy/cdjy_cxKxcdlb.html";
const TIMETABLE: &str = "/jwglxt/kbcx/xskbcx_cxXsgrkb.html";

async fn fake() -> FakeXtu {
    FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .start()
        .await
}

async fn entered(fake: &FakeXtu, timeout: Duration) -> EmsClient {
    common::entered(fake, USER, PASSWORD, timeout).await
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
        3,
        "a query POST only reads: tried three times, like a GET"
    );
}

/// The academic system's queries are POSTs that only read: a lossy network
/// costs them a retry, as it does a GET, with the same budget.
#[tokio::test]
async fn query_posts_survive_two_transient_failures_like_gets() {
    let fake = fake().await;
    let ems = entered(&fake, Duration::from_secs(5)).await;
    let query =
        ClassroomQuery::new(TermSpec::new(2025, 1).expect("term"), [1], [1], [1]).expect("query");
    let term = TermSpec::new(2025, 1).expect("term");
    for fault in [Fault::BadGateway, Fault::Reset, Fault::TruncatedBody] {
        fake.clear_requests();
        fake.inject(FaultRule::new(System::Ems, fault).path(ROOMS).times(2));
        let rooms = ems.free_classrooms(&query).await;
        assert!(
            rooms.as_ref().is_ok_and(|rooms| !rooms.is_empty()),
            "{fault:?}: {rooms:?}"
        );
        // Two pages: the first one three times, the second once.
        assert_eq!(fake.count(System::Ems, "POST", ROOMS), 4, "{fault:?}");

        fake.clear_requests();
        fake.inject(FaultRule::new(System::Ems, fault).path(TIMETABLE).times(2));
        let timetable = ems.timetable(term).await;
        assert!(
            timetable.is_ok_and(|t| !t.courses.is_empty()),
            "{fault:?}: the timetable"
        );
        assert_eq!(fake.count(System::Ems, "POST", TIMETABLE), 3, "{fault:?}");
    }
}

#[tokio::test]
async fn a_gateway_error_says_the_system_failed() {
    let fake = fake().await;
    let ems = entered(&fake, Duration::from_secs(5)).await;
    fake.inject(FaultRule::new(System::Ems, Fault::BadGateway).path(TIMETABLE));
    let error = ems
        .timetable(TermSpec::new(2025, 1).expect("term"))
        .await
        .expect_err("always 502");
    assert!(
        matches!(error, EmsError::UnexpectedResponse { status: 502, .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("the academic system failed (HTTP 502) at http://"),
        "{error}"
    );
    assert_eq!(
        fake.count(System::Ems, "POST", TIMETABLE),
        3,
        "at most two retries"
    );
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

/// The steps of the hand-off, as (system, path, query that marks the step,
/// whether the step carries the single-use ticket: its failure restarts the
/// hand-off, where the others are retried in place).
const HAND_OFF_STEPS: [(System, &str, Option<&str>, bool); 5] = [
    (System::Ems, "/sso/zfiotlogin", None, false),
    (System::Sso, "/cas/login", None, false),
    (System::Ems, "/sso/zfiotlogin", Some("ticket="), true),
    (System::Ems, "/jwglxt/ticketlogin", None, false),
    (System::Ems, "/jwglxt/xtgl/index_initMenu.html", None, false),
];

async fn logged_in(fake: &FakeXtu) -> xtu_sso::SsoSession {
    SsoClient::builder()
        .base_url(fake.sso_base_url())
        .build()
        .expect("client")
        .login(USER, PASSWORD)
        .await
        .expect("login")
}

async fn enter(fake: &FakeXtu, sso: &xtu_sso::SsoSession) -> Result<EmsClient, EmsError> {
    EmsClient::builder()
        .base_url(fake.ems_base_url())
        .timeout(Duration::from_millis(500))
        .enter(sso)
        .await
}

/// Hand-offs begun: `zfiotlogin` without a ticket.
fn hand_offs(fake: &FakeXtu) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.path == "/sso/zfiotlogin" && r.query.is_none())
        .count()
}

/// Every ticket URL was requested at most once; how many there were.
fn assert_no_ticket_reused(fake: &FakeXtu) -> usize {
    let tickets: Vec<String> = fake
        .requests()
        .into_iter()
        .filter_map(|r| r.query.filter(|q| q.contains("ticket=")))
        .collect();
    let mut unique = tickets.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), tickets.len(), "a ticket URL was sent twice");
    tickets.len()
}

#[tokio::test]
async fn the_hand_off_restarts_on_a_transient_failure_at_any_step() {
    let fake = fake().await;
    let sso = logged_in(&fake).await;
    for (system, path, query, carries_ticket) in HAND_OFF_STEPS {
        for (fault, times) in [
            (Fault::BadGateway, 1),
            (Fault::Hang, 1),
            (Fault::Reset, 1),
            (Fault::BadGateway, 2),
        ] {
            fake.clear_requests();
            let mut rule = FaultRule::new(system, fault)
                .method("GET")
                .path(path)
                .times(times);
            if let Some(query) = query {
                rule = rule.query_contains(query);
            }
            fake.inject(rule);
            let ems = enter(&fake, &sso).await;
            let case = format!("{fault:?} x{times} at {path} {query:?}");
            let ems = ems.unwrap_or_else(|e| panic!("{case}: {e}"));
            let tries = times as usize + 1;
            let tickets = assert_no_ticket_reused(&fake);
            if carries_ticket {
                assert_eq!(hand_offs(&fake), tries, "{case}: restarted");
                assert_eq!(tickets, tries, "{case}: a new ticket each time");
            } else {
                assert_eq!(tickets, 1, "{case}: retried in place");
                let step = fake
                    .requests()
                    .iter()
                    .filter(|r| r.system == system && r.path == path)
                    .filter(|r| !r.query.as_deref().unwrap_or_default().contains("ticket="))
                    .count();
                assert_eq!(step, tries, "{case}: retried in place");
            }
            ems.student_profile()
                .await
                .unwrap_or_else(|e| panic!("{case}: {e}"));
            fake.clear_faults();
        }
    }
}

#[tokio::test]
async fn the_hand_off_is_tried_three_times_at_most() {
    let fake = fake().await;
    let sso = logged_in(&fake).await;
    fake.clear_requests();
    fake.inject(FaultRule::new(System::Ems, Fault::BadGateway).path("/jwglxt/ticketlogin"));
    let started = Instant::now();
    let error = enter(&fake, &sso).await.expect_err("always 502");
    assert!(
        matches!(error, EmsError::UnexpectedResponse { status: 502, .. }),
        "{error:?}"
    );
    assert_eq!(hand_offs(&fake), 3);
    assert_no_ticket_reused(&fake);
    // 200 ms, then 600 ms, each lengthened by a jitter: a lower bound only.
    assert!(started.elapsed() >= Duration::from_millis(800));
}

#[tokio::test]
async fn a_spent_ticketlogin_code_restarts_the_hand_off() {
    let fake = fake().await;
    let sso = logged_in(&fake).await;
    fake.clear_requests();
    // The code is spent and the session opened, but the answer is lost: the
    // same code again lands on jwglxt's login page.
    fake.inject(
        FaultRule::new(System::Ems, Fault::TruncatedBody)
            .path("/jwglxt/ticketlogin")
            .times(1),
    );
    let ems = enter(&fake, &sso).await.expect("restarted");
    assert_eq!(hand_offs(&fake), 2);
    assert_eq!(assert_no_ticket_reused(&fake), 2);
    assert_eq!(fake.count(System::Ems, "GET", "/jwglxt/ticketlogin"), 3);
    ems.student_profile().await.expect("a working session");
}

#[tokio::test]
async fn an_expired_sso_session_is_not_retried() {
    let fake = fake().await;
    let sso = logged_in(&fake).await;
    fake.expire_sso_sessions();
    fake.clear_requests();
    let error = enter(&fake, &sso).await.expect_err("expired");
    assert!(matches!(error, EmsError::SsoSessionExpired), "{error:?}");
    assert_eq!(hand_offs(&fake), 1);
}
