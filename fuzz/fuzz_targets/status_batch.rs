//! The status server's batch bodies (`POST .../by-gids`, `.../by-zjhms`).
//!
//! Input: the raw request body, read with both keys.
//! Invariants: no panic; a batch holds 1..=MAX_BATCH trimmed, non-blank,
//! distinct ids; every rejection is a 400.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use ustc_status_server::{ApiError, MAX_BATCH, parse_batch};

fuzz_target!(|data: &[u8]| {
    for key in ["gids", "zjhms"] {
        match parse_batch(data, key) {
            Ok(ids) => {
                assert!((1..=MAX_BATCH).contains(&ids.len()), "{}", ids.len());
                let mut seen = HashSet::new();
                for id in &ids {
                    assert!(!id.is_empty() && id.trim() == id, "{id:?}");
                    assert!(seen.insert(id.as_str()), "duplicate {id:?}");
                }
            }
            Err(ApiError::BadRequest(detail)) => assert!(!detail.is_empty()),
            Err(other) => panic!("not a 400: {other:?}"),
        }
    }
});
