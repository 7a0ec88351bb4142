//! ZhengFang's week and section notation, and a term id, read into numbers.
//!
//! `cargo run -p xtu-model --example weeks -- "1-8周,10-16周(双)" "3-4" 2025-2026-1`

use std::process::ExitCode;

use xtu_model::Term;
use xtu_model::weeks::{parse_sections, parse_weeks};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let weeks = args
        .next()
        .unwrap_or_else(|| "1-8周,10-16周(双)".to_owned());
    let sections = args.next().unwrap_or_else(|| "3-4".to_owned());
    let term = args.next().unwrap_or_else(|| "2025-2026-1".to_owned());
    match (
        parse_weeks(&weeks),
        parse_sections(&sections),
        term.parse::<Term>(),
    ) {
        (Ok(weeks), Ok(sections), Ok(term)) => {
            println!("weeks {weeks:?}, sections {sections:?}, term {term}");
            ExitCode::SUCCESS
        }
        (weeks, sections, term) => {
            for error in [
                weeks.err().map(|e| e.to_string()),
                sections.err().map(|e| e.to_string()),
                term.err().map(|e| e.to_string()),
            ]
            .into_iter()
            .flatten()
            {
                eprintln!("error: {error}");
            }
            ExitCode::from(2)
        }
    }
}
