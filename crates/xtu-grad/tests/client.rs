//! The client over real HTTP against the fake: entering through the portal,
//! the timetable, the base URL rules and the typed errors.

use std::time::Duration;

use xtu_fake::{Account, FakeXtu, Fault, FaultRule, System};
use xtu_grad::{GradClient, GradError};
use xtu_model::Term;
use xtu_sso::{SsoClient, SsoSession};

const GRADUATE: &str = "202405561111";
const UNDERGRADUATE: &str = "202205561111";
const PASSWORD: &str = "Xtu@2025!";

async fn fake() -> FakeXtu {
    FakeXtu::builder()
        .account(Account::new(UNDERGRADUATE, PASSWORD))
        .account(Account::new(GRADUATE, PASSWORD).graduate())
        .start()
        .await
}

async fn logged_in(fake: &FakeXtu, user: &str) -> SsoSession {
    SsoClient::builder()
        .base_url(fake.sso_base_url())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
        .login(user, PASSWORD)
        .await
        .expect("login")
}

async fn enter(fake: &FakeXtu, sso: &SsoSession) -> Result<GradClient, GradError> {
    GradClient::builder()
        .base_url(fake.grad_base_url())
        .portal_base_url(fake.sso_base_url())
        .timeout(Duration::from_secs(10))
        .enter(sso)
        .await
}

fn term(year: u16, term: u8) -> Term {
    Term::new(year, term).expect("term")
}

#[tokio::test]
async fn a_graduate_enters_and_reads_two_terms() {
    let fake = fake().await;
    let sso = logged_in(&fake, GRADUATE).await;
    let grad = enter(&fake, &sso).await.expect("enters");
    assert!(grad.jar().contains(xtu_grad::SESSION_COOKIE));
    let autumn = grad.timetable(term(2025, 1)).await.expect("autumn");
    assert_eq!(
        (autumn.term.as_str(), autumn.courses.len()),
        ("2025-2026-1", 8)
    );
    let spring = grad.timetable(term(2025, 2)).await.expect("spring");
    assert_eq!(
        (spring.term.as_str(), spring.courses.len()),
        ("2025-2026-2", 2)
    );
    // A term the system has nothing for: an empty timetable, not an error.
    let later = grad.timetable(term(2030, 1)).await.expect("later");
    assert!(later.courses.is_empty());
    // The portal asked once, the CAS's ticket spent once.
    assert_eq!(
        fake.count(
            System::Sso,
            "POST",
            "/api/application/applicationListByKeyAndRole"
        ),
        1
    );
    assert_eq!(fake.count(System::Grad, "GET", "/sso/login"), 2);
    // The menu the hand-off landed on serves every timetable of the session.
    assert_eq!(fake.count(System::Grad, "GET", "/index"), 1);
}

#[tokio::test]
async fn a_timetable_costs_seven_requests_from_the_sso_session() {
    let fake = fake().await;
    let sso = logged_in(&fake, GRADUATE).await;
    fake.clear_requests();
    let grad = enter(&fake, &sso).await.expect("enters");
    grad.timetable(term(2025, 1)).await.expect("autumn");
    // The portal's list; the link, the CAS, the link with its ticket, the
    // index; the timetable page; its data.
    let asked: Vec<(System, String)> = fake
        .requests()
        .into_iter()
        .map(|r| (r.system, r.method))
        .collect();
    assert_eq!(asked.len(), 7, "{asked:?}");
}

#[tokio::test]
async fn the_configured_base_url_stands_in_for_the_real_host() {
    let fake = fake().await;
    fake.grad_link_on_real_host(true);
    let sso = logged_in(&fake, GRADUATE).await;
    let grad = enter(&fake, &sso).await.expect("enters through the fake");
    assert_eq!(
        grad.base_url().as_str().trim_end_matches('/'),
        fake.grad_base_url()
    );
}

#[tokio::test]
async fn an_undergraduate_has_no_graduate_system() {
    let fake = fake().await;
    let sso = logged_in(&fake, UNDERGRADUATE).await;
    let error = enter(&fake, &sso).await.expect_err("no graduate system");
    assert!(
        matches!(error, GradError::NoGraduateSystem { .. }),
        "{error:?}"
    );
    let has = GradClient::builder()
        .base_url(fake.grad_base_url())
        .portal_base_url(fake.sso_base_url())
        .has_graduate_system(&sso)
        .await
        .expect("asks");
    assert!(!has);
    assert_eq!(
        fake.requests()
            .iter()
            .filter(|r| r.system == System::Grad)
            .count(),
        0
    );
}

#[tokio::test]
async fn an_expired_sso_session_is_said_so() {
    let fake = fake().await;
    let sso = logged_in(&fake, GRADUATE).await;
    fake.expire_sso_sessions();
    let error = enter(&fake, &sso).await.expect_err("expired");
    assert!(matches!(error, GradError::SsoSessionExpired), "{error:?}");
}

#[test]
fn term_codes_outside_the_scheme_are_refused_before_any_request() {
    let error = xtu_grad::termcode(term(2025, 3)).expect_err("summer");
    assert!(error.to_string().contains("2025-2026-3"), "{error}");
}

/// The hop that carries the CAS's ticket is sent once: when it fails the
/// walk starts again from the portal's link, and the CAS issues a new ticket.
#[tokio::test]
async fn a_failed_ticket_hop_restarts_the_walk_with_a_new_ticket() {
    let fake = fake().await;
    let sso = logged_in(&fake, GRADUATE).await;
    for (fault, times) in [
        (Fault::BadGateway, 1),
        (Fault::Reset, 1),
        (Fault::BadGateway, 2),
    ] {
        fake.clear_requests();
        fake.inject(
            FaultRule::new(System::Grad, fault)
                .method("GET")
                .path("/sso/login")
                .query_contains("ticket=")
                .times(times),
        );
        let case = format!("{fault:?} x{times}");
        let grad = enter(&fake, &sso)
            .await
            .unwrap_or_else(|e| panic!("{case}: {e}"));
        let walks = times as usize + 1;
        let logins: Vec<Option<String>> = fake
            .requests()
            .into_iter()
            .filter(|r| r.system == System::Grad && r.path == "/sso/login")
            .map(|r| r.query)
            .collect();
        let mut tickets: Vec<&String> = logins
            .iter()
            .flatten()
            .filter(|q| q.contains("ticket="))
            .collect();
        assert_eq!(tickets.len(), walks, "{case}: one ticket per walk");
        tickets.sort();
        tickets.dedup();
        assert_eq!(tickets.len(), walks, "{case}: a ticket was sent twice");
        assert_eq!(
            logins.len() - walks,
            walks,
            "{case}: each walk began at the portal's link"
        );
        grad.timetable(term(2025, 1))
            .await
            .unwrap_or_else(|e| panic!("{case}: {e}"));
        fake.clear_faults();
    }
}

/// The timetable's data is a POST that only asks: a lost or failed answer
/// is asked again, like a GET.
#[tokio::test]
async fn the_data_post_is_retried_like_a_read() {
    let fake = fake().await;
    let sso = logged_in(&fake, GRADUATE).await;
    let grad = enter(&fake, &sso).await.expect("enters");
    for fault in [Fault::BadGateway, Fault::Reset] {
        fake.clear_requests();
        fake.inject(FaultRule::new(System::Grad, fault).method("POST").times(2));
        let autumn = grad
            .timetable(term(2025, 1))
            .await
            .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        assert_eq!(autumn.courses.len(), 8, "{fault:?}");
        let posts = fake
            .requests()
            .iter()
            .filter(|r| r.system == System::Grad && r.method == "POST")
            .count();
        assert_eq!(posts, 3, "{fault:?}: two failures, then the answer");
        fake.clear_faults();
    }
}
