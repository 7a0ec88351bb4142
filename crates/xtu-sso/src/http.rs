//! The HTTP layer shared by every XTU client: one place that decides timeouts,
//! body size caps, redirect handling and how transport errors are reported.
//!
//! Redirects are never followed by reqwest: the CAS answers its outcomes as
//! redirects, and a ticket URL must never end up in an error message, so every
//! caller follows redirects itself.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use retry_policy::{Decision, Policy};
use url::Url;

use crate::jar::CookieJar;
use crate::proxy::{ProxyError, ProxyRoutes, ProxySetting, Route};

/// Settings for the HTTP client of one session.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Timeout of each whole request, body included.
    pub timeout: Duration,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// Responses larger than this are refused.
    pub max_body_bytes: usize,
    /// The proxy, resolved when each client is built.
    pub proxy: ProxySetting,
}

/// XTU's systems serve browsers; some ZhengFang deployments answer unknown
/// agents differently, so look like a current desktop browser.
pub const DEFAULT_USER_AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 \
     (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36";

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            max_body_bytes: 8 * 1024 * 1024,
            proxy: ProxySetting::default(),
        }
    }
}

/// A request that did not complete. Messages name the host at most: URLs can
/// carry CAS tickets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No answer within the configured time.
    #[error("the request to {host} timed out")]
    Timeout {
        /// Host (and port) that did not answer.
        host: String,
    },
    /// The connection could not be made.
    #[error("could not connect to {host}: {reason}")]
    Connect {
        /// Host (and port) that could not be reached.
        host: String,
        /// The innermost cause, e.g. "connection refused".
        reason: String,
    },
    /// The proxy in use did not answer: it refused the connection, could not
    /// be resolved or did not answer in time.
    #[error("could not reach the proxy {proxy}: {reason}")]
    ProxyUnreachable {
        /// `host:port` of the proxy (never its credentials).
        proxy: String,
        /// The innermost cause.
        reason: String,
    },
    /// The proxy answered but did not open the way to the host.
    #[error("the proxy {proxy} could not connect to {host}: {reason}")]
    ProxyFailed {
        /// `host:port` of the proxy (never its credentials).
        proxy: String,
        /// Host (and port) asked for.
        host: String,
        /// What the proxy said.
        reason: String,
    },
    /// The proxy setting cannot be used.
    #[error(transparent)]
    InvalidProxy(#[from] ProxyError),
    /// The response was larger than [`HttpConfig::max_body_bytes`].
    #[error("the response from {host} is larger than {limit} bytes")]
    TooLarge {
        /// Host that sent it.
        host: String,
        /// The cap in force.
        limit: usize,
    },
    /// Any other failure while sending or receiving.
    #[error("the request to {host} failed: {reason}")]
    Other {
        /// Host (and port) involved, when known.
        host: String,
        /// The innermost cause.
        reason: String,
    },
    /// The client could not be built (e.g. no TLS backend).
    #[error("could not set up the HTTP client: {0}")]
    Setup(String),
}

impl TransportError {
    /// Converts a reqwest error, keeping only the host of its URL.
    pub fn from_reqwest(error: reqwest::Error) -> Self {
        Self::classify(error, None)
    }

    /// Converts a reqwest error of a request sent through `proxy` (when it
    /// went through one): a failure to reach the proxy is the proxy's, not
    /// the target's.
    fn classify(error: reqwest::Error, proxy: Option<&Route>) -> Self {
        let host = error
            .url()
            .map(host_of)
            .unwrap_or_else(|| "the server".into());
        let (timeout, connect) = (error.is_timeout(), error.is_connect());
        let error = error.without_url();
        let reason = innermost_cause(&error);
        if let Some(route) = proxy.filter(|_| connect && !timeout) {
            return Self::from_proxy_failure(&error, route, host, reason);
        }
        if timeout {
            Self::Timeout { host }
        } else if connect {
            Self::Connect { host, reason }
        } else {
            Self::Other { host, reason }
        }
    }

    /// A connect error of a request through a proxy. Every TCP connection
    /// reqwest opens then goes to the proxy (except the local name lookup
    /// of a `socks5` proxy), so an IO error in the chain is the proxy's.
    fn from_proxy_failure(
        error: &(dyn std::error::Error + 'static),
        route: &Route,
        host: String,
        reason: String,
    ) -> Self {
        let proxy = route.url.host_port();
        let chain: Vec<&(dyn std::error::Error + 'static)> =
            std::iter::successors(Some(error), |e| e.source()).collect();
        let said = |text: &str| chain.iter().any(|e| e.to_string().contains(text));
        if said("error resolving for socks proxy") {
            return Self::Connect {
                host,
                reason: format!(
                    "cannot resolve the name here (a socks5:// proxy is given addresses;                      socks5h:// lets the proxy resolve names): {reason}"
                ),
            };
        }
        // TLS with the host, inside a tunnel the proxy opened: the host's.
        let tls = chain
            .iter()
            .any(|e| e.downcast_ref::<rustls::Error>().is_some());
        if tls {
            return Self::Connect {
                host,
                reason: format!("TLS through the proxy {proxy} failed: {reason}"),
            };
        }
        use std::io::ErrorKind;
        let connect_failed = chain.iter().any(|e| {
            e.downcast_ref::<std::io::Error>().is_some_and(|io| {
                matches!(
                    io.kind(),
                    ErrorKind::ConnectionRefused
                        | ErrorKind::TimedOut
                        | ErrorKind::HostUnreachable
                        | ErrorKind::NetworkUnreachable
                        | ErrorKind::AddrNotAvailable
                        | ErrorKind::ConnectionReset
                        | ErrorKind::ConnectionAborted
                )
            })
        });
        // hyper-util's own words for its connection to the proxy.
        let unreachable = connect_failed
            || said("tcp connect error")
            || said("dns error")
            || said("SOCKS error: failed to create underlying connection")
            || said("SOCKS error: io error");
        if unreachable {
            // hyper-util's SOCKS connector keeps the cause to itself.
            let reason = if reason.starts_with("SOCKS error: failed to create") {
                "no connection (refused, unreachable or no answer)".to_owned()
            } else {
                reason
            };
            Self::ProxyUnreachable { proxy, reason }
        } else {
            Self::ProxyFailed {
                proxy,
                host,
                reason,
            }
        }
    }

    /// A short name of the failure, without hosts or causes (for logs).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Timeout { .. } => "timeout",
            Self::Connect { .. } => "connect",
            Self::ProxyUnreachable { .. } => "proxy unreachable",
            Self::ProxyFailed { .. } => "proxy failed",
            Self::InvalidProxy(_) => "invalid proxy",
            Self::TooLarge { .. } => "too large",
            Self::Other { .. } => "transport",
            Self::Setup(_) => "setup",
        }
    }

    /// Whether retrying the same idempotent request could succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Timeout { .. }
                | Self::Connect { .. }
                | Self::Other { .. }
                | Self::ProxyUnreachable { .. }
                | Self::ProxyFailed { .. }
        )
    }
}

fn innermost_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

/// `host[:port]` of a URL.
pub fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => "the server".to_owned(),
    }
}

/// A URL fit for an error message: scheme, host, port and path only.
pub fn redact_url(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    // Credentials in a base URL are secrets too.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

/// Builds the client of one session: cookies in `jar`, no automatic
/// redirects, the proxies of `config.proxy` (resolved now, see
/// [`crate::proxy`]) and none of reqwest's own reading of the environment.
pub fn build_client(jar: &CookieJar, config: &HttpConfig) -> Result<Client, TransportError> {
    install_crypto_provider();
    let proxies = config.proxy.resolve()?;
    let mut builder = reqwest::Client::builder()
        .cookie_provider(jar.provider())
        .redirect(reqwest::redirect::Policy::none())
        .timeout(config.timeout)
        .connect_timeout(config.timeout.min(Duration::from_secs(10)))
        .user_agent(&config.user_agent)
        .no_proxy();
    if !proxies.is_direct() {
        builder = builder.proxy(proxies.to_reqwest());
    }
    let inner = builder
        .build()
        .map_err(|e| TransportError::Setup(innermost_cause(&e.without_url())))?;
    Ok(Client { inner, proxies })
}

/// An HTTP client of one session that knows its proxies: failures to
/// reach a proxy name it, and the request log names the proxy each
/// request went through. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    inner: reqwest::Client,
    proxies: ProxyRoutes,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("proxies", &self.proxies)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A GET of `url`.
    pub fn get(&self, url: impl reqwest::IntoUrl) -> RequestBuilder {
        self.request(self.inner.get(url))
    }

    /// A POST to `url`.
    pub fn post(&self, url: impl reqwest::IntoUrl) -> RequestBuilder {
        self.request(self.inner.post(url))
    }

    /// The proxies requests go through.
    pub fn proxies(&self) -> &ProxyRoutes {
        &self.proxies
    }

    fn request(&self, inner: reqwest::RequestBuilder) -> RequestBuilder {
        RequestBuilder {
            inner,
            proxies: self.proxies.clone(),
        }
    }
}

/// A request being built by a [`Client`]; sent by [`send`].
#[derive(Debug)]
pub struct RequestBuilder {
    inner: reqwest::RequestBuilder,
    proxies: ProxyRoutes,
}

impl RequestBuilder {
    /// A URL-encoded form body.
    pub fn form<T: serde::Serialize + ?Sized>(self, form: &T) -> Self {
        Self {
            inner: self.inner.form(form),
            ..self
        }
    }

    /// A timeout for this request instead of the client's.
    pub fn timeout(self, timeout: Duration) -> Self {
        Self {
            inner: self.inner.timeout(timeout),
            ..self
        }
    }

    /// A header.
    pub fn header(self, name: &'static str, value: &'static str) -> Self {
        Self {
            inner: self.inner.header(name, value),
            ..self
        }
    }
}

/// rustls needs a process-wide crypto provider: ring, unless the program
/// installed one of its own first (then that one stays).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// How an idempotent request (a GET, a query POST) is retried: three tries
/// in all, after waits of 200 and 400 ms, each plus up to half (so that
/// clients failing together do not retry together).
pub const IDEMPOTENT: Policy = Policy::tries(3, Duration::from_millis(200)).jittered();

/// How a hand-off through the CAS (to the academic or the graduate system)
/// is tried again as a whole, from its first hop, when a hop carrying a
/// single-use ticket fails: three tries in all, after 200 and 600 ms, each
/// plus up to half. Each try gets a new ticket; none is sent twice.
pub const HAND_OFF: Policy = Policy::tries(3, Duration::from_millis(200))
    .factor(3)
    .jittered();

/// Runs an idempotent request under [`IDEMPOTENT`] while `transient` says
/// its failure may pass. Never use it for a request with effects, such as a
/// login POST.
pub async fn retry_idempotent<T, E, Fut>(
    request: impl FnMut() -> Fut,
    transient: impl Fn(&E) -> bool,
) -> Result<T, E>
where
    Fut: std::future::Future<Output = Result<T, E>>,
{
    retry(&IDEMPOTENT, request, transient).await
}

/// What a request does at the site, which decides whether it may be sent
/// again after a failure whose answer may have been lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Only reads: a GET, or a POST that only asks (ZhengFang's query
    /// XHRs, `doType=query`). Retried like a GET ([`retry_idempotent`]).
    Reads,
    /// Changes something at the site (a login, a form saved or submitted):
    /// sent once, whatever happens. A caller that could retry must first
    /// find out whether the lost request took effect.
    Writes,
}

/// Runs `request` as its `effect` allows: a read with
/// [`retry_idempotent`], a write exactly once.
pub async fn run<T, E, Fut>(
    effect: Effect,
    mut request: impl FnMut() -> Fut,
    transient: impl Fn(&E) -> bool,
) -> Result<T, E>
where
    Fut: std::future::Future<Output = Result<T, E>>,
{
    match effect {
        Effect::Reads => retry_idempotent(request, transient).await,
        Effect::Writes => request().await,
    }
}

/// Runs `request` under `policy` while `transient` says its failure may
/// pass. The requests sent inside are logged with their attempt number.
pub async fn retry<T, E, Fut>(
    policy: &Policy,
    mut request: impl FnMut() -> Fut,
    transient: impl Fn(&E) -> bool,
) -> Result<T, E>
where
    Fut: std::future::Future<Output = Result<T, E>>,
{
    policy
        .run(
            |attempt| with_attempt(attempt, request()),
            |error| {
                if transient(error) {
                    Decision::Retry
                } else {
                    Decision::Stop
                }
            },
        )
        .await
}

tokio::task_local! {
    /// The attempt number of the requests sent by the current task, set by
    /// [`retry`] and by callers that retry a whole exchange themselves. The
    /// innermost counts: a GET retried in place logs its own tries; a
    /// request sent once within a retried exchange (the hand-off's ticket
    /// hop, a login POST) logs the exchange's.
    static ATTEMPT: u32;
}

/// Runs `future` with the requests it sends logged as attempt `attempt`.
pub async fn with_attempt<F: std::future::Future>(attempt: u32, future: F) -> F::Output {
    ATTEMPT.scope(attempt, future).await
}

fn current_attempt() -> u32 {
    ATTEMPT.try_with(|attempt| *attempt).unwrap_or(1)
}

/// Statuses a proxy in front of XTU answers while XTU is down or restarting:
/// worth retrying an idempotent request for.
pub fn is_gateway_error(status: u16) -> bool {
    matches!(status, 502..=504)
}

/// The `tracing` target of the one event logged per request.
pub const LOG_TARGET: &str = "xtu::http";

/// Sends a request, converting errors, and logs it: one `DEBUG` event on
/// [`LOG_TARGET`] per request with its method, host, path, the proxy's
/// `host:port` (when it went through one), status (or error),
/// milliseconds, attempt number and, for a redirect, the target's host and
/// path. Never a query string, cookie, header, body or proxy credential:
/// those carry tickets, tokens and passwords.
pub async fn send(request: RequestBuilder) -> Result<reqwest::Response, TransportError> {
    let RequestBuilder { inner, proxies } = request;
    let (client, request) = inner.build_split();
    let request = request.map_err(TransportError::from_reqwest)?;
    let method = request.method().clone();
    let url = request.url().clone();
    let route = proxies.for_url(&url);
    let started = std::time::Instant::now();
    let result = client
        .execute(request)
        .await
        .map_err(|e| TransportError::classify(e, route));
    let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let (host, path, attempt) = (host_of(&url), url.path(), current_attempt());
    let proxy = route.map(|route| route.url.host_port());
    match &result {
        Ok(response) => {
            let redirect = location(response);
            tracing::debug!(
                target: LOG_TARGET,
                %method,
                host,
                path,
                proxy,
                status = response.status().as_u16(),
                ms,
                attempt,
                redirect_host = redirect.as_ref().map(host_of),
                redirect_path = redirect.as_ref().map(Url::path),
                "http request"
            );
        }
        Err(error) => tracing::debug!(
            target: LOG_TARGET,
            %method,
            host,
            path,
            proxy,
            error = error.kind(),
            ms,
            attempt,
            "http request failed"
        ),
    }
    result
}

/// Reads a whole body, refusing more than `max` bytes without buffering them.
pub async fn read_body(
    mut response: reqwest::Response,
    max: usize,
) -> Result<Bytes, TransportError> {
    let host = host_of(response.url());
    let too_large = || TransportError::TooLarge {
        host: host.clone(),
        limit: max,
    };
    if response
        .content_length()
        .is_some_and(|len| len > max as u64)
    {
        return Err(too_large());
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(TransportError::from_reqwest)?
    {
        if body.len() + chunk.len() > max {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The text of a body in the charset its `Content-Type` declares (UTF-8
/// when none or an unknown one is declared; a byte-order mark wins, as in
/// browsers). Invalid sequences become U+FFFD rather than an error: the
/// parsers then report what they could not find.
pub fn decode_body(body: &[u8], content_type: Option<&str>) -> String {
    let declared = content_type
        .and_then(|ct| {
            ct.split(';')
                .filter_map(|param| param.split_once('='))
                .find(|(key, _)| key.trim().eq_ignore_ascii_case("charset"))
                .map(|(_, value)| value.trim().trim_matches('"').to_owned())
        })
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    declared.decode(body).0.into_owned()
}

/// The `Content-Type` of a response, if readable.
pub fn content_type(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The target of a redirect response, resolved against the response URL.
pub fn location(response: &reqwest::Response) -> Option<Url> {
    if !response.status().is_redirection() {
        return None;
    }
    let value = response.headers().get(reqwest::header::LOCATION)?;
    response.url().join(value.to_str().ok()?).ok()
}

/// Joins a base URL given by a user (with or without a trailing slash) and an
/// absolute path like `/cas/login`.
pub fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    let (path, query) = path
        .split_once('?')
        .map_or((path, None), |(p, q)| (p, Some(q)));
    url.set_path(&format!("{prefix}{path}"));
    url.set_query(query);
    url
}

/// Parses a user-supplied base URL (http or https, no query).
pub fn parse_base_url(base: &str) -> Result<Url, BaseUrlError> {
    let url = Url::parse(base.trim()).map_err(|_| BaseUrlError(base.to_owned()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(BaseUrlError(base.to_owned()));
    }
    Ok(url)
}

/// A base URL that is not an absolute http(s) URL.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid base url {0:?}: expected an absolute http:// or https:// url")]
pub struct BaseUrlError(String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_decoded_in_their_declared_charset() {
        let (gbk, _, _) = encoding_rs::GBK.encode("学号：202205561111 张三");
        assert_eq!(
            decode_body(&gbk, Some("text/html; charset=GBK")),
            "学号：202205561111 张三"
        );
        assert_eq!(decode_body("张三".as_bytes(), None), "张三");
        assert_eq!(
            decode_body("张三".as_bytes(), Some("text/html;charset=bogus")),
            "张三"
        );
        // Undeclared GBK: replacement characters, never a panic.
        assert!(decode_body(&gbk, None).contains('\u{fffd}'));
    }

    #[test]
    fn joins_with_and_without_trailing_slash() {
        for base in [
            "http://h:1",
            "http://h:1/",
            "http://h:1/prefix",
            "http://h:1/prefix/",
        ] {
            let base = parse_base_url(base).expect("valid");
            let joined = join(&base, "/cas/login?service=x");
            assert!(
                joined.as_str().ends_with("/cas/login?service=x"),
                "{joined}"
            );
            assert!(!joined.path().contains("//"), "{joined}");
        }
    }

    #[test]
    fn redaction_drops_query_and_credentials() {
        let url = Url::parse("https://u:p@h/sso?ticket=ST-1#f").expect("valid");
        assert_eq!(redact_url(&url), "https://h/sso");
    }

    /// A write is sent once whatever happens; a read is retried while its
    /// failure may pass, within the GETs' budget.
    #[tokio::test]
    async fn a_write_is_sent_once_and_a_read_retried() {
        let sent = std::sync::atomic::AtomicU32::new(0);
        let lost = || {
            sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            async { Err::<(), &str>("the answer was lost") }
        };
        assert!(run(Effect::Writes, lost, |_| true).await.is_err());
        assert_eq!(sent.swap(0, std::sync::atomic::Ordering::Relaxed), 1);
        assert!(run(Effect::Reads, lost, |_| true).await.is_err());
        assert_eq!(
            sent.swap(0, std::sync::atomic::Ordering::Relaxed),
            IDEMPOTENT.max_tries().expect("a count of tries")
        );
        // A failure that will not pass is not retried, even for a read.
        assert!(run(Effect::Reads, lost, |_| false).await.is_err());
        assert_eq!(sent.load(std::sync::atomic::Ordering::Relaxed), 1);
    }

    #[test]
    fn rejects_non_http_base_urls() {
        for base in ["ftp://h", "h", "", "file:///etc"] {
            assert!(parse_base_url(base).is_err(), "{base}");
        }
    }
}
