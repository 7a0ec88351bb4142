//! `xtu`: Xiangtan University's web systems from a terminal.
//!
//! Glue over `xtu-app`: parse flags, gather secrets safely, call the library,
//! print JSON or tables, map errors to exit codes.

mod args;
mod commands;
mod mcp;
mod output;
mod secrets;
mod tables;

use std::process::ExitCode as ProcessExit;

use clap::Parser as _;

use crate::args::Cli;

/// Diagnostics go to standard error: warnings always; with `-v` or
/// `XTU_LOG=debug`, one line per HTTP request. `XTU_LOG` takes any tracing
/// filter (`XTU_LOG=xtu::http=debug`).
fn init_logging(verbose: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("XTU_LOG") {
        Ok(spec) if !spec.trim().is_empty() => EnvFilter::new(spec),
        _ if verbose => EnvFilter::new("warn,xtu=debug,xtu_sso=debug,xtu_ems=debug,xtu_app=debug"),
        _ => EnvFilter::new("warn"),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .with_level(true)
        .init();
}

fn main() -> ProcessExit {
    let cli = Cli::parse();
    init_logging(cli.global.verbose);
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
