//! `ustc-status`: command-line client of the status API.
//!
//! The token comes from `USTC_STATUS_TOKEN` or `--token-file`, never from argv.
//! Output is pretty JSON on stdout; failures print one line on stderr.
//!
//! Exit codes: 0 ok, 2 usage (bad arguments, no token, no ids), 3 unauthorized (401),
//! 4 forbidden (403), 5 bad request (400, 413, more than 100 ids without `--chunk`, or
//! more than 1,000 with it),
//! 6 not found (404), 7 rate limited (429), 8 network error or timeout, 9 server error
//! (5xx), 10 unexpected response.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use ustc_status::{Client, Error, Token};

#[derive(Parser)]
#[command(
    name = "ustc-status",
    version,
    about = "Query the status API (在校状态查询接口)"
)]
struct Cli {
    /// URL in front of doc/api/.
    #[arg(long, env = "USTC_STATUS_BASE_URL", default_value = ustc_status::DEFAULT_BASE_URL)]
    base_url: String,
    /// File holding the bearer token (else USTC_STATUS_TOKEN is used).
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// Timeout per attempt, in seconds.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// Attempts for retryable failures (transport, timeout, 408, 429, 5xx).
    #[arg(long, default_value_t = 3)]
    attempts: u32,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Health check (no token needed).
    Health,
    /// Look up one gid.
    ByGid {
        /// The gid.
        gid: String,
    },
    /// Look up one zjhm.
    ByZjhm {
        /// The zjhm.
        zjhm: String,
    },
    /// Look up many gids.
    ByGids(BatchArgs),
    /// Look up many zjhms.
    ByZjhms(BatchArgs),
}

#[derive(Args)]
struct BatchArgs {
    /// Ids; `-` reads them from stdin, one per line.
    ids: Vec<String>,
    /// Read ids from a file, one per line (`-` for stdin).
    #[arg(long)]
    file: Option<PathBuf>,
    /// Up to 1,000 ids: send them in chunks of 100, one chunk after the other
    /// (waiting as long as a 429's Retry-After asks), merged in chunk order. More
    /// than 1,000 is refused, in the provider's words:
    /// 超过 100 条的数据需求,请联系数据中心协商批量数据导出方案
    /// (larger needs go through a bulk export negotiated with the data center, not
    /// through this API).
    #[arg(long)]
    chunk: bool,
}

/// A failure with its exit code.
struct Failure {
    code: u8,
    message: String,
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: message.into(),
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let code = match &e {
            Error::Unauthorized { .. } => 3,
            Error::Forbidden { .. } => 4,
            Error::BadRequest { .. }
            | Error::PayloadTooLarge { .. }
            | Error::TooManyIds { .. }
            | Error::BulkExportRequired { .. } => 5,
            Error::NotFound { .. } => 6,
            Error::RateLimited { .. } => 7,
            Error::Timeout(_) | Error::Transport(_) => 8,
            Error::Server { .. } => 9,
            Error::NoIds | Error::Config(_) => 2,
            _ => 10,
        };
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        Failure { code, message }
    }
}

fn read_token(file: Option<&PathBuf>) -> Result<Token, Failure> {
    let raw = match file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| usage(format!("cannot read token file {}: {e}", path.display())))?,
        None => std::env::var("USTC_STATUS_TOKEN")
            .map_err(|_| usage("no token: set USTC_STATUS_TOKEN or pass --token-file FILE"))?,
    };
    if raw.trim().is_empty() {
        return Err(usage(
            "the token is empty: check USTC_STATUS_TOKEN or the token file",
        ));
    }
    Ok(Token::new(&raw))
}

fn read_lines(source: &str, path: Option<&PathBuf>) -> Result<Vec<String>, Failure> {
    let text = match path {
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| usage(format!("cannot read {}: {e}", p.display())))?,
        None => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| usage(format!("cannot read ids from {source}: {e}")))?;
            s
        }
    };
    Ok(text.lines().map(str::to_owned).collect())
}

fn collect_ids(args: &BatchArgs) -> Result<Vec<String>, Failure> {
    let mut ids = Vec::new();
    for id in &args.ids {
        if id == "-" {
            ids.extend(read_lines("stdin", None)?);
        } else {
            ids.push(id.clone());
        }
    }
    if let Some(f) = &args.file {
        if f.as_os_str() == "-" {
            ids.extend(read_lines("stdin", None)?);
        } else {
            ids.extend(read_lines("file", Some(f))?);
        }
    }
    Ok(ids)
}

fn print<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Failure {
        code: 10,
        message: format!("cannot encode output: {e}"),
    })?;
    println!("{text}");
    Ok(())
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let mut builder = Client::builder()
        .base_url(&cli.base_url)
        .timeout(Duration::from_secs(cli.timeout.max(1)))
        .retry(ustc_status::RetryPolicy {
            max_attempts: cli.attempts.max(1),
            ..Default::default()
        });
    if !matches!(cli.command, Command::Health) {
        builder = builder.token(read_token(cli.token_file.as_ref())?);
    }
    let client = builder.build()?;
    match &cli.command {
        Command::Health => print(&serde_json::json!({"ok": client.health().await?})),
        Command::ByGid { gid } => print(&client.by_gid(gid).await?),
        Command::ByZjhm { zjhm } => print(&client.by_zjhm(zjhm).await?),
        Command::ByGids(args) => {
            let ids = collect_ids(args)?;
            if args.chunk {
                print(&client.by_gids_chunked(&ids).await?)
            } else {
                print(&client.by_gids(&ids).await?)
            }
        }
        Command::ByZjhms(args) => {
            let ids = collect_ids(args)?;
            if args.chunk {
                print(&client.by_zjhms_chunked(&ids).await?)
            } else {
                print(&client.by_zjhms(&ids).await?)
            }
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
