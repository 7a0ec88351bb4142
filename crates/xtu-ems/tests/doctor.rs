//! `doctor` with a stored academic-system session, against the fake.

use xtu_ems::EmsClient;
use xtu_fake::{Account, FakeXtu};
use xtu_sso::doctor::{self, DoctorConfig, FailureClass, Verdict};
use xtu_sso::{CookieJar, SsoClient};

#[tokio::test]
async fn a_stored_session_is_checked_and_an_expired_one_named() {
    let fake = FakeXtu::builder()
        .account(Account::new("202205561111", "Xtu@2025!"))
        .start()
        .await;
    let config = DoctorConfig::new(fake.sso_base_url(), fake.ems_base_url());
    let sso = SsoClient::builder()
        .base_url(fake.sso_base_url())
        .build()
        .expect("client")
        .login("202205561111", "Xtu@2025!")
        .await
        .expect("login");
    let valid = EmsClient::builder()
        .base_url(fake.ems_base_url())
        .enter(&sso)
        .await
        .expect("hand-off");
    let report = doctor::run(&config, Some(xtu_ems::doctor::session_check(valid)))
        .await
        .expect("valid urls");
    let session = report.steps.iter().find(|s| s.name == "stored session");
    assert_eq!(
        session.map(|s| s.verdict),
        Some(Verdict::Pass),
        "{report:#?}"
    );
    assert!(report.passed());

    let expired = EmsClient::builder()
        .base_url(fake.ems_base_url())
        .with_jar(CookieJar::new())
        .expect("client");
    let report = doctor::run(&config, Some(xtu_ems::doctor::session_check(expired)))
        .await
        .expect("valid urls");
    let first = report.first_failure().expect("a failure");
    assert_eq!(
        (first.name.as_str(), first.class),
        ("stored session", Some(FailureClass::SessionExpired)),
        "{report:#?}"
    );
}
