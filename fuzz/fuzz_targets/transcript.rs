//! The transcript PDF reader on arbitrary bytes.
//!
//! Input: the PDF's bytes as they are.
//! Invariants: no panic, no unbounded allocation (libFuzzer's RSS limit); a
//! parsed transcript serializes to JSON, in both shapes `xtu` prints.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xtu_transcript as transcript;

fuzz_target!(|data: &[u8]| {
    match transcript::parse(data) {
        Ok(parsed) => {
            serde_json::to_vec(&parsed).expect("a transcript serializes");
            serde_json::to_vec(&parsed.upstream()).expect("its upstream shape serializes");
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
