//! Reads a saved answer of the graduate timetable's data URL offline and
//! prints the timetable as JSON: no network, no login.
//!
//! `cargo run -p xtu-grad --example parse -- 2025-2026-1 ../../fixtures/grad/timetable-data.json`

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [term, file] = args.as_slice() else {
        eprintln!("usage: parse <term, e.g. 2025-2026-1> <file>");
        return ExitCode::from(2);
    };
    let body = match std::fs::read_to_string(file) {
        Ok(body) => body,
        Err(e) => {
            eprintln!("error: could not read {file}: {e}");
            return ExitCode::from(12);
        }
    };
    match xtu_grad::pages::timetable(&body, term).map(|t| serde_json::to_string_pretty(&t)) {
        Ok(Ok(json)) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {file}: {e}");
            ExitCode::from(9)
        }
    }
}
