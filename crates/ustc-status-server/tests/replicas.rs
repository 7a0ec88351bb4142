//! Several server processes on one PostgreSQL, as behind a load balancer: each sees
//! an import made through another process at once and never half of one; readiness
//! follows each one's own database connection (cut and restored through a TCP proxy);
//! with a read replica configured, lookups and readiness use it and imports the primary.
//!
//! PostgreSQL only: the topology is PostgreSQL's (see docs/status-server.md).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};
use ustc_status_server::Source;

const BIN: &str = env!("CARGO_BIN_EXE_ustc-status-server");

macro_rules! postgres_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(status_postgres_tests),
                ignore = "no PostgreSQL: install its server binaries (initdb) or set STATUS_TEST_POSTGRES_URL"
            )]
            async fn $name() {
                tests::$name().await;
            }
        )*
    };
}

postgres_tests!(
    every_server_sees_each_import_at_once_and_never_half_of_it,
    a_change_to_v_user_is_seen_by_the_other_server_at_once,
    readiness_follows_each_server_s_database_and_a_replica_serves_lookups,
);

/// A directory with a clients file for ALPHA from 127.0.0.1.
fn clients_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("clients.yml"),
        format!(
            "clients:\n  - name: alpha\n    tokens: [\"{ALPHA}\"]\n    allowed_ips: [\"127.0.0.1/32\"]\n"
        ),
    )
    .expect("clients.yml");
    dir
}

/// `serve` configured by variables only, as a replica in a deployment is.
async fn server(dir: &Path, database: &str, read: Option<&str>, source: Source) -> ServerProcess {
    let mut cmd = Command::new(BIN);
    cmd.arg("serve")
        .current_dir(dir)
        .env_clear()
        .env("DATABASE_URL", database)
        .env("CLIENTS_CONFIG_PATH", dir.join("clients.yml"))
        .env("TRUSTED_PROXIES", "")
        .env("USTC_STATUS_LISTEN", "127.0.0.1:0")
        .env("USTC_STATUS_AUDIT_LOG", "off")
        .env(
            "USTC_STATUS_SOURCE",
            match source {
                Source::Table => "table",
                Source::VUser => "v_user",
            },
        );
    if let Some(read) = read {
        cmd.env("USTC_STATUS_READ_DATABASE_URL", read);
    }
    ServerProcess::spawn(cmd).await
}

/// 400 identities, 4 per gid; every row's code is `tag`, so a reader can tell which
/// import a row came from.
fn dataset_csv(dir: &Path, tag: &str) -> PathBuf {
    let mut csv = String::from("gid,zjhm,ryzxztdm\n");
    for i in 0..400 {
        csv.push_str(&format!("G{:03},Z{i:04},{tag}\n", i / 4));
    }
    let path = dir.join(format!("{tag}.csv"));
    std::fs::write(&path, csv).expect("csv");
    path
}

/// `import` through its own process, DATABASE_URL from the environment.
fn import(dir: &Path, database: &str, csv: &Path) {
    let out = Command::new(BIN)
        .arg("import")
        .arg(csv)
        .current_dir(dir)
        .env_clear()
        .env("DATABASE_URL", database)
        .output()
        .expect("import");
    assert!(out.status.success(), "import: {out:?}");
}

async fn by_zjhm(c: &reqwest::Client, addr: &str, zjhm: &str) -> (u16, Value) {
    get_json(c, addr, &format!("/doc/api/status/by-zjhm/{zjhm}")).await
}

/// Polls `GET path` on `addr` until it answers `want`; panics after `limit`.
async fn until_status(c: &reqwest::Client, addr: &str, path: &str, want: u16, limit: Duration) {
    let start = Instant::now();
    loop {
        let r = c.get(format!("http://{addr}{path}")).send().await;
        let last = match r {
            Ok(r) if r.status().as_u16() == want => return,
            Ok(r) => format!("{} {}", r.status(), r.text().await.unwrap_or_default()),
            Err(e) => e.to_string(),
        };
        assert!(
            start.elapsed() < limit,
            "{addr}{path} did not answer {want} within {limit:?}; last: {last}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A TCP proxy in front of the test PostgreSQL that can be cut (every connection
/// dropped, new ones closed at once) and restored.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    cuts: tokio::sync::watch::Sender<u64>,
}

#[derive(Clone)]
enum Upstream {
    Tcp(String),
    Unix(PathBuf),
}

impl Proxy {
    async fn start(upstream: Upstream) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let up = Arc::new(AtomicBool::new(true));
        let (cuts, _) = tokio::sync::watch::channel(0u64);
        let (up2, cuts2) = (up.clone(), cuts.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropped: closed at once
                }
                let mut cut = cuts2.subscribe();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let pipe = async {
                        match upstream {
                            Upstream::Tcp(at) => {
                                let mut s = tokio::net::TcpStream::connect(at).await?;
                                tokio::io::copy_bidirectional(&mut client, &mut s).await?;
                            }
                            Upstream::Unix(path) => {
                                let mut s = tokio::net::UnixStream::connect(path).await?;
                                tokio::io::copy_bidirectional(&mut client, &mut s).await?;
                            }
                        }
                        Ok::<(), std::io::Error>(())
                    };
                    tokio::select! {
                        _ = pipe => {},
                        _ = cut.changed() => {},
                    }
                });
            }
        });
        Proxy { port, up, cuts }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// Where the test PostgreSQL of `url` listens, and `url` rewritten to go through a
/// proxy on 127.0.0.1:`port`.
fn upstream_and_proxied(url: &str, port: u16) -> (Upstream, String) {
    let mut u = url::Url::parse(url).expect("url");
    let pg_port = u.port().unwrap_or(5432);
    let socket_dir: Option<String> = u
        .query_pairs()
        .find(|(k, _)| k == "host")
        .map(|(_, v)| v.into_owned());
    let upstream = match &socket_dir {
        Some(dir) => Upstream::Unix(Path::new(dir).join(format!(".s.PGSQL.{pg_port}"))),
        None => Upstream::Tcp(format!("{}:{pg_port}", u.host_str().unwrap_or("localhost"))),
    };
    let rest: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| k != "host")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    u.set_host(Some("127.0.0.1")).expect("host");
    u.set_port(Some(port)).expect("port");
    u.set_query(None);
    if !rest.is_empty() {
        u.query_pairs_mut().extend_pairs(rest);
    }
    (upstream, u.to_string())
}

mod tests {
    use super::*;

    pub async fn every_server_sees_each_import_at_once_and_never_half_of_it() {
        let db = TestDb::new(Backend::Postgres).await;
        let url = db.config_url();
        let dir = clients_dir();
        import(dir.path(), &url, &dataset_csv(dir.path(), "A"));
        let a = server(dir.path(), &url, None, Source::Table).await;
        let b = server(dir.path(), &url, None, Source::Table).await;
        let c = http_client();
        let done = Arc::new(AtomicBool::new(false));
        let mut readers = Vec::new();
        for (r, addr) in [&a.addr, &b.addr, &a.addr, &b.addr].into_iter().enumerate() {
            let (c, addr, done) = (c.clone(), addr.clone(), done.clone());
            readers.push(tokio::spawn(async move {
                let ids: Vec<String> = (0..100).map(|i| format!("Z{:04}", i * 4 + r)).collect();
                let mut reads = 0;
                while !done.load(Ordering::SeqCst) || reads < 5 {
                    reads += 1;
                    let (status, body) = post_json(
                        &c,
                        &addr,
                        "/doc/api/status/by-zjhms",
                        &json!({ "zjhms": ids }),
                    )
                    .await;
                    assert_eq!(status, 200, "{addr}: {body}");
                    assert_eq!(body["not_found"], json!([]), "{addr}: half a table");
                    let codes: std::collections::BTreeSet<&str> = body["items"]
                        .as_array()
                        .expect("items")
                        .iter()
                        .map(|i| i["ryzxztdm"].as_str().expect("code"))
                        .collect();
                    assert_eq!(codes.len(), 1, "{addr}: two imports at once: {codes:?}");
                    let (s, g) =
                        get_json(&c, &addr, &format!("/doc/api/status/by-gid/G{:03}", r * 7)).await;
                    assert_eq!(s, 200);
                    assert_eq!(g["items"].as_array().map(Vec::len), Some(4), "{addr}: {g}");
                }
                reads
            }));
        }
        for tag in ["B", "C", "D", "E"] {
            let csv = dataset_csv(dir.path(), tag);
            import(dir.path(), &url, &csv);
            // The documented bound: a request that starts after the import has
            // committed is answered from the new rows, by every server.
            for server in [&a, &b] {
                let (s, body) = by_zjhm(&c, &server.addr, "Z0399").await;
                assert_eq!(
                    (s, body["ryzxztdm"].as_str()),
                    (200, Some(tag)),
                    "{}",
                    server.addr
                );
            }
        }
        done.store(true, Ordering::SeqCst);
        for r in readers {
            let reads = r.await.expect("reader");
            assert!(reads >= 5);
        }
        for s in [a, b] {
            assert!(s.stop().await.success());
        }
    }

    pub async fn a_change_to_v_user_is_seen_by_the_other_server_at_once() {
        let db = TestDb::new(Backend::Postgres).await;
        let writer = people_view(&db, "('G1', 'U1', '10'), ('G1', 'U2', '01')").await;
        let dir = clients_dir();
        let url = db.config_url();
        let a = server(dir.path(), &url, None, Source::VUser).await;
        let b = server(dir.path(), &url, None, Source::VUser).await;
        let c = http_client();
        for s in [&a, &b] {
            assert_eq!(by_zjhm(&c, &s.addr, "U1").await.1["ryzxztdm"], "10");
        }
        writer
            .execute_script(
                "UPDATE people SET zxzt = '20' WHERE userid = 'U1';
                 INSERT INTO people VALUES ('G2', 'U3', '11');",
            )
            .await
            .expect("write");
        for s in [&a, &b] {
            assert_eq!(by_zjhm(&c, &s.addr, "U1").await.1["ryzxztdm"], "20");
            assert_eq!(
                by_zjhm(&c, &s.addr, "U3").await,
                (200, json!({"gid": "G2", "zjhm": "U3", "ryzxztdm": "11"}))
            );
        }
        writer.close().await;
        for s in [a, b] {
            assert!(s.stop().await.success());
        }
    }

    pub async fn readiness_follows_each_server_s_database_and_a_replica_serves_lookups() {
        let db = TestDb::new(Backend::Postgres).await;
        let url = db.config_url();
        let dir = clients_dir();
        import(dir.path(), &url, &dataset_csv(dir.path(), "A"));
        let (upstream, _) = upstream_and_proxied(&url, 0);
        let proxy = Proxy::start(upstream).await;
        let (_, through_proxy) = upstream_and_proxied(&url, proxy.port);
        // direct: the database itself; cut_off: its only database is behind the proxy;
        // replicated: primary direct, lookups on a "replica" behind the proxy (the
        // same database by another way: what is tested is which URL serves what).
        let direct = server(dir.path(), &url, None, Source::Table).await;
        let cut_off = server(dir.path(), &through_proxy, None, Source::Table).await;
        let replicated = server(dir.path(), &url, Some(&through_proxy), Source::Table).await;
        let c = http_client();
        let servers = [&direct, &cut_off, &replicated];
        for s in servers {
            until_status(&c, &s.addr, "/doc/api/ready", 200, Duration::from_secs(10)).await;
            assert_eq!(by_zjhm(&c, &s.addr, "Z0001").await.1["ryzxztdm"], "A");
        }

        proxy.cut();
        let limit = Duration::from_secs(20);
        for s in [&cut_off, &replicated] {
            until_status(&c, &s.addr, "/doc/api/ready", 503, limit).await;
            let (_, body) = get_json(&c, &s.addr, "/doc/api/ready").await;
            assert_eq!(body, json!({"detail": "not ready: database unavailable"}));
        }
        assert_eq!(
            get_json(&c, &direct.addr, "/doc/api/ready").await,
            (200, json!({"ready": true}))
        );
        // Imports go to the primary, which the replicated server's URL reaches directly.
        import(dir.path(), &url, &dataset_csv(dir.path(), "B"));
        assert_eq!(by_zjhm(&c, &direct.addr, "Z0001").await.1["ryzxztdm"], "B");

        proxy.restore();
        for s in [&cut_off, &replicated] {
            until_status(&c, &s.addr, "/doc/api/ready", 200, limit).await;
            assert_eq!(
                by_zjhm(&c, &s.addr, "Z0001").await,
                (
                    200,
                    json!({"gid": "G000", "zjhm": "Z0001", "ryzxztdm": "B"})
                )
            );
        }
        for s in [direct, cut_off, replicated] {
            assert!(s.stop().await.success());
        }
    }
}
