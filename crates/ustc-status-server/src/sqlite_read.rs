//! SQLite lookups on rusqlite: a few read connections with cached prepared statements.
//!
//! sqlx-sqlite runs each connection on its own worker thread reached through channels;
//! for a point lookup that costs a few µs of SQLite work that hand-off (wake-ups, context
//! switches, boxing) dominated, so the API reached only a third of the health endpoint's
//! throughput. Here the caller's thread runs the statement itself. Writes (import,
//! `ensure_table`, tests' scripts) stay on sqlx: they are rare and need its transactions.
//!
//! Nothing is cached above SQLite: every lookup reads the database, so a finished import
//! (in this process or another) and any change to a `v_user` view are seen by the next
//! request.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{CachedStatement, Connection, OpenFlags, OptionalExtension};

use crate::store::{Queries, Record, StoreError};

/// How many read connections a store keeps: the two runtime workers plus blocking
/// threads running batches rarely need more, and each connection maps the file on its own.
pub(crate) const READERS: usize = 4;

/// A small fixed pool of read-only-by-use connections.
pub(crate) struct SqliteReader {
    path: PathBuf,
    slots: Vec<Mutex<Option<Connection>>>,
    next: AtomicUsize,
    closed: AtomicBool,
}

impl std::fmt::Debug for SqliteReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteReader")
            .field("slots", &self.slots.len())
            .finish_non_exhaustive()
    }
}

fn open(path: &Path) -> rusqlite::Result<Connection> {
    // The file exists (sqlx created it and set WAL, which is persistent); never create
    // one here, a typo'd path must fail rather than serve an empty database.
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    // A read path: refuse any write that could slip in through a future change.
    conn.pragma_update(None, "query_only", true)?;
    // Reads from the page cache of the OS instead of copying into SQLite's own; the
    // window bounds what one connection can map.
    conn.pragma_update(None, "mmap_size", 268_435_456_i64)?;
    conn.pragma_update(None, "cache_size", -2000_i64)?;
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
    /// Opens the read connections on an existing database file.
    pub(crate) fn open(path: &Path, n: usize) -> Result<SqliteReader, StoreError> {
        let mut slots = Vec::with_capacity(n);
        for _ in 0..n.max(1) {
            slots.push(Mutex::new(Some(open(path)?)));
        }
        Ok(SqliteReader {
            path: path.to_owned(),
            slots,
            next: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        })
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
            *guard = Some(open(&self.path)?);
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

    /// One prepared point lookup per key inside one read transaction, so a batch sees
    /// one snapshot even while an import swaps the table.
    pub(crate) fn many(&self, q: &Queries, keys: &[String], by_gid: bool) -> Result<Vec<Record>, StoreError> {
        self.with_conn(|conn| {
            // DEFERRED: the snapshot starts at the first read and holds until COMMIT.
            conn.prepare_cached("BEGIN DEFERRED")?.execute([])?;
            let result: rusqlite::Result<Vec<Record>> = (|| {
                let mut out = Vec::with_capacity(keys.len());
                if by_gid {
                    let mut stmt = conn.prepare_cached(&q.by_gid)?;
                    for k in keys {
                        out.extend(all(&mut stmt, k)?);
                    }
                } else {
                    let mut stmt = conn.prepare_cached(&q.by_zjhm)?;
                    for k in keys {
                        if let Some(r) = stmt.query_row([k], record).optional()? {
                            out.push(r);
                        }
                    }
                }
                Ok(out)
            })();
            let end = conn.prepare_cached("COMMIT").and_then(|mut s| s.execute([]));
            let out = result?;
            end?;
            Ok(out)
        })
    }

    /// Drops every connection; later lookups fail with [`StoreError::Closed`].
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        for slot in &self.slots {
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = None;
        }
    }
}
