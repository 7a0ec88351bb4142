//! The in-memory copy of the own table for PostgreSQL.
//!
//! Every request first checks which generation of `status_records` is live (one round
//! trip to the catalog, no table access, its answer reused for at most a millisecond)
//! and uses the copy only when it is that generation. An import replaces the table by a new one (new OID) in one
//! transaction, so the first request that starts after the import committed reads the
//! database directly and starts a reload; several servers behind a load balancer each
//! notice on their own. A 100-id batch then costs one round trip and 100 hash lookups
//! instead of a 100-key index scan sent through the driver.
//!
//! Only imports are noticed: the table is written by `import` alone (the `v_user` view,
//! which others write, is never copied).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgPool;

use crate::imports::Imports;
use crate::snapshot::{Builder, CopyInfo, CopySlot, Snapshot};
use crate::sqlite_read::CHECK_INTERVAL;
use crate::store::StoreError;

/// The live table's identity: its OID, and the transaction that last wrote its catalog
/// row (guards against a reused OID). NULL when the table does not exist.
const VERSION_SQL: &str = "SELECT (c.oid::bigint << 32) | c.xmin::text::bigint FROM pg_class c WHERE c.oid = to_regclass('status_records')";

/// Copy of the own table plus the one reload that may be running.
pub(crate) struct PgCopy {
    /// Full-table read, ordered like `by_gid`; built from constants.
    load_sql: String,
    slot: CopySlot,
    /// Origin of the instants in `seen`.
    base: Instant,
    /// The newest version answer: when its query was sent (after `base`), this
    /// process's import count then, and what it said.
    seen: Mutex<Option<Seen>>,
    /// This process's imports into the database.
    imports: Imports,
    /// Held while a version query is out.
    checking: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for PgCopy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgCopy").finish_non_exhaustive()
    }
}

async fn version<'e>(
    conn: impl sqlx::Executor<'e, Database = sqlx::Postgres>,
) -> Result<i64, StoreError> {
    let v: Option<i64> = sqlx::query_scalar(VERSION_SQL).fetch_one(conn).await?;
    // A missing table never matches a copy; reading it then fails as before.
    Ok(v.unwrap_or(i64::MIN))
}

/// One version answer (see `PgCopy::seen`).
#[derive(Debug, Clone, Copy)]
struct Seen {
    sent: Duration,
    imports: u64,
    version: i64,
}

impl PgCopy {
    pub(crate) fn new(load_sql: String, imports: Imports) -> PgCopy {
        PgCopy {
            load_sql,
            slot: CopySlot::default(),
            base: Instant::now(),
            seen: Mutex::new(None),
            imports,
            checking: tokio::sync::Mutex::new(()),
        }
    }

    /// The live table's version, or the newest answer if its query was sent less than
    /// [`CHECK_INTERVAL`] ago and no import of this process finished since. Exact for
    /// imports for the same reason as on SQLite (see `sqlite_read::recent_data_version`):
    /// `replace_all` counts its import after the commit, so a request that starts after
    /// it returned never takes an answer read before. Servers in other processes (or on
    /// other machines) learn of an import from the database within the interval, which
    /// the `import` command waits out; only durations measured on one machine are
    /// compared.
    async fn recent_version(&self, pool: &PgPool) -> Result<i64, StoreError> {
        let imports = self.imports.now();
        let arrived = self.base.elapsed();
        if let Some(v) = self.usable(arrived, imports) {
            return Ok(v);
        }
        // One query at a time: requests that arrive while one is out wait for its
        // answer instead of all asking at once each time the answer expires.
        let _turn = self.checking.lock().await;
        if let Some(v) = self.usable(arrived, imports) {
            return Ok(v);
        }
        let imports = self.imports.now();
        let sent = self.base.elapsed();
        let version = version(pool).await?;
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.is_none_or(|s| s.sent < sent) {
            *seen = Some(Seen {
                sent,
                imports,
                version,
            });
        }
        Ok(version)
    }

    /// The last answer, if its query was sent less than [`CHECK_INTERVAL`] before
    /// `arrived` (or after it) and after the `imports`-th import of this process.
    fn usable(&self, arrived: Duration, imports: u64) -> Option<i64> {
        let seen = *self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.filter(|s| s.imports >= imports && arrived.saturating_sub(s.sent) < CHECK_INTERVAL)
            .map(|s| s.version)
    }

    /// Generation and size of the copy, if there is one.
    pub(crate) fn copy_info(&self) -> Option<CopyInfo> {
        self.slot.info()
    }

    /// The copy if it is still the live table; `None` means "read the database".
    pub(crate) async fn fresh(&self, pool: &PgPool) -> Result<Option<Arc<Snapshot>>, StoreError> {
        let Some(snap) = self.slot.get() else {
            return Ok(None);
        };
        let live = self.recent_version(pool).await?;
        Ok((live == snap.version).then_some(snap))
    }

    /// Claims the one reload; `false` when one is already running.
    pub(crate) fn claim_reload(&self) -> bool {
        self.slot.claim()
    }

    /// Reads the table into a new copy and swaps it in; releases the claim.
    pub(crate) async fn reload(self: Arc<Self>, pool: PgPool) -> Result<(), StoreError> {
        let loaded = self.load(&pool).await;
        self.slot.finish(loaded)
    }

    async fn load(&self, pool: &PgPool) -> Result<Snapshot, StoreError> {
        let mut tx = pool.begin().await?;
        // One database snapshot for the version and the rows.
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        let v = version(&mut *tx).await?;
        let mut b = Builder::default();
        {
            // Streamed: 300,000 decoded rows at once would double the copy's memory.
            let mut rows = sqlx::query_as::<_, (String, String, Option<String>, i64)>(
                AssertSqlSafe(self.load_sql.clone()),
            )
            .fetch(&mut *tx);
            while let Some((gid, zjhm, code, rank)) = rows.try_next().await? {
                let rank = u32::try_from(rank).map_err(|_| StoreError::TooLarge)?;
                b.push(&gid, &zjhm, code.as_deref(), Some(rank))
                    .map_err(|_| StoreError::TooLarge)?;
            }
        }
        tx.commit().await?;
        // Hashing 300,000 keys takes tens of ms: not on a runtime worker.
        tokio::task::spawn_blocking(move || b.finish(v).map_err(|_| StoreError::TooLarge))
            .await
            .unwrap_or(Err(StoreError::Closed))
    }

    /// Forgets the copy and the last version answer (the store is closing).
    pub(crate) fn clear(&self) {
        self.slot.clear();
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}
