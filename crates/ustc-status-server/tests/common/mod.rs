//! Shared fixtures: one store per test (SQLite file or PostgreSQL schema), seeded rows,
//! a fixed set of callers, and request helpers for in-process calls.
#![allow(dead_code)]

pub mod pg;
pub mod pg_bindir;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;
use ustc_status_server::{
    AppState, AuditSink, Caller, Callers, Record, SharedBuffer, Source, Store, StoreOptions, app,
    parse_ranges, token_digest,
};

pub const ALPHA: &str = "alpha-token-0123456789abcdef";
pub const ALPHA_NEW: &str = "alpha-token-rotated-fedcba9876543210";
pub const DISABLED: &str = "disabled-token-0123456789";
pub const RANGED: &str = "ranged-token-0123456789";
pub const LIMITED: &str = "limited-token-0123456789";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestDb {
    pub url: String,
    pub schema: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl TestDb {
    /// A fresh database for one test: a SQLite file, or a schema of its own on the
    /// test PostgreSQL (see `pg::url`; where there is none, the PostgreSQL variants are
    /// compiled as ignored, never run as passing).
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("tempdir");
                let url = format!("sqlite://{}", dir.path().join("status.db").display());
                TestDb {
                    url,
                    schema: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let url = pg::url();
                let n = COUNTER.fetch_add(1, Ordering::SeqCst);
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .subsec_nanos();
                let schema = format!("st_{}_{}_{}", std::process::id(), n, nanos);
                let admin = Store::open(
                    &url,
                    &StoreOptions {
                        source: Source::VUser,
                        max_connections: Some(1),
                        pg_schema: None,
                        read_url: None,
                    },
                )
                .await
                .expect("connect to the test PostgreSQL");
                admin
                    .execute_script(&format!("CREATE SCHEMA {schema}"))
                    .await
                    .expect("create schema");
                admin.close().await;
                TestDb {
                    url,
                    schema: Some(schema),
                    _dir: None,
                }
            }
        }
    }

    pub async fn store(&self, source: Source) -> Store {
        Store::open(
            &self.url,
            &StoreOptions {
                source,
                max_connections: Some(4),
                pg_schema: self.schema.clone(),
                read_url: None,
            },
        )
        .await
        .expect("open store")
    }

    /// Server-style URL: for PostgreSQL the schema goes on the search path via `options`.
    pub fn config_url(&self) -> String {
        match &self.schema {
            None => self.url.clone(),
            Some(s) => {
                let sep = if self.url.contains('?') { '&' } else { '?' };
                format!("{}{sep}options=-c%20search_path%3D{s}", self.url)
            }
        }
    }
}

pub fn rec(gid: &str, zjhm: &str, code: &str) -> Record {
    Record {
        gid: gid.into(),
        zjhm: zjhm.into(),
        ryzxztdm: Some(code.into()),
    }
}

pub fn seed_records() -> Vec<Record> {
    let mut rows = vec![
        rec("2200600958", "P0529", "10"),
        rec("2200600959", "P0530", "01"),
        rec("G3", "Z3-b", "10"),
        rec("G3", "Z3-a", "01"),
        rec("G3", "Z3-c", "99"),
    ];
    for i in 0..120 {
        rows.push(rec(&format!("B{i:03}"), &format!("ZB{i:03}"), "10"));
    }
    rows
}

pub fn nets(items: &[&str]) -> Vec<ipnet::IpNet> {
    let v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    parse_ranges("test", &v).expect("ranges")
}

pub fn callers(alpha_token: &str) -> Callers {
    Callers::new(vec![
        Caller::new(
            "alpha",
            true,
            vec![token_digest(alpha_token)],
            nets(&["127.0.0.1/32", "203.0.113.0/24"]),
            None,
        ),
        Caller::new(
            "disabled",
            false,
            vec![token_digest(DISABLED)],
            nets(&["127.0.0.1/32"]),
            None,
        ),
        Caller::new(
            "ranged",
            true,
            vec![token_digest(RANGED)],
            nets(&["192.0.2.0/24"]),
            None,
        ),
        Caller::new(
            "limited",
            true,
            vec![token_digest(LIMITED)],
            nets(&["127.0.0.1/32"]),
            Some(2),
        ),
    ])
}

pub struct Fixture {
    pub db: TestDb,
    pub state: AppState,
    pub audit: SharedBuffer,
}

/// Seeded store + state; trusted proxies are 127.0.0.1 and 10.9.0.0/16.
pub async fn fixture(backend: Backend) -> Fixture {
    let db = TestDb::new(backend).await;
    let store = db.store(Source::Table).await;
    store.replace_all(&seed_records()).await.expect("seed");
    // Like a server: lookups are answered from the in-memory copy where there is one.
    store.warm().await.expect("warm");
    let (audit, buf) = AuditSink::memory();
    let state = AppState::new(
        store,
        callers(ALPHA),
        nets(&["127.0.0.1/32", "10.9.0.0/16"]),
        audit,
        64 * 1024,
    );
    Fixture {
        db,
        state,
        audit: buf,
    }
}

pub struct Req {
    pub method: &'static str,
    pub uri: String,
    pub token: Option<String>,
    pub auth_header: Option<String>,
    pub peer: Option<SocketAddr>,
    pub xff: Vec<String>,
    pub body: Option<Vec<u8>>,
}

pub fn get(uri: &str) -> Req {
    Req {
        method: "GET",
        uri: uri.into(),
        token: Some(ALPHA.into()),
        auth_header: None,
        peer: Some(SocketAddr::from(([127, 0, 0, 1], 40000))),
        xff: Vec::new(),
        body: None,
    }
}

pub fn post(uri: &str, body: impl Into<Vec<u8>>) -> Req {
    Req {
        method: "POST",
        body: Some(body.into()),
        ..get(uri)
    }
}

impl Req {
    pub fn token(mut self, t: Option<&str>) -> Req {
        self.token = t.map(str::to_owned);
        self
    }
    pub fn authorization(mut self, h: &str) -> Req {
        self.auth_header = Some(h.into());
        self.token = None;
        self
    }
    pub fn peer(mut self, p: &str) -> Req {
        self.peer = Some(p.parse().expect("peer"));
        self
    }
    pub fn xff(mut self, v: &str) -> Req {
        self.xff.push(v.into());
        self
    }
    pub fn method(mut self, m: &'static str) -> Req {
        self.method = m;
        self
    }
}

/// Sends a request in-process; returns status, headers and parsed JSON body.
pub async fn send(state: &AppState, r: Req) -> (StatusCode, axum::http::HeaderMap, Value) {
    let mut b = Request::builder().method(r.method).uri(&r.uri);
    if let Some(t) = &r.token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    if let Some(h) = &r.auth_header {
        b = b.header("authorization", h);
    }
    for x in &r.xff {
        b = b.header("x-forwarded-for", x);
    }
    if r.body.is_some() {
        b = b.header("content-type", "application/json");
    }
    let mut req = b
        .body(r.body.map_or_else(Body::empty, Body::from))
        .expect("request");
    if let Some(peer) = r.peer {
        req.extensions_mut().insert(ConnectInfo(peer));
    }
    let resp = app(state.clone()).oneshot(req).await.expect("infallible");
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .expect("body");
    let json = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
        panic!(
            "non-JSON body for status {status}: {:?}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, headers, json)
}

/// Runs an async test body against both backends: `sqlite::<name>` and
/// `postgres::<name>`. The PostgreSQL variants are `#[ignore]`d where build.rs found no
/// PostgreSQL (no `STATUS_TEST_POSTGRES_URL`, no server binaries), so they show as not
/// run instead of passing.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::common::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                #[cfg_attr(
                    not(status_postgres_tests),
                    ignore = "no PostgreSQL: install its server binaries (initdb) or set STATUS_TEST_POSTGRES_URL"
                )]
                async fn $name() {
                    super::$name($crate::common::Backend::Postgres).await;
                }
            )*
        }
    };
}

/// Serves `state` on a fresh loopback port until the sender is used or dropped.
pub async fn spawn(state: AppState) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = ustc_status_server::serve(listener, state, async {
            let _ = rx.await;
        })
        .await;
    });
    (addr, tx)
}

/// A store on the reference's `v_user` view over a `people` table holding
/// `rows` (SQL tuples `('gid', 'userid', 'zxzt'), ...`).
pub async fn people_view(db: &TestDb, rows: &str) -> Store {
    let store = db.store(Source::VUser).await;
    store
        .execute_script(&format!(
            "CREATE TABLE people (gid VARCHAR(32), userid VARCHAR(32), zxzt VARCHAR(4));
             INSERT INTO people VALUES {rows};
             CREATE VIEW v_user AS SELECT gid, userid, zxzt FROM people;"
        ))
        .await
        .expect("create view");
    store
}

/// The address in the server's "listening on http://ADDR/doc/api/" log line.
fn listening_address(line: &str) -> Option<String> {
    let rest = &line[line.find("listening on http://")? + "listening on http://".len()..];
    Some(rest.split('/').next()?.to_owned())
}

/// A SQLite database with the seed rows and a config for one caller `alpha` holding
/// `token`, listening on port 0 and auditing to `<dir>/audit.log`.
pub async fn served_config(dir: &std::path::Path, token: &str) -> std::path::PathBuf {
    let db = format!("sqlite://{}", dir.join("s.db").display());
    if !dir.join("s.db").exists() {
        let store = Store::open(&db, &Default::default()).await.expect("open");
        store.replace_all(&seed_records()).await.expect("seed");
        store.close().await;
    }
    let cfg = dir.join("status.toml");
    let digest = hex::encode(token_digest(token));
    std::fs::write(
        &cfg,
        format!(
            "listen = \"127.0.0.1:0\"\ndatabase = \"{db}\"\naudit_log = \"{}\"\n\n[[callers]]\nname = \"alpha\"\ntoken_sha256 = [\"{digest}\"]\nallowed_ips = [\"127.0.0.1/32\"]\ncontact = \"ops@example.invalid\"\n",
            dir.join("audit.log").display()
        ),
    )
    .expect("write config");
    cfg
}

/// The real `ustc-status-server serve` binary, its stderr read line by line.
pub struct ServerProcess {
    pub child: std::process::Child,
    /// `host:port` it listens on.
    pub addr: String,
    lines: tokio::sync::mpsc::UnboundedReceiver<String>,
    /// Every stderr line read so far.
    pub log: Vec<String>,
}

impl ServerProcess {
    /// Starts `serve --config cfg` and waits until it listens.
    pub async fn start(cfg: &std::path::Path) -> ServerProcess {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ustc-status-server"));
        cmd.args(["serve", "--config"]).arg(cfg);
        ServerProcess::spawn(cmd).await
    }

    /// Starts `cmd` (the server binary, set up by the caller) and waits until it
    /// listens; panics with its log when it exits first.
    pub async fn spawn(mut cmd: std::process::Command) -> ServerProcess {
        use std::io::BufRead as _;
        let mut child = cmd
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn server");
        let stderr = child.stderr.take().expect("stderr");
        let (line_tx, lines) = tokio::sync::mpsc::unbounded_channel::<String>();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if line_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = ServerProcess {
            child,
            addr: String::new(),
            lines,
            log: Vec::new(),
        };
        server.addr = loop {
            let Some(line) = server.next_line().await else {
                panic!("server exited early:\n{}", server.log.join("\n"));
            };
            if let Some(addr) = listening_address(&line) {
                break addr;
            }
        };
        server
    }

    async fn next_line(&mut self) -> Option<String> {
        let line = self.lines.recv().await?;
        self.log.push(line.clone());
        Some(line)
    }

    /// SIGTERM, then the exit status and every line the server wrote to stderr.
    pub async fn stop_with_log(mut self) -> (std::process::ExitStatus, Vec<String>) {
        self.signal("TERM");
        while self.next_line().await.is_some() {}
        // Its stderr is closed: it has exited or is about to.
        let status = self.child.wait().expect("wait");
        (status, std::mem::take(&mut self.log))
    }

    /// Waits for a log line containing `text`.
    pub async fn wait_for(&mut self, text: &str) {
        loop {
            let line = self.next_line().await.expect("server exited early");
            if line.contains(text) {
                return;
            }
        }
    }

    /// Sends a signal (`HUP`, `TERM`) with kill(1).
    pub fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success(), "kill -{name}");
    }

    /// SIGTERM, then the exit status.
    pub async fn stop(self) -> std::process::ExitStatus {
        self.stop_with_log().await.0
    }
}

impl Drop for ServerProcess {
    // A test that fails half-way must not leave its server running.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// GET `path` on a served `addr` with the ALPHA token: status and JSON body.
pub async fn get_json(
    c: &reqwest::Client,
    addr: impl std::fmt::Display,
    path: &str,
) -> (u16, Value) {
    let r = c
        .get(format!("http://{addr}{path}"))
        .bearer_auth(ALPHA)
        .send()
        .await
        .expect("send");
    (r.status().as_u16(), r.json().await.expect("json"))
}

/// POST `body` as JSON to `path` on a served `addr` with the ALPHA token.
pub async fn post_json(
    c: &reqwest::Client,
    addr: impl std::fmt::Display,
    path: &str,
    body: &Value,
) -> (u16, Value) {
    let r = c
        .post(format!("http://{addr}{path}"))
        .bearer_auth(ALPHA)
        .json(body)
        .send()
        .await
        .expect("send");
    (r.status().as_u16(), r.json().await.expect("json"))
}

/// A plain HTTP client for the tests (reqwest's rustls needs a process-wide
/// crypto provider, as in the programs).
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
