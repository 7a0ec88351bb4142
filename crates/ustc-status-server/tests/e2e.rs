//! Over a real socket on 127.0.0.1:0: atomic re-import while serving, the `v_user`
//! source, `clients.yml` migration, and the binary (import, token, serve + SIGHUP).

mod common;

use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::*;
use serde_json::{Value, json};
use ustc_status_server::{AppState, AuditSink, Callers, Config, Source};

both_backends!(
    reimport_is_atomic_for_concurrent_readers,
    v_user_view_source,
    clients_yml_is_loaded_and_hashed,
    import_binary_validates_then_swaps,
    import_by_another_process_is_seen_by_the_next_request,
    v_user_changes_are_seen_at_once,
    every_store_on_one_database_sees_each_import,
);

fn dataset(tag: &str) -> Vec<ustc_status_server::Record> {
    // Same keys in every generation; only the code differs, so a reader can tell which
    // generation each row came from.
    let mut rows = Vec::new();
    for i in 0..400 {
        let gid = format!("G{:03}", i / 4);
        rows.push(rec(&gid, &format!("Z{i:04}"), tag));
    }
    rows
}

async fn reimport_is_atomic_for_concurrent_readers(b: Backend) {
    let db = TestDb::new(b).await;
    let store = db.store(Source::Table).await;
    let (audit, audit_log) = AuditSink::memory();
    store.replace_all(&dataset("A")).await.expect("seed");
    store.warm().await.expect("warm");
    let state = AppState::new(
        store.clone(),
        callers(ALPHA),
        Vec::new(),
        // Read only when a request fails: a 500's cause is in its audit record.
        audit,
        64 * 1024,
    );
    let (addr, stop) = spawn(state).await;
    let client = http_client();
    let done = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::new();
    for r in 0..4 {
        let client = client.clone();
        let done = done.clone();
        let audit_log = audit_log.clone();
        readers.push(tokio::spawn(async move {
            let ids: Vec<String> = (0..100).map(|i| format!("Z{:04}", i * 4 + r)).collect();
            let mut seen = std::collections::BTreeSet::new();
            let mut n = 0;
            // At least a few reads even if the writer finishes first.
            while !done.load(Ordering::SeqCst) || n < 5 {
                n += 1;
                let resp = client
                    .post(format!("http://{addr}/doc/api/status/by-zjhms"))
                    .bearer_auth(ALPHA)
                    .json(&json!({"zjhms": ids}))
                    .send()
                    .await
                    .expect("send");
                assert_eq!(resp.status(), 200, "audit: {}", audit_log.contents());
                let body: Value = resp.json().await.expect("json");
                assert_eq!(body["not_found"], json!([]), "a reader saw a half table");
                let items = body["items"].as_array().expect("items");
                assert_eq!(items.len(), 100);
                let codes: std::collections::BTreeSet<&str> = items
                    .iter()
                    .map(|i| i["ryzxztdm"].as_str().expect("code"))
                    .collect();
                assert_eq!(
                    codes.len(),
                    1,
                    "a reader saw two generations at once: {codes:?}"
                );
                seen.extend(codes.into_iter().map(str::to_owned));
                let g = client
                    .get(format!(
                        "http://{addr}/doc/api/status/by-gid/G0{:02}",
                        r * 7
                    ))
                    .bearer_auth(ALPHA)
                    .send()
                    .await
                    .expect("send");
                assert_eq!(g.status(), 200, "audit: {}", audit_log.contents());
                let g: Value = g.json().await.expect("json");
                assert_eq!(g["items"].as_array().map(Vec::len), Some(4));
            }
            seen
        }));
    }
    for generation in 0..6 {
        let tag = if generation % 2 == 0 { "B" } else { "A" };
        store.replace_all(&dataset(tag)).await.expect("reimport");
        tokio::task::yield_now().await;
    }
    done.store(true, Ordering::SeqCst);
    for r in readers {
        r.await.expect("reader task");
    }
    assert_eq!(store.count().await.expect("count"), 400);
    let _ = stop.send(());
}

async fn v_user_view_source(b: Backend) {
    let db = TestDb::new(b).await;
    let setup = db.store(Source::VUser).await;
    setup
        .execute_script(
            "CREATE TABLE people (person_gid VARCHAR(32), person_userid VARCHAR(32), code VARCHAR(4));
             INSERT INTO people VALUES ('2200600958', 'P0529', '10'), ('G2', 'U1', '01'), ('G2', 'U2', '11');
             CREATE VIEW v_user AS SELECT person_gid AS gid, person_userid AS userid, code AS zxzt FROM people;",
        )
        .await
        .expect("create view");
    let state = AppState::new(
        setup,
        callers(ALPHA),
        Vec::new(),
        AuditSink::off(),
        64 * 1024,
    );
    let (addr, stop) = spawn(state).await;
    let c = http_client();
    assert_eq!(
        get_json(&c, addr, "/doc/api/status/by-zjhm/P0529").await,
        (
            200,
            json!({"gid": "2200600958", "zjhm": "P0529", "ryzxztdm": "10"})
        )
    );
    assert_eq!(
        get_json(&c, addr, "/doc/api/status/by-gid/G2").await,
        (
            200,
            json!({"gid": "G2", "items": [{"zjhm": "U1", "ryzxztdm": "01"}, {"zjhm": "U2", "ryzxztdm": "11"}]})
        )
    );
    let r: Value = c
        .post(format!("http://{addr}/doc/api/status/by-gids"))
        .bearer_auth(ALPHA)
        .json(&json!({"gids": ["nope", "G2"]}))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(r["not_found"], json!(["nope"]));
    assert_eq!(r["items"][0]["gid"], "G2");
    let _ = stop.send(());
}

async fn clients_yml_is_loaded_and_hashed(b: Backend) {
    let f = fixture(b).await;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("clients.yml"),
        "clients:\n  - name: legacy\n    enabled: true\n    tokens: [\"legacy-token-1\", \"legacy-token-2\"]\n    allowed_ips: [\"127.0.0.1\", \"10.0.0.0/8\"]\n  - name: off\n    enabled: false\n    tokens: [\"off-token\"]\n    allowed_ips: [\"127.0.0.1\"]\n",
    )
    .expect("write");
    let cfg = dir.path().join("status.toml");
    std::fs::write(
        &cfg,
        "clients_file = \"clients.yml\"\naudit_log = \"off\"\n",
    )
    .expect("write");
    let config = Config::load(&cfg).expect("config");
    let callers = Callers::from_config(&config).expect("callers");
    assert!(
        !format!("{callers:?}").contains("legacy-token"),
        "Debug must not show tokens"
    );
    f.state.reload_callers(callers);
    let url = "/doc/api/status/by-zjhm/P0529";
    for (token, want) in [
        ("legacy-token-1", 200),
        ("legacy-token-2", 200),
        ("off-token", 401),
        (ALPHA, 401),
    ] {
        let (s, _, _) = send(&f.state, get(url).token(Some(token))).await;
        assert_eq!(s.as_u16(), want, "{token}");
    }
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_ustc-status-server")
}

async fn import_binary_validates_then_swaps(b: Backend) {
    let db = TestDb::new(b).await;
    let url = db.config_url();
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "gid,zjhm,ryzxztdm\n2200600958,P0529,10\nG2,U1,01\nG2,U2,01\n",
    )
    .expect("write");
    let out = Command::new(bin())
        .args(["import", "--database", &url])
        .arg(&good)
        .output()
        .expect("run import");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("imported 3 rows (2 distinct gids)"),
        "{stdout}"
    );

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "gid,zjhm,ryzxztdm\nX,A,1\nY,A,2\n,B,3\nZ,C\nW,D,4\n").expect("write");
    let out = Command::new(bin())
        .args(["import", "--database", &url])
        .arg(&bad)
        .output()
        .expect("run import");
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 3: duplicate zjhm \"A\" (first on line 2)"),
        "{stderr}"
    );
    assert!(stderr.contains("line 4: gid is empty"), "{stderr}");
    assert!(stderr.contains("line 5: expected 3 fields"), "{stderr}");
    assert!(stderr.contains("nothing loaded"), "{stderr}");
    let store = db.store(Source::Table).await;
    assert_eq!(
        store.count().await.expect("count"),
        3,
        "bad file must not touch the table"
    );
    let r = store.by_zjhm("U1").await.expect("lookup").expect("row");
    assert_eq!(r.ryzxztdm.as_deref(), Some("01"));
}

#[test]
fn token_new_prints_token_and_digest() {
    let out = Command::new(bin())
        .args(["token", "new"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let mut token = "";
    let mut digest = "";
    for line in text.lines() {
        if let Some(t) = line.strip_prefix("token:") {
            token = t.trim();
        }
        if let Some(d) = line.strip_prefix("token_sha256:") {
            digest = d.trim();
        }
    }
    assert_eq!(token.len(), 64, "256 bits as hex");
    assert_eq!(digest, hex::encode(ustc_status_server::token_digest(token)));
}

/// The real binary: serve a config on port 0, rotate the token, SIGHUP, check, SIGTERM.
#[cfg(unix)]
#[tokio::test]
async fn serve_binary_reloads_on_sighup_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = served_config(dir.path(), ALPHA).await;
    let mut server = ServerProcess::start(&cfg).await;
    let addr = server.addr.clone();
    let c = http_client();
    let status = |token: &'static str| {
        let c = c.clone();
        let url = format!("http://{addr}/doc/api/status/by-zjhm/P0529");
        async move {
            c.get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("send")
                .status()
                .as_u16()
        }
    };
    assert_eq!(status(ALPHA).await, 200);
    assert_eq!(status(ALPHA_NEW).await, 401);
    served_config(dir.path(), ALPHA_NEW).await;
    server.signal("HUP");
    server.wait_for("reloaded 1 caller(s)").await;
    assert_eq!(status(ALPHA_NEW).await, 200);
    assert_eq!(status(ALPHA).await, 401);
    let exit = server.stop().await;
    assert!(exit.success(), "graceful shutdown exits 0: {exit:?}");
    let audit = std::fs::read_to_string(dir.path().join("audit.log")).expect("audit log");
    assert_eq!(audit.lines().count(), 4);
    assert!(!audit.contains(ALPHA) && !audit.contains(ALPHA_NEW) && !audit.contains("P0529"));
}

async fn post_json(c: &reqwest::Client, addr: SocketAddr, path: &str, body: Value) -> Value {
    c.post(format!("http://{addr}{path}"))
        .bearer_auth(ALPHA)
        .json(&body)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json")
}

/// A running server (SQLite: answering from its in-memory copy) must answer the first
/// request after an `import` in another process has exited with the new rows, with no
/// waiting in between: the copy is checked against the database on every request.
async fn import_by_another_process_is_seen_by_the_next_request(b: Backend) {
    let db = TestDb::new(b).await;
    let store = db.store(Source::Table).await;
    store.replace_all(&seed_records()).await.expect("seed");
    store.warm().await.expect("warm");
    let state = AppState::new(
        store,
        callers(ALPHA),
        Vec::new(),
        AuditSink::off(),
        64 * 1024,
    );
    let (addr, stop) = spawn(state).await;
    let c = http_client();
    assert_eq!(
        get_json(&c, addr, "/doc/api/status/by-zjhm/P0529").await,
        (
            200,
            json!({"gid": "2200600958", "zjhm": "P0529", "ryzxztdm": "10"})
        )
    );
    assert_eq!(
        get_json(&c, addr, "/doc/api/status/by-zjhm/NEW1").await.0,
        404
    );

    let dir = tempfile::tempdir().expect("tempdir");
    for round in 0..3 {
        let code = format!("2{round}");
        let csv = dir.path().join(format!("r{round}.csv"));
        std::fs::write(
            &csv,
            format!("gid,zjhm,ryzxztdm\n2200600958,P0529,{code}\nGN,NEW1,{code}\nGN,NEW0,{code}\n"),
        )
        .expect("write");
        let out = Command::new(bin())
            .args(["import", "--database", &db.config_url()])
            .arg(&csv)
            .output()
            .expect("run import");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The very next requests, whichever path answers them.
        assert_eq!(
            get_json(&c, addr, "/doc/api/status/by-zjhm/P0529").await,
            (
                200,
                json!({"gid": "2200600958", "zjhm": "P0529", "ryzxztdm": code})
            ),
            "round {round}"
        );
        assert_eq!(
            get_json(&c, addr, "/doc/api/status/by-gid/GN").await,
            (
                200,
                json!({"gid": "GN", "items": [{"zjhm": "NEW0", "ryzxztdm": code}, {"zjhm": "NEW1", "ryzxztdm": code}]})
            )
        );
        let batch = post_json(
            &c,
            addr,
            "/doc/api/status/by-zjhms",
            json!({"zjhms": ["NEW1", "Z3-a", "P0529"]}),
        )
        .await;
        assert_eq!(batch["not_found"], json!(["Z3-a"]), "old rows are gone");
        assert_eq!(batch["items"][1]["ryzxztdm"], json!(code));
        // Later requests (by then possibly from the reloaded copy) agree.
        for _ in 0..20 {
            assert_eq!(
                get_json(&c, addr, "/doc/api/status/by-zjhm/NEW1").await.1["ryzxztdm"],
                json!(code)
            );
            assert_eq!(
                get_json(&c, addr, "/doc/api/status/by-zjhm/Z3-a").await.0,
                404
            );
        }
    }
    let _ = stop.send(());
}

/// The `v_user` view belongs to someone else: a change to what it shows is visible to the
/// next request, never hidden behind a copy.
async fn v_user_changes_are_seen_at_once(b: Backend) {
    let db = TestDb::new(b).await;
    let store = people_view(&db, "('G1', 'U1', '10'), ('G1', 'U2', '11')").await;
    store.warm().await.expect("warm is a no-op for a view");
    // Another connection changes the data behind the view, as the view's owner would.
    let owner = db.store(Source::VUser).await;
    let state = AppState::new(
        store,
        callers(ALPHA),
        Vec::new(),
        AuditSink::off(),
        64 * 1024,
    );
    let (addr, stop) = spawn(state).await;
    let c = http_client();
    for (i, code) in ["01", "02", "03"].into_iter().enumerate() {
        owner
            .execute_script(&format!(
                "UPDATE people SET zxzt = '{code}' WHERE userid = 'U1'; DELETE FROM people WHERE userid = 'X{i}'; INSERT INTO people VALUES ('G1', 'X{}', '99');",
                i + 1
            ))
            .await
            .expect("update");
        assert_eq!(
            get_json(&c, addr, "/doc/api/status/by-zjhm/U1").await,
            (200, json!({"gid": "G1", "zjhm": "U1", "ryzxztdm": code}))
        );
        assert_eq!(
            get_json(&c, addr, &format!("/doc/api/status/by-zjhm/X{i}"))
                .await
                .0,
            404
        );
        let (_, g) = get_json(&c, addr, "/doc/api/status/by-gid/G1").await;
        let zs: Vec<&str> = g["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|x| x["zjhm"].as_str().expect("zjhm"))
            .collect();
        assert_eq!(zs, ["U1", "U2", format!("X{}", i + 1).as_str()]);
        let batch = post_json(
            &c,
            addr,
            "/doc/api/status/by-zjhms",
            json!({"zjhms": ["U1"]}),
        )
        .await;
        assert_eq!(batch["items"][0]["ryzxztdm"], json!(code));
    }
    let _ = stop.send(());
}

/// Two stores on one database, as two servers in one process: each sees the other's
/// import on its next lookup, before and after it has its own copy in memory (they
/// share the process's count of imports; servers in other processes are
/// `import_by_another_process_is_seen_by_the_next_request` and `tests/replicas.rs`).
async fn every_store_on_one_database_sees_each_import(b: Backend) {
    let db = TestDb::new(b).await;
    let a = db.store(Source::Table).await;
    let other = db.store(Source::Table).await;
    a.replace_all(&dataset("A")).await.expect("seed");
    // Not warmed yet: answered from the database (and a load starts in the background).
    assert_eq!(
        other
            .by_zjhm("Z0001")
            .await
            .expect("lookup")
            .and_then(|r| r.ryzxztdm)
            .as_deref(),
        Some("A")
    );
    other.warm().await.expect("warm");
    a.warm().await.expect("warm");
    for tag in ["B", "C", "D"] {
        a.replace_all(&dataset(tag)).await.expect("reimport");
        for s in [&a, &other] {
            let r = s.by_zjhm("Z0001").await.expect("lookup").expect("row");
            assert_eq!(r.ryzxztdm.as_deref(), Some(tag));
            let g = s.by_gid("G001").await.expect("lookup");
            assert_eq!(g.len(), 4);
            assert!(g.iter().all(|r| r.ryzxztdm.as_deref() == Some(tag)));
            let ids: Vec<String> = (0..100).map(|i| format!("Z{i:04}")).collect();
            let m = s.by_zjhms(&ids).await.expect("batch");
            assert_eq!(m.len(), 100);
            assert!(m.iter().all(|r| r.ryzxztdm.as_deref() == Some(tag)));
            let gm = s
                .by_gids(&["G001".into(), "nope".into()])
                .await
                .expect("batch");
            assert_eq!(gm.len(), 1);
        }
    }
    assert!(other.by_zjhm("nope").await.expect("lookup").is_none());
    other.close().await;
    assert!(
        other.by_zjhm("Z0001").await.is_err(),
        "a closed store fails, never serves a stale copy"
    );
}
