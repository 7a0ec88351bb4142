//! Server for the USTC status API (在校状态查询接口): a drop-in for the reference service.
//!
//! [`app`] builds the axum router from an [`AppState`]; [`Store`] reads SQLite or
//! PostgreSQL (own table or the reference's `v_user` view); [`Callers`] holds tokens
//! only as SHA-256 digests. The binary `ustc-status-server` is glue over this crate.
//!
//! The library logs through `tracing` and installs no subscriber: the program that
//! embeds it chooses where log lines go.
#![deny(missing_docs)]

mod app;
mod audit;
mod auth;
mod config;
mod import;
mod imports;
mod metrics;
mod pg_coalesce;
mod pg_copy;
mod probe;
mod ratelimit;
mod server;
pub mod settings;
mod snapshot;
mod sqlite_read;
mod store;

pub use app::{
    ApiError, AppState, DETAIL_EMPTY, DETAIL_FORBIDDEN, DETAIL_TOO_MANY, DETAIL_UNAUTHORIZED,
    InternalCause, MAX_BATCH, READY_PATH, Timeouts, app, parse_batch,
};
pub use audit::{AuditRecord, AuditSink, SharedBuffer};
pub use auth::{
    Caller, Callers, TokenDigest, UnparsableForwardedFor, new_token, parse_ranges,
    resolve_client_ip, token_digest,
};
pub use config::{
    AuditTarget, CallerConfig, ClientEntry, ClientsFile, Config, ConfigError, Source,
};
pub use import::{CSV_HEADER, CsvError, generate_dataset, parse_csv};
pub use metrics::{METRICS_PATH, metrics_app};
pub use probe::{ProbeError, local_address, probe_ready};
pub use ratelimit::RateLimiter;
pub use server::{
    ConfigSource, ServeError, reload_callers, reload_callers_from, reopen_audit_log, run, serve,
    serve_metrics, shutdown_signal, spawn_reload, spawn_reload_on_sighup, state_from_config,
};
pub use settings::{FromVariables, Variables};
pub use store::{NotReady, Record, Store, StoreError, StoreOptions};
