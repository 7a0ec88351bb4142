//! Parses a saved academic-system page offline and prints it as JSON, as
//! `xtu parse` does: no network, no login.
//!
//! `cargo run -p xtu-ems --example parse -- grades ../../fixtures/ems/grades.json`

use std::process::ExitCode;

use xtu_ems::Page;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [page, file] = args.as_slice() else {
        let names: Vec<&str> = Page::ALL.iter().map(|p| p.name()).collect();
        eprintln!("usage: parse <page> <file>; pages: {}", names.join(", "));
        return ExitCode::from(2);
    };
    let page: Page = match page.parse() {
        Ok(page) => page,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let body = match std::fs::read_to_string(file) {
        Ok(body) => body,
        Err(e) => {
            eprintln!("error: could not read {file}: {e}");
            return ExitCode::from(2);
        }
    };
    match page
        .parse_value(&body)
        .map(|parsed| serde_json::to_string_pretty(&parsed))
    {
        Ok(Ok(json)) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(9)
        }
    }
}
