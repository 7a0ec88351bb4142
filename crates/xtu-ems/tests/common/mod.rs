//! Logging in to the fake and entering its academic system: the start of
//! every end-to-end test of the client.

#![allow(dead_code)] // each test binary uses a different part

use std::time::Duration;

use xtu_ems::EmsClient;
use xtu_fake::FakeXtu;
use xtu_sso::SsoClient;

/// Logs in as `user` and hands off to the academic system, every request
/// with `timeout`.
pub async fn entered(fake: &FakeXtu, user: &str, password: &str, timeout: Duration) -> EmsClient {
    let sso = SsoClient::builder()
        .base_url(fake.sso_base_url())
        .timeout(timeout)
        .build()
        .expect("client")
        .login(user, password)
        .await
        .expect("login");
    EmsClient::builder()
        .base_url(fake.ems_base_url())
        .timeout(timeout)
        .enter(&sso)
        .await
        .expect("hand-off")
}
