//! A session token in the upstream toolkit's format: made from cookies, read
//! back, and shown compressed. Values stay secret: only names are printed.
//!
//! `cargo run -p xtu-sso --example token`, or give a token to read:
//! `cargo run -p xtu-sso --example token -- '<token>'`

use std::process::ExitCode;

use xtu_sso::{CookieJar, TokenCookie, TokenFormat};

fn main() -> ExitCode {
    let jar = match std::env::args().nth(1) {
        Some(token) => CookieJar::from_token(&token),
        None => CookieJar::from_cookies(vec![TokenCookie {
            key: "CASTGC".to_owned(),
            value: "TGT-example".to_owned(),
            host: "sso.xtu.edu.cn".to_owned(),
            path: "/cas".to_owned(),
        }]),
    };
    let jar = match jar {
        Ok(jar) => jar,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    for cookie in jar.cookies() {
        println!("{} for {}{}", cookie.key, cookie.host, cookie.path);
    }
    println!("{}", jar.to_token(TokenFormat::Compressed));
    ExitCode::SUCCESS
}
