//! The signal that an import finished: a count of the imports made in this
//! process, one per database, shared by every [`Store`](crate::Store) open on it.
//!
//! A server reuses an answer about the data's version for a moment
//! ([`CHECK_INTERVAL`](crate::sqlite_read::CHECK_INTERVAL)) to spare the
//! database a question per request. Each answer is tagged with this count as
//! it was before the question was asked, and is reused only while the count
//! is unchanged: `replace_all` raises it after its commit, so any request that
//! starts after an import in this process has returned asks again and sees
//! the new rows, however slow the machine and whatever the reuse window. No
//! sleep is involved.
//!
//! Another process (the `import` command) cannot reach this count: its
//! servers learn of its commit from the database itself, within the reuse
//! window, so that command waits the window out before it reports
//! ([`Store::outlast_reuse_window`](crate::Store::outlast_reuse_window)).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

/// Imports made in this process into one database.
#[derive(Debug, Clone, Default)]
pub(crate) struct Imports(Arc<AtomicU64>);

/// One count per database, by [`database_key`]: two stores on one database
/// share it.
static BY_DATABASE: LazyLock<Mutex<HashMap<String, Imports>>> = LazyLock::new(Default::default);

impl Imports {
    /// The count of the database named by `key`.
    pub(crate) fn of(key: String) -> Imports {
        let mut all = BY_DATABASE.lock().unwrap_or_else(|p| p.into_inner());
        all.entry(key).or_default().clone()
    }

    /// The count now. Load it before asking the database: an answer tagged
    /// with it was read after every import it counts had committed.
    pub(crate) fn now(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    /// Counts an import; call after its commit, before `replace_all` returns.
    pub(crate) fn finished(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

/// What identifies a database for [`Imports::of`]: a SQLite file's canonical
/// path, or a PostgreSQL server, database and schema (never a password).
pub(crate) fn database_key(kind: &str, parts: &[&str]) -> String {
    let mut key = String::from(kind);
    for part in parts {
        key.push('\u{1f}');
        key.push_str(part);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_on_one_database_share_the_count_and_others_do_not() {
        let a = Imports::of(database_key("test", &["one"]));
        let b = Imports::of(database_key("test", &["one"]));
        let other = Imports::of(database_key("test", &["two"]));
        let before = (a.now(), other.now());
        a.finished();
        assert_eq!(b.now(), before.0 + 1);
        assert_eq!(other.now(), before.1);
    }
}
