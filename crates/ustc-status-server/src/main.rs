//! `ustc-status-server`: serve, healthcheck, import, token, demo, gen-dataset.
//!
//! Exit codes: 0 success, 1 runtime failure (database, listener), 2 usage or invalid
//! config, 3 invalid CSV (nothing loaded).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ustc_status_server::{
    AppState, AuditSink, Caller, Callers, Config, ConfigError, ConfigSource, Record, Store,
    StoreOptions, Variables, local_address, new_token, parse_csv, parse_ranges, probe_ready, serve,
    shutdown_signal, token_digest,
};

#[derive(Parser)]
#[command(
    name = "ustc-status-server",
    version,
    about = "Status API server (在校状态查询接口)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API. Without --config, from the reference's variables (DATABASE_URL,
    /// CLIENTS_CONFIG_PATH, TRUSTED_PROXIES, USTC_STATUS_*) in the environment and
    /// ./.env. SIGHUP reopens the audit log and reloads callers, SIGTERM/Ctrl-C stops.
    Serve {
        /// TOML config file; when given, it wins over the variables.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Exit 0 when the server on this host is ready (GET /doc/api/ready answers 200),
    /// else 1: a container HEALTHCHECK that needs no curl.
    Healthcheck {
        /// The server's listen address; default: --config's `listen`, else
        /// USTC_STATUS_LISTEN (environment, ./.env), else 127.0.0.1:8000. A wildcard
        /// address (0.0.0.0) is probed on loopback.
        #[arg(long)]
        addr: Option<SocketAddr>,
        /// TOML config file to take `listen` from.
        #[arg(long, conflicts_with = "addr")]
        config: Option<PathBuf>,
        /// Seconds to wait for the answer.
        #[arg(long, default_value_t = 3)]
        timeout: u64,
    },
    /// Validate a CSV (gid,zjhm,ryzxztdm) and replace the table atomically.
    Import {
        /// sqlite://PATH or postgres://... (the primary); default: DATABASE_URL from
        /// the environment or ./.env, in the reference's SQLAlchemy form.
        #[arg(long)]
        database: Option<String>,
        /// CSV file with header gid,zjhm,ryzxztdm.
        file: PathBuf,
    },
    /// Token management.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Serve a throwaway SQLite database with sample rows and one local caller.
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
    },
    /// Write a synthetic CSV dataset (benchmarks).
    GenDataset {
        /// Number of rows (identities).
        #[arg(long, default_value_t = 300_000)]
        rows: usize,
        /// Seed for the generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output CSV path.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Print a fresh random token and the SHA-256 hex to put in the config.
    New,
}

/// Log lines go to stderr (the journal under systemd, which stamps them itself);
/// `RUST_LOG` filters them: by default `info`, and only warnings from sqlx (which logs
/// every PostgreSQL notice, such as `DROP ... IF EXISTS` skipping, at info).
fn init_logging() {
    use std::io::IsTerminal as _;
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        builder.without_time().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match cli.command {
        Command::Serve { config } => {
            let source = match config {
                Some(path) => ConfigSource::File(path),
                None => ConfigSource::Variables {
                    dir: std::env::current_dir().unwrap_or_default(),
                },
            };
            match ustc_status_server::run(source).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e @ ustc_status_server::ServeError::Config(_)) => fail(2, &e),
                Err(e) => fail(1, &e),
            }
        }
        Command::Healthcheck {
            addr,
            config,
            timeout,
        } => healthcheck(addr, config, timeout).await,
        Command::Import { database, file } => {
            let database = match database {
                Some(d) => d,
                None => match database_from_variables() {
                    Ok(d) => d,
                    Err(e) => return fail(2, &e),
                },
            };
            import(&database, &file).await
        }
        Command::Token {
            command: TokenCommand::New,
        } => match new_token() {
            Ok((token, digest)) => {
                println!("token:        {token}");
                println!("token_sha256: {digest}");
                eprintln!(
                    "give the token to the caller over a secure channel; put only token_sha256 in the config"
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(1, &e),
        },
        Command::Demo { listen } => demo(listen).await,
        Command::GenDataset { rows, seed, out } => {
            let result = std::fs::File::create(&out).and_then(|f| {
                let mut w = std::io::BufWriter::new(f);
                let n = ustc_status_server::generate_dataset(rows, seed, &mut w)?;
                std::io::Write::flush(&mut w)?;
                Ok(n)
            });
            match result {
                Ok(n) => {
                    println!("wrote {n} rows to {}", out.display());
                    ExitCode::SUCCESS
                }
                Err(e) => fail(1, &format!("cannot write {}: {e}", out.display())),
            }
        }
    }
}

/// DATABASE_URL as `serve` reads it, for `import` without `--database`.
fn database_from_variables() -> Result<String, ConfigError> {
    Variables::load(&std::env::current_dir().unwrap_or_default())?.database_url()
}

async fn healthcheck(addr: Option<SocketAddr>, config: Option<PathBuf>, timeout: u64) -> ExitCode {
    let listen = match (addr, config) {
        (Some(addr), _) => addr,
        (None, Some(path)) => match Config::load(&path) {
            Ok(c) => c.listen,
            Err(e) => return fail(2, &e),
        },
        (None, None) => match listen_from_variables() {
            Ok(l) => l,
            Err(e) => return fail(2, &e),
        },
    };
    let target = local_address(listen);
    match probe_ready(target, std::time::Duration::from_secs(timeout)).await {
        Ok(()) => {
            println!("ready: {target}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(1, &e),
    }
}

/// USTC_STATUS_LISTEN alone: the probe needs no database URL or clients file.
fn listen_from_variables() -> Result<SocketAddr, ConfigError> {
    Variables::load(&std::env::current_dir().unwrap_or_default())?.listen()
}

fn fail(code: u8, e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(code)
}

async fn import(database: &str, file: &Path) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => return fail(2, &format!("cannot read {}: {e}", file.display())),
    };
    let records = match parse_csv(&text) {
        Ok(r) => r,
        Err(e) => return fail(3, &e),
    };
    let store = match Store::open(database, &StoreOptions::default()).await {
        Ok(s) => s,
        Err(e) => return fail(1, &e),
    };
    if let Err(e) = store.replace_all(&records).await {
        return fail(1, &e);
    }
    // Servers are other processes: done only once none can answer from before.
    store.outlast_reuse_window().await;
    let gids: std::collections::HashSet<&str> = records.iter().map(|r| r.gid.as_str()).collect();
    println!(
        "imported {} rows ({} distinct gids) into {}",
        records.len(),
        gids.len(),
        redact_url(database)
    );
    store.close().await;
    ExitCode::SUCCESS
}

// A postgres URL may carry a password; never print it.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &url[..s], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

async fn demo(listen: SocketAddr) -> ExitCode {
    let dir = std::env::temp_dir().join(format!("ustc-status-demo-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return fail(1, &format!("cannot create {}: {e}", dir.display()));
    }
    let url = format!("sqlite://{}", dir.join("demo.db").display());
    let store = match Store::open(&url, &StoreOptions::default()).await {
        Ok(s) => s,
        Err(e) => return fail(1, &e),
    };
    let rows = [
        ("2200600958", "P0529", "10"),
        ("2200600959", "P0530", "01"),
        ("2200600960", "SA21011001", "10"),
        ("2200600960", "BA17011002", "20"),
        ("2200600960", "PB22011003", "01"),
    ];
    let records: Vec<Record> = rows
        .iter()
        .map(|(g, z, c)| Record {
            gid: (*g).into(),
            zjhm: (*z).into(),
            ryzxztdm: Some((*c).into()),
        })
        .collect();
    if let Err(e) = store.replace_all(&records).await {
        return fail(1, &e);
    }
    if let Err(e) = store.warm().await {
        return fail(1, &e);
    }
    let (token, _) = match new_token() {
        Ok(t) => t,
        Err(e) => return fail(1, &e),
    };
    let allowed =
        parse_ranges("demo", &["127.0.0.1/32".into(), "::1/128".into()]).unwrap_or_default();
    let callers = Callers::new(vec![Caller::new(
        "demo",
        true,
        vec![token_digest(&token)],
        allowed,
        None,
    )]);
    let state = AppState::new(
        store,
        callers,
        Vec::new(),
        AuditSink::writer(std::io::stderr()),
        64 * 1024,
    );
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) => return fail(1, &format!("cannot listen on {listen}: {e}")),
    };
    let addr = listener.local_addr().unwrap_or(listen);
    println!("demo database: {}", dir.display());
    println!("demo token (caller \"demo\", allowed from 127.0.0.1 and ::1): {token}");
    println!("try:");
    println!(
        "  curl -H \"Authorization: Bearer {token}\" http://{addr}/doc/api/status/by-zjhm/P0529"
    );
    println!(
        "  curl -H \"Authorization: Bearer {token}\" http://{addr}/doc/api/status/by-gid/2200600960"
    );
    println!("stop with Ctrl-C");
    let result = serve(listener, state, shutdown_signal()).await;
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(1, &format!("server failed: {e}")),
    }
}
