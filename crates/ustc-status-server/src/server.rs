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
        },
    )
    .await?;
    store.warm().await?;
    let audit = AuditSink::open(&config.audit_log).map_err(|source| ServeError::Io {
        what: "cannot open audit log".into(),
        source,
    })?;
    Ok(AppState::new(
        store,
        callers,
        config.trusted_proxies.clone(),
        audit,
        config.max_body_bytes,
    ))
}

/// Re-reads the config file and swaps in its callers (tokens, allowlists, limits).
pub fn reload_callers_from(path: &Path, state: &AppState) -> Result<usize, ConfigError> {
    let config = Config::load(path)?;
    let callers = Callers::from_config(&config)?;
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
    let router = app(state);
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.header_read);
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
                    eprintln!("warning: accept failed: {e}");
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
    store.close().await;
    Ok(())
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

/// Reloads callers from `config_path` on every SIGHUP; errors keep the old callers.
pub fn spawn_reload_on_sighup(config_path: PathBuf, state: AppState) {
    #[cfg(unix)]
    tokio::spawn(async move {
        let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            eprintln!("warning: cannot install sighup handler; reload needs a restart");
            return;
        };
        while hup.recv().await.is_some() {
            match reload_callers_from(&config_path, &state) {
                Ok(n) => eprintln!("reloaded {n} caller(s) from {}", config_path.display()),
                Err(e) => eprintln!("reload failed, keeping previous callers: {e}"),
            }
        }
    });
    #[cfg(not(unix))]
    let _ = (config_path, state);
}

/// `serve --config FILE`: the whole server lifecycle.
pub async fn run(config_path: &Path) -> Result<(), ServeError> {
    let config = Config::load(config_path)?;
    let state = state_from_config(&config).await?;
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
    eprintln!("listening on http://{addr}/doc/api/");
    spawn_reload_on_sighup(config_path.to_owned(), state.clone());
    serve(listener, state, shutdown_signal())
        .await
        .map_err(|source| ServeError::Io {
            what: "server failed".into(),
            source,
        })
}
