//! Every EMS page parser and the error-page recogniser on arbitrary bodies.
//!
//! Input: the first byte picks the page (`byte % Page::ALL.len()`, in the
//! order of `Page::ALL`), the rest is the body as lossy UTF-8.
//! Invariants: no panic; a parsed page serializes to JSON (what `xtu` prints).
#![no_main]

use libfuzzer_sys::fuzz_target;
use xtu_ems::{Page, pages};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let body = String::from_utf8_lossy(body);
    if let Some(error) = pages::recognize_error_page(&body) {
        let _ = error.to_string();
    }
    match Page::ALL[usize::from(selector) % Page::ALL.len()].parse_value(&body) {
        Ok(value) => {
            serde_json::to_vec(&value).expect("a parsed page serializes");
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
