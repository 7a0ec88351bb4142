//! `xtu`: Xiangtan University's web systems from a terminal.
//!
//! Glue over `xtu-app`: parse flags, gather secrets safely, call the library,
//! print JSON or tables, map errors to exit codes. [`run`] is the whole
//! command, so that another host (the Python wheel's `xtu` script) runs the
//! same CLI in its own process.

mod args;
pub mod audit_tables;
mod commands;
mod evaluation;
mod grad;
mod grid;
mod mcp;
mod output;
mod secrets;
pub mod tables;

pub use output::one_line;

use std::ffi::OsString;
use std::io::Write as _;

use clap::Parser as _;

use crate::args::Cli;

/// Diagnostics go to standard error: warnings always; with `-v` or
/// `XTU_LOG=debug`, one line per HTTP request. `XTU_LOG` takes a list of
/// targets and levels (`XTU_LOG=xtu::http=debug`, `XTU_LOG=warn,xtu_app=debug`).
fn init_logging(verbose: bool) {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    const VERBOSE: &str = "warn,xtu=debug,xtu_sso=debug,xtu_ems=debug,xtu_app=debug";
    let spec = std::env::var("XTU_LOG")
        .ok()
        .filter(|spec| !spec.trim().is_empty());
    let filter = match spec.as_deref().map(str::parse::<Targets>) {
        Some(Ok(filter)) => filter,
        Some(Err(e)) => {
            eprintln!(
                "warning: XTU_LOG is not a list of target=level ({e}); showing warnings only"
            );
            Targets::new().with_default(tracing::Level::WARN)
        }
        None if verbose => VERBOSE.parse().unwrap_or_default(),
        None => Targets::new().with_default(tracing::Level::WARN),
    };
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(false)
                .event_format(Plain),
        )
        .with(filter)
        // A host that runs several commands in one process keeps the first
        // command's logging.
        .try_init()
        .ok();
}

/// `warning: ...`, like the command's own `error: ...` line.
struct Plain;

impl<S, N> tracing_subscriber::fmt::FormatEvent<S, N> for Plain
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let level = match *event.metadata().level() {
            tracing::Level::ERROR => "error",
            tracing::Level::WARN => "warning",
            tracing::Level::INFO => "info",
            tracing::Level::DEBUG => "debug",
            tracing::Level::TRACE => "trace",
        };
        write!(writer, "{level}: ")?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// Runs `xtu` with these arguments (the first is the program's name) and
/// returns its exit code; it never exits the process, and a usage error,
/// `--help` or `--version` is printed like the binary prints it.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let code = run_inner(args);
    // A host's own output must come after ours.
    let _ = std::io::stdout().flush();
    code
}

fn run_inner<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return u8::try_from(e.exit_code()).unwrap_or(2);
        }
    };
    init_logging(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return 1;
        }
    };
    let config = match cli.global.config() {
        Ok(config) => config,
        Err(failure) => {
            eprintln!("error: {}", output::one_line(&failure));
            return failure.exit_code() as u8;
        }
    };
    match runtime.block_on(commands::run(cli, config.clone())) {
        Ok(commands::Outcome::Done) => 0,
        // `grades --watch-diff` found changes: 1, like diff(1).
        Ok(commands::Outcome::Changed) => 1,
        Ok(commands::Outcome::Exit(code)) => code as u8,
        Err(failure) => {
            eprintln!("error: {}", output::one_line(&failure));
            report_failed_page(config, &failure);
            failure.exit_code() as u8
        }
    }
}

/// A page that could not be read is kept (scrubbed) for a bug report, with
/// the command that reproduces the error offline.
fn report_failed_page(config: xtu_app::Config, failure: &xtu_app::Error) {
    let xtu = xtu_app::Xtu::new(
        config,
        xtu_app::StoreDir::from_env(),
        xtu_app::Vault::none(),
    );
    match xtu.save_failed_page(failure) {
        Some(Ok(saved)) => eprintln!(
            "the page was saved with personal data removed: {}\n\
             reproduce: xtu parse {} {}\n\
             please attach it to a bug report",
            saved.path.display(),
            saved.page,
            saved.path.display()
        ),
        Some(Err(e)) => eprintln!("warning: {}", output::one_line(&e)),
        None => {}
    }
}
