//! The status server's request handling: routing, path ids, bearer tokens,
//! X-Forwarded-For, body limits and batch bodies, through the real router
//! (`ustc_status_server::app`) on a seeded SQLite store.
//!
//! Input, HTTP/1-like text (see the seeds in `corpus/status_http/`):
//!
//! ```text
//! METHOD URI [PEER]\n
//! Name: value\n          (any number of header lines)
//! \n
//! body
//! ```
//!
//! `$TOKEN`, `$LIMITED` and `$DISABLED` in a header value stand for the
//! registered callers' tokens, so mutations keep reaching the handlers behind
//! authentication. PEER (`ip:port`) defaults to 127.0.0.1:40000, a trusted
//! proxy. Lines that do not make a valid method, URI or header are skipped.
//!
//! Invariants: no panic; the status is one the API documents (never a 500
//! with a healthy database); a non-empty body is JSON; every request leaves
//! exactly one audit line, itself JSON.
#![no_main]

use std::net::SocketAddr;
use std::sync::LazyLock;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderName, HeaderValue, Method, Request, Uri};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt as _;
use ustc_status_server::{
    AppState, AuditSink, Caller, Callers, Record, SharedBuffer, Source, Store, StoreOptions, app,
    parse_ranges, token_digest,
};

const TOKEN: &str = "fuzz-token-0123456789abcdef";
const LIMITED: &str = "limited-token-0123456789";
const DISABLED: &str = "disabled-token-0123456789";
/// Small, so that the fuzzer reaches the 413 paths with short inputs.
const MAX_BODY: usize = 2048;
/// Statuses the API can answer with (see `ApiError`, plus 200).
const DOCUMENTED: [u16; 8] = [200, 400, 401, 403, 404, 405, 413, 429];

struct Harness {
    runtime: tokio::runtime::Runtime,
    router: Router,
    /// Audit lines, taken after every request.
    audit: SharedBuffer,
    _dir: tempfile::TempDir,
}

fn nets(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn record(gid: &str, zjhm: &str, code: &str) -> Record {
    Record {
        gid: gid.into(),
        zjhm: zjhm.into(),
        ryzxztdm: Some(code.into()),
    }
}

static HARNESS: LazyLock<Harness> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // A file rather than `:memory:`: every pooled connection must see the
    // same database, also after the pool recycles one.
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("status.db").display());
    let audit = SharedBuffer::default();
    let router = runtime.block_on(async {
        let store = Store::open(
            &url,
            &StoreOptions {
                source: Source::Table,
                max_connections: Some(2),
                ..StoreOptions::default()
            },
        )
        .await
        .expect("open store");
        let mut rows = vec![
            record("2200600958", "P0529", "10"),
            record("G3", "Z3-a", "01"),
            record("G3", "Z3-b", "10"),
            record("空 格", "中文 id", "99"),
        ];
        rows.extend((0..20).map(|i| record(&format!("B{i:03}"), &format!("ZB{i:03}"), "10")));
        store.replace_all(&rows).await.expect("seed store");
        let callers = Callers::new(vec![
            Caller::new(
                "fuzz",
                true,
                vec![token_digest(TOKEN)],
                parse_ranges("fuzz", &nets(&["0.0.0.0/0", "::/0"])).expect("ranges"),
                None,
            ),
            Caller::new(
                "limited",
                true,
                vec![token_digest(LIMITED)],
                parse_ranges("limited", &nets(&["127.0.0.1/32", "203.0.113.0/24"]))
                    .expect("ranges"),
                Some(5),
            ),
            Caller::new(
                "disabled",
                false,
                vec![token_digest(DISABLED)],
                parse_ranges("disabled", &nets(&["0.0.0.0/0"])).expect("ranges"),
                None,
            ),
        ]);
        let state = AppState::new(
            store,
            callers,
            parse_ranges(
                "trusted",
                &nets(&["127.0.0.1/32", "10.9.0.0/16", "::1/128"]),
            )
            .expect("ranges"),
            AuditSink::writer(audit.clone()),
            MAX_BODY,
        );
        app(state)
    });
    Harness {
        runtime,
        router,
        audit,
        _dir: dir,
    }
});

/// Splits off the first line (without its `\n` and an optional `\r`).
fn line(input: &[u8]) -> (&[u8], &[u8]) {
    let (line, rest) = match input.iter().position(|&b| b == b'\n') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => (input, &input[input.len()..]),
    };
    (line.strip_suffix(b"\r").unwrap_or(line), rest)
}

fn substitute(value: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(value);
    if !text.contains('$') {
        return value.to_vec();
    }
    text.replace("$TOKEN", TOKEN)
        .replace("$LIMITED", LIMITED)
        .replace("$DISABLED", DISABLED)
        .into_bytes()
}

fn request(data: &[u8]) -> Option<Request<Body>> {
    let (first, mut rest) = line(data);
    let mut parts = first.splitn(3, |&b| b == b' ');
    let method = Method::from_bytes(parts.next()?).ok()?;
    let uri = Uri::try_from(parts.next()?).ok()?;
    let peer = parts
        .next()
        .and_then(|p| std::str::from_utf8(p).ok())
        .and_then(|p| p.parse::<SocketAddr>().ok())
        .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 40000)));
    let mut builder = Request::builder().method(method).uri(uri);
    loop {
        let (header, after) = line(rest);
        rest = after;
        if header.is_empty() {
            break;
        }
        let Some(colon) = header.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = HeaderName::from_bytes(&header[..colon]);
        let value =
            HeaderValue::from_bytes(substitute(header[colon + 1..].trim_ascii()).as_slice());
        if let (Ok(name), Ok(value)) = (name, value) {
            builder = builder.header(name, value);
        }
    }
    let mut request = builder.body(Body::from(rest.to_vec())).ok()?;
    request.extensions_mut().insert(ConnectInfo(peer));
    Some(request)
}

fuzz_target!(|data: &[u8]| {
    let harness = &*HARNESS;
    let Some(request) = request(data) else {
        return;
    };
    let (status, body) = harness.runtime.block_on(async {
        let response = harness
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("response body");
        (status, body)
    });
    assert!(
        DOCUMENTED.contains(&status.as_u16()),
        "undocumented status {status}: {}",
        String::from_utf8_lossy(&body)
    );
    // HEAD answers may keep their body in-process (hyper drops it on the
    // wire); whatever is there must still be JSON.
    if !body.is_empty() {
        serde_json::from_slice::<serde_json::Value>(&body)
            .unwrap_or_else(|e| panic!("{status} body is not JSON ({e}): {body:?}"));
    }
    let lines = String::from_utf8(harness.audit.take_bytes()).expect("audit log is UTF-8");
    assert_eq!(
        lines.lines().count(),
        1,
        "one audit line per request: {lines:?}"
    );
    let record: serde_json::Value = serde_json::from_str(&lines).expect("audit line is JSON");
    assert_eq!(record["status"], status.as_u16(), "{record}");
});
