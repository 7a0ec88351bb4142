//! Data access: SQLite (embedded default) and PostgreSQL, own table or the reference's view.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::config::Source;
use crate::imports::{Imports, database_key};
use crate::pg_coalesce::{Coalescer, IN_FLIGHT, Key};
use crate::pg_copy::PgCopy;
use crate::snapshot::{CopyInfo, Snapshot};
use crate::sqlite_read::{CHECK_INTERVAL, READERS, SqliteReader};

/// One identity of a person, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Global person id.
    pub gid: String,
    /// Identity number (unique).
    pub zjhm: String,
    /// Status code, verbatim; `None` only when a `v_user` view holds NULL.
    pub ryzxztdm: Option<String>,
}

/// A database failure; shown to operators, never to API callers.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL is neither `sqlite://` nor `postgres://`.
    #[error("unsupported database url: expected sqlite://PATH or postgres://...")]
    UnsupportedUrl,
    /// A read replica was given for a database that is not PostgreSQL.
    #[error("a read replica needs PostgreSQL as the primary database")]
    ReplicaNeedsPostgres,
    /// The driver failed.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// The SQLite read path failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The store was closed.
    #[error("database error: store closed")]
    Closed,
    /// The own table does not fit the in-memory copy's 32-bit offsets (over 4 GiB of text).
    #[error("status table too large for the in-memory copy")]
    TooLarge,
    /// One failure of a statement that answered several coalesced lookups.
    #[error(transparent)]
    Shared(Arc<StoreError>),
}

/// sqlx for writes and PostgreSQL; rusqlite for SQLite lookups (see `sqlite_read`).
#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool, Option<Arc<SqliteReader>>),
    Postgres(PgPools),
}

/// PostgreSQL: the primary for writes (imports, the table's creation) and the pool
/// lookups and readiness use: a read replica's, or the primary's again.
#[derive(Clone)]
struct PgPools {
    write: PgPool,
    read: PgPool,
}

/// Prepared query texts for one source; built from constants only, never from input.
///
/// Orders are the reference's: `ORDER BY userid` for zjhm lists and `ORDER BY gid,
/// userid` for a gid's identities, on the relation's own columns, so the database's
/// collation (or a number column's numeric order) decides exactly as it does for the
/// reference.
#[derive(Debug)]
struct Queries {
    by_zjhm: Arc<str>,
    by_gid: Arc<str>,
    by_zjhms: Arc<str>,
    by_gids: Arc<str>,
    /// Cheapest statement that fails when the source relation cannot be read.
    probe: String,
    /// Whole relation ordered by gid, then zjhm, each row with its rank in zjhm order
    /// (in-memory copy).
    all: String,
}

impl Queries {
    fn new(postgres: bool, source: Source) -> Queries {
        let (rel, gid, zjhm, code) = match source {
            Source::Table => ("status_records", "gid", "zjhm", "ryzxztdm"),
            Source::VUser => ("v_user", "gid", "userid", "zxzt"),
        };
        // The view's column types are the reference's business; casting makes any of
        // varchar/text/int decode as text without touching the WHERE side (indexes stay usable).
        let columns = if postgres {
            format!("COALESCE({gid}::text, ''), COALESCE({zjhm}::text, ''), {code}::text")
        } else {
            format!(
                "COALESCE(CAST({gid} AS TEXT), ''), COALESCE(CAST({zjhm} AS TEXT), ''), CAST({code} AS TEXT)"
            )
        };
        let select = format!("SELECT {columns} FROM {rel}");
        let (one, many) = if postgres {
            ("$1", "= ANY($1)")
        } else {
            // One statement for any batch size keeps the statement cache warm.
            ("?1", "IN (SELECT value FROM json_each(?1))")
        };
        Queries {
            by_zjhm: format!("{select} WHERE {zjhm} = {one}").into(),
            by_gid: format!("{select} WHERE {gid} = {one} ORDER BY {zjhm}").into(),
            by_zjhms: format!("{select} WHERE {zjhm} {many} ORDER BY {zjhm}").into(),
            by_gids: format!("{select} WHERE {gid} {many} ORDER BY {gid}, {zjhm}").into(),
            probe: format!("SELECT 1 FROM {rel} LIMIT 1"),
            all: format!(
                "SELECT {columns}, row_number() OVER (ORDER BY {zjhm}) FROM {rel} ORDER BY {gid}, {zjhm}"
            ),
        }
    }
}

/// A handle on the status data; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    queries: Arc<Queries>,
    source: Source,
    /// PostgreSQL with the own table only.
    pg_copy: Option<Arc<PgCopy>>,
    /// PostgreSQL: point lookups that reach the database, coalesced.
    pg_lookups: Option<Arc<PgLookups>>,
    /// This process's imports into the database: the signal readers check.
    imports: Imports,
}

#[derive(Debug)]
struct PgLookups {
    by_zjhm: Coalescer,
    by_gid: Coalescer,
}

/// Why a store cannot serve yet (readiness).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotReady {
    /// The database, or the source relation in it, cannot be read.
    #[error("database unavailable: {0}")]
    Database(#[from] StoreError),
    /// The own table's in-memory copy is not loaded yet (a load has been started).
    #[error("status table not loaded yet")]
    Loading,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.pool {
            Pool::Sqlite(..) => "sqlite",
            Pool::Postgres(_) => "postgres",
        };
        f.debug_struct("Store").field("backend", &kind).finish()
    }
}

type Row = (String, String, Option<String>);

fn into_record((gid, zjhm, ryzxztdm): Row) -> Record {
    Record {
        gid,
        zjhm,
        ryzxztdm,
    }
}

/// Options for opening a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Which relation lookups read.
    pub source: Source,
    /// Pool size; `None` picks a default per backend.
    pub max_connections: Option<u32>,
    /// PostgreSQL only: schema put first on the search path (tests isolate themselves this way).
    pub pg_schema: Option<String>,
    /// PostgreSQL only: a read replica for lookups and readiness; writes go to the
    /// primary URL. Its pool has `max_connections` of its own.
    pub read_url: Option<String>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            source: Source::Table,
            max_connections: None,
            pg_schema: None,
            read_url: None,
        }
    }
}

/// A PostgreSQL pool for `url` (the primary's or a replica's).
async fn pg_pool(url: &str, options: &StoreOptions) -> Result<PgPool, StoreError> {
    let mut opts = PgConnectOptions::from_str(url)?;
    if let Some(schema) = &options.pg_schema {
        opts = opts.options([("search_path", schema.as_str())]);
    }
    Ok(PgPoolOptions::new()
        .max_connections(options.max_connections.unwrap_or(8))
        .acquire_timeout(Duration::from_secs(5))
        // sqlx pings every connection it hands out by default: one more round
        // trip per lookup. A connection that broke meanwhile fails its
        // statement instead (one 500) and is dropped by the pool.
        .test_before_acquire(false)
        .connect_with(opts)
        .await?)
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

const TABLE_SQL: &str = "CREATE TABLE status_records (gid TEXT NOT NULL, zjhm TEXT NOT NULL PRIMARY KEY, ryzxztdm TEXT NOT NULL)";

/// SQLite keys the rows by zjhm itself (WITHOUT ROWID): a lookup is one B-tree search
/// instead of index then table, and the file is a fifth smaller.
const SQLITE_TABLE_SQL: &str = "CREATE TABLE status_records (gid TEXT NOT NULL, zjhm TEXT NOT NULL PRIMARY KEY, ryzxztdm TEXT NOT NULL) WITHOUT ROWID";
const SQLITE_NEW_TABLE_SQL: &str = "CREATE TABLE status_records_new (gid TEXT NOT NULL, zjhm TEXT NOT NULL PRIMARY KEY, ryzxztdm TEXT NOT NULL) WITHOUT ROWID";

/// Runs blocking SQLite work off the runtime's worker threads.
async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or(Err(StoreError::Closed))
}

impl Store {
    /// Opens `sqlite://PATH` (created when missing) or `postgres://...`.
    ///
    /// With [`Source::Table`] an empty `status_records` table is created when absent, so
    /// a fresh server answers 404 rather than 500 before the first import.
    pub async fn open(url: &str, options: &StoreOptions) -> Result<Store, StoreError> {
        let (pool, database) = if let Some(path) = url.strip_prefix("sqlite://") {
            let opts = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .pragma("mmap_size", "268435456")
                .pragma("cache_size", "-16000");
            let pool = SqlitePoolOptions::new()
                .max_connections(options.max_connections.unwrap_or(4))
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(opts)
                .await?;
            // The file exists now (created when missing): one key however it is named.
            let file = std::fs::canonicalize(path).unwrap_or_else(|_| path.into());
            let database = database_key("sqlite", &[&file.to_string_lossy()]);
            (Pool::Sqlite(pool, None), database)
        } else if is_postgres(url) {
            let opts = PgConnectOptions::from_str(url)?;
            let database = database_key(
                "postgres",
                &[
                    opts.get_host(),
                    &opts.get_port().to_string(),
                    opts.get_database().unwrap_or_default(),
                    options.pg_schema.as_deref().unwrap_or_default(),
                ],
            );
            let write = pg_pool(url, options).await?;
            let read = match &options.read_url {
                Some(replica) if is_postgres(replica) => pg_pool(replica, options).await?,
                Some(_) => return Err(StoreError::UnsupportedUrl),
                None => write.clone(),
            };
            (Pool::Postgres(PgPools { write, read }), database)
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        if options.read_url.is_some() && !matches!(pool, Pool::Postgres(_)) {
            return Err(StoreError::ReplicaNeedsPostgres);
        }
        let postgres = matches!(pool, Pool::Postgres(_));
        let imports = Imports::of(database);
        let queries = Queries::new(postgres, options.source);
        let pg_copy = (postgres && options.source == Source::Table)
            .then(|| Arc::new(PgCopy::new(queries.all.clone(), imports.clone())));
        let pg_lookups = match &pool {
            Pool::Postgres(PgPools { read: p, .. }) => {
                let in_flight = (p.options().get_max_connections() as usize).min(IN_FLIGHT);
                Some(Arc::new(PgLookups {
                    // The batch statements: a zjhm's row, a gid's rows in zjhm order.
                    by_zjhm: Coalescer::new(
                        p.clone(),
                        queries.by_zjhms.clone(),
                        Key::Zjhm,
                        in_flight,
                    ),
                    by_gid: Coalescer::new(p.clone(), queries.by_gids.clone(), Key::Gid, in_flight),
                }))
            }
            Pool::Sqlite(..) => None,
        };
        let mut store = Store {
            pool,
            queries: Arc::new(queries),
            source: options.source,
            pg_copy,
            pg_lookups,
            imports,
        };
        if options.source == Source::Table {
            store.ensure_table().await?;
        }
        if let (Pool::Sqlite(_, reader), Some(path)) =
            (&mut store.pool, url.strip_prefix("sqlite://"))
        {
            // After sqlx created the file, switched it to WAL and made the table.
            let load_sql = (options.source == Source::Table).then(|| store.queries.all.clone());
            let r = SqliteReader::open(
                std::path::Path::new(path),
                READERS,
                load_sql,
                store.imports.clone(),
            )?;
            *reader = Some(Arc::new(r));
        }
        Ok(store)
    }

    /// Reads the own table into memory now (a no-op for the `v_user` source).
    ///
    /// Servers call this before accepting requests. Without it the first lookup starts
    /// the same load in the background and is answered from the database meanwhile;
    /// commands that only write (import) never pay for it. Returns at once when such a
    /// background load is already running (lookups stay correct either way: a copy is
    /// only used after its version check).
    pub async fn warm(&self) -> Result<(), StoreError> {
        if let Some(r) = self.reader().filter(|r| r.claim_reload()) {
            let r = r.clone();
            run_blocking(move || r.reload()).await?;
        }
        if let (Pool::Postgres(PgPools { read: pool, .. }), Some(copy)) =
            (&self.pool, &self.pg_copy)
            && copy.claim_reload()
        {
            copy.clone().reload(pool.clone()).await?;
        }
        Ok(())
    }

    /// Whether lookups were being answered from an in-memory copy.
    fn has_copy(&self) -> bool {
        self.copy_info().is_some()
    }

    /// Generation and size of the own table's in-memory copy, if there is one.
    pub(crate) fn copy_info(&self) -> Option<CopyInfo> {
        match &self.pg_copy {
            Some(copy) => copy.copy_info(),
            None => self.reader().and_then(|r| r.copy_info()),
        }
    }

    /// Whether the store can answer now: the source relation is readable and, for the
    /// own table, its in-memory copy is loaded. A missing copy starts loading here, so a
    /// server taken out of rotation gets ready again without traffic.
    pub async fn ready(&self) -> Result<(), NotReady> {
        match &self.pool {
            Pool::Sqlite(p, _) => sqlx::query(AssertSqlSafe(self.queries.probe.clone()))
                .execute(p)
                .await
                .map(drop)
                .map_err(StoreError::from)?,
            Pool::Postgres(PgPools { read: p, .. }) => {
                sqlx::query(AssertSqlSafe(self.queries.probe.clone()))
                    .execute(p)
                    .await
                    .map(drop)
                    .map_err(StoreError::from)?
            }
        }
        if self.source == Source::Table {
            self.copy().await?;
            if !self.has_copy() {
                return Err(NotReady::Loading);
            }
        }
        Ok(())
    }

    /// The in-memory copy of the own table if it is the live data; otherwise starts a
    /// reload in the background and returns `None` (read the database meanwhile).
    async fn copy(&self) -> Result<Option<Arc<Snapshot>>, StoreError> {
        if let Some(reader) = self.reader() {
            return Self::snapshot(reader);
        }
        let (Pool::Postgres(PgPools { read: pool, .. }), Some(copy)) = (&self.pool, &self.pg_copy)
        else {
            return Ok(None);
        };
        let snap = copy.fresh(pool).await?;
        if snap.is_none() && copy.claim_reload() {
            let (copy, pool) = (copy.clone(), pool.clone());
            tokio::spawn(async move {
                if let Err(e) = copy.reload(pool).await {
                    // Requests keep reading the database; the next one retries.
                    tracing::warn!(error = %e, "reloading the status table into memory failed");
                }
            });
        }
        Ok(snap)
    }

    async fn ensure_table(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(pool, _) => {
                let mut tx = pool.begin().await?;
                let exists: Option<(i64,)> = sqlx::query_as(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'status_records'",
                )
                .fetch_optional(&mut *tx)
                .await?;
                if exists.is_none() {
                    sqlx::query(SQLITE_TABLE_SQL).execute(&mut *tx).await?;
                    sqlx::query("CREATE INDEX status_records_gid_0 ON status_records (gid)")
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            }
            Pool::Postgres(PgPools { write: pool, .. }) => {
                let mut tx = pool.begin().await?;
                // Serialises concurrent first starts of several servers on one database.
                sqlx::query("SELECT pg_advisory_xact_lock(7468726)")
                    .execute(&mut *tx)
                    .await?;
                let exists: (Option<String>,) =
                    sqlx::query_as("SELECT to_regclass('status_records')::text")
                        .fetch_one(&mut *tx)
                        .await?;
                if exists.0.is_none() {
                    sqlx::query(TABLE_SQL).execute(&mut *tx).await?;
                    sqlx::query("CREATE INDEX status_records_gid_0 ON status_records (gid)")
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// Cheap liveness probe of the database.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(p, _) => sqlx::query("SELECT 1").execute(p).await.map(drop)?,
            Pool::Postgres(PgPools { read: p, .. }) => {
                sqlx::query("SELECT 1").execute(p).await.map(drop)?
            }
        }
        Ok(())
    }

    /// The SQLite read path, once open.
    fn reader(&self) -> Option<&Arc<SqliteReader>> {
        match &self.pool {
            Pool::Sqlite(_, reader) => reader.as_ref(),
            Pool::Postgres(_) => None,
        }
    }

    /// The own table's snapshot if it is current; otherwise starts a reload in the
    /// background and returns `None` (read the database meanwhile).
    fn snapshot(reader: &Arc<SqliteReader>) -> Result<Option<Arc<Snapshot>>, StoreError> {
        let snap = reader.fresh()?;
        if snap.is_none() && reader.claim_reload() {
            let bg = reader.clone();
            tokio::task::spawn_blocking(move || {
                if let Err(e) = bg.reload() {
                    // Requests keep reading the database; the next one retries.
                    tracing::warn!(error = %e, "reloading the status table into memory failed");
                }
            });
        }
        Ok(snap)
    }

    async fn fetch_one_key(&self, sql: &Arc<str>, key: &str) -> Result<Vec<Record>, StoreError> {
        let rows: Vec<Row> = match &self.pool {
            // A point lookup costs a few µs: run it here rather than pay a thread hand-off.
            Pool::Sqlite(_, Some(reader)) => return reader.one(sql, key),
            Pool::Sqlite(p, None) => {
                sqlx::query_as(AssertSqlSafe(sql.clone()))
                    .bind(key)
                    .fetch_all(p)
                    .await?
            }
            Pool::Postgres(PgPools { read: p, .. }) => {
                sqlx::query_as(AssertSqlSafe(sql.clone()))
                    .bind(key)
                    .fetch_all(p)
                    .await?
            }
        };
        Ok(rows.into_iter().map(into_record).collect())
    }

    async fn fetch_many(&self, sql: &Arc<str>, keys: &[String]) -> Result<Vec<Record>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<Row> = match &self.pool {
            Pool::Sqlite(p, reader) => {
                // One statement, so the batch reads one consistent state of the table.
                // Measured faster than 100 prepared point lookups, and run here: a 100-id
                // batch is about 0.1 ms of work, less than a hand-off to a blocking thread
                // costs in tail latency at 32 concurrent requests on two cores.
                let json = serde_json::to_string(keys).unwrap_or_else(|_| "[]".to_owned());
                if let Some(reader) = reader {
                    return reader.one(sql, &json);
                }
                sqlx::query_as(AssertSqlSafe(sql.clone()))
                    .bind(json)
                    .fetch_all(p)
                    .await?
            }
            Pool::Postgres(PgPools { read: p, .. }) => {
                sqlx::query_as(AssertSqlSafe(sql.clone()))
                    .bind(keys)
                    .fetch_all(p)
                    .await?
            }
        };
        Ok(rows.into_iter().map(into_record).collect())
    }

    /// The identity with this zjhm, if any.
    pub async fn by_zjhm(&self, zjhm: &str) -> Result<Option<Record>, StoreError> {
        if !storable(zjhm) {
            return Ok(None);
        }
        if let Some(snap) = self.copy().await? {
            return Ok(snap.by_zjhm(zjhm));
        }
        if let Some(reader) = self.reader() {
            return reader.first(&self.queries.by_zjhm, zjhm);
        }
        if let Some(lookups) = &self.pg_lookups {
            return Ok(lookups.by_zjhm.lookup(zjhm).await?.into_iter().next());
        }
        let q = self.queries.clone();
        Ok(self
            .fetch_one_key(&q.by_zjhm, zjhm)
            .await?
            .into_iter()
            .next())
    }

    /// All identities of a gid, ordered by zjhm.
    pub async fn by_gid(&self, gid: &str) -> Result<Vec<Record>, StoreError> {
        if !storable(gid) {
            return Ok(Vec::new());
        }
        if let Some(snap) = self.copy().await? {
            return Ok(snap.by_gid(gid));
        }
        if let Some(lookups) = &self.pg_lookups {
            return lookups.by_gid.lookup(gid).await;
        }
        let q = self.queries.clone();
        self.fetch_one_key(&q.by_gid, gid).await
    }

    /// Identities for many zjhm (one copy or one query), ordered by zjhm in the
    /// database's collation like the reference's `ORDER BY userid`.
    pub async fn by_zjhms(&self, zjhms: &[String]) -> Result<Vec<Record>, StoreError> {
        let keys = zjhms.iter().filter(|k| storable(k));
        if let Some(snap) = self.copy().await? {
            // One snapshot for the whole batch: consistent like the single statement.
            return Ok(snap.by_zjhms(keys.map(String::as_str)));
        }
        let keys: Vec<String> = keys.cloned().collect();
        let q = self.queries.clone();
        self.fetch_many(&q.by_zjhms, &keys).await
    }

    /// Identities for many gids (one copy or one query); result keyed by gid, identities
    /// by zjhm order.
    pub async fn by_gids(
        &self,
        gids: &[String],
    ) -> Result<HashMap<String, Vec<Record>>, StoreError> {
        let keys = gids.iter().filter(|k| storable(k));
        if let Some(snap) = self.copy().await? {
            return Ok(keys
                .map(|k| (k.clone(), snap.by_gid(k)))
                .filter(|(_, v)| !v.is_empty())
                .collect());
        }
        let keys: Vec<String> = keys.cloned().collect();
        let q = self.queries.clone();
        let rows = self.fetch_many(&q.by_gids, &keys).await?;
        let mut map: HashMap<String, Vec<Record>> = HashMap::new();
        for r in rows {
            map.entry(r.gid.clone()).or_default().push(r);
        }
        Ok(map)
    }

    /// Replaces the whole own table with `records` atomically.
    ///
    /// Rows go into a fresh table that is swapped in by drop-and-rename inside the same
    /// transaction: concurrent readers see either the old rows or the new ones, never a mix.
    /// Every store of this process on the database answers a request that starts after
    /// this returned from the new rows (see `crate::imports`); for servers in other
    /// processes, call [`Store::outlast_reuse_window`] before telling anyone the import
    /// is done.
    pub async fn replace_all(&self, records: &[Record]) -> Result<(), StoreError> {
        // Index names are global per schema; a fresh suffix avoids clashing with the live table's.
        let suffix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        match &self.pool {
            Pool::Sqlite(pool, _) => {
                let mut tx = pool.begin().await?;
                sqlx::query("DROP TABLE IF EXISTS status_records_new")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(SQLITE_NEW_TABLE_SQL).execute(&mut *tx).await?;
                for chunk in records.chunks(300) {
                    let mut sql = String::from(
                        "INSERT INTO status_records_new (gid, zjhm, ryzxztdm) VALUES ",
                    );
                    for i in 0..chunk.len() {
                        if i > 0 {
                            sql.push(',');
                        }
                        sql.push_str("(?,?,?)");
                    }
                    let mut q = sqlx::query(AssertSqlSafe(sql));
                    for r in chunk {
                        q = q
                            .bind(r.gid.as_str())
                            .bind(r.zjhm.as_str())
                            .bind(r.ryzxztdm.as_deref().unwrap_or(""));
                    }
                    q.execute(&mut *tx).await?;
                }
                sqlx::query(AssertSqlSafe(format!(
                    "CREATE INDEX status_records_gid_{suffix} ON status_records_new (gid)"
                )))
                .execute(&mut *tx)
                .await?;
                sqlx::query("DROP TABLE IF EXISTS status_records")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("ALTER TABLE status_records_new RENAME TO status_records")
                    .execute(&mut *tx)
                    .await?;
                // Keep the planner's statistics fresh for the new table; inside the
                // transaction, so servers see one change (one reload), not two.
                sqlx::query("ANALYZE status_records")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                // Readers in this process ask the database again from now on.
                self.imports.finished();
                // A serving store switches to the new rows before returning; other
                // servers on the file notice the commit on their next request.
                if self.has_copy() {
                    self.warm().await?;
                }
            }
            Pool::Postgres(PgPools { write: pool, .. }) => {
                let mut tx = pool.begin().await?;
                sqlx::query("DROP TABLE IF EXISTS status_records_new")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("CREATE TABLE status_records_new (gid TEXT NOT NULL, zjhm TEXT NOT NULL, ryzxztdm TEXT NOT NULL)")
                    .execute(&mut *tx)
                    .await?;
                for chunk in records.chunks(10_000) {
                    let gids: Vec<&str> = chunk.iter().map(|r| r.gid.as_str()).collect();
                    let zjhms: Vec<&str> = chunk.iter().map(|r| r.zjhm.as_str()).collect();
                    let codes: Vec<&str> = chunk
                        .iter()
                        .map(|r| r.ryzxztdm.as_deref().unwrap_or(""))
                        .collect();
                    sqlx::query("INSERT INTO status_records_new (gid, zjhm, ryzxztdm) SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[])")
                        .bind(gids)
                        .bind(zjhms)
                        .bind(codes)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(AssertSqlSafe(format!(
                    "ALTER TABLE status_records_new ADD CONSTRAINT status_records_pk_{suffix} PRIMARY KEY (zjhm)"
                )))
                .execute(&mut *tx)
                .await?;
                sqlx::query(AssertSqlSafe(format!(
                    "CREATE INDEX status_records_gid_{suffix} ON status_records_new (gid)"
                )))
                .execute(&mut *tx)
                .await?;
                sqlx::query("DROP TABLE IF EXISTS status_records")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("ALTER TABLE status_records_new RENAME TO status_records")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                self.imports.finished();
                sqlx::query("ANALYZE status_records").execute(pool).await?;
                // A serving store switches to the new rows before returning; other
                // servers notice the new table on their next request.
                if self.has_copy() {
                    self.warm().await?;
                }
            }
        }
        Ok(())
    }

    /// Waits until every server in another process has stopped reusing answers read
    /// before this process's last import: each reuses one for at most `CHECK_INTERVAL`
    /// (1 ms) measured from before it asked, so afterwards any request to any server
    /// sees the import. The `import` command calls it before it reports:
    /// a process cannot reach other processes' import counts.
    pub async fn outlast_reuse_window(&self) {
        // tokio's timer never wakes early; the margin covers its millisecond ticks.
        tokio::time::sleep(CHECK_INTERVAL * 5).await;
    }

    /// Number of rows in the own table.
    pub async fn count(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = match &self.pool {
            Pool::Sqlite(p, _) => {
                sqlx::query_as("SELECT COUNT(*) FROM status_records")
                    .fetch_one(p)
                    .await?
            }
            Pool::Postgres(PgPools { write: p, .. }) => {
                sqlx::query_as("SELECT COUNT(*) FROM status_records")
                    .fetch_one(p)
                    .await?
            }
        };
        Ok(n)
    }

    /// Runs raw SQL (tests and migrations only; never with request data).
    pub async fn execute_script(&self, sql: &str) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(p, _) => {
                sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
                    .execute(p)
                    .await?;
            }
            Pool::Postgres(PgPools { write: p, .. }) => {
                sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
                    .execute(p)
                    .await?;
            }
        }
        Ok(())
    }

    /// Closes all connections.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p, reader) => {
                if let Some(r) = reader {
                    r.close();
                }
                p.close().await;
            }
            Pool::Postgres(PgPools { write, read }) => {
                if let Some(c) = &self.pg_copy {
                    c.clear();
                }
                read.close().await;
                write.close().await;
            }
        }
    }
}

/// Whether a key could be stored at all; others are answered "not found" without a query
/// (PostgreSQL rejects NUL in text, and there is no point sending 10 KB keys).
fn storable(key: &str) -> bool {
    !key.is_empty() && key.len() <= 256 && !key.contains('\0')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(code: &str) -> Vec<Record> {
        (0..10)
            .map(|i| Record {
                gid: format!("G{}", i / 2),
                zjhm: format!("Z{i}"),
                ryzxztdm: Some(code.to_owned()),
            })
            .collect()
    }

    async fn code_of(store: &Store, zjhm: &str) -> Option<String> {
        store
            .by_zjhm(zjhm)
            .await
            .expect("lookup")
            .and_then(|r| r.ryzxztdm)
    }

    /// Here answers about the data's version are reused for an hour (`CHECK_INTERVAL`
    /// under test): the 5 ms an import used to wait before returning would be far too
    /// short, and a store that kept its copy until its answer expired would serve the
    /// old rows. The import's signal makes every store of the process on the database
    /// ask again at once, copy or no copy.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_import_is_seen_at_once_however_long_answers_are_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("status.db").display());
        let importer = Store::open(&url, &StoreOptions::default())
            .await
            .expect("open");
        let server = Store::open(&url, &StoreOptions::default())
            .await
            .expect("open");
        importer.replace_all(&rows("A")).await.expect("import");
        server.warm().await.expect("warm");
        assert_eq!(code_of(&server, "Z1").await.as_deref(), Some("A"));
        for code in ["B", "C"] {
            importer.replace_all(&rows(code)).await.expect("import");
            assert_eq!(code_of(&server, "Z1").await.as_deref(), Some(code));
            assert_eq!(code_of(&importer, "Z3").await.as_deref(), Some(code));
        }
        // What the signal saves them from: a change that is not an import (no count)
        // stays unseen while the last answer is reused, here for the hour.
        let reader = server.reader().expect("a SQLite reader");
        for _ in 0..1000 {
            server.warm().await.expect("warm");
            if reader.fresh().expect("check").is_some() {
                break;
            }
            // A reload the last lookups started is still running.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(reader.fresh().expect("check").is_some(), "no fresh copy");
        assert_eq!(code_of(&server, "Z9").await.as_deref(), Some("C"));
        let Pool::Sqlite(pool, _) = &importer.pool else {
            unreachable!("a SQLite store")
        };
        sqlx::query("UPDATE status_records SET ryzxztdm = 'X'")
            .execute(pool)
            .await
            .expect("update");
        assert_eq!(code_of(&server, "Z9").await.as_deref(), Some("C"));
    }
}
