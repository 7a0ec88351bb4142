//! Client for the USTC status API (在校状态查询接口).
//!
//! One cloneable [`Client`] built with [`Client::builder`]: base URL, timeout, user
//! agent, token. Every status code maps to an [`Error`] variant carrying the server's
//! `detail`; only transport errors, timeouts, 408, 429 and 5xx are retried. Batches
//! over 100 distinct ids are refused before sending unless a `*_chunked` call is used.
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
pub use error::{Error, MAX_BATCH};
pub use types::{
    Batch, ErrorBody, GidStatus, GidsRequest, Identity, ZjhmStatus, ZjhmsRequest, normalize_ids,
};
