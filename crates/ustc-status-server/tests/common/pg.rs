//! A private PostgreSQL for the tests, when `STATUS_TEST_POSTGRES_URL` names none.
//!
//! Started once per test binary from the installed server binaries (as
//! `.ci/postgres.sh` does): `initdb` into a temporary directory, `pg_ctl start` on a
//! Unix socket there (no TCP port to collide with), trust authentication. A watchdog
//! shell holds the read end of a pipe whose write end only this process holds; when the
//! process exits, however it exits, the watchdog stops the server and deletes the
//! directory.

use std::io::Write as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};

/// The URL to test against: `STATUS_TEST_POSTGRES_URL`, else a private server.
///
/// Panics when neither works: a PostgreSQL test that did not run must not pass.
pub fn url() -> String {
    if let Ok(url) = std::env::var("STATUS_TEST_POSTGRES_URL") {
        return url;
    }
    static PRIVATE: OnceLock<Result<String, String>> = OnceLock::new();
    PRIVATE
        .get_or_init(start)
        .clone()
        .unwrap_or_else(|e| panic!("cannot start a private PostgreSQL for the tests: {e}"))
}

/// Keeps the watchdog's pipe open for as long as the process lives.
static WATCHDOG: Mutex<Option<Child>> = Mutex::new(None);

fn run(what: &str, cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn start() -> Result<String, String> {
    let bin =
        super::pg_bindir::pg_bindir().ok_or("no PostgreSQL server binaries (initdb) found")?;
    let root = tempfile::Builder::new()
        .prefix("status-test-pg-")
        .tempdir()
        .map_err(|e| format!("temporary directory: {e}"))?
        .keep();
    let data = root.join("data");
    // initdb and postgres refuse to run as root: run them as the postgres user.
    let as_root = std::fs::metadata(&root).map_err(|e| e.to_string())?.uid() == 0;
    let command = |program: &str| {
        let program = bin.join(program);
        if as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        }
    };
    if as_root {
        run("chown", Command::new("chown").arg("postgres:").arg(&root))?;
    }
    run(
        "initdb",
        command("initdb").arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        ]),
    )?;
    let socket_dir = root.display().to_string();
    run(
        "pg_ctl start",
        command("pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(root.join("server.log"))
            .args(["-w", "-t", "60", "-o"])
            .arg(format!(
                "-c listen_addresses='' -k {socket_dir} -c max_connections=300 -c fsync=off -c synchronous_commit=off"
            ))
            .arg("start"),
    )?;
    spawn_watchdog(&command("pg_ctl"), &root)?;
    Ok(format!(
        "postgres://postgres@localhost/postgres?host={socket_dir}"
    ))
}

/// A shell that waits for end-of-file on its stdin, then stops the server and removes
/// `root`.
fn spawn_watchdog(pg_ctl: &Command, root: &Path) -> Result<(), String> {
    let mut stop: Vec<String> = vec![pg_ctl.get_program().to_string_lossy().into_owned()];
    stop.extend(pg_ctl.get_args().map(|a| a.to_string_lossy().into_owned()));
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(r#"root=$1; shift; cat >/dev/null; "$@" -D "$root/data" -m immediate stop; rm -rf "$root""#)
        .arg("sh")
        .arg(root)
        .args(&stop)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("watchdog: {e}"))?;
    // Nothing is ever written; the pipe only has to stay open.
    if let Some(stdin) = child.stdin.as_mut() {
        let _ = stdin.flush();
    }
    *WATCHDOG.lock().unwrap_or_else(|p| p.into_inner()) = Some(child);
    Ok(())
}
