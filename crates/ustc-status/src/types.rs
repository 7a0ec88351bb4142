//! Wire types of the status API.

use serde::{Deserialize, Serialize};

/// One identity of a person (inside a by-gid answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Identity number.
    pub zjhm: String,
    /// Status code, verbatim from the source; a string, never a number ("01" stays "01").
    /// `None` only if the server's source holds NULL.
    pub ryzxztdm: Option<String>,
}

/// Answer of `by-gid`, and one element of a `by-gids` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GidStatus {
    /// The gid asked for.
    pub gid: String,
    /// All identities of the gid.
    pub items: Vec<Identity>,
}

/// Answer of `by-zjhm`, and one element of a `by-zjhms` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZjhmStatus {
    /// Person's gid.
    pub gid: String,
    /// Identity number.
    pub zjhm: String,
    /// Status code, verbatim.
    pub ryzxztdm: Option<String>,
}

/// Answer of a batch endpoint: found items and unknown ids.
///
/// `not_found` is in request order. `items` are in the server's order: by-gids in
/// request order, by-zjhms ordered by zjhm as the database sorts them (the reference's
/// `ORDER BY userid`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch<T> {
    /// Found entries.
    pub items: Vec<T>,
    /// Ids with no entry.
    pub not_found: Vec<String>,
}

impl<T> Default for Batch<T> {
    fn default() -> Self {
        Batch {
            items: Vec::new(),
            not_found: Vec::new(),
        }
    }
}

impl<T> Batch<T> {
    /// Adds the answer of the next chunk after this one's.
    pub fn append(&mut self, next: Batch<T>) {
        self.items.extend(next.items);
        self.not_found.extend(next.not_found);
    }
}

/// Body of `POST by-gids`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GidsRequest {
    /// Gids to look up.
    pub gids: Vec<String>,
}

/// Body of `POST by-zjhms`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ZjhmsRequest {
    /// Zjhms to look up.
    pub zjhms: Vec<String>,
}

/// Every error body: `{"detail": "..."}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Human-readable reason.
    pub detail: String,
}

/// Normalises batch ids as the server does: trim, drop blanks, dedupe keeping first-seen order.
pub fn normalize_ids<S: AsRef<str>>(ids: &[S]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    ids.iter()
        .map(|s| s.as_ref().trim())
        .filter(|s| !s.is_empty() && seen.insert(s.to_string()))
        .map(str::to_owned)
        .collect()
}
