//! Decides whether the PostgreSQL variants of the tests can run on this machine: with
//! `STATUS_TEST_POSTGRES_URL` set, or with PostgreSQL's server binaries installed (the
//! tests then start a private server; see `tests/common/pg.rs`). Otherwise those tests
//! are compiled as `#[ignore]`d, so `cargo test` counts them as not run.

#[path = "tests/common/pg_bindir.rs"]
mod pg_bindir;

use pg_bindir::pg_bindir;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(status_postgres_tests)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=tests/common/pg_bindir.rs");
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
