//! The status server's CSV import (`ustc-status-server import`).
//!
//! Input: the file as lossy UTF-8.
//! Invariants: no panic; every accepted row has a non-empty gid and zjhm of
//! at most 256 bytes without control characters, zjhm unique; a rejection
//! names at least one line.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use ustc_status_server::parse_csv;

fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 256 && !key.chars().any(char::is_control)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match parse_csv(&text) {
        Ok(records) => {
            let mut seen = HashSet::new();
            for record in &records {
                assert!(valid_key(&record.gid), "{:?}", record.gid);
                assert!(valid_key(&record.zjhm), "{:?}", record.zjhm);
                assert!(seen.insert(record.zjhm.as_str()), "duplicate zjhm");
            }
        }
        Err(error) => {
            assert!(!error.problems.is_empty());
            let _ = error.to_string();
        }
    }
});
