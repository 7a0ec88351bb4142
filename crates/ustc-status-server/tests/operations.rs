//! Running in production: the readiness probe, the metrics listener, and the audit
//! log reopened on SIGHUP under load (the real binary).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use serde_json::json;
use ustc_status_server::{AppState, AuditSink, READY_PATH, Source, serve_metrics};

both_backends!(
    ready_once_loaded_and_not_while_the_database_is_gone,
    a_copy_not_loaded_is_not_ready_until_the_probe_loads_it,
    metrics_are_scraped_on_their_own_port_without_ids_or_tokens,
);

async fn ready_once_loaded_and_not_while_the_database_is_gone(b: Backend) {
    let f = fixture(b).await;
    let (s, _, body) = send(&f.state, get(READY_PATH).token(None)).await;
    assert_eq!((s, body), (StatusCode::OK, json!({"ready": true})));

    // The view source: its relation going away is the database failing.
    let view = people_view(&f.db, "('G1', 'U1', '10')").await;
    let state = AppState::new(
        view.clone(),
        callers(ALPHA),
        Vec::new(),
        AuditSink::off(),
        1024,
    );
    assert_eq!(send(&state, get(READY_PATH)).await.0, StatusCode::OK);
    view.execute_script("DROP VIEW v_user").await.expect("drop");
    let (s, _, body) = send(&state, get(READY_PATH)).await;
    assert_eq!(
        (s, body),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"detail": "not ready: database unavailable"})
        )
    );
    view.execute_script("CREATE VIEW v_user AS SELECT gid, userid, zxzt FROM people")
        .await
        .expect("recreate");
    assert_eq!(send(&state, get(READY_PATH)).await.0, StatusCode::OK);

    // A closed pool is a database that cannot be reached; the cause is audited only.
    f.state.store().close().await;
    let (s, _, body) = send(&f.state, get(READY_PATH)).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body, json!({"detail": "not ready: database unavailable"}));
    let log = f.audit.contents();
    let last = log.lines().last().expect("audited");
    assert!(
        last.contains("\"route\":\"/doc/api/ready\"") && last.contains("\"error\""),
        "{last}"
    );
}

async fn a_copy_not_loaded_is_not_ready_until_the_probe_loads_it(b: Backend) {
    let db = TestDb::new(b).await;
    let store = db.store(Source::Table).await;
    store.replace_all(&seed_records()).await.expect("seed");
    // Reopened without warm(): no copy in memory yet.
    store.close().await;
    let store = db.store(Source::Table).await;
    let state = AppState::new(store, callers(ALPHA), Vec::new(), AuditSink::off(), 1024);
    // Probes alone get it ready: a server out of rotation receives no other traffic.
    let mut answers = Vec::new();
    for _ in 0..200 {
        let (s, _, body) = send(&state, get(READY_PATH)).await;
        answers.push((s, body));
        if s == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (last, _) = answers.last().expect("answered");
    assert_eq!(*last, StatusCode::OK, "{answers:?}");
    for (s, body) in &answers[..answers.len() - 1] {
        assert_eq!(*s, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(*body, json!({"detail": "not ready: status table loading"}));
    }
}

async fn scrape(addr: std::net::SocketAddr) -> (u16, String) {
    let r = http_client()
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .expect("scrape");
    (r.status().as_u16(), r.text().await.expect("text"))
}

async fn metrics_are_scraped_on_their_own_port_without_ids_or_tokens(b: Backend) {
    let f = fixture(b).await;
    let state = f.state.clone().with_metrics();
    let (api, stop) = spawn(state.clone()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let metrics = listener.local_addr().expect("addr");
    let (stop_metrics, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve_metrics(listener, state.clone(), async {
        let _ = stopped.await;
    }));

    let c = http_client();
    let call = |path: &str, token: &str| {
        c.get(format!("http://{api}{path}"))
            .bearer_auth(token)
            .send()
    };
    for _ in 0..3 {
        assert_eq!(
            call("/doc/api/status/by-zjhm/P0529", ALPHA)
                .await
                .expect("send")
                .status(),
            200
        );
    }
    assert_eq!(
        call("/doc/api/status/by-zjhm/SECRETID9", ALPHA)
            .await
            .expect("send")
            .status(),
        404
    );
    assert_eq!(
        call("/doc/api/status/by-gid/G3", "leaked-token-xyz")
            .await
            .expect("send")
            .status(),
        401
    );
    assert_eq!(
        call("/nowhere/SECRETPATH", ALPHA)
            .await
            .expect("send")
            .status(),
        404
    );
    let r = c
        .post(format!("http://{api}/doc/api/status/by-zjhms"))
        .bearer_auth(ALPHA)
        .json(&json!({"zjhms": ["Z3-a", "SECRETID8"]}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    // Never on the API's port.
    assert_eq!(call("/metrics", ALPHA).await.expect("send").status(), 404);

    let (status, text) = scrape(metrics).await;
    assert_eq!(status, 200);
    for line in [
        r#"status_http_requests_total{route="/doc/api/status/by-zjhm/{zjhm}",status="200",caller="alpha"} 3"#,
        r#"status_http_requests_total{route="/doc/api/status/by-zjhm/{zjhm}",status="404",caller="alpha"} 1"#,
        r#"status_http_requests_total{route="/doc/api/status/by-gid/{gid}",status="401",caller=""} 1"#,
        // /nowhere/SECRETPATH and /metrics asked of the API port.
        r#"status_http_requests_total{route="<unmatched>",status="404",caller=""} 2"#,
        r#"status_http_requests_total{route="/doc/api/status/by-zjhms",status="200",caller="alpha"} 1"#,
        r#"status_http_request_duration_seconds_count{route="/doc/api/status/by-zjhm/{zjhm}"} 4"#,
        "status_copy_generation 1",
        &format!("status_copy_rows {}", seed_records().len()),
        "status_database_errors_total 0",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    assert!(text.contains(r#"status_http_request_duration_seconds_bucket{le="0.001",route="/doc/api/status/by-zjhm/{zjhm}"}"#)
        || text.contains(r#"status_http_request_duration_seconds_bucket{route="/doc/api/status/by-zjhm/{zjhm}",le="0.001"}"#),
        "latency histogram by route:\n{text}");
    for secret in [
        ALPHA,
        "leaked-token-xyz",
        "P0529",
        "SECRETID9",
        "SECRETID8",
        "SECRETPATH",
        "Z3-a",
        "G3",
    ] {
        assert!(!text.contains(secret), "{secret} in a metric:\n{text}");
    }

    // A database failure is counted.
    state.store().close().await;
    assert_eq!(
        call("/doc/api/status/by-gid/G3", ALPHA)
            .await
            .expect("send")
            .status(),
        500
    );
    let (_, text) = scrape(metrics).await;
    assert!(text.contains("status_database_errors_total 1"), "{text}");
    let _ = stop.send(());
    let _ = stop_metrics.send(());
}

/// Without metrics configured the state has none to serve.
#[tokio::test]
async fn metrics_are_off_by_default() {
    let f = fixture(Backend::Sqlite).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve_metrics(listener, f.state.clone(), async {
        let _ = stopped.await;
    }));
    assert_eq!(scrape(addr).await.0, 404);
    let _ = stop.send(());
    let config = ustc_status_server::Config::from_toml(
        "listen = \"127.0.0.1:8080\"\nmetrics_listen = \"127.0.0.1:8080\"\n",
        std::path::Path::new("status.toml"),
    )
    .expect_err("metrics on the API port");
    assert!(config.to_string().contains("port of their own"), "{config}");
}

/// logrotate's way: rename the file under load, SIGHUP, and every request after the
/// server said it reopened the log is in the new file, none lost across the two.
#[cfg(unix)]
#[tokio::test]
async fn audit_log_reopens_on_sighup_under_load() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = served_config(dir.path(), ALPHA).await;
    let log = dir.path().join("audit.log");
    let rotated = dir.path().join("audit.log.1");
    let mut server = ServerProcess::start(&cfg).await;
    let addr = server.addr.clone();

    // Workers ask by-zjhm until told the log was reopened, by-gid after: a by-gid line
    // in the old file would be a request written to it after the signal was handled.
    let reopened = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let before = Arc::new(AtomicUsize::new(0));
    let after = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let (reopened, done, before, after) = (
            reopened.clone(),
            done.clone(),
            before.clone(),
            after.clone(),
        );
        let addr = addr.clone();
        workers.spawn(async move {
            let c = http_client();
            while !done.load(Ordering::SeqCst) {
                let late = reopened.load(Ordering::SeqCst);
                let path = if late {
                    "/doc/api/status/by-gid/G3"
                } else {
                    "/doc/api/status/by-zjhm/P0529"
                };
                assert_eq!(get_json(&c, &addr, path).await.0, 200);
                if late { &after } else { &before }.fetch_add(1, Ordering::SeqCst);
            }
        });
    }
    while before.load(Ordering::SeqCst) < 200 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    std::fs::rename(&log, &rotated).expect("rotate");
    server.signal("HUP");
    server.wait_for("audit log reopened").await;
    reopened.store(true, Ordering::SeqCst);
    while after.load(Ordering::SeqCst) < 200 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    done.store(true, Ordering::SeqCst);
    while let Some(joined) = workers.join_next().await {
        joined.expect("worker");
    }
    let exit = server.stop().await;
    assert!(exit.success(), "{exit:?}");

    let old = std::fs::read_to_string(&rotated).expect("old file");
    let new = std::fs::read_to_string(&log).expect("new file");
    let late = |text: &str| text.lines().filter(|l| l.contains("by-gid")).count();
    assert_eq!(
        late(&old),
        0,
        "a request after the reopen went to the old file"
    );
    assert_eq!(
        late(&new),
        after.load(Ordering::SeqCst),
        "late requests in the new file"
    );
    assert_eq!(
        old.lines().count() + new.lines().count(),
        before.load(Ordering::SeqCst) + after.load(Ordering::SeqCst),
        "every request audited exactly once across the two files"
    );
    assert!(old.lines().count() >= 200, "the old file kept its lines");
    for line in old.lines().chain(new.lines()) {
        serde_json::from_str::<serde_json::Value>(line).expect("whole JSON lines");
    }
}
