//! The typed async client.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use retry_policy::{Decision, Policy};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, MAX_BATCH, MAX_CHUNKED};
use crate::types::{
    Batch, ErrorBody, GidStatus, GidsRequest, ZjhmStatus, ZjhmsRequest, normalize_ids,
};

/// The reference service's base URL.
pub const DEFAULT_BASE_URL: &str = "https://id.ustc.edu.cn/";

/// A bearer token that never shows itself in `Debug` or `Display`.
#[derive(Clone)]
pub struct Token(Arc<str>);

impl Token {
    /// Wraps a token (surrounding whitespace, e.g. a file's trailing newline, is removed).
    pub fn new(token: &str) -> Token {
        Token(Arc::from(token.trim()))
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Retry policy: only transport errors, timeouts, 408, 429 and 5xx are retried.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Total attempts including the first (at least 1).
    pub max_attempts: u32,
    /// First backoff delay; doubles each retry.
    pub base_delay: Duration,
    /// Upper bound for one wait. A server's `Retry-After` is always honoured: when it
    /// asks for longer than this, the call fails instead of retrying early.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
        }
    }
}

/// Builds a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: String,
    timeout: Duration,
    user_agent: String,
    token: Option<Token>,
    retry: RetryPolicy,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: Duration::from_secs(10),
            user_agent: concat!("ustc-status/", env!("CARGO_PKG_VERSION")).to_owned(),
            token: None,
            retry: RetryPolicy::default(),
        }
    }
}

impl ClientBuilder {
    /// URL in front of `doc/api/`, e.g. `https://id.ustc.edu.cn/`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }
    /// Timeout of each attempt (connect + response).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// `User-Agent` header.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }
    /// Bearer token.
    pub fn token(mut self, token: Token) -> Self {
        self.token = Some(token);
        self
    }
    /// Retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let mut base = Url::parse(&self.base_url)
            .map_err(|e| Error::Config(format!("base url {:?}: {e}", self.base_url)))?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "base url {:?} must be http:// or https://",
                self.base_url
            )));
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        // rustls needs a process-wide crypto provider: ring, unless the
        // program installed one of its own first.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            .user_agent(self.user_agent)
            .build()
            .map_err(|e| Error::Config(e.without_url().to_string()))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                token: self.token,
                timeout: self.timeout,
                retry: Policy::tries(self.retry.max_attempts, self.retry.base_delay)
                    .cap(self.retry.max_delay),
            }),
        })
    }
}

/// Client of the status API; cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base: Url,
    token: Option<Token>,
    timeout: Duration,
    retry: Policy,
}

/// A failed try, and what it allows.
struct Failed {
    error: Error,
    decision: Decision,
}

impl Failed {
    fn stop(error: Error) -> Failed {
        Failed {
            error,
            decision: Decision::Stop,
        }
    }

    /// A failure that may pass, after the server's `Retry-After` if it sent one.
    fn may_pass(error: Error, retry_after: Option<Duration>) -> Failed {
        Failed {
            error,
            decision: retry_after.map_or(Decision::Retry, Decision::RetryAfter),
        }
    }
}

impl Client {
    /// Starts a builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            // Segments are percent-encoded here, so an id holding '/' stays one segment.
            path.pop_if_empty().extend(["doc", "api"]).extend(segments);
        }
        url
    }

    /// `GET /doc/api/health`.
    pub async fn health(&self) -> Result<bool, Error> {
        #[derive(serde::Deserialize)]
        struct Health {
            ok: bool,
        }
        let h: Health = self
            .call(Method::GET, self.url(&["health"]), None::<&()>)
            .await?;
        Ok(h.ok)
    }

    /// `GET /doc/api/status/by-gid/{gid}`.
    pub async fn by_gid(&self, gid: &str) -> Result<GidStatus, Error> {
        self.call(
            Method::GET,
            self.url(&["status", "by-gid", gid]),
            None::<&()>,
        )
        .await
    }

    /// `GET /doc/api/status/by-zjhm/{zjhm}`.
    pub async fn by_zjhm(&self, zjhm: &str) -> Result<ZjhmStatus, Error> {
        self.call(
            Method::GET,
            self.url(&["status", "by-zjhm", zjhm]),
            None::<&()>,
        )
        .await
    }

    /// `POST /doc/api/status/by-gids`; more than 100 distinct ids is refused before sending.
    pub async fn by_gids<S: AsRef<str>>(&self, gids: &[S]) -> Result<Batch<GidStatus>, Error> {
        let ids = checked(gids)?;
        self.post_gids(ids).await
    }

    /// `POST /doc/api/status/by-zjhms`; more than 100 distinct ids is refused before sending.
    pub async fn by_zjhms<S: AsRef<str>>(&self, zjhms: &[S]) -> Result<Batch<ZjhmStatus>, Error> {
        let ids = checked(zjhms)?;
        self.post_zjhms(ids).await
    }

    /// Like [`Client::by_gids`] for up to [`MAX_CHUNKED`] distinct ids: chunks of 100
    /// sent one after the other, items and `not_found` merged in chunk order. More ids
    /// are refused before sending ([`Error::BulkExportRequired`]).
    pub async fn by_gids_chunked<S: AsRef<str>>(
        &self,
        gids: &[S],
    ) -> Result<Batch<GidStatus>, Error> {
        self.chunked(gids, |chunk| self.post_gids(chunk)).await
    }

    /// Like [`Client::by_zjhms`] for up to [`MAX_CHUNKED`] distinct ids: chunks of 100
    /// sent one after the other, merged in chunk order (within a chunk, items come in
    /// the server's order). More ids are refused ([`Error::BulkExportRequired`]).
    pub async fn by_zjhms_chunked<S: AsRef<str>>(
        &self,
        zjhms: &[S],
    ) -> Result<Batch<ZjhmStatus>, Error> {
        self.chunked(zjhms, |chunk| self.post_zjhms(chunk)).await
    }

    /// Checks the total, then sends the chunks one after the other: never in parallel,
    /// so a modest list costs the provider what the same calls by hand would.
    async fn chunked<S, T, F, Fut>(&self, ids: &[S], post: F) -> Result<Batch<T>, Error>
    where
        S: AsRef<str>,
        F: Fn(Vec<String>) -> Fut,
        Fut: Future<Output = Result<Batch<T>, Error>>,
    {
        let mut merged = Batch::default();
        for chunk in checked_for_chunks(ids)?.chunks(MAX_BATCH) {
            merged.append(post(chunk.to_vec()).await?);
        }
        Ok(merged)
    }

    async fn post_gids(&self, gids: Vec<String>) -> Result<Batch<GidStatus>, Error> {
        let body = GidsRequest { gids };
        self.call(Method::POST, self.url(&["status", "by-gids"]), Some(&body))
            .await
    }

    async fn post_zjhms(&self, zjhms: Vec<String>) -> Result<Batch<ZjhmStatus>, Error> {
        let body = ZjhmsRequest { zjhms };
        self.call(Method::POST, self.url(&["status", "by-zjhms"]), Some(&body))
            .await
    }

    async fn call<T: DeserializeOwned, B: Serialize>(
        &self,
        method: Method,
        url: Url,
        body: Option<&B>,
    ) -> Result<T, Error> {
        // Retrying before the server's Retry-After would only be refused
        // again: the policy stops when it asks for longer than the cap.
        self.inner
            .retry
            .run(
                |_| self.attempt(method.clone(), url.clone(), body),
                |failed| failed.decision,
            )
            .await
            .map_err(|failed| failed.error)
    }

    async fn attempt<T: DeserializeOwned, B: Serialize>(
        &self,
        method: Method,
        url: Url,
        body: Option<&B>,
    ) -> Result<T, Failed> {
        let mut req = self.inner.http.request(method, url);
        if let Some(token) = &self.inner.token {
            match HeaderValue::from_str(&format!("Bearer {}", token.0)) {
                Ok(mut v) => {
                    v.set_sensitive(true);
                    req = req.header(AUTHORIZATION, v);
                }
                Err(_) => {
                    return Err(Failed::stop(Error::Config(
                        "token contains characters not allowed in a header".into(),
                    )));
                }
            }
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let mut resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return Err(Failed::may_pass(self.transport_error(e), None)),
        };
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let mut bytes = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES => {
                    // A hostile or broken server must not make the client
                    // buffer without bound; the largest legitimate answer (100
                    // ids, a few identities each) is a few tens of KB.
                    return Err(Failed::stop(Error::Decode {
                        message: format!("the response is larger than {MAX_RESPONSE_BYTES} bytes"),
                        body: truncate(&bytes),
                    }));
                }
                Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(e) => return Err(Failed::may_pass(self.transport_error(e), None)),
            }
        }
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| {
                Failed::stop(Error::Decode {
                    message: e.to_string(),
                    body: truncate(&bytes),
                })
            });
        }
        let detail = serde_json::from_slice::<ErrorBody>(&bytes)
            .map(|b| b.detail)
            .unwrap_or_else(|_| truncate(&bytes));
        let err = match status {
            StatusCode::BAD_REQUEST => Error::BadRequest { detail },
            StatusCode::UNAUTHORIZED => Error::Unauthorized { detail },
            StatusCode::FORBIDDEN => Error::Forbidden { detail },
            StatusCode::NOT_FOUND => Error::NotFound { detail },
            StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge { detail },
            StatusCode::TOO_MANY_REQUESTS => {
                return Err(Failed::may_pass(
                    Error::RateLimited {
                        detail,
                        retry_after,
                    },
                    retry_after,
                ));
            }
            StatusCode::REQUEST_TIMEOUT => {
                return Err(Failed::may_pass(
                    Error::UnexpectedStatus {
                        status: status.as_u16(),
                        detail,
                    },
                    retry_after,
                ));
            }
            s if s.is_server_error() => {
                return Err(Failed::may_pass(
                    Error::Server {
                        status: s.as_u16(),
                        detail,
                    },
                    retry_after,
                ));
            }
            s => Error::UnexpectedStatus {
                status: s.as_u16(),
                detail,
            },
        };
        Err(Failed::stop(err))
    }

    fn transport_error(&self, e: reqwest::Error) -> Error {
        if e.is_timeout() {
            Error::Timeout(self.inner.timeout)
        } else {
            // URLs may carry ids; strip them from anything a user or log sees.
            Error::Transport(e.without_url())
        }
    }
}

fn checked_for_chunks<S: AsRef<str>>(ids: &[S]) -> Result<Vec<String>, Error> {
    let ids = normalize_ids(ids);
    if ids.is_empty() {
        return Err(Error::NoIds);
    }
    if ids.len() > MAX_CHUNKED {
        return Err(Error::BulkExportRequired { count: ids.len() });
    }
    Ok(ids)
}

fn checked<S: AsRef<str>>(ids: &[S]) -> Result<Vec<String>, Error> {
    let ids = normalize_ids(ids);
    if ids.is_empty() {
        return Err(Error::NoIds);
    }
    if ids.len() > MAX_BATCH {
        return Err(Error::TooManyIds { count: ids.len() });
    }
    Ok(ids)
}

/// The largest response body read.
const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

fn truncate(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(200).collect()
}
