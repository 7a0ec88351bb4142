//! The binary on a bad network and under `kill -9`.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{PASSWORD, USER, fake, xtu};
use xtu_fake::{Fault, FaultRule, System};

const PROFILE: &str = "/jwglxt/xsxxxggl/xsgrxxwh_cxXsgrxx.html";

/// A state directory with a stored session, and its path.
async fn logged_in(fake: &xtu_fake::FakeXtu) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().to_string_lossy().into_owned();
    let env = [
        ("XTU_STATE_DIR", state.as_str()),
        ("XTU_PASSWORD", PASSWORD),
    ];
    let login = xtu(fake, &["login", "--username", USER], &env, None).await;
    assert_eq!(login.code, 0, "{login:#?}");
    (dir, state)
}

#[tokio::test]
async fn a_hanging_server_ends_in_a_timeout_with_exit_code_8() {
    let fake = fake().await;
    let (_dir, state) = logged_in(&fake).await;
    let env = [("XTU_STATE_DIR", state.as_str())];
    fake.inject(FaultRule::new(System::Ems, Fault::Hang).path(PROFILE));
    let run = xtu(&fake, &["info", "--timeout", "1"], &env, None).await;
    let message = run.fails_with(8);
    assert!(message.contains("timed out"), "{message}");
    assert!(!message.contains("JSESSIONID"), "{message}");
    assert_eq!(fake.count(System::Ems, "GET", PROFILE), 3, "two retries");
}

#[tokio::test]
async fn the_session_store_survives_kill_9_mid_write() {
    let fake = fake().await;
    let (dir, state) = logged_in(&fake).await;
    let env = [("XTU_STATE_DIR", state.as_str())];
    let session = dir.path().join("sessions").join(format!("{USER}.json"));
    // Each run re-enters the academic system and rewrites the session; the
    // latency spreads the run out so the kills land all over it.
    fake.add_latency(Duration::from_millis(5));
    for round in 0..24u64 {
        fake.expire_ems_sessions();
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_xtu"));
        command
            .arg("info")
            .env("XTU_STATE_DIR", &state)
            .env("XTU_SSO_BASE_URL", fake.sso_base_url())
            .env("XTU_EMS_BASE_URL", fake.ems_base_url())
            .env_remove("XTU_TOKEN")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = common::spawn(&mut command).expect("starts");
        tokio::time::sleep(Duration::from_millis(round * 3)).await;
        let _ = child.start_kill();
        let _ = child.wait().await;
        let bytes = std::fs::read(&session).expect("the session file is never removed");
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("round {round}: half-written session: {e}"));
        assert_eq!(value["username"], USER, "round {round}");
    }
    // And it still works.
    let info = xtu(&fake, &["info"], &env, None).await;
    assert!(info.ok().contains(USER));
}
