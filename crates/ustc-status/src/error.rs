//! Client errors: one variant per kind of failure a caller handles differently.

use std::time::Duration;

/// Most distinct ids the server accepts in one batch.
pub const MAX_BATCH: usize = 100;

/// Most distinct ids one chunked call sends, in chunks of [`MAX_BATCH`] one after the
/// other. The provider asks for larger needs to go through a negotiated bulk export,
/// not through the API ([`PROVIDER_BULK_RULE`]).
pub const MAX_CHUNKED: usize = 1_000;

/// The published interface's words for needs beyond one batch: "needs of more than 100
/// records: contact the data center to negotiate a bulk data export".
pub const PROVIDER_BULK_RULE: &str = "超过 100 条的数据需求,请联系数据中心协商批量数据导出方案";

/// Why a call failed. Never contains the token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 400: the server rejected the request.
    #[error("bad request: {detail}")]
    BadRequest {
        /// Server's `detail`.
        detail: String,
    },
    /// 401: token missing, unknown or disabled.
    #[error("unauthorized: {detail}: check the token (USTC_STATUS_TOKEN or --token-file)")]
    Unauthorized {
        /// Server's `detail`.
        detail: String,
    },
    /// 403: the source address is not in the caller's allowlist.
    #[error("forbidden: {detail}: ask the data center to allow this machine's address")]
    Forbidden {
        /// Server's `detail`.
        detail: String,
    },
    /// 404: no such gid / zjhm.
    #[error("not found: {detail}")]
    NotFound {
        /// Server's `detail`.
        detail: String,
    },
    /// 413: the request body was too large.
    #[error("payload too large: {detail}")]
    PayloadTooLarge {
        /// Server's `detail`.
        detail: String,
    },
    /// 429 after all retries.
    #[error("rate limited: {detail}")]
    RateLimited {
        /// Server's `detail`.
        detail: String,
        /// Server's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// 5xx after all retries.
    #[error("server error {status}: {detail}")]
    Server {
        /// HTTP status.
        status: u16,
        /// Server's `detail`.
        detail: String,
    },
    /// Any other status.
    #[error("unexpected status {status}: {detail}")]
    UnexpectedStatus {
        /// HTTP status.
        status: u16,
        /// Server's `detail` or the start of the body.
        detail: String,
    },
    /// The request timed out (after all retries).
    #[error("request timed out after {0:?}")]
    Timeout(Duration),
    /// Connection or protocol failure (after all retries); the URL is stripped.
    #[error("network error: {0}")]
    Transport(#[source] reqwest::Error),
    /// A 2xx body that is not the documented JSON.
    #[error("cannot decode response: {message} (body starts: {body:?})")]
    Decode {
        /// Parser message.
        message: String,
        /// The body, truncated to 200 characters.
        body: String,
    },
    /// More than 100 distinct ids and chunking not requested; nothing was sent.
    #[error(
        "{count} distinct ids exceed the limit of {MAX_BATCH} per request: use chunking (--chunk, up to {MAX_CHUNKED} ids) or ask the data center for an export"
    )]
    TooManyIds {
        /// Distinct ids after normalisation.
        count: usize,
    },
    /// More than [`MAX_CHUNKED`] distinct ids for a chunked call; nothing was sent.
    #[error(
        "{count} distinct ids exceed the {MAX_CHUNKED} a chunked lookup may send: {PROVIDER_BULK_RULE} (needs beyond 100 ids go through a bulk export negotiated with the data center, not through this API)"
    )]
    BulkExportRequired {
        /// Distinct ids after normalisation.
        count: usize,
    },
    /// No non-blank id; nothing was sent.
    #[error("no ids given: provide at least one non-blank id")]
    NoIds,
    /// The client could not be built (bad base URL, TLS setup).
    #[error("invalid client configuration: {0}")]
    Config(String),
}

impl Error {
    /// The server's `detail`, when the server answered with an error.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Error::BadRequest { detail }
            | Error::Unauthorized { detail }
            | Error::Forbidden { detail }
            | Error::NotFound { detail }
            | Error::PayloadTooLarge { detail }
            | Error::RateLimited { detail, .. }
            | Error::Server { detail, .. }
            | Error::UnexpectedStatus { detail, .. } => Some(detail),
            _ => None,
        }
    }
}
