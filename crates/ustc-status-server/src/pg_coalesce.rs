//! Point lookups that reach PostgreSQL (the `v_user` view, which is never copied),
//! coalesced: while every connection is busy, waiting lookups pile up, and the next
//! free connection answers all of them with one `= ANY($1)` statement.
//!
//! A single-row lookup costs PostgreSQL far more in per-statement overhead (protocol
//! messages, executor start, snapshot) than in the index probe itself, and on a busy
//! machine each statement is also a round of context switches between the server, the
//! backend process and the client. Answering 10 waiting lookups with one statement pays
//! that once. Nothing is delayed to form a batch: a lookup that finds a connection free
//! is sent at once, alone.
//!
//! Freshness is unchanged: a lookup's statement is always sent after the lookup
//! arrived, so it sees every commit that finished before the request started.

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::AssertSqlSafe;
use sqlx::postgres::PgPool;
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::store::{Record, StoreError};

/// Most keys one statement carries: the same bound as an API batch.
const MAX_KEYS: usize = 100;

/// Statements of one kind in flight at once. Few is better: the fewer statements run,
/// the more lookups each one answers, and the fewer backend processes compete for CPU.
/// Measured on the 2-core machine (v_user, by-zjhm, 32 clients, 10 s): with 8 in
/// flight p99 was 27-30 ms, with 2 it was 9 ms at higher throughput. Two statements of
/// up to 100 keys each still answer far more lookups per second than the API serves.
pub(crate) const IN_FLIGHT: usize = 2;

type Reply = oneshot::Sender<Result<Vec<Record>, Arc<StoreError>>>;

/// Which column a coalescer's keys are matched against.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Key {
    Zjhm,
    Gid,
}

impl Key {
    fn of(self, r: &Record) -> &str {
        match self {
            Key::Zjhm => &r.zjhm,
            Key::Gid => &r.gid,
        }
    }
}

/// Sends waiting lookups of one kind to PostgreSQL, many per statement.
#[derive(Debug)]
pub(crate) struct Coalescer {
    queue: mpsc::UnboundedSender<(String, Reply)>,
}

impl Coalescer {
    /// `sql` takes a text array and returns rows ordered as one lookup's answer must
    /// be (a gid's identities by zjhm); at most `in_flight` statements at a time.
    pub(crate) fn new(pool: PgPool, sql: Arc<str>, key: Key, in_flight: usize) -> Coalescer {
        let (queue, waiting) = mpsc::unbounded_channel();
        tokio::spawn(dispatch(pool, sql, key, in_flight.max(1), waiting));
        Coalescer { queue }
    }

    /// Every row whose key column equals `key`, in the statement's order.
    pub(crate) async fn lookup(&self, key: &str) -> Result<Vec<Record>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((key.to_owned(), reply))
            .map_err(|_| StoreError::Closed)?;
        match answer.await {
            Ok(result) => result.map_err(StoreError::Shared),
            Err(_) => Err(StoreError::Closed),
        }
    }
}

async fn dispatch(
    pool: PgPool,
    sql: Arc<str>,
    key: Key,
    connections: usize,
    mut waiting: mpsc::UnboundedReceiver<(String, Reply)>,
) {
    let slots = Arc::new(Semaphore::new(connections));
    while let Some(first) = waiting.recv().await {
        // Waiting for a free slot before taking the rest is what lets lookups that
        // arrive meanwhile join this statement.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < MAX_KEYS {
            match waiting.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let (pool, sql) = (pool.clone(), sql.clone());
        tokio::spawn(async move {
            answer(&pool, &sql, key, batch).await;
            drop(slot);
        });
    }
}

async fn answer(pool: &PgPool, sql: &str, key: Key, batch: Vec<(String, Reply)>) {
    let mut keys: Vec<&str> = batch.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    let rows: Result<Vec<(String, String, Option<String>)>, sqlx::Error> =
        sqlx::query_as(AssertSqlSafe(sql.to_owned()))
            .bind(&keys)
            .fetch_all(pool)
            .await;
    match rows {
        Ok(rows) => {
            let mut by_key: HashMap<String, Vec<Record>> = HashMap::new();
            for (gid, zjhm, ryzxztdm) in rows {
                let r = Record {
                    gid,
                    zjhm,
                    ryzxztdm,
                };
                by_key.entry(key.of(&r).to_owned()).or_default().push(r);
            }
            for (k, reply) in batch {
                let _ = reply.send(Ok(by_key.get(&k).cloned().unwrap_or_default()));
            }
        }
        Err(e) => {
            let e = Arc::new(StoreError::Db(e));
            for (_, reply) in batch {
                let _ = reply.send(Err(e.clone()));
            }
        }
    }
}
