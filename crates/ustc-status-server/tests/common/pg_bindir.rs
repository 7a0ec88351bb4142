//! Where PostgreSQL's server binaries are: shared by `build.rs` (whether the
//! PostgreSQL tests can run) and the tests (where to start a private server from).

use std::path::PathBuf;

/// `STATUS_TEST_PG_BINDIR`, else the newest `/usr/lib/postgresql/*/bin` holding
/// `initdb` (Debian's layout).
pub fn pg_bindir() -> Option<PathBuf> {
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
