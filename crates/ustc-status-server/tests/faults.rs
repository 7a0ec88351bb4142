//! The server on a bad day, over a real socket: the database going away and
//! coming back, slow clients, a thousand connections at once, token reload
//! under load. Every response must match its own request.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use ustc_status_server::{AppState, AuditSink, Timeouts};

both_backends!(
    an_unavailable_database_is_a_generic_500_and_service_resumes,
    a_thousand_connections_each_get_their_own_answer,
    token_reload_under_load_never_mixes_or_fails,
);

/// One HTTP/1.1 exchange on a fresh connection: (status, body).
async fn raw_get(addr: SocketAddr, path: &str, token: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

async fn an_unavailable_database_is_a_generic_500_and_service_resumes(b: Backend) {
    let db = TestDb::new(b).await;
    // The view source is read live on every request: taking its relation
    // away is the database failing under the server.
    let store = people_view(&db, "('G1', 'U1', '10')").await;
    let (audit, buf) = AuditSink::memory();
    let state = AppState::new(store.clone(), callers(ALPHA), Vec::new(), audit, 64 * 1024);
    let (addr, stop) = spawn(state).await;
    let path = "/doc/api/status/by-zjhm/U1";
    assert_eq!(raw_get(addr, path, ALPHA).await.0, 200);

    store
        .execute_script("DROP VIEW v_user")
        .await
        .expect("drop view");
    let (status, body) = raw_get(addr, path, ALPHA).await;
    assert_eq!(status, 500);
    let body: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(body, json!({"detail": "internal server error"}));
    // The cause is for operators: in the audit log, not the response.
    let log = buf.contents();
    assert!(log.contains("\"status\":500"), "{log}");
    assert!(!log.contains(ALPHA) && !log.contains("U1"), "{log}");

    store
        .execute_script("CREATE VIEW v_user AS SELECT gid, userid, zxzt FROM people")
        .await
        .expect("recreate view");
    assert_eq!(raw_get(addr, path, ALPHA).await.0, 200, "service resumes");
    let _ = stop.send(());
}

async fn a_thousand_connections_each_get_their_own_answer(b: Backend) {
    let fixture = fixture(b).await;
    let (addr, stop) = spawn(fixture.state.clone()).await;
    // Each connection asks for its own id; each answer must be for that id.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..1000usize {
        tasks.spawn(async move {
            let zjhm = format!("ZB{:03}", i % 120);
            let (status, body) =
                raw_get(addr, &format!("/doc/api/status/by-zjhm/{zjhm}"), ALPHA).await;
            (zjhm, status, body)
        });
    }
    let mut answered = 0;
    while let Some(joined) = tasks.join_next().await {
        let (zjhm, status, body) = joined.expect("task");
        assert_eq!(status, 200, "{zjhm}: {body}");
        let body: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(body["zjhm"], zjhm.as_str(), "an answer for another request");
        answered += 1;
    }
    assert_eq!(answered, 1000);
    let _ = stop.send(());
}

async fn token_reload_under_load_never_mixes_or_fails(b: Backend) {
    let fixture = fixture(b).await;
    let state = fixture.state.clone();
    let (addr, stop) = spawn(fixture.state).await;
    let done = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..8usize {
        let (done, ok) = (done.clone(), ok.clone());
        tasks.spawn(async move {
            let client = http_client();
            let mut n = 0usize;
            while !done.load(Ordering::SeqCst) || n < 3 {
                n += 1;
                let zjhm = format!("ZB{:03}", (worker * 13 + n) % 120);
                // Either token may be the valid one at any moment.
                let token = if n.is_multiple_of(2) {
                    ALPHA
                } else {
                    ALPHA_NEW
                };
                let resp = client
                    .get(format!("http://{addr}/doc/api/status/by-zjhm/{zjhm}"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .expect("send");
                let status = resp.status().as_u16();
                let body: Value = resp.json().await.expect("JSON");
                match status {
                    200 => {
                        assert_eq!(body["zjhm"], zjhm.as_str());
                        ok.fetch_add(1, Ordering::SeqCst);
                    }
                    401 => assert!(body["detail"].is_string()),
                    other => panic!("status {other}: {body}"),
                }
            }
        });
    }
    for round in 0..40 {
        let token = if round % 2 == 0 { ALPHA_NEW } else { ALPHA };
        state.reload_callers(callers(token));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    done.store(true, Ordering::SeqCst);
    while let Some(joined) = tasks.join_next().await {
        joined.expect("worker");
    }
    assert!(ok.load(Ordering::SeqCst) > 0);
    // The last reload (ALPHA) is the one in force.
    assert_eq!(
        raw_get(addr, "/doc/api/status/by-zjhm/ZB001", ALPHA)
            .await
            .0,
        200
    );
    assert_eq!(
        raw_get(addr, "/doc/api/status/by-zjhm/ZB001", ALPHA_NEW)
            .await
            .0,
        401
    );
    let _ = stop.send(());
}

async fn slow_server(
    timeouts: Timeouts,
) -> (SocketAddr, tokio::sync::oneshot::Sender<()>, Fixture) {
    let fixture = fixture(Backend::Sqlite).await;
    let (addr, stop) = spawn(fixture.state.clone().with_timeouts(timeouts)).await;
    (addr, stop, fixture)
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_disconnected() {
    let (addr, stop, _fixture) = slow_server(Timeouts {
        header_read: Duration::from_millis(300),
        request: Duration::from_secs(30),
    })
    .await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(b"GET /doc/api/health HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let started = Instant::now();
    let mut rest = Vec::new();
    // The server closes the connection; the read ends instead of hanging.
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the server kept a stalled connection open");
    assert!(started.elapsed() >= Duration::from_millis(250));
    let _ = stop.send(());
}

#[tokio::test]
async fn a_client_trickling_its_body_gets_408() {
    let (addr, stop, fixture) = slow_server(Timeouts {
        header_read: Duration::from_secs(10),
        request: Duration::from_millis(300),
    })
    .await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /doc/api/status/by-zjhms HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ALPHA}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{{\"zjhms\": ["
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut response = String::new();
    tokio::time::timeout(
        Duration::from_secs(10),
        stream.read_to_string(&mut response),
    )
    .await
    .expect("answered in time")
    .expect("read");
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(
        response.contains("{\"detail\":\"request timeout\"}"),
        "{response}"
    );
    assert!(
        fixture.audit.contents().contains("\"status\":408"),
        "a timed-out request is audited"
    );
    // Other clients are unaffected meanwhile.
    assert_eq!(
        raw_get(addr, "/doc/api/status/by-zjhm/ZB001", ALPHA)
            .await
            .0,
        200
    );
    let _ = stop.send(());
}
