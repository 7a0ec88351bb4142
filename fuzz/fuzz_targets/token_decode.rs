//! Session tokens (plain JSON or bzip2 + base64) and the cookie jar built
//! from them.
//!
//! Input: the token as lossy UTF-8.
//! Invariants: no panic; a decoded token encodes (both formats) and decodes
//! back to the same cookies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xtu_sso::{CookieJar, TokenFormat, decode_token, encode_token};

/// Re-compressing is bzip2 at level 9: keep the round trip for jars of a
/// realistic size so the target stays fast.
const ROUND_TRIP_MAX: usize = 64 * 1024;

fuzz_target!(|data: &[u8]| {
    let token = String::from_utf8_lossy(data);
    if let Ok(cookies) = decode_token(&token) {
        let size: usize = cookies
            .iter()
            .map(|c| c.key.len() + c.value.len() + c.host.len() + c.path.len())
            .sum();
        if size <= ROUND_TRIP_MAX {
            for format in [TokenFormat::Plain, TokenFormat::Compressed] {
                let again = encode_token(&cookies, format);
                assert_eq!(
                    decode_token(&again).as_ref(),
                    Ok(&cookies),
                    "{format:?} round trip"
                );
            }
        }
    }
    match CookieJar::from_token(&token) {
        Ok(jar) => {
            let _ = jar.to_token(TokenFormat::Plain);
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
