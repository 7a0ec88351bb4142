//! `xtu`: Xiangtan University's web systems from a terminal.
//!
//! Thin glue over the `xtu-sso` and `xtu-ems` libraries: parse flags, gather
//! secrets safely, call the library, print JSON, map errors to exit codes.

mod academic;
mod args;
mod commands;
mod failure;
mod ics;
mod mcp;
mod output;
mod rooms;
mod secrets;
mod store;
mod stored;
mod vault;

use std::process::ExitCode as ProcessExit;

use clap::Parser as _;

use crate::args::Cli;

fn main() -> ProcessExit {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ProcessExit::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(commands::Outcome::Done) => ProcessExit::SUCCESS,
        // `grades --watch-diff` found changes: 1, like diff(1).
        Ok(commands::Outcome::Changed) => ProcessExit::from(1),
        Err(failure) => {
            eprintln!("error: {}", output::one_line(&failure));
            ProcessExit::from(failure.exit_code() as u8)
        }
    }
}
