//! Reads a transcript PDF offline and prints it as JSON, as
//! `xtu parse transcript FILE` does.
//!
//! `cargo run -p xtu-transcript --example read -- ../../fixtures/transcript/transcript.pdf`

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(file) = std::env::args().nth(1) else {
        eprintln!("usage: read <transcript.pdf>");
        return ExitCode::from(2);
    };
    let pdf = match std::fs::read(&file) {
        Ok(pdf) => pdf,
        Err(e) => {
            eprintln!("error: could not read {file}: {e}");
            return ExitCode::from(12);
        }
    };
    match xtu_transcript::parse(&pdf).map(|t| serde_json::to_string_pretty(&t)) {
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
