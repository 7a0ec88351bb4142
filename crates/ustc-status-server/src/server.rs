//! Running the server: config to state, listener, signals.

use std::future::Future;
use std::path::{Path, PathBuf};

use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

use crate::app::{AppState, app};
use crate::audit::AuditSink;
use crate::auth::Callers;
use crate::config::{Config, ConfigError};
use crate::metrics::metrics_app;
use crate::settings::{FromVariables, Variables};
use crate::store::{Store, StoreError, StoreOptions};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Database unreachable or unusable.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Listener or audit log file.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Underlying error.
        source: std::io::Error,
    },
}

/// Builds the application state from a loaded config.
pub async fn state_from_config(config: &Config) -> Result<AppState, ServeError> {
    let callers = Callers::from_config(config)?;
    let store = Store::open(
        &config.database,
        &StoreOptions {
            source: config.source,
            max_connections: config.max_connections,
            pg_schema: None,
            read_url: config.read_database.clone(),
        },
    )
    .await?;
    store.warm().await?;
    let audit = AuditSink::open(&config.audit_log).map_err(|source| ServeError::Io {
        what: "cannot open audit log".into(),
        source,
    })?;
    let state = AppState::new(
        store,
        callers,
        config.trusted_proxies.clone(),
        audit,
        config.max_body_bytes,
    );
    Ok(if config.metrics_listen.is_some() {
        state.with_metrics()
    } else {
        state
    })
}

/// Where `serve` takes its settings from.
#[derive(Debug, Clone)]
pub enum ConfigSource {
    /// `serve --config FILE`: the TOML file (variables are not read).
    File(PathBuf),
    /// `serve` alone: the reference's variables, the environment over `DIR/.env`.
    Variables {
        /// Where `.env` is looked for (the working directory).
        dir: PathBuf,
    },
}

impl ConfigSource {
    /// Reads the settings; `warnings` are for the start-up log (once).
    pub fn load(&self) -> Result<(Config, Vec<String>), ConfigError> {
        match self {
            ConfigSource::File(path) => Ok((Config::load(path)?, Vec::new())),
            ConfigSource::Variables { dir } => {
                let vars = Variables::load(dir)?;
                let FromVariables { config, warnings } = Config::from_variables(&vars)?;
                Ok((config, warnings))
            }
        }
    }

    /// What a start-up or reload log line names as the origin.
    pub fn describe(&self) -> String {
        match self {
            ConfigSource::File(path) => path.display().to_string(),
            ConfigSource::Variables { dir } => {
                format!("the environment and {}", dir.join(".env").display())
            }
        }
    }

    /// Callers as configured now (SIGHUP): tokens, allowlists, limits, the clients file.
    fn callers(&self) -> Result<Callers, ConfigError> {
        let (config, _) = self.load()?;
        Callers::from_config(&config).map_err(|e| self.clients_error(e))
    }

    /// From variables, a clients file that cannot be used is `CLIENTS_CONFIG_PATH`'s.
    fn clients_error(&self, e: ConfigError) -> ConfigError {
        match (self, e) {
            (
                ConfigSource::Variables { .. },
                e @ (ConfigError::Read { .. }
                | ConfigError::Yaml { .. }
                | ConfigError::Caller { .. }),
            ) => ConfigError::Env {
                var: crate::settings::CLIENTS_CONFIG_PATH.to_owned(),
                message: e.to_string(),
            },
            (_, e) => e,
        }
    }
}

/// Re-reads the config file and swaps in its callers (tokens, allowlists, limits).
pub fn reload_callers_from(path: &Path, state: &AppState) -> Result<usize, ConfigError> {
    reload_callers(&ConfigSource::File(path.to_owned()), state)
}

/// Re-reads `source` and swaps in its callers.
pub fn reload_callers(source: &ConfigSource, state: &AppState) -> Result<usize, ConfigError> {
    let callers = source.callers()?;
    let n = callers.len();
    state.reload_callers(callers);
    Ok(n)
}

/// Serves `state` on `listener` until `shutdown` resolves, then drains in-flight requests.
///
/// The accept loop is our own rather than `axum::serve`, which sets no
/// header-read timeout: a client trickling its headers would hold a
/// connection for ever. Body reading is bounded by the request timeout
/// (408) in the router.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = state.store().clone();
    let timeouts = state.timeouts();
    serve_router(listener, app(state), timeouts.header_read, shutdown).await;
    store.close().await;
    Ok(())
}

/// Serves the metrics of `state` (built [`AppState::with_metrics`]) on `listener` until
/// `shutdown` resolves.
pub async fn serve_metrics(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let header_read = state.timeouts().header_read;
    serve_router(listener, metrics_app(state), header_read, shutdown).await;
}

/// The accept loop shared by the API and the metrics listener.
async fn serve_router(
    listener: TcpListener,
    router: axum::Router,
    header_read: std::time::Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: back off instead of
                // spinning; the connections in flight go on.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service =
            TowerToHyperService::new(router.clone().layer(axum::Extension(ConnectInfo(peer))));
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that goes away mid-request is its own business.
            let _ = connection.await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// On every SIGHUP: reopens the audit log file (log rotation), then reloads callers
/// from `config_path`. Errors keep the old file or the old callers.
pub fn spawn_reload_on_sighup(config_path: PathBuf, state: AppState) {
    spawn_reload(ConfigSource::File(config_path), state);
}

/// [`spawn_reload_on_sighup`] for any [`ConfigSource`].
pub fn spawn_reload(source: ConfigSource, state: AppState) {
    #[cfg(unix)]
    tokio::spawn(async move {
        let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            tracing::warn!(
                "cannot install the SIGHUP handler: reload and log reopening need a restart"
            );
            return;
        };
        while hup.recv().await.is_some() {
            reopen_audit_log(&state);
            match reload_callers(&source, &state) {
                Ok(n) => tracing::info!("reloaded {n} caller(s) from {}", source.describe()),
                Err(e) => tracing::error!("reload failed, keeping previous callers: {e}"),
            }
        }
    });
    #[cfg(not(unix))]
    let _ = (source, state);
}

/// Reopens the audit log file and says so; on failure the old file stays in use.
pub fn reopen_audit_log(state: &AppState) {
    match state.audit().reopen() {
        Ok(Some(path)) => tracing::info!("audit log reopened: {}", path.display()),
        Ok(None) => {}
        Err(e) => {
            tracing::error!("cannot reopen the audit log, still writing to the old file: {e}")
        }
    }
}

/// `serve [--config FILE]`: the whole server lifecycle.
pub async fn run(source: ConfigSource) -> Result<(), ServeError> {
    let (config, warnings) = source.load()?;
    if let ConfigSource::File(path) = &source {
        // Said once, so an operator who also set the reference's variables knows.
        let dir = std::env::current_dir().unwrap_or_default();
        let vars = Variables::load(&dir).unwrap_or_default();
        let shadowed = vars.serve_settings();
        if !shadowed.is_empty() {
            tracing::warn!(
                "--config {} given: the TOML file wins; ignoring {}",
                path.display(),
                shadowed.join(", ")
            );
        }
    }
    for w in &warnings {
        tracing::warn!("{w}");
    }
    tracing::info!("configuration from {}", source.describe());
    let state = match state_from_config(&config).await {
        Err(ServeError::Config(e)) => return Err(ServeError::Config(source.clients_error(e))),
        other => other?,
    };
    if config.read_database.is_some() {
        tracing::info!("lookups read the replica; imports go to the primary database");
    }
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Io {
            what: format!("cannot listen on {}", config.listen),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Io {
        what: "cannot read listener address".into(),
        source,
    })?;
    // Bound before serving anything, so a taken metrics port fails the start.
    let metrics = match config.metrics_listen {
        Some(at) => Some(
            TcpListener::bind(at)
                .await
                .map_err(|source| ServeError::Io {
                    what: format!("cannot listen for metrics on {at}"),
                    source,
                })?,
        ),
        None => None,
    };
    tracing::info!("listening on http://{addr}/doc/api/");
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    };
    if let Some(listener) = metrics {
        if let Ok(at) = listener.local_addr() {
            tracing::info!("metrics on http://{at}{}", crate::metrics::METRICS_PATH);
        }
        tokio::spawn(serve_metrics(listener, state.clone(), stopped()));
    }
    spawn_reload(source, state.clone());
    serve(listener, state, stopped())
        .await
        .map_err(|source| ServeError::Io {
            what: "server failed".into(),
            source,
        })
}
