//! An immutable in-memory copy of the own table, for SQLite deployments.
//!
//! Built once per data version and swapped whole behind an `Arc`, so a request sees
//! either the previous table or the new one, never a mix. Laid out compactly (one text
//! buffer, fixed-size offsets, two hash tables) so that 300,000 rows take about 22 MB
//! and two generations side by side, as during a reload, stay far below the memory
//! target. Hash tables rather than binary search: a search over 300,000 rows
//! misses the CPU cache at nearly every step, which made a 100-id batch cost 0.3 ms.
//!
//! Two orders of the database are kept, because the reference answers in them: rows
//! are stored by gid, then zjhm (`ORDER BY gid, userid`), and each row carries its rank
//! in zjhm order (`ORDER BY userid`), both as the database's collation sorts them.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use hashbrown::HashTable;

use crate::store::Record;

/// Offsets of one row's fields in [`Snapshot::text`]; fields are stored back to back.
#[derive(Debug, Clone, Copy)]
struct Row {
    gid: u32,
    zjhm: u32,
    code: u32,
    end: u32,
    /// Position of the row when the table is ordered by zjhm.
    rank: u32,
}

/// Marks a NULL status code (only a `v_user` view can hold one; kept for completeness).
const NULL_CODE: u32 = u32::MAX;

/// The whole table at one data version.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    /// The database's data version this copy was read at (see `sqlite_read`).
    pub(crate) version: i64,
    text: String,
    /// Sorted by gid, then zjhm in byte order (SQLite's BINARY collation).
    rows: Vec<Row>,
    /// zjhm → its row.
    zjhm_index: HashTable<Row>,
    /// gid → index into `rows` of that gid's first identity.
    gid_index: HashTable<u32>,
    /// Keyed per process, so ids chosen to collide cannot slow lookups down.
    hasher: RandomState,
}

/// Why a snapshot could not be built; the store then keeps answering from the database.
#[derive(Debug, thiserror::Error)]
#[error("table too large for the in-memory copy")]
pub(crate) struct TooLarge;

/// Collects rows in any order, then sorts and indexes them.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    snap: Snapshot,
    /// Whether some row came without its zjhm rank (then all are ranked by bytes).
    unranked: bool,
}

impl Builder {
    /// Appends one row; `rank` is its position in the database's zjhm order, when known.
    pub(crate) fn push(
        &mut self,
        gid: &str,
        zjhm: &str,
        code: Option<&str>,
        rank: Option<u32>,
    ) -> Result<(), TooLarge> {
        self.unranked |= rank.is_none();
        let s = &mut self.snap;
        let at = |len: usize| u32::try_from(len).map_err(|_| TooLarge);
        let gid_at = at(s.text.len())?;
        s.text.push_str(gid);
        let zjhm_at = at(s.text.len())?;
        s.text.push_str(zjhm);
        let code_at = at(s.text.len())?;
        if let Some(code) = code {
            s.text.push_str(code);
        }
        let end = at(s.text.len())?;
        // The sentinel must stay distinguishable from a real offset.
        if end == NULL_CODE {
            return Err(TooLarge);
        }
        s.rows.push(Row {
            gid: gid_at,
            zjhm: zjhm_at,
            code: if code.is_some() { code_at } else { NULL_CODE },
            end,
            rank: rank.unwrap_or(0),
        });
        Ok(())
    }

    /// Indexes and stamps the snapshot with `version`.
    ///
    /// Rows should arrive ordered by gid, then zjhm, as the database orders them (its
    /// collation, so a copy answers `by-gid` in the same order as the database would).
    /// Rows that are not grouped by gid are sorted by bytes instead.
    /// Rows pushed without a rank are ranked by the bytes of their zjhm.
    pub(crate) fn finish(self, version: i64) -> Result<Snapshot, TooLarge> {
        let mut s = self.snap;
        s.version = version;
        s.text.shrink_to_fit();
        s.rows.shrink_to_fit();
        let n = u32::try_from(s.rows.len()).map_err(|_| TooLarge)?;
        if self.unranked {
            let text = &s.text;
            let mut order: Vec<u32> = (0..n).collect();
            order.sort_unstable_by(|&a, &b| {
                zjhm(text, &s.rows[a as usize]).cmp(zjhm(text, &s.rows[b as usize]))
            });
            for (rank, at) in (0..n).zip(order) {
                s.rows[at as usize].rank = rank;
            }
        }
        let gid_index = match group_by_gid(&s.text, &s.rows, &s.hasher, n) {
            Some(index) => index,
            None => {
                let text = &s.text;
                // zjhm is unique, so the order is total and an unstable sort is exact.
                s.rows.sort_unstable_by(|a, b| {
                    (gid(text, a), zjhm(text, a)).cmp(&(gid(text, b), zjhm(text, b)))
                });
                group_by_gid(text, &s.rows, &s.hasher, n).ok_or(TooLarge)?
            }
        };
        let text = &s.text;
        let hasher = &s.hasher;
        // The rows themselves go into the table (not their positions): a lookup then
        // touches the table and the text only, one cache miss fewer.
        let mut zjhm_index = HashTable::with_capacity(s.rows.len());
        for r in &s.rows {
            // zjhm is the primary key: no duplicates to look for.
            zjhm_index.insert_unique(hasher.hash_one(zjhm(text, r)), *r, |x| {
                hasher.hash_one(zjhm(text, x))
            });
        }
        s.zjhm_index = zjhm_index;
        s.gid_index = gid_index;
        Ok(s)
    }
}

/// gid → position of its first row, or `None` when some gid's rows are not adjacent.
fn group_by_gid(text: &str, rows: &[Row], hasher: &RandomState, n: u32) -> Option<HashTable<u32>> {
    let mut index = HashTable::new();
    let mut prev: Option<&str> = None;
    for (pos, r) in (0..n).zip(rows) {
        let g = gid(text, r);
        if prev == Some(g) {
            continue;
        }
        let h = hasher.hash_one(g);
        if index
            .find(h, |&p: &u32| gid(text, &rows[p as usize]) == g)
            .is_some()
        {
            return None;
        }
        index.insert_unique(h, pos, |&p| hasher.hash_one(gid(text, &rows[p as usize])));
        prev = Some(g);
    }
    Some(index)
}

fn zjhm<'a>(text: &'a str, r: &Row) -> &'a str {
    text.get(r.zjhm as usize..field_end(r) as usize)
        .unwrap_or_default()
}

fn gid<'a>(text: &'a str, r: &Row) -> &'a str {
    text.get(r.gid as usize..r.zjhm as usize)
        .unwrap_or_default()
}

fn field_end(r: &Row) -> u32 {
    if r.code == NULL_CODE { r.end } else { r.code }
}

impl Snapshot {
    fn record(&self, r: &Row) -> Record {
        let code = (r.code != NULL_CODE).then(|| {
            self.text
                .get(r.code as usize..r.end as usize)
                .unwrap_or_default()
                .to_owned()
        });
        Record {
            gid: gid(&self.text, r).to_owned(),
            zjhm: zjhm(&self.text, r).to_owned(),
            ryzxztdm: code,
        }
    }

    fn find_zjhm(&self, key: &str) -> Option<&Row> {
        let text = &self.text;
        self.zjhm_index
            .find(self.hasher.hash_one(key), |r| zjhm(text, r) == key)
    }

    /// The identity with this zjhm, if any.
    pub(crate) fn by_zjhm(&self, key: &str) -> Option<Record> {
        self.find_zjhm(key).map(|r| self.record(r))
    }

    /// The identities with these zjhm, in the database's zjhm order (like `ORDER BY
    /// zjhm`), each once.
    pub(crate) fn by_zjhms<'k>(&self, keys: impl Iterator<Item = &'k str>) -> Vec<Record> {
        let mut found: Vec<Row> = keys.filter_map(|k| self.find_zjhm(k)).copied().collect();
        found.sort_unstable_by_key(|r| r.rank);
        found.dedup_by_key(|r| r.rank);
        found.iter().map(|r| self.record(r)).collect()
    }

    /// Number of rows.
    pub(crate) fn rows(&self) -> usize {
        self.rows.len()
    }

    /// All identities of a gid, ordered by zjhm.
    pub(crate) fn by_gid(&self, key: &str) -> Vec<Record> {
        let text = &self.text;
        let Some(&from) = self.gid_index.find(self.hasher.hash_one(key), |&p| {
            gid(text, &self.rows[p as usize]) == key
        }) else {
            return Vec::new();
        };
        self.rows[from as usize..]
            .iter()
            .take_while(|r| gid(text, r) == key)
            .map(|r| self.record(r))
            .collect()
    }
}

/// What a store's in-memory copy holds now (metrics, readiness).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CopyInfo {
    /// How many copies have been installed since the store was opened.
    pub(crate) generation: u64,
    /// Rows in the current copy.
    pub(crate) rows: usize,
}

/// The current copy of a table plus the one reload that may be running; shared by the
/// SQLite and PostgreSQL stores.
#[derive(Debug, Default)]
pub(crate) struct CopySlot {
    current: RwLock<Option<Arc<Snapshot>>>,
    reloading: AtomicBool,
    generation: AtomicU64,
}

impl CopySlot {
    /// The current copy, fresh or not.
    pub(crate) fn get(&self) -> Option<Arc<Snapshot>> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Claims the one reload; `false` when one is already running.
    pub(crate) fn claim(&self) -> bool {
        !self.reloading.swap(true, Ordering::AcqRel)
    }

    /// Ends a claimed reload: installs its copy, or keeps the old one on error.
    pub(crate) fn finish<E>(&self, loaded: Result<Snapshot, E>) -> Result<(), E> {
        self.reloading.store(false, Ordering::Release);
        let snap = loaded?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(snap));
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    /// Forgets the copy (it can no longer be vouched for, or the store is closing).
    pub(crate) fn clear(&self) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Generation and size of the current copy, if there is one.
    pub(crate) fn info(&self) -> Option<CopyInfo> {
        self.get().map(|snap| CopyInfo {
            generation: self.generation.load(Ordering::Acquire),
            rows: snap.rows(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(rows: &[(&str, &str, Option<&str>)]) -> Snapshot {
        let mut b = Builder::default();
        for (g, z, c) in rows {
            b.push(g, z, *c, None).expect("push");
        }
        b.finish(7).expect("finish")
    }

    #[test]
    fn lookups_match_the_table_semantics() {
        let s = snap(&[
            ("G3", "Z3-c", Some("99")),
            ("G9", "Z9", Some("1")),
            ("2200600958", "P0529", Some("10")),
            ("G3", "Z3-a", Some("01")),
            ("G3", "Z3-b", Some("10")),
            ("G4", "", None),
            ("G", "Z", Some("")),
        ]);
        assert_eq!(s.version, 7);
        assert_eq!(s.rows(), 7);
        let r = s.by_zjhm("P0529").expect("found");
        assert_eq!(
            (r.gid.as_str(), r.ryzxztdm.as_deref()),
            ("2200600958", Some("10"))
        );
        assert!(s.by_zjhm("P052").is_none());
        assert!(s.by_zjhm("P05290").is_none());
        let zs: Vec<String> = s.by_gid("G3").into_iter().map(|r| r.zjhm).collect();
        assert_eq!(zs, ["Z3-a", "Z3-b", "Z3-c"]);
        assert!(s.by_gid("G").len() == 1 && s.by_gid("G")[0].ryzxztdm.as_deref() == Some(""));
        assert_eq!(s.by_gid("G4")[0].ryzxztdm, None);
        assert!(s.by_gid("G5").is_empty());
        assert!(s.by_gid("").is_empty());
    }

    #[test]
    fn ungrouped_rows_fall_back_to_byte_order() {
        // gid "g" is interrupted by "h": not in any database order, so sorted by bytes
        // (SQLite's BINARY collation).
        let s = snap(&[
            ("g", "b", Some("1")),
            ("h", "x", Some("0")),
            ("g", "B", Some("2")),
            ("g", "é", Some("3")),
            ("g", "a", Some("4")),
        ]);
        let zs: Vec<String> = s.by_gid("g").into_iter().map(|r| r.zjhm).collect();
        assert_eq!(zs, ["B", "a", "b", "é"]);
        assert_eq!(
            s.by_zjhm("é").and_then(|r| r.ryzxztdm).as_deref(),
            Some("3")
        );
        assert_eq!(s.by_gid("h").len(), 1);
        let zs: Vec<String> = s
            .by_zjhms(["x", "é", "a", "nope", "B"].into_iter())
            .into_iter()
            .map(|r| r.zjhm)
            .collect();
        assert_eq!(zs, ["B", "a", "x", "é"], "unranked rows: byte order");
    }

    #[test]
    fn empty_table() {
        let s = snap(&[]);
        assert!(s.by_zjhm("x").is_none());
        assert!(s.by_gid("x").is_empty());
    }
}

#[cfg(test)]
mod order_tests {
    use super::*;

    #[test]
    fn database_order_is_kept_when_grouped() {
        // As a database with a case-insensitive collation would order them.
        let mut b = Builder::default();
        for (g, z) in [("g1", "a"), ("g1", "B"), ("g1", "c"), ("G0", "x")] {
            b.push(g, z, Some("1"), None).expect("push");
        }
        let s = b.finish(1).expect("finish");
        let zs: Vec<String> = s.by_gid("g1").into_iter().map(|r| r.zjhm).collect();
        assert_eq!(zs, ["a", "B", "c"]);
        assert_eq!(s.by_gid("G0").len(), 1);
    }

    #[test]
    fn zjhm_order_is_the_databases_rank() {
        // Ranks as a case-insensitive collation would give them: a < B < c < x.
        let mut b = Builder::default();
        for (g, z, rank) in [
            ("g1", "a", 0),
            ("g1", "B", 1),
            ("g1", "c", 2),
            ("G0", "x", 3),
        ] {
            b.push(g, z, Some("1"), Some(rank)).expect("push");
        }
        let s = b.finish(1).expect("finish");
        let zs: Vec<String> = s
            .by_zjhms(["x", "c", "B", "a", "a"].into_iter())
            .into_iter()
            .map(|r| r.zjhm)
            .collect();
        assert_eq!(zs, ["a", "B", "c", "x"]);
    }
}
