//! SQLite lookups on rusqlite: a few read connections with cached prepared statements.
//!
//! sqlx-sqlite runs each connection on its own worker thread reached through channels;
//! for a point lookup that costs a few µs of SQLite work that hand-off (wake-ups, context
//! switches, boxing) dominated, so the API reached only a third of the health endpoint's
//! throughput. Here the caller's thread runs the statement itself. Writes (import,
//! `ensure_table`, tests' scripts) stay on sqlx: they are rare and need its transactions.
//!
//! With the own table (`Source::Table`) lookups are answered from an in-memory
//! [`Snapshot`] of the table, but only after checking on every request that the database
//! has not changed since the snapshot was read (`PRAGMA data_version` on one dedicated
//! connection, asked at most once per millisecond; see `recent_data_version`). When it
//! has changed (an import finished, in this process or another), the request reads the
//! database directly and a reload runs in the background; so a request that starts
//! after an import finished always sees the new rows. A `v_user` view is never copied:
//! it belongs to someone else and can change at any time, so every lookup reads it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rusqlite::{CachedStatement, Connection, OpenFlags, OptionalExtension};

use crate::imports::Imports;
use crate::snapshot::{Builder, CopyInfo, CopySlot, Snapshot};
use crate::store::{Record, StoreError};

/// How many read connections a store keeps: lookups run on the runtime's worker threads
/// (two on this kind of machine) and hold a connection for a few µs, so more would only
/// add page caches.
pub(crate) const READERS: usize = 2;

/// How long one answer about the data's version is reused (see `recent_data_version`),
/// unless an import in this process finished since it was read.
///
/// The crate's unit tests reuse answers for an hour: a machine that slow makes any wait
/// an importer could make too short, so they show that imports are seen through the
/// signal (`crate::imports`), never by waiting.
pub(crate) const CHECK_INTERVAL: Duration = if cfg!(test) {
    Duration::from_secs(3600)
} else {
    Duration::from_millis(1)
};

/// Each read connection's page cache, in KiB: holds the whole 300,000-row table (about
/// 17 MB), so warm lookups never copy pages from the OS.
const CACHE_KIB: i64 = 24_000;

/// A small fixed pool of read-only-by-use connections, plus the snapshot of the own table.
pub(crate) struct SqliteReader {
    path: PathBuf,
    slots: Vec<Mutex<Option<Connection>>>,
    next: AtomicUsize,
    closed: AtomicBool,
    /// Only this connection asks for `data_version`: the value is per connection.
    checker: Mutex<Option<Connection>>,
    /// Origin of `seen_at`.
    base: Instant,
    /// When the last `data_version` read started, in ns after `base`, plus one; 0: never.
    seen_at: AtomicU64,
    /// What that read returned.
    seen_version: AtomicI64,
    /// This process's imports into the database, and their count before that read.
    imports: Imports,
    checked_imports: AtomicU64,
    /// `None` for a `v_user` source: never copied.
    table: Option<TableCopy>,
}

struct TableCopy {
    /// Text of the full-table read; built from constants.
    load_sql: String,
    slot: CopySlot,
}

impl std::fmt::Debug for SqliteReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteReader")
            .field("slots", &self.slots.len())
            .finish_non_exhaustive()
    }
}

fn open(path: &Path, cache_kib: i64) -> rusqlite::Result<Connection> {
    // The file exists (sqlx created it and set WAL, which is persistent); never create
    // one here, a typo'd path must fail rather than serve an empty database.
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    // A read path: refuse any write that could slip in through a future change.
    conn.pragma_update(None, "query_only", true)?;
    // No memory map: each connection's mapping counts in the process's RSS again, and
    // mapped pages are re-parsed on every visit; a page cache that fits the table is as
    // fast and bounded.
    conn.pragma_update(None, "mmap_size", 0_i64)?;
    conn.pragma_update(None, "cache_size", -cache_kib)?;
    conn.set_prepared_statement_cache_capacity(16);
    Ok(conn)
}

fn record(row: &rusqlite::Row<'_>) -> rusqlite::Result<Record> {
    Ok(Record {
        gid: row.get(0)?,
        zjhm: row.get(1)?,
        ryzxztdm: row.get(2)?,
    })
}

fn all(stmt: &mut CachedStatement<'_>, key: &str) -> rusqlite::Result<Vec<Record>> {
    stmt.query_map([key], record)?.collect()
}

impl SqliteReader {
    /// Opens the read connections on an existing database file. With `load_sql` (the
    /// own table), lookups go through a snapshot that [`SqliteReader::reload`] fills.
    pub(crate) fn open(
        path: &Path,
        n: usize,
        load_sql: Option<String>,
        imports: Imports,
    ) -> Result<SqliteReader, StoreError> {
        let mut slots = Vec::with_capacity(n);
        for _ in 0..n.max(1) {
            slots.push(Mutex::new(Some(open(path, CACHE_KIB)?)));
        }
        let checker = match load_sql {
            // The checker only reads the database header: a tiny cache is enough.
            Some(_) => Some(open(path, 64)?),
            None => None,
        };
        Ok(SqliteReader {
            path: path.to_owned(),
            slots,
            next: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            checker: Mutex::new(checker),
            base: Instant::now(),
            seen_at: AtomicU64::new(0),
            seen_version: AtomicI64::new(0),
            imports,
            checked_imports: AtomicU64::new(0),
            table: load_sql.map(|load_sql| TableCopy {
                load_sql,
                slot: CopySlot::default(),
            }),
        })
    }

    /// The database's change counter as seen by the checker connection, read now: it
    /// differs from an earlier value exactly when another connection committed in between.
    fn data_version(&self) -> Result<i64, StoreError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(StoreError::Closed);
        }
        let mut guard = self.checker.lock().unwrap_or_else(|p| p.into_inner());
        let Some(conn) = guard.as_ref() else {
            return Err(StoreError::Closed);
        };
        // Both taken before the read: the answer describes the database at this instant
        // or later, with every import counted so far committed.
        let imports = self.imports.now();
        let started = self.base.elapsed();
        let v = conn
            .prepare_cached("PRAGMA data_version")
            .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)));
        match v {
            Ok(v) => {
                // Under the checker's lock, so answers are published in the order they
                // were read. The import count last: a reader that sees it sees this
                // answer's version and instant, or a later answer's.
                self.seen_version.store(v, Ordering::Release);
                let at = u64::try_from(started.as_nanos()).unwrap_or(u64::MAX - 1) + 1;
                self.seen_at.store(at, Ordering::Release);
                self.checked_imports.store(imports, Ordering::Release);
                Ok(v)
            }
            Err(e) => {
                // Counters of a new connection are not comparable with the old one's:
                // forget the answer and the copy it vouched for, then reconnect.
                self.seen_at.store(0, Ordering::Release);
                if let Some(t) = &self.table {
                    t.slot.clear();
                }
                if !self.closed.load(Ordering::Acquire) {
                    *guard = Some(open(&self.path, 64)?);
                }
                Err(e.into())
            }
        }
    }

    /// [`SqliteReader::data_version`], or its last answer if that was read less than
    /// [`CHECK_INTERVAL`] ago and no import of this process finished since.
    ///
    /// Why that is exact for imports: `replace_all` counts its import after the commit
    /// (`crate::imports`), so a request that starts after it returned finds the count
    /// changed and asks again. (An import by another process is seen within the
    /// interval; its command waits that out before it returns.) Asking SQLite costs two
    /// file-lock system calls per request (a fifth of a point lookup's server time); at
    /// 30,000 requests/s this asks at most 1,000 times.
    fn recent_data_version(&self) -> Result<i64, StoreError> {
        let imports = self.imports.now();
        let at = if self.checked_imports.load(Ordering::Acquire) == imports {
            self.seen_at.load(Ordering::Acquire)
        } else {
            0
        };
        if at != 0 {
            let age = self
                .base
                .elapsed()
                .saturating_sub(Duration::from_nanos(at - 1));
            if age < CHECK_INTERVAL {
                return Ok(self.seen_version.load(Ordering::Acquire));
            }
        }
        self.data_version()
    }

    /// The snapshot, if it is still the database's current content.
    ///
    /// `None` means "read the database": no own-table source, no snapshot yet, or the
    /// data changed since it was read (then claim and run a reload).
    pub(crate) fn fresh(&self) -> Result<Option<Arc<Snapshot>>, StoreError> {
        let Some(table) = &self.table else {
            return Ok(None);
        };
        if self.closed.load(Ordering::Acquire) {
            return Err(StoreError::Closed);
        }
        let Some(snap) = table.slot.get() else {
            return Ok(None);
        };
        // Checked for every request (see `recent_data_version` for how often SQLite is
        // asked): a request that starts after an import finished must see its rows.
        let now = self.recent_data_version()?;
        Ok((now == snap.version).then_some(snap))
    }

    /// Generation and size of the snapshot, if there is one.
    pub(crate) fn copy_info(&self) -> Option<CopyInfo> {
        self.table.as_ref().and_then(|t| t.slot.info())
    }

    /// Claims the one background reload; `false` when there is nothing to reload or one
    /// is already running.
    pub(crate) fn claim_reload(&self) -> bool {
        self.table.as_ref().is_some_and(|t| t.slot.claim())
    }

    /// Reads the whole own table into a new snapshot and swaps it in (blocking; about
    /// half a second for 300,000 rows). Releases a claim taken with `claim_reload`.
    pub(crate) fn reload(&self) -> Result<(), StoreError> {
        let Some(table) = &self.table else {
            return Ok(());
        };
        table.slot.finish(self.load(table))
    }

    fn load(&self, table: &TableCopy) -> Result<Snapshot, StoreError> {
        // The version is taken before the read starts, so the copy holds at least every
        // commit it stands for; a commit in between only causes one more reload.
        let version = self.data_version()?;
        // A connection of its own, so lookups keep both pooled ones during the scan, and
        // a small cache since the scan visits each page once.
        let conn = open(&self.path, 2000)?;
        let tx = conn.unchecked_transaction()?;
        let mut b = Builder::default();
        {
            let mut stmt = tx.prepare(&table.load_sql)?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let text = |i: usize| -> rusqlite::Result<Option<&str>> {
                    Ok(row.get_ref(i)?.as_str_or_null()?)
                };
                let (gid, zjhm) = (text(0)?.unwrap_or_default(), text(1)?.unwrap_or_default());
                let code = text(2)?;
                let rank =
                    u32::try_from(row.get::<_, i64>(3)?).map_err(|_| StoreError::TooLarge)?;
                b.push(gid, zjhm, code, Some(rank))
                    .map_err(|_| StoreError::TooLarge)?;
            }
        }
        tx.commit()?;
        b.finish(version).map_err(|_| StoreError::TooLarge)
    }

    /// A free connection if there is one, else waits for the next in turn.
    fn acquire(&self) -> Result<MutexGuard<'_, Option<Connection>>, StoreError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(StoreError::Closed);
        }
        let n = self.slots.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % n;
        for i in 0..n {
            if let Ok(guard) = self.slots[(start + i) % n].try_lock() {
                return Ok(guard);
            }
        }
        // Every connection is busy for a few µs; a poisoned slot only means a panic
        // elsewhere mid-lookup, the connection itself is still sound.
        Ok(self.slots[start]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    fn with_conn<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let mut guard = self.acquire()?;
        if guard.is_none() {
            if self.closed.load(Ordering::Acquire) {
                return Err(StoreError::Closed);
            }
            *guard = Some(open(&self.path, CACHE_KIB)?);
        }
        let Some(conn) = guard.as_ref() else {
            return Err(StoreError::Closed);
        };
        let result = f(conn);
        if result.is_err() {
            // A broken connection is replaced on next use rather than kept failing.
            *guard = None;
        }
        Ok(result?)
    }

    pub(crate) fn one(&self, sql: &str, key: &str) -> Result<Vec<Record>, StoreError> {
        self.with_conn(|conn| all(&mut conn.prepare_cached(sql)?, key))
    }

    pub(crate) fn first(&self, sql: &str, key: &str) -> Result<Option<Record>, StoreError> {
        self.with_conn(|conn| {
            conn.prepare_cached(sql)?
                .query_row([key], record)
                .optional()
        })
    }

    /// Drops every connection and the snapshot; later lookups fail with
    /// [`StoreError::Closed`].
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        for slot in &self.slots {
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = None;
        }
        *self.checker.lock().unwrap_or_else(|p| p.into_inner()) = None;
        if let Some(t) = &self.table {
            t.slot.clear();
        }
    }
}
