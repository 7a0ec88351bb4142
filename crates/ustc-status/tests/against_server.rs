//! The client library and the CLI binary against the real server (SQLite, 127.0.0.1:0),
//! plus retry behaviour against a tiny scripted server.

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use ustc_status::{Client, Error, RetryPolicy, Token};
use ustc_status_server::{
    AppState, AuditSink, Caller, Callers, Record, SharedBuffer, Store, StoreOptions, parse_ranges,
    serve, token_digest,
};

const TOKEN: &str = "client-test-token-0123456789abcdef";
const ELSEWHERE: &str = "client-test-elsewhere-token-012345";
const LIMITED: &str = "client-test-limited-token-0123456";

struct Server {
    base: String,
    audit: SharedBuffer,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

fn rec(gid: &str, zjhm: &str, code: &str) -> Record {
    Record {
        gid: gid.into(),
        zjhm: zjhm.into(),
        ryzxztdm: Some(code.into()),
    }
}

async fn real_server() -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    let store = Store::open(&url, &StoreOptions::default())
        .await
        .expect("store");
    let mut rows = vec![
        rec("2200600958", "P0529", "10"),
        rec("G3", "Z3-a", "01"),
        rec("G3", "Z3-b", "10"),
    ];
    for i in 0..300 {
        rows.push(rec(&format!("B{i:03}"), &format!("ZB{i:03}"), "01"));
    }
    store.replace_all(&rows).await.expect("seed");
    let local = |items: &[&str]| {
        parse_ranges(
            "t",
            &items.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
        .expect("ranges")
    };
    let callers = Callers::new(vec![
        Caller::new(
            "app",
            true,
            vec![token_digest(TOKEN)],
            local(&["127.0.0.1/32"]),
            None,
        ),
        Caller::new(
            "far",
            true,
            vec![token_digest(ELSEWHERE)],
            local(&["192.0.2.0/24"]),
            None,
        ),
        Caller::new(
            "slow",
            true,
            vec![token_digest(LIMITED)],
            local(&["127.0.0.1/32"]),
            Some(1),
        ),
    ]);
    let (audit, buf) = AuditSink::memory();
    let state = AppState::new(store, callers, Vec::new(), audit, 64 * 1024);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = serve(listener, state, async {
            let _ = rx.await;
        })
        .await;
    });
    Server {
        base: format!("http://{addr}/"),
        audit: buf,
        _dir: dir,
        _stop: tx,
    }
}

fn client(base: &str, token: &str) -> Client {
    client_waiting_up_to(base, token, Duration::from_millis(50))
}

/// Three attempts, quick backoff, waits for a `Retry-After` of up to `max_delay`.
fn client_waiting_up_to(base: &str, token: &str, max_delay: Duration) -> Client {
    Client::builder()
        .base_url(base)
        .token(Token::new(token))
        .timeout(Duration::from_secs(5))
        .retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay,
        })
        .build()
        .expect("client")
}

#[tokio::test]
async fn lookups_against_real_server() {
    let s = real_server().await;
    let c = client(&s.base, TOKEN);
    assert!(c.health().await.expect("health"));
    let z = c.by_zjhm("P0529").await.expect("by_zjhm");
    assert_eq!(
        (z.gid.as_str(), z.ryzxztdm.as_deref()),
        ("2200600958", Some("10"))
    );
    let g = c.by_gid("G3").await.expect("by_gid");
    assert_eq!(g.items.len(), 2);
    assert_eq!(g.items[0].ryzxztdm.as_deref(), Some("01"));
    let b = c
        .by_gids(&["nope", " G3 ", "2200600958", "G3"])
        .await
        .expect("by_gids");
    assert_eq!(b.not_found, vec!["nope"]);
    assert_eq!(
        b.items.iter().map(|i| i.gid.as_str()).collect::<Vec<_>>(),
        vec!["G3", "2200600958"]
    );
    let b = c.by_zjhms(&["Z3-b", "x"]).await.expect("by_zjhms");
    assert_eq!(b.items[0].zjhm, "Z3-b");
    assert_eq!(b.not_found, vec!["x"]);
    // An id with a slash stays one path segment and is simply not found.
    match c.by_zjhm("a/../b").await {
        Err(Error::NotFound { detail }) => assert_eq!(detail, "zjhm not found"),
        other => panic!("{other:?}"),
    }
    match c.by_gid("0").await {
        Err(Error::NotFound { detail }) => assert_eq!(detail, "gid not found"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn typed_errors_carry_detail_and_hide_the_token() {
    let s = real_server().await;
    let bad = client(&s.base, "wrong-secret-value");
    let e = bad.by_zjhm("P0529").await.expect_err("401");
    assert!(
        matches!(&e, Error::Unauthorized { detail } if detail == "missing or invalid bearer token")
    );
    assert!(!e.to_string().contains("wrong-secret-value"));
    assert!(!format!("{bad:?}").contains("wrong-secret-value"));
    let far = client(&s.base, ELSEWHERE);
    let e = far.by_gids(&["G3"]).await.expect_err("403");
    assert!(matches!(&e, Error::Forbidden { detail } if detail == "source ip not allowed"));
    assert_eq!(e.detail(), Some("source ip not allowed"));
    assert!(!format!("{e:?}").contains(ELSEWHERE));
    // 401/403/404 are never retried: one audit line each.
    let lines = s.audit.contents().lines().count();
    assert_eq!(lines, 2);
}

#[tokio::test]
async fn batches_over_100_are_refused_or_chunked_in_order() {
    let s = real_server().await;
    let c = client(&s.base, TOKEN);
    let mut ids: Vec<String> = Vec::new();
    for i in (0..300).rev() {
        ids.push(format!("ZB{i:03}"));
        if i % 7 == 0 {
            ids.push(format!("missing-{i}"));
        }
        if i % 11 == 0 {
            ids.push(format!("ZB{:03}", i + 1).replace("ZB300", "ZB299"));
        }
    }
    let e = c.by_zjhms(&ids).await.expect_err("refused");
    assert!(matches!(e, Error::TooManyIds { count } if count > 100));
    assert_eq!(
        s.audit.contents().lines().count(),
        0,
        "refused before sending"
    );
    let b = c.by_zjhms_chunked(&ids).await.expect("chunked");
    // Chunks in request order; within a chunk the server's zjhm order (bytes on SQLite).
    let expected_found: Vec<String> = ustc_status::normalize_ids(&ids)
        .chunks(100)
        .flat_map(|chunk| {
            let mut found: Vec<String> = chunk
                .iter()
                .filter(|i| !i.starts_with("missing"))
                .cloned()
                .collect();
            found.sort();
            found
        })
        .collect();
    let expected_missing: Vec<String> = ustc_status::normalize_ids(&ids)
        .into_iter()
        .filter(|i| i.starts_with("missing"))
        .collect();
    assert_eq!(
        b.items.iter().map(|i| i.zjhm.clone()).collect::<Vec<_>>(),
        expected_found
    );
    assert_eq!(b.not_found, expected_missing);
    let lines = s.audit.contents().lines().count();
    assert_eq!(lines, ustc_status::normalize_ids(&ids).len().div_ceil(100));
    // Exactly 100 distinct (with duplicates) goes in one request without chunking.
    let hundred: Vec<String> = (0..100).chain(0..50).map(|i| format!("B{i:03}")).collect();
    assert_eq!(c.by_gids(&hundred).await.expect("100").items.len(), 100);
    assert!(matches!(c.by_gids(&["", " "]).await, Err(Error::NoIds)));
}

#[tokio::test]
async fn chunked_calls_stop_at_1000_ids_with_the_providers_words() {
    let s = real_server().await;
    let c = client(&s.base, TOKEN);
    let ids: Vec<String> = (0..1001).map(|i| format!("id{i}")).collect();
    let e = c.by_zjhms_chunked(&ids).await.expect_err("refused");
    assert!(
        matches!(e, Error::BulkExportRequired { count: 1001 }),
        "{e:?}"
    );
    let message = e.to_string();
    assert!(
        message.contains(ustc_status::PROVIDER_BULK_RULE),
        "{message}"
    );
    assert!(message.contains("data center"), "{message}");
    let e = c.by_gids_chunked(&ids).await.expect_err("refused");
    assert!(
        matches!(e, Error::BulkExportRequired { count: 1001 }),
        "{e:?}"
    );
    assert_eq!(s.audit.contents().lines().count(), 0, "nothing was sent");
    // 1,000 distinct (duplicates do not count) is allowed: ten chunks.
    let mut ok: Vec<String> = ids[..1000].to_vec();
    ok.extend(ids[..5].iter().cloned());
    let b = c.by_gids_chunked(&ok).await.expect("1000 ids");
    assert_eq!(b.not_found.len(), 1000);
    assert_eq!(s.audit.contents().lines().count(), 10);
}

/// Chunks go one at a time, and a 429 holds the next attempt back for its Retry-After.
#[tokio::test]
async fn chunks_are_sequential_and_wait_for_retry_after() {
    use axum::http::{HeaderValue, StatusCode};
    use axum::response::IntoResponse;
    let hits = Arc::new(AtomicUsize::new(0));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most_in_flight = Arc::new(AtomicUsize::new(0));
    let (h, f, m) = (hits.clone(), in_flight.clone(), most_in_flight.clone());
    let app = axum::Router::new().fallback(move |body: axum::body::Bytes| {
        let (h, f, m) = (h.clone(), f.clone(), m.clone());
        async move {
            let n = h.fetch_add(1, Ordering::SeqCst);
            let now = f.fetch_add(1, Ordering::SeqCst) + 1;
            m.fetch_max(now, Ordering::SeqCst);
            // Long enough for a concurrent chunk to overlap if one were sent.
            tokio::time::sleep(Duration::from_millis(30)).await;
            f.fetch_sub(1, Ordering::SeqCst);
            if n == 1 {
                let mut r = (
                    StatusCode::TOO_MANY_REQUESTS,
                    axum::Json(json!({"detail": "rate limit exceeded, retry after 1 s"})),
                )
                    .into_response();
                r.headers_mut()
                    .insert("retry-after", HeaderValue::from_static("1"));
                return r;
            }
            let asked: Value = serde_json::from_slice(&body).expect("json body");
            axum::Json(json!({"items": [], "not_found": asked["zjhms"]})).into_response()
        }
    });
    let addr = serve_on_loopback(app).await;
    let c = client_waiting_up_to(&format!("http://{addr}/"), TOKEN, Duration::from_secs(5));
    let ids: Vec<String> = (0..250).map(|i| format!("z{i}")).collect();
    let started = std::time::Instant::now();
    let b = c.by_zjhms_chunked(&ids).await.expect("chunked");
    assert_eq!(b.not_found, ids, "merged in request order");
    assert_eq!(hits.load(Ordering::SeqCst), 4, "three chunks, one retried");
    assert_eq!(
        most_in_flight.load(Ordering::SeqCst),
        1,
        "one chunk at a time"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited for Retry-After"
    );

    // A Retry-After longer than the client's longest wait: fail now, never retry early.
    let (base, hits) = scripted(vec![(429, Some("3600"))]).await;
    let e = client(&base, TOKEN).by_zjhm("z").await.expect_err("429");
    assert!(matches!(e, Error::RateLimited { retry_after: Some(d), .. } if d.as_secs() == 3600));
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

/// Serves `app` on 127.0.0.1:0 for the rest of the test.
async fn serve_on_loopback(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// A scripted server: answers with `statuses[n]` for the n-th request, 200 after.
async fn scripted(statuses: Vec<(u16, Option<&'static str>)>) -> (String, Arc<AtomicUsize>) {
    use axum::http::{HeaderValue, StatusCode};
    use axum::response::IntoResponse;
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let statuses = Arc::new(statuses);
    let app = axum::Router::new().fallback(move || {
        let h = h.clone();
        let statuses = statuses.clone();
        async move {
            let n = h.fetch_add(1, Ordering::SeqCst);
            match statuses.get(n) {
                Some((code, retry_after)) => {
                    let mut r = (
                        StatusCode::from_u16(*code).expect("code"),
                        axum::Json(json!({"detail": format!("scripted {code}")})),
                    )
                        .into_response();
                    if let Some(ra) = retry_after {
                        r.headers_mut()
                            .insert("retry-after", HeaderValue::from_static(ra));
                    }
                    r
                }
                None => {
                    axum::Json(json!({"gid": "g", "zjhm": "z", "ryzxztdm": "01"})).into_response()
                }
            }
        }
    });
    let addr = serve_on_loopback(app).await;
    (format!("http://{addr}/"), hits)
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let (base, hits) = scripted(vec![(503, None), (429, Some("1")), (408, None)]).await;
    let c = Client::builder()
        .base_url(&base)
        .token(Token::new(TOKEN))
        .retry(RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_secs(5),
        })
        .build()
        .expect("client");
    let started = std::time::Instant::now();
    let z = c.by_zjhm("z").await.expect("fourth attempt succeeds");
    assert_eq!(z.gid, "g");
    assert_eq!(hits.load(Ordering::SeqCst), 4);
    // The 429 asked for one second; the client waited at least that long.
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn retry_exhaustion_and_non_retryable() {
    for (code, want_hits) in [
        (400, 1),
        (401, 1),
        (403, 1),
        (404, 1),
        (500, 3),
        (502, 3),
        (429, 3),
        (408, 3),
    ] {
        let (base, hits) = scripted(vec![(code, Some("0")); 5]).await;
        let e = client(&base, TOKEN).by_zjhm("z").await.expect_err("error");
        assert_eq!(hits.load(Ordering::SeqCst), want_hits, "status {code}");
        assert_eq!(e.detail(), Some(format!("scripted {code}").as_str()));
        match code {
            400 => assert!(matches!(e, Error::BadRequest { .. })),
            401 => assert!(matches!(e, Error::Unauthorized { .. })),
            403 => assert!(matches!(e, Error::Forbidden { .. })),
            404 => assert!(matches!(e, Error::NotFound { .. })),
            429 => {
                assert!(matches!(e, Error::RateLimited { retry_after: Some(d), .. } if d.is_zero()))
            }
            500 | 502 => assert!(matches!(e, Error::Server { .. })),
            _ => assert!(matches!(e, Error::UnexpectedStatus { status: 408, .. })),
        }
    }
    // Recovery within the attempt budget.
    let (base, hits) = scripted(vec![(503, None), (429, Some("0"))]).await;
    let z = client(&base, TOKEN)
        .by_zjhm("z")
        .await
        .expect("third attempt succeeds");
    assert_eq!(z.ryzxztdm.as_deref(), Some("01"));
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn timeouts_and_connection_errors() {
    // A listener that accepts and never answers: every attempt times out.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let accepted = Arc::new(AtomicUsize::new(0));
    let a = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            a.fetch_add(1, Ordering::SeqCst);
            held.push(sock);
        }
    });
    let c = Client::builder()
        .base_url(format!("http://{addr}/"))
        .token(Token::new(TOKEN))
        .timeout(Duration::from_millis(200))
        .retry(RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(10),
        })
        .build()
        .expect("client");
    assert!(matches!(c.by_zjhm("z").await, Err(Error::Timeout(_))));
    assert_eq!(accepted.load(Ordering::SeqCst), 2, "timeouts are retried");

    // A closed port: transport error, URL stripped.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let e = client(&format!("http://{closed}/"), TOKEN)
        .by_zjhm("secret-id")
        .await
        .expect_err("refused");
    assert!(matches!(e, Error::Transport(_)), "{e:?}");
    assert!(!e.to_string().contains("secret-id"));
    assert!(Client::builder().base_url("not a url").build().is_err());
    assert!(Client::builder().base_url("ftp://x/").build().is_err());
}

fn cli() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ustc-status"));
    c.env_remove("USTC_STATUS_TOKEN")
        .env_remove("USTC_STATUS_BASE_URL");
    c
}

fn run(cmd: &mut Command, stdin: Option<&str>) -> (i32, String, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cli");
    if let Some(input) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_binary_against_real_server() {
    let s = real_server().await;
    let base = s.base.clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).expect("write");
    let ids_file = dir.path().join("ids.txt");
    let many: Vec<String> = (0..150).map(|i| format!("ZB{i:03}")).collect();
    std::fs::write(&ids_file, many.join("\n")).expect("write");

    let result = tokio::task::spawn_blocking(move || {
        let mut checks = Vec::new();
        let with_env = |args: &[&str]| {
            let mut c = cli();
            c.arg("--base-url")
                .arg(&base)
                .args(args)
                .env("USTC_STATUS_TOKEN", TOKEN);
            c
        };
        let (code, out, err) = run(&mut with_env(&["by-zjhm", "P0529"]), None);
        checks.push((code, 0, err.clone()));
        let v: Value = serde_json::from_str(&out).expect("json");
        assert_eq!(
            v,
            json!({"gid": "2200600958", "zjhm": "P0529", "ryzxztdm": "10"})
        );
        assert!(out.contains("\n  \""), "pretty printed");

        let (code, out, _) = run(&mut with_env(&["by-gid", "G3"]), None);
        assert_eq!(code, 0);
        assert!(out.contains("Z3-a"));

        let (code, _, err) = run(&mut with_env(&["by-zjhm", "nope"]), None);
        assert_eq!(code, 6);
        assert_eq!(err.lines().count(), 1);
        assert!(err.starts_with("error: not found: zjhm not found"), "{err}");

        // Token from a file; ids from stdin.
        let mut c = cli();
        c.arg("--base-url")
            .arg(&base)
            .arg("--token-file")
            .arg(&token_file)
            .args(["by-zjhms", "-"]);
        let (code, out, err) = run(&mut c, Some("P0529\n\n  Z3-a \nnope\n"));
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).expect("json");
        assert_eq!(v["not_found"], json!(["nope"]));
        assert_eq!(v["items"].as_array().map(Vec::len), Some(2));

        // 150 ids from a file: refused without --chunk (exit 5), merged with it.
        let f = ids_file.to_str().expect("utf8 path");
        let (code, _, err) = run(&mut with_env(&["by-zjhms", "--file", f]), None);
        assert_eq!(code, 5, "{err}");
        assert!(
            err.contains("150 distinct ids exceed the limit of 100"),
            "{err}"
        );
        let (code, out, err) = run(&mut with_env(&["by-zjhms", "--chunk", "--file", f]), None);
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).expect("json");
        assert_eq!(v["items"].as_array().map(Vec::len), Some(150));
        assert_eq!(v["items"][149]["zjhm"], "ZB149");

        // No token: usage error; bad token: 3; wrong address: 4; rate limited: 7.
        let mut c = cli();
        c.arg("--base-url").arg(&base).args(["by-zjhm", "P0529"]);
        let (code, _, err) = run(&mut c, None);
        assert_eq!(code, 2);
        assert!(err.contains("USTC_STATUS_TOKEN"), "{err}");
        let mut c = cli();
        c.arg("--base-url")
            .arg(&base)
            .args(["by-zjhm", "P0529"])
            .env("USTC_STATUS_TOKEN", "nope-secret");
        let (code, _, err) = run(&mut c, None);
        assert_eq!(code, 3);
        assert!(!err.contains("nope-secret"));
        let mut c = cli();
        c.arg("--base-url")
            .arg(&base)
            .args(["by-gid", "G3"])
            .env("USTC_STATUS_TOKEN", ELSEWHERE);
        assert_eq!(run(&mut c, None).0, 4);
        let mut codes = Vec::new();
        for _ in 0..3 {
            let mut c = cli();
            c.arg("--base-url")
                .arg(&base)
                .args(["--attempts", "1", "by-gid", "G3"])
                .env("USTC_STATUS_TOKEN", LIMITED);
            codes.push(run(&mut c, None).0);
        }
        assert_eq!(codes[0], 0);
        assert!(codes.contains(&7), "{codes:?}");
        // Network failure: 8.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr");
        let mut c = cli();
        c.args([
            "--base-url",
            &format!("http://{closed}/"),
            "--attempts",
            "1",
            "by-gid",
            "G3",
        ])
        .env("USTC_STATUS_TOKEN", TOKEN);
        assert_eq!(run(&mut c, None).0, 8);
        // Usage: unknown subcommand.
        assert_eq!(run(cli().arg("frobnicate"), None).0, 2);
        checks
    })
    .await
    .expect("blocking");
    for (code, want, err) in result {
        assert_eq!(code, want, "{err}");
    }
    let audit = s.audit.contents();
    assert!(!audit.contains(TOKEN) && !audit.contains("P0529"));
}

#[tokio::test]
async fn a_gigantic_response_is_refused_not_buffered() {
    let app = axum::Router::new().fallback(|| async {
        // 64 MiB of "valid-looking" JSON that never ends in time.
        let chunk = axum::body::Bytes::from(vec![b' '; 1 << 20]);
        let stream =
            futures_util::stream::iter(std::iter::repeat_n(chunk, 64).map(Ok::<_, std::io::Error>));
        axum::body::Body::from_stream(stream)
    });
    let addr = serve_on_loopback(app).await;
    let e = client(&format!("http://{addr}/"), TOKEN)
        .by_zjhm("z")
        .await
        .expect_err("too large");
    assert!(e.to_string().contains("larger than"), "{e}");
}
