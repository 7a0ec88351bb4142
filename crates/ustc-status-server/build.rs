//! Decides whether the PostgreSQL variants of the tests can run on this machine: with
//! `STATUS_TEST_POSTGRES_URL` set, or with PostgreSQL's server binaries installed (the
//! tests then start a private server; see `tests/common/pg.rs`). Otherwise those tests
//! are compiled as `#[ignore]`d, so `cargo test` counts them as not run.

use std::path::PathBuf;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(status_postgres_tests)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=STATUS_TEST_POSTGRES_URL");
    println!("cargo::rerun-if-env-changed=STATUS_TEST_PG_BINDIR");
    let installed = std::path::Path::new("/usr/lib/postgresql");
    if installed.is_dir() {
        // Only when it exists: a missing path would rerun this script on every build.
        println!("cargo::rerun-if-changed=/usr/lib/postgresql");
    }
    if std::env::var_os("STATUS_TEST_POSTGRES_URL").is_some() || pg_bindir().is_some() {
        println!("cargo::rustc-cfg=status_postgres_tests");
    }
}

/// The same search as the tests': `STATUS_TEST_PG_BINDIR`, else the newest
/// `/usr/lib/postgresql/*/bin` holding `initdb` (Debian's layout).
fn pg_bindir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("STATUS_TEST_PG_BINDIR") {
        return Some(PathBuf::from(dir)).filter(|d| d.join("initdb").is_file());
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").is_file())
        .collect();
    found.sort();
    found.pop()
}
