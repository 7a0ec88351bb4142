//! Client for the USTC status API (在校状态查询接口).
//!
//! One cloneable [`Client`] built with [`Client::builder`]: base URL, timeout, user
//! agent, token. Every status code maps to an [`Error`] variant carrying the server's
//! `detail`; only transport errors, timeouts, 408, 429 and 5xx are retried, a 429 no
//! sooner than its `Retry-After`. Batches over 100 distinct ids are refused before
//! sending unless a `*_chunked` call is used; those send at most [`MAX_CHUNKED`] ids, in
//! chunks of 100 one after the other, and refuse more with the provider's own rule
//! ([`PROVIDER_BULK_RULE`]): larger needs are a bulk export to negotiate with the data
//! center, not a job for this API.
//!
//! ```no_run
//! # async fn demo() -> Result<(), ustc_status::Error> {
//! let token = ustc_status::Token::new(&std::env::var("USTC_STATUS_TOKEN").unwrap_or_default());
//! let client = ustc_status::Client::builder()
//!     .base_url("https://id.ustc.edu.cn/")
//!     .token(token)
//!     .build()?;
//! let status = client.by_zjhm("P0529").await?;
//! println!("{} {:?}", status.gid, status.ryzxztdm);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod client;
mod error;
mod types;

pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL, RetryPolicy, Token};
pub use error::{Error, MAX_BATCH, MAX_CHUNKED, PROVIDER_BULK_RULE};
pub use types::{
    Batch, ErrorBody, GidStatus, GidsRequest, Identity, ZjhmStatus, ZjhmsRequest, normalize_ids,
};
