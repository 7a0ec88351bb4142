//! The reference's deployment, unchanged: the built binary configured by the
//! reference's `.env.example` and `clients.example.yml` (tests/fixtures/reference), the
//! image's entry point and environment as `packaging/Dockerfile` states them, the
//! compose file against the reference's, and bad variables.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::{Value, json};
use ustc_status_server::{DETAIL_FORBIDDEN, DETAIL_TOO_MANY, DETAIL_UNAUTHORIZED};

const BIN: &str = env!("CARGO_BIN_EXE_ustc-status-server");
/// The reference's placeholders, as in its example files.
const REFERENCE_TOKEN: &str = "replace-with-random-token";
const REFERENCE_PASSWORD: &str = "replace-with-long-random-password";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/reference")
        .join(name)
}

fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// `KEY=VALUE` lines of an env file, in order.
fn env_lines(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .expect("read env file")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once('=').expect("KEY=VALUE");
            (k.trim().to_owned(), v.trim().to_owned())
        })
        .collect()
}

/// The binary with an empty environment (nothing of the test runner's leaks in), run
/// in `dir` (where it looks for `.env`).
fn server_command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args).current_dir(dir).env_clear();
    cmd
}

/// The requests the conformance tests make, against a served process, with the
/// reference's example token; the peer is 127.0.0.1 (a trusted proxy in the
/// reference's TRUSTED_PROXIES), so `X-Forwarded-For` names the caller.
async fn check_conformance_answers(addr: &str) {
    let c = http_client();
    let get = |path: &str, xff: Option<&str>, token: &str| {
        let mut r = c
            .get(format!("http://{addr}{path}"))
            .bearer_auth(token.to_owned());
        if let Some(x) = xff {
            r = r.header("x-forwarded-for", x);
        }
        async move {
            let r = r.send().await.expect("send");
            (r.status().as_u16(), r.json::<Value>().await.expect("json"))
        }
    };
    let allowed = Some("192.0.2.10");
    assert_eq!(
        get("/doc/api/health", None, "").await,
        (200, json!({"ok": true}))
    );
    assert_eq!(
        get("/doc/api/status/by-zjhm/P0529", allowed, REFERENCE_TOKEN).await,
        (
            200,
            json!({"gid": "2200600958", "zjhm": "P0529", "ryzxztdm": "10"})
        )
    );
    // The second allowlist entry is a range.
    assert_eq!(
        get(
            "/doc/api/status/by-gid/G3",
            Some("198.51.100.77"),
            REFERENCE_TOKEN
        )
        .await,
        (
            200,
            json!({"gid": "G3", "items": [
                {"zjhm": "Z3-a", "ryzxztdm": "01"},
                {"zjhm": "Z3-b", "ryzxztdm": "10"},
                {"zjhm": "Z3-c", "ryzxztdm": "99"},
            ]})
        )
    );
    assert_eq!(
        get("/doc/api/status/by-zjhm/NOPE", allowed, REFERENCE_TOKEN).await,
        (404, json!({"detail": "zjhm not found"}))
    );
    assert_eq!(
        get("/doc/api/status/by-gid/NOPE", allowed, REFERENCE_TOKEN).await,
        (404, json!({"detail": "gid not found"}))
    );
    assert_eq!(
        get("/doc/api/status/by-zjhm/P0529", allowed, "wrong-token").await,
        (401, json!({"detail": DETAIL_UNAUTHORIZED}))
    );
    // Outside the allowlist, and the trusted proxy itself calling directly.
    for xff in [Some("203.0.113.9"), None] {
        assert_eq!(
            get("/doc/api/status/by-zjhm/P0529", xff, REFERENCE_TOKEN).await,
            (403, json!({"detail": DETAIL_FORBIDDEN})),
            "{xff:?}"
        );
    }
    let post = |path: &str, body: Value| {
        let r = c
            .post(format!("http://{addr}{path}"))
            .bearer_auth(REFERENCE_TOKEN)
            .header("x-forwarded-for", "192.0.2.10")
            .json(&body);
        async move {
            let r = r.send().await.expect("send");
            (r.status().as_u16(), r.json::<Value>().await.expect("json"))
        }
    };
    assert_eq!(
        post(
            "/doc/api/status/by-zjhms",
            json!({"zjhms": ["Z3-c", "P0529", "NOPE", "Z3-a", "P0529"]})
        )
        .await,
        (
            200,
            json!({"items": [
                {"gid": "2200600958", "zjhm": "P0529", "ryzxztdm": "10"},
                {"gid": "G3", "zjhm": "Z3-a", "ryzxztdm": "01"},
                {"gid": "G3", "zjhm": "Z3-c", "ryzxztdm": "99"},
            ], "not_found": ["NOPE"]})
        )
    );
    assert_eq!(
        post(
            "/doc/api/status/by-gids",
            json!({"gids": ["NOPE", "2200600959", "2200600958"]})
        )
        .await,
        (
            200,
            json!({"items": [
                {"gid": "2200600959", "items": [{"zjhm": "P0530", "ryzxztdm": "01"}]},
                {"gid": "2200600958", "items": [{"zjhm": "P0529", "ryzxztdm": "10"}]},
            ], "not_found": ["NOPE"]})
        )
    );
    let many: Vec<String> = (0..101).map(|i| format!("ZB{i:03}")).collect();
    assert_eq!(
        post("/doc/api/status/by-zjhms", json!({ "zjhms": many })).await,
        (400, json!({"detail": DETAIL_TOO_MANY}))
    );
    assert_eq!(
        get("/doc/api/ready", None, "").await,
        (200, json!({"ready": true}))
    );
}

/// The seed rows as the SQL tuples of a `people` table under `v_user`.
fn seed_tuples() -> String {
    seed_records()
        .iter()
        .map(|r| {
            format!(
                "('{}', '{}', '{}')",
                r.gid,
                r.zjhm,
                r.ryzxztdm.as_deref().unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parts of the test PostgreSQL's URL: `host:port` for a URL and the libpq `host`
/// parameter (a socket directory) when it has one.
struct PgAt {
    user: String,
    host_port: String,
    socket_dir: Option<String>,
}

fn pg_at(test_url: &str) -> PgAt {
    let u = url::Url::parse(test_url).expect("test url");
    PgAt {
        user: u.username().to_owned(),
        host_port: format!(
            "{}:{}",
            u.host_str().unwrap_or("localhost"),
            u.port().unwrap_or(5432)
        ),
        socket_dir: u
            .query_pairs()
            .find(|(k, _)| k == "host")
            .map(|(_, v)| v.into_owned()),
    }
}

impl PgAt {
    /// A plain URL for database `db` as the test's superuser.
    fn admin_url(&self, db: &str) -> String {
        let q = self
            .socket_dir
            .as_ref()
            .map(|d| format!("?host={d}"))
            .unwrap_or_default();
        format!("postgres://{}@{}/{db}{q}", self.user, self.host_port)
    }
}

/// The reference's database as its `.env.example` names it (role `school_status`
/// with the example password, database `school_status`), made on the test PostgreSQL,
/// with a `v_user` view over the seed rows.
async fn reference_database(at: &PgAt) {
    use ustc_status_server::{Source, Store, StoreOptions};
    let open = |url: String| async move {
        Store::open(
            &url,
            &StoreOptions {
                source: Source::VUser,
                max_connections: Some(1),
                ..StoreOptions::default()
            },
        )
        .await
        .expect("connect to the test PostgreSQL")
    };
    let admin = open(at.admin_url("postgres")).await;
    admin
        .execute_script(&format!(
            "DO $$ BEGIN
               IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'school_status') THEN
                 CREATE ROLE school_status LOGIN PASSWORD '{REFERENCE_PASSWORD}';
               END IF;
             END $$;"
        ))
        .await
        .expect("role");
    // CREATE DATABASE cannot run in a DO block; a concurrent creator is fine too.
    let _ = admin
        .execute_script("CREATE DATABASE school_status OWNER school_status")
        .await;
    admin.close().await;
    let db = open(at.admin_url("school_status")).await;
    db.execute_script(&format!(
        "DROP VIEW IF EXISTS v_user; DROP TABLE IF EXISTS people;
         CREATE TABLE people (gid VARCHAR(32), userid VARCHAR(32) PRIMARY KEY, zxzt VARCHAR(4));
         INSERT INTO people VALUES {};
         CREATE VIEW v_user AS SELECT gid, userid, zxzt FROM people;
         GRANT SELECT ON v_user TO school_status;",
        seed_tuples()
    ))
    .await
    .expect("v_user");
    db.close().await;
}

#[tokio::test]
#[cfg_attr(
    not(status_postgres_tests),
    ignore = "no PostgreSQL: install its server binaries (initdb) or set STATUS_TEST_POSTGRES_URL"
)]
async fn serves_from_the_reference_env_example_and_clients_example() {
    let at = pg_at(&pg::url());
    reference_database(&at).await;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("config")).expect("config dir");
    std::fs::copy(
        fixture("clients.example.yml"),
        dir.path().join("config/clients.yml"),
    )
    .expect("clients.yml");
    // The reference's .env.example line by line; only the database host (compose's
    // `postgres` service) and the clients file's place (the image's /app) differ.
    let mut dotenv = String::new();
    for (k, v) in env_lines(&fixture(".env.example")) {
        let v = match k.as_str() {
            "DATABASE_URL" => {
                assert!(v.contains("@postgres:5432/"), "{v}");
                let mut v = v.replace("@postgres:5432/", &format!("@{}/", at.host_port));
                if let Some(d) = &at.socket_dir {
                    v.push_str(&format!("?host={d}"));
                }
                v
            }
            "CLIENTS_CONFIG_PATH" => {
                assert_eq!(v, "/app/config/clients.yml");
                dir.path().join("config/clients.yml").display().to_string()
            }
            _ => v,
        };
        dotenv.push_str(&format!("{k}={v}\n"));
    }
    std::fs::write(dir.path().join(".env"), dotenv).expect(".env");
    let mut cmd = server_command(dir.path(), &["serve"]);
    // Our own variable, in the environment: a free port instead of 8000.
    cmd.env("USTC_STATUS_LISTEN", "127.0.0.1:0");
    let server = ServerProcess::spawn(cmd).await;
    check_conformance_answers(&server.addr).await;
    let (status, log) = server.stop_with_log().await;
    assert!(status.success(), "{status}: {log:?}");
    let warnings: Vec<&String> = log.iter().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 1, "{log:#?}");
    assert!(
        warnings[0].contains("AUTO_IMPORT_INTERVAL_SECONDS"),
        "{log:#?}"
    );
    let all = log.join("\n");
    assert!(!all.contains(REFERENCE_PASSWORD), "{all}");
    assert!(!all.contains(REFERENCE_TOKEN), "{all}");
}

/// A statement of the Dockerfile's final stage: instruction and the rest of its line
/// (continuations joined).
fn final_stage(dockerfile: &str) -> (Vec<String>, Vec<(String, String)>) {
    let joined = dockerfile.replace("\\\n", " ");
    let statements: Vec<(String, String)> = joined
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (i, rest) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            (i.to_ascii_uppercase(), rest.trim().to_owned())
        })
        .collect();
    let froms: Vec<String> = statements
        .iter()
        .filter(|(i, _)| i == "FROM")
        .map(|(_, r)| r.clone())
        .collect();
    let last = statements
        .iter()
        .rposition(|(i, _)| i == "FROM")
        .expect("FROM");
    (froms, statements[last + 1..].to_vec())
}

fn json_words(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_else(|_| panic!("exec form (JSON array) expected: {s}"))
}

#[tokio::test]
async fn the_image_entry_point_and_environment_serve_outside_a_container() {
    let text = std::fs::read_to_string(repo_file("packaging/Dockerfile")).expect("Dockerfile");
    let (froms, stage) = final_stage(&text);
    assert!(froms.len() >= 2, "multi-stage: {froms:?}");
    let base = froms.last().expect("final FROM");
    assert!(
        base == "scratch" || base.contains("distroless"),
        "static or distroless final image: {base}"
    );
    let get = |name: &str| -> Vec<&String> {
        stage
            .iter()
            .filter(|(i, _)| i == name)
            .map(|(_, r)| r)
            .collect()
    };
    let user = get("USER");
    assert_eq!(user.len(), 1);
    let uid = user[0].split(':').next().unwrap_or_default();
    assert!(uid != "0" && uid != "root", "non-root: {uid}");
    assert_eq!(get("EXPOSE"), vec!["8000"]);
    let env: Vec<(String, String)> = get("ENV")
        .iter()
        .map(|r| {
            let (k, v) = r.split_once('=').expect("ENV KEY=VALUE");
            (k.to_owned(), v.to_owned())
        })
        .collect();
    assert!(
        env.contains(&("USTC_STATUS_LISTEN".into(), "0.0.0.0:8000".into())),
        "{env:?}"
    );
    let workdir = get("WORKDIR");
    assert_eq!(workdir, vec!["/app"], "the reference's working directory");
    let entrypoint = json_words(get("ENTRYPOINT")[0]);
    let cmd = json_words(get("CMD")[0]);
    let health = get("HEALTHCHECK")[0];
    let health = json_words(
        health
            .split_once("CMD ")
            .map(|(_, c)| c.trim())
            .expect("HEALTHCHECK ... CMD [...]"),
    );
    let installed = "/usr/local/bin/ustc-status-server";
    assert_eq!(entrypoint[0], installed);
    assert_eq!(health[0], installed);
    let copied = get("COPY");
    assert!(copied.iter().any(|c| c.ends_with(installed)), "{copied:?}");

    // /app as the container has it: the reference's config/ mount; the variables as
    // compose's env_file gives them, on SQLite here (the PostgreSQL path is the test
    // above), with the image's ENV first, as a container's environment has them.
    let app = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(app.path().join("config")).expect("config");
    std::fs::write(
        app.path().join("config/clients.yml"),
        format!(
            "clients:\n  - name: local\n    tokens: [\"{ALPHA}\"]\n    allowed_ips: [\"127.0.0.1/32\"]\n"
        ),
    )
    .expect("clients.yml");
    let variables = |cmd: &mut Command, listen: &str| {
        for (k, v) in &env {
            cmd.env(k, v);
        }
        // A free port on the image's address: the host may use 8000.
        cmd.env("USTC_STATUS_LISTEN", listen);
        cmd.env("DATABASE_URL", "sqlite:///status.db")
            .env("USTC_STATUS_SOURCE", "table")
            .env("CLIENTS_CONFIG_PATH", app.path().join("config/clients.yml"))
            .env("TRUSTED_PROXIES", "");
    };
    // `import` reads the same DATABASE_URL (relative to /app).
    let csv = app.path().join("seed.csv");
    let mut rows = String::from("gid,zjhm,ryzxztdm\n");
    for r in seed_records() {
        rows.push_str(&format!(
            "{},{},{}\n",
            r.gid,
            r.zjhm,
            r.ryzxztdm.unwrap_or_default()
        ));
    }
    std::fs::write(&csv, rows).expect("csv");
    let mut import = server_command(app.path(), &["import"]);
    import.arg(&csv);
    variables(&mut import, "0.0.0.0:0");
    let out = import.output().expect("import");
    assert!(out.status.success(), "{out:?}");
    assert!(app.path().join("status.db").exists());

    let mut serve = server_command(
        app.path(),
        &entrypoint[1..]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    serve.args(&cmd);
    variables(&mut serve, "0.0.0.0:0");
    let server = ServerProcess::spawn(serve).await;
    let port = server.addr.rsplit(':').next().expect("port").to_owned();
    assert!(server.addr.starts_with("0.0.0.0:"), "{}", server.addr);
    let c = http_client();
    assert_eq!(
        get_json(
            &c,
            format!("127.0.0.1:{port}"),
            "/doc/api/status/by-zjhm/P0529"
        )
        .await,
        (
            200,
            json!({"gid": "2200600958", "zjhm": "P0529", "ryzxztdm": "10"})
        )
    );
    let healthcheck = |listen: String| {
        let mut h = server_command(
            app.path(),
            &health[1..].iter().map(String::as_str).collect::<Vec<_>>(),
        );
        variables(&mut h, &listen);
        h.output().expect("healthcheck")
    };
    let ok = healthcheck(format!("0.0.0.0:{port}"));
    assert!(ok.status.success(), "{ok:?}");
    let (status, log) = server.stop_with_log().await;
    assert!(status.success(), "{log:?}");
    let down = healthcheck(format!("0.0.0.0:{port}"));
    assert_eq!(down.status.code(), Some(1), "{down:?}");
    assert!(
        String::from_utf8_lossy(&down.stderr).contains("cannot connect"),
        "{down:?}"
    );
}

#[test]
fn compose_differs_from_the_reference_in_the_api_image_alone() {
    let read = |p: &Path| -> Value {
        serde_norway::from_str(&std::fs::read_to_string(p).expect("read compose"))
            .expect("compose YAML")
    };
    let mut ours = read(&repo_file("packaging/docker-compose.yml"));
    let mut reference = read(&fixture("docker-compose.school-status.yml"));
    let api = "school-status-api";
    let image = ours["services"][api]
        .as_object_mut()
        .expect("api service")
        .remove("image")
        .expect("our API service names an image");
    assert!(
        image
            .as_str()
            .is_some_and(|i| i.starts_with("ustc-status-server")),
        "{image}"
    );
    let build = reference["services"][api]
        .as_object_mut()
        .expect("reference api")
        .remove("build");
    assert!(build.is_some());
    assert_eq!(ours, reference);
    // What the issue names, spelled out.
    let svc = &ours["services"];
    assert_eq!(svc[api]["ports"], json!(["127.0.0.1:8000:8000"]));
    assert_eq!(
        svc[api]["depends_on"]["postgres"]["condition"],
        "service_healthy"
    );
    assert_eq!(
        svc[api]["volumes"],
        json!(["./school_status_api/config:/app/config:ro"])
    );
    assert!(
        svc["postgres"]["healthcheck"]["test"][1]
            .as_str()
            .is_some_and(|t| t.starts_with("pg_isready"))
    );
}

#[tokio::test]
async fn bad_variables_are_named_and_passwords_never_shown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |vars: &[(&str, &str)]| {
        let mut cmd = server_command(dir.path(), &["serve"]);
        cmd.env("USTC_STATUS_LISTEN", "127.0.0.1:0");
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&[("DATABASE_URL", "mysql://root:hunter2-secret@db:3306/status")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("DATABASE_URL: unsupported scheme mysql://"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");

    let (code, err) = run(&[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("DATABASE_URL: not set"), "{err}");

    // A PostgreSQL nobody listens on: a runtime failure, without the password.
    let clients = dir.path().join("clients.yml");
    std::fs::copy(fixture("clients.example.yml"), &clients).expect("clients");
    let clients = clients.display().to_string();
    let (code, err) = run(&[
        (
            "DATABASE_URL",
            "postgresql+psycopg://school_status:hunter2-secret@127.0.0.1:1/school_status",
        ),
        ("CLIENTS_CONFIG_PATH", &clients),
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("database"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");

    // The reference's default clients file does not exist on this machine.
    let (code, err) = run(&[("DATABASE_URL", "sqlite:///s.db")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("CLIENTS_CONFIG_PATH: cannot read /app/config/clients.yml"),
        "{err}"
    );

    // .env loses to the environment; a broken .env line is named by number only.
    std::fs::write(
        dir.path().join(".env"),
        "DATABASE_URL=postgresql://u:hunter2-secret@db/x 'broken\n",
    )
    .expect(".env");
    let (code, err) = run(&[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(".env") && err.contains("line 1"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    std::fs::write(dir.path().join(".env"), "DATABASE_URL=mysql://x@db/y\n").expect(".env");
    let (code, err) = run(&[
        ("DATABASE_URL", "sqlite:///s.db"),
        ("CLIENTS_CONFIG_PATH", "/nonexistent/clients.yml"),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("CLIENTS_CONFIG_PATH"),
        "the environment's URL won: {err}"
    );

    // TOML and variables together: TOML wins and the log says so.
    let cfg = served_config(dir.path(), ALPHA).await;
    let mut cmd = server_command(dir.path(), &["serve", "--config"]);
    cmd.arg(&cfg)
        .env("DATABASE_URL", "mysql://root:hunter2-secret@db/x")
        .env("TRUSTED_PROXIES", "10.0.0.0/8");
    let server = ServerProcess::spawn(cmd).await;
    let c = http_client();
    assert_eq!(
        get_json(&c, &server.addr, "/doc/api/status/by-zjhm/P0529")
            .await
            .0,
        200
    );
    let (_, log) = server.stop_with_log().await;
    let all = log.join("\n");
    assert!(
        all.contains("the TOML file wins; ignoring DATABASE_URL, TRUSTED_PROXIES"),
        "{all}"
    );
    assert!(!all.contains("hunter2"), "{all}");
}

/// The image built from packaging/Dockerfile, run by podman with the reference's
/// variables and mount: `.ci/status.sh` builds it (its final stage, from a static
/// binary built on the host: base images cannot be pulled here) and runs this test
/// with `--ignored` and `STATUS_TEST_IMAGE` naming it, under its podman configuration
/// (runtime, cgroup manager, ulimits, storage: what a machine needs is said there).
#[tokio::test]
#[ignore = "needs the container image and podman: run by .ci/status.sh (STATUS_TEST_IMAGE)"]
async fn the_image_serves_the_conformance_answers() {
    let image = std::env::var("STATUS_TEST_IMAGE").expect("STATUS_TEST_IMAGE");
    let at = pg_at(&pg::url());
    assert!(
        at.socket_dir.is_none(),
        "the container reaches PostgreSQL over TCP: set STATUS_TEST_POSTGRES_URL (source .ci/postgres.sh)"
    );
    reference_database(&at).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config");
    std::fs::create_dir(&config).expect("config");
    std::fs::copy(fixture("clients.example.yml"), config.join("clients.yml")).expect("clients");
    // compose's env_file: the reference's .env.example, the database host changed
    // from compose's `postgres` service to the test's (the container shares the
    // host's network); a free port for the image's 0.0.0.0:8000.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut env_file = String::new();
    for (k, v) in env_lines(&fixture(".env.example")) {
        let v = if k == "DATABASE_URL" {
            v.replace("@postgres:5432/", &format!("@{}/", at.host_port))
        } else {
            v
        };
        env_file.push_str(&format!("{k}={v}\n"));
    }
    env_file.push_str(&format!("USTC_STATUS_LISTEN=0.0.0.0:{port}\n"));
    std::fs::write(dir.path().join(".env"), env_file).expect(".env");
    let name = format!("status-test-{}", std::process::id());
    let podman = |args: &[&str]| {
        let out = Command::new("podman").args(args).output().expect("podman");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let mount = format!("{}:/app/config:ro", config.display());
    let env_path = dir.path().join(".env").display().to_string();
    let (ok, out) = podman(&[
        "run",
        "-d",
        "--name",
        &name,
        "--network",
        "host",
        "--env-file",
        &env_path,
        "-v",
        &mount,
        &image,
    ]);
    assert!(ok, "podman run: {out}");
    let addr = format!("127.0.0.1:{port}");
    let c = http_client();
    let start = std::time::Instant::now();
    while c
        .get(format!("http://{addr}/doc/api/ready"))
        .send()
        .await
        .map_or(true, |r| r.status() != 200)
    {
        if start.elapsed() > std::time::Duration::from_secs(30) {
            let logs = podman(&["logs", &name]).1;
            let _ = podman(&["rm", "-f", &name]);
            panic!("the container did not get ready: {logs}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    check_conformance_answers(&addr).await;
    // The image's HEALTHCHECK, run as the engine runs it.
    let (healthy, out) = podman(&["healthcheck", "run", &name]);
    let (_, user) = podman(&[
        "exec",
        &name,
        "/usr/local/bin/ustc-status-server",
        "--version",
    ]);
    let (_, inspect) = podman(&["inspect", "--format", "{{.Config.User}}", &name]);
    let logs = podman(&["logs", &name]).1;
    let _ = podman(&["stop", "-t", "10", &name]);
    let (_, exit) = podman(&["inspect", "--format", "{{.State.ExitCode}}", &name]);
    let _ = podman(&["rm", "-f", &name]);
    assert!(healthy, "HEALTHCHECK: {out}");
    assert!(user.contains("ustc-status-server"), "{user}");
    assert_eq!(inspect.trim(), "65534:65534");
    assert_eq!(exit.trim(), "0", "graceful stop: {logs}");
    assert!(logs.contains("AUTO_IMPORT_INTERVAL_SECONDS"), "{logs}");
    assert!(!logs.contains(REFERENCE_PASSWORD), "{logs}");
}

#[tokio::test]
async fn sighup_rereads_the_clients_file_named_by_the_variable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("s.db").display());
    let store = ustc_status_server::Store::open(&db, &Default::default())
        .await
        .expect("open");
    store.replace_all(&seed_records()).await.expect("seed");
    store.close().await;
    let clients = dir.path().join("clients.yml");
    let write = |token: &str| {
        std::fs::write(
            &clients,
            format!("clients:\n  - name: alpha\n    tokens: [\"{token}\"]\n    allowed_ips: [\"127.0.0.1\"]\n"),
        )
        .expect("clients.yml")
    };
    write(ALPHA);
    let mut cmd = server_command(dir.path(), &["serve"]);
    cmd.env("DATABASE_URL", "sqlite:///s.db")
        .env("USTC_STATUS_SOURCE", "table")
        .env("CLIENTS_CONFIG_PATH", &clients)
        .env("USTC_STATUS_LISTEN", "127.0.0.1:0");
    let mut server = ServerProcess::spawn(cmd).await;
    let c = http_client();
    let path = "/doc/api/status/by-zjhm/P0529";
    assert_eq!(get_json(&c, &server.addr, path).await.0, 200);
    write(ALPHA_NEW);
    server.signal("HUP");
    server
        .wait_for("reloaded 1 caller(s) from the environment")
        .await;
    assert_eq!(get_json(&c, &server.addr, path).await.0, 401);
    let r = c
        .get(format!("http://{}{path}", server.addr))
        .bearer_auth(ALPHA_NEW)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    assert!(server.stop().await.success());
}
