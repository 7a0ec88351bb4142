//! What stands between this machine and XTU, step by step, without a
//! password: the proxy in use (first: which one and where it was set), DNS,
//! TCP, TLS and HTTP for both hosts, the CAS login form and
//! its key, the academic system's hand-off to the CAS, a stored session (when
//! the caller has one) and the local clock.
//!
//! Every step gives a [`Verdict`]; a failing step says whether the network
//! ([`FailureClass::Network`]) or the site ([`FailureClass::SiteChanged`])
//! is at fault. Steps that depend on a failed one are skipped, so the first
//! failure is the cause to act on.
//!
//! Through a proxy, the DNS step of a host is left to the proxy when the
//! proxy resolves names (`socks5h`, HTTP proxies), and TCP and TLS happen
//! inside the proxy's tunnel: the HTTP step checks them through it.

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant, SystemTime};

use reqwest::StatusCode;
use rustls::pki_types::ServerName;
use rustls_platform_verifier::BuilderVerifierExt as _;
use scraper::{Html, Selector};
use serde::Serialize;
use tokio::net::TcpStream;
use url::{Host, Url};

use crate::http::{self, BaseUrlError, HttpConfig};
use crate::jar::CookieJar;
use crate::login::SsoClient;
use crate::proxy::{ProxyRoutes, ProxySetting, Route};
use crate::rsa::PublicKey;

/// Clock differences above this fail the clock step: CAS tickets and TLS
/// certificates are checked against the time.
pub const DEFAULT_MAX_CLOCK_SKEW: Duration = Duration::from_secs(120);
/// Timeout of each step's request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// What to check.
#[derive(Debug, Clone)]
pub struct DoctorConfig {
    /// Base URL of the CAS.
    pub sso_base_url: String,
    /// Base URL of the academic system.
    pub ems_base_url: String,
    /// Timeout of each step's network operation.
    pub timeout: Duration,
    /// Largest accepted difference between the local and the servers' clocks.
    pub max_clock_skew: Duration,
    /// The proxy setting the clients use.
    pub proxy: ProxySetting,
}

impl DoctorConfig {
    /// Both base URLs, with the default timeout and clock tolerance.
    pub fn new(sso_base_url: impl Into<String>, ems_base_url: impl Into<String>) -> Self {
        Self {
            sso_base_url: sso_base_url.into(),
            ems_base_url: ems_base_url.into(),
            timeout: DEFAULT_TIMEOUT,
            max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
            proxy: ProxySetting::default(),
        }
    }
}

/// The outcome of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Works.
    Pass,
    /// Does not work: see the step's class and detail.
    Fail,
    /// Not checked (does not apply, or a step it depends on failed).
    Skip,
}

/// Whose fault a failing step is. The `xtu` CLI exits with 8 for
/// [`Network`](Self::Network) and [`Clock`](Self::Clock) (a local problem,
/// not the site's), 9 for [`SiteChanged`](Self::SiteChanged) and 10 for
/// [`SessionExpired`](Self::SessionExpired).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FailureClass {
    /// A host cannot be reached (DNS, TCP, TLS, timeouts, gateway errors):
    /// the network, a firewall, or this build's TLS.
    Network,
    /// A host answers, but not as the protocol says: the site changed.
    SiteChanged,
    /// The stored session is no longer valid.
    SessionExpired,
    /// The local clock is off.
    Clock,
}

impl fmt::Display for FailureClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Network => "network",
            Self::SiteChanged => "site changed",
            Self::SessionExpired => "session expired",
            Self::Clock => "clock",
        })
    }
}

/// One checked step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Stable name, e.g. `sso tls`, `cas login page`.
    pub name: String,
    /// The outcome.
    pub verdict: Verdict,
    /// What was found (addresses, TLS version, status...) or what failed.
    /// Never a cookie, token or query string.
    pub detail: String,
    /// For a failure: whose fault it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<FailureClass>,
    /// What the user can do about it, when there is something to say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Step {
    /// A passed step.
    pub fn pass(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(name, Verdict::Pass, detail, None)
    }

    /// A failed step.
    pub fn fail(name: impl Into<String>, class: FailureClass, detail: impl Into<String>) -> Self {
        Self::new(name, Verdict::Fail, detail, Some(class))
    }

    /// A skipped step.
    pub fn skip(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(name, Verdict::Skip, detail, None)
    }

    /// The same step with a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    fn new(
        name: impl Into<String>,
        verdict: Verdict,
        detail: impl Into<String>,
        class: Option<FailureClass>,
    ) -> Self {
        Self {
            name: name.into(),
            verdict,
            detail: detail.into(),
            class,
            hint: None,
        }
    }

    fn passed(&self) -> bool {
        self.verdict == Verdict::Pass
    }
}

/// Every step, in order. Serializes as
/// `{"passed", "first_failure", "class", "steps": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DoctorReport {
    /// The steps, in the order they ran.
    pub steps: Vec<Step>,
}

impl DoctorReport {
    /// The first failing step: the one to act on.
    pub fn first_failure(&self) -> Option<&Step> {
        self.steps.iter().find(|s| s.verdict == Verdict::Fail)
    }

    /// Whether no step failed.
    pub fn passed(&self) -> bool {
        self.first_failure().is_none()
    }

    fn step(&self, name: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.name == name)
    }
}

impl Serialize for DoctorReport {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Report<'a> {
            passed: bool,
            first_failure: Option<&'a str>,
            class: Option<FailureClass>,
            steps: &'a [Step],
        }
        let first = self.first_failure();
        Report {
            passed: first.is_none(),
            first_failure: first.map(|s| s.name.as_str()),
            class: first.and_then(|s| s.class),
            steps: &self.steps,
        }
        .serialize(serializer)
    }
}

/// Why a stored session is not usable, for [`SessionCheck`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFailure {
    /// Whose fault.
    pub class: FailureClass,
    /// What failed (no secret).
    pub detail: String,
}

/// The caller's check of a stored session (e.g. the academic-system
/// client's `check`), run as the `stored session` step: `Ok` with a short
/// description of the session when it is valid.
pub type SessionCheck =
    Pin<Box<dyn Future<Output = Result<String, CheckFailure>> + Send + 'static>>;

/// Step names, stable for scripts reading `--format json`.
const LOGIN_PAGE: &str = "cas login page";
const PUBLIC_KEY: &str = "cas public key";
const HAND_OFF: &str = "ems hand-off";
const SESSION: &str = "stored session";
const PROXY: &str = "proxy";
const CLOCK: &str = "clock";

const TLS_HINT: &str = "the server offers only TLS versions or cipher suites that rustls refuses \
     (old campus configurations often offer only CBC suites); use a build with the platform's \
     TLS: the cargo feature `native-tls`";
const NETWORK_HINT: &str = "check the network connection (off campus, XTU's systems may need the \
     campus VPN) and the base URL";
const PROXY_HINT: &str = "start the VPN client that serves this proxy (EasyConnect, zju-connect...), \
     or check its address; --proxy none goes direct";

/// One host under test.
struct Target {
    /// `sso` or `ems`.
    system: &'static str,
    base: Url,
    /// What DNS and SNI are given (an IPv6 literal without brackets).
    host: String,
    port: u16,
    /// The proxy requests to this host go through.
    proxy: Option<Route>,
}

impl Target {
    fn new(system: &'static str, base: Url) -> Self {
        let host = match base.host() {
            Some(Host::Ipv6(addr)) => addr.to_string(),
            Some(host) => host.to_string(),
            None => String::new(),
        };
        let port = base.port_or_known_default().unwrap_or(80);
        Self {
            system,
            base,
            host,
            port,
            proxy: None,
        }
    }

    fn step(&self, what: &str) -> String {
        format!("{} {what}", self.system)
    }
}

/// Runs every step. Sends no password and no stored cookie (except through
/// `session`, the caller's own check). Fails only on an invalid base URL.
pub async fn run(
    config: &DoctorConfig,
    session: Option<SessionCheck>,
) -> Result<DoctorReport, BaseUrlError> {
    let mut targets = [
        Target::new("sso", http::parse_base_url(&config.sso_base_url)?),
        Target::new("ems", http::parse_base_url(&config.ems_base_url)?),
    ];
    // The URL is valid (parsed above): building cannot fail.
    let sso_client = SsoClient::builder()
        .base_url(config.sso_base_url.as_str())
        .build()
        .ok();
    let mut report = DoctorReport::default();
    let timeout = config.timeout;

    let proxy_up = match config.proxy.resolve() {
        Ok(routes) => {
            for target in &mut targets {
                target.proxy = routes.for_url(&target.base).cloned();
            }
            let (step, up) = proxy_step(&routes, &targets, timeout).await;
            report.steps.push(step);
            up
        }
        Err(e) => {
            report.steps.push(
                Step::fail(PROXY, FailureClass::Network, e.to_string())
                    .with_hint("fix the proxy URL: http://, https://, socks5:// or socks5h://"),
            );
            false
        }
    };

    let mut addresses = Vec::new();
    for target in &targets {
        let (step, found) = match &target.proxy {
            Some(route) if route.url.resolves_names() => (
                Step::skip(
                    target.step("dns"),
                    format!(
                        "done by the proxy {} ({}): it resolves {}",
                        route.url.host_port(),
                        route.url.scheme(),
                        target.host
                    ),
                ),
                None,
            ),
            _ => dns(target, timeout).await,
        };
        report.steps.push(step);
        addresses.push(found);
    }
    let mut streams = Vec::new();
    for (target, found) in targets.iter().zip(&addresses) {
        let (step, stream) = match (&target.proxy, found) {
            (Some(route), _) => (
                Step::skip(
                    target.step("tcp"),
                    format!(
                        "through the proxy {}: checked by the http step",
                        route.url.host_port()
                    ),
                ),
                None,
            ),
            (None, Some(found)) => tcp(target, found, timeout).await,
            (None, None) => (Step::skip(target.step("tcp"), "skipped: no address"), None),
        };
        report.steps.push(step);
        streams.push(stream);
    }
    for (target, stream) in targets.iter().zip(streams) {
        let step = match stream {
            _ if target.base.scheme() != "https" => {
                Step::skip(target.step("tls"), "plain http: no TLS")
            }
            _ if target.proxy.is_some() => Step::skip(
                target.step("tls"),
                "inside the proxy's tunnel: checked by the http step",
            ),
            Some(stream) => tls(target, stream, timeout).await,
            None => Step::skip(target.step("tls"), "skipped: no connection"),
        };
        report.steps.push(step);
    }
    let http_config = HttpConfig {
        timeout,
        proxy: config.proxy.clone(),
        ..HttpConfig::default()
    };
    let mut dates = Vec::new();
    for target in &targets {
        let connected = if target.proxy.is_some() {
            proxy_up
        } else {
            report.step(&target.step("tcp")).is_some_and(Step::passed)
        };
        let tls_failed = report
            .step(&target.step("tls"))
            .is_some_and(|s| s.verdict == Verdict::Fail);
        let step = if !connected && target.proxy.is_some() {
            Step::skip(target.step("http"), "skipped: the proxy is unreachable")
        } else if !connected {
            Step::skip(target.step("http"), "skipped: no connection")
        } else if tls_failed {
            Step::skip(target.step("http"), "skipped: no TLS connection")
        } else {
            let (step, date) = reachability(target, &http_config).await;
            dates.extend(date.map(|d| (target.host.clone(), d)));
            step
        };
        report.steps.push(step);
    }

    let sso_up = report.step("sso http").is_some_and(Step::passed);
    match (sso_up, &sso_client) {
        (true, Some(sso)) => {
            let (page, key) = login_form_and_key(sso, &http_config).await;
            report.steps.push(page);
            report.steps.push(key);
        }
        _ => {
            report
                .steps
                .push(Step::skip(LOGIN_PAGE, "skipped: the CAS is unreachable"));
            report
                .steps
                .push(Step::skip(PUBLIC_KEY, "skipped: the CAS is unreachable"));
        }
    }
    let ems_up = report.step("ems http").is_some_and(Step::passed);
    report.steps.push(if ems_up {
        hand_off(&targets[1], &targets[0], &http_config).await
    } else {
        Step::skip(HAND_OFF, "skipped: the academic system is unreachable")
    });
    report.steps.push(match session {
        None => Step::skip(SESSION, "no stored session"),
        Some(_) if !(sso_up && ems_up) => Step::skip(SESSION, "skipped: a host is unreachable"),
        Some(check) => match check.await {
            Ok(detail) => Step::pass(SESSION, detail),
            Err(failure) => Step::fail(SESSION, failure.class, failure.detail),
        },
    });
    report.steps.push(clock(&dates, config.max_clock_skew));
    Ok(report)
}

/// Which proxy is in use and where it was set; for each proxy a host goes
/// through, a TCP connection to it. True when every proxy in use answers.
async fn proxy_step(routes: &ProxyRoutes, targets: &[Target], timeout: Duration) -> (Step, bool) {
    let described = routes.describe();
    let mut used: Vec<&Route> = Vec::new();
    for route in targets.iter().filter_map(|t| t.proxy.as_ref()) {
        if !used.contains(&route) {
            used.push(route);
        }
    }
    if used.is_empty() {
        let detail = if routes.is_direct() {
            described
        } else {
            format!("{described}; both hosts are reached directly")
        };
        return (Step::skip(PROXY, detail), true);
    }
    let mut found = Vec::new();
    for route in used {
        let address = route.url.host_port();
        let started = Instant::now();
        let connect = TcpStream::connect(address.as_str());
        match tokio::time::timeout(timeout, connect).await {
            Ok(Ok(_)) => found.push(format!("{address} answers in {} ms", millis(started))),
            Ok(Err(e)) => {
                let detail = format!("{described}; could not reach the proxy {address}: {e}");
                return (
                    Step::fail(PROXY, FailureClass::Network, detail).with_hint(PROXY_HINT),
                    false,
                );
            }
            Err(_) => {
                let detail = format!(
                    "{described}; could not reach the proxy {address}: no answer within {timeout:?}"
                );
                return (
                    Step::fail(PROXY, FailureClass::Network, detail).with_hint(PROXY_HINT),
                    false,
                );
            }
        }
    }
    (
        Step::pass(PROXY, format!("{described}; {}", found.join(", "))),
        true,
    )
}

async fn dns(target: &Target, timeout: Duration) -> (Step, Option<Vec<SocketAddr>>) {
    let name = target.step("dns");
    let lookup = tokio::net::lookup_host((target.host.as_str(), target.port));
    let failed = |why: String| {
        Step::fail(
            name.clone(),
            FailureClass::Network,
            format!("cannot resolve {}: {why}", target.host),
        )
        .with_hint(NETWORK_HINT)
    };
    match tokio::time::timeout(timeout, lookup).await {
        Ok(Ok(found)) => {
            let found: Vec<SocketAddr> = found.collect();
            if found.is_empty() {
                return (failed("no address".into()), None);
            }
            let mut shown: Vec<String> = found.iter().take(4).map(|a| a.ip().to_string()).collect();
            if found.len() > 4 {
                shown.push("…".into());
            }
            let detail = format!("{} → {}", target.host, shown.join(", "));
            (Step::pass(name, detail), Some(found))
        }
        Ok(Err(e)) => (failed(e.to_string()), None),
        Err(_) => (failed(format!("no answer within {timeout:?}")), None),
    }
}

async fn tcp(
    target: &Target,
    addresses: &[SocketAddr],
    timeout: Duration,
) -> (Step, Option<TcpStream>) {
    let mut errors = Vec::new();
    for address in addresses {
        let started = Instant::now();
        match tokio::time::timeout(timeout, TcpStream::connect(address)).await {
            Ok(Ok(stream)) => {
                let detail = format!("connected to {address} in {} ms", millis(started));
                return (Step::pass(target.step("tcp"), detail), Some(stream));
            }
            Ok(Err(e)) => errors.push(format!("{address}: {e}")),
            Err(_) => errors.push(format!("{address}: no answer within {timeout:?}")),
        }
    }
    let detail = format!("cannot connect ({})", errors.join("; "));
    let step =
        Step::fail(target.step("tcp"), FailureClass::Network, detail).with_hint(NETWORK_HINT);
    (step, None)
}

/// The client configuration of reqwest's rustls backend: the same crypto
/// provider (aws-lc-rs) and the platform's certificate verifier.
fn tls_config() -> Result<Arc<rustls::ClientConfig>, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_platform_verifier()?
        .with_no_client_auth();
    Ok(Arc::new(config))
}

async fn tls(target: &Target, stream: TcpStream, timeout: Duration) -> Step {
    let name = target.step("tls");
    let config = match tls_config() {
        Ok(config) => config,
        Err(e) => {
            return Step::fail(
                name,
                FailureClass::Network,
                format!("cannot set up TLS: {e}"),
            );
        }
    };
    let Ok(server_name) = ServerName::try_from(target.host.clone()) else {
        return Step::fail(
            name,
            FailureClass::Network,
            format!("{} is not a valid TLS server name", target.host),
        );
    };
    let connector = tokio_rustls::TlsConnector::from(config);
    let started = Instant::now();
    let handshake = tokio::time::timeout(timeout, connector.connect(server_name, stream)).await;
    match handshake {
        Ok(Ok(stream)) => {
            let (_, connection) = stream.get_ref();
            let version = connection
                .protocol_version()
                .map_or_else(|| "unknown version".to_owned(), tls_version_name);
            let suite = connection
                .negotiated_cipher_suite()
                .and_then(|s| s.suite().as_str())
                .unwrap_or("unknown cipher suite");
            Step::pass(
                name,
                format!("{version}, {suite}, in {} ms", millis(started)),
            )
        }
        Ok(Err(e)) => tls_failure(name, &e),
        Err(_) => Step::fail(
            name,
            FailureClass::Network,
            format!("no TLS handshake within {timeout:?}"),
        )
        .with_hint(NETWORK_HINT),
    }
}

fn tls_version_name(version: rustls::ProtocolVersion) -> String {
    match version {
        rustls::ProtocolVersion::TLSv1_3 => "TLS 1.3".into(),
        rustls::ProtocolVersion::TLSv1_2 => "TLS 1.2".into(),
        other => format!("{other:?}"),
    }
}

/// How a TLS handshake failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TlsFailure {
    /// No protocol version or cipher suite in common.
    Incompatible,
    /// The certificate is not trusted (or the clock is off).
    Certificate,
    /// Anything else: the connection dropped, a malformed answer...
    Other,
}

fn classify_tls(error: &std::io::Error) -> TlsFailure {
    use rustls::{AlertDescription as Alert, Error, PeerIncompatible, PeerMisbehaved};
    let Some(error) = error.get_ref().and_then(|e| e.downcast_ref::<Error>()) else {
        return TlsFailure::Other;
    };
    match error {
        Error::AlertReceived(
            Alert::HandshakeFailure | Alert::ProtocolVersion | Alert::InsufficientSecurity,
        )
        | Error::PeerIncompatible(
            PeerIncompatible::NoCipherSuitesInCommon
            | PeerIncompatible::ServerDoesNotSupportTls12Or13
            | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
            | PeerIncompatible::Tls12NotOffered
            | PeerIncompatible::Tls12NotOfferedOrEnabled
            | PeerIncompatible::NoKxGroupsInCommon
            | PeerIncompatible::NoSignatureSchemesInCommon
            | PeerIncompatible::ExtendedMasterSecretExtensionRequired,
        )
        | Error::PeerMisbehaved(PeerMisbehaved::SelectedUnofferedCipherSuite) => {
            TlsFailure::Incompatible
        }
        Error::InvalidCertificate(_) | Error::NoCertificatesPresented => TlsFailure::Certificate,
        _ => TlsFailure::Other,
    }
}

fn tls_failure(name: String, error: &std::io::Error) -> Step {
    match classify_tls(error) {
        TlsFailure::Incompatible if cfg!(feature = "native-tls") => Step::skip(
            name,
            format!(
                "rustls finds no TLS version or cipher suite in common with the server ({error}); \
                 this build sends its requests through the platform's TLS, checked by the http step"
            ),
        ),
        TlsFailure::Incompatible => Step::fail(
            name,
            FailureClass::Network,
            format!("no TLS version or cipher suite in common with the server ({error})"),
        )
        .with_hint(TLS_HINT),
        TlsFailure::Certificate => Step::fail(
            name,
            FailureClass::Network,
            format!("the server's certificate is not trusted ({error})"),
        )
        .with_hint(
            "a proxy that intercepts TLS, or a wrong local clock (see the clock step), \
             makes certificates fail",
        ),
        TlsFailure::Other => Step::fail(
            name,
            FailureClass::Network,
            format!("TLS handshake failed: {error}"),
        )
        .with_hint(format!(
            "{NETWORK_HINT}; a server that drops the connection during the handshake may also \
             refuse this build's TLS (the cargo feature `native-tls` uses the platform's)"
        )),
    }
}

/// The page each system always serves without a session: the CAS's login
/// page, jwglxt's own login page (where it sends expired sessions). A
/// host's root proves nothing: a wrong base URL's server answers it too,
/// often with a 404.
fn probe_path(target: &Target) -> &'static str {
    if target.system == "sso" {
        "/cas/login"
    } else {
        "/jwglxt/xtgl/login_slogin.html"
    }
}

/// The host answers its probe page ([`probe_path`]) with a success or a
/// redirect. A gateway's 502-504 and other server errors are the network's
/// or the server's; any other status (a 404...) means the base URL does
/// not lead to that system.
async fn reachability(target: &Target, config: &HttpConfig) -> (Step, Option<SystemTime>) {
    let name = target.step("http");
    let client = match http::build_client(&CookieJar::new(), config) {
        Ok(client) => client,
        Err(e) => return (Step::fail(name, FailureClass::Network, e.to_string()), None),
    };
    let started = Instant::now();
    let path = probe_path(target);
    match http::send(client.get(http::join(&target.base, path))).await {
        Ok(response) => {
            let date = server_date(&response);
            let status = response.status();
            let detail = format!("HTTP {} in {} ms", status.as_u16(), millis(started));
            let step = if status.is_success() || status.is_redirection() {
                Step::pass(name, detail)
            } else if http::is_gateway_error(status.as_u16()) {
                Step::fail(
                    name,
                    FailureClass::Network,
                    format!("{detail}: a gateway answers, the server behind it does not"),
                )
            } else if status.is_server_error() {
                Step::fail(
                    name,
                    FailureClass::Network,
                    format!("{detail}: the server failed on {path}"),
                )
            } else {
                Step::fail(
                    name,
                    FailureClass::SiteChanged,
                    format!("{detail}: {} has no {path}", http::redact_url(&target.base)),
                )
                .with_hint("check the base URL: it must be where that system's pages are")
            };
            (step, date)
        }
        Err(e) => (
            Step::fail(name, FailureClass::Network, e.to_string()).with_hint(NETWORK_HINT),
            None,
        ),
    }
}

fn server_date(response: &reqwest::Response) -> Option<SystemTime> {
    let value = response.headers().get(reqwest::header::DATE)?;
    httpdate::parse_http_date(value.to_str().ok()?).ok()
}

static LOGIN_FORM: LazyLock<Selector> = LazyLock::new(|| selector("form#fm1"));
static EXECUTION: LazyLock<Selector> = LazyLock::new(|| selector("input[name='execution']"));

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("static selector {css:?}: {e}"))
}

/// A GET whose answer must be 200: its body, or the failing step.
async fn get_200(
    client: &http::Client,
    url: Url,
    name: &str,
    config: &HttpConfig,
) -> Result<bytes::Bytes, Step> {
    let response = http::send(client.get(url))
        .await
        .map_err(|e| Step::fail(name, FailureClass::Network, e.to_string()))?;
    let status = response.status();
    if status != StatusCode::OK {
        let class = if http::is_gateway_error(status.as_u16()) {
            FailureClass::Network
        } else {
            FailureClass::SiteChanged
        };
        let target = http::location(&response)
            .map(|to| format!(", redirecting to {}", http::redact_url(&to)))
            .unwrap_or_default();
        return Err(Step::fail(
            name,
            class,
            format!("HTTP {}{target} (expected 200)", status.as_u16()),
        ));
    }
    http::read_body(response, config.max_body_bytes)
        .await
        .map_err(|e| Step::fail(name, FailureClass::Network, e.to_string()))
}

/// The login page (which opens a CAS session), then the key in that session.
async fn login_form_and_key(sso: &SsoClient, config: &HttpConfig) -> (Step, Step) {
    let jar = CookieJar::new();
    let client = match http::build_client(&jar, config) {
        Ok(client) => client,
        Err(e) => {
            let failed = Step::fail(LOGIN_PAGE, FailureClass::Network, e.to_string());
            return (failed, Step::skip(PUBLIC_KEY, "skipped: no login page"));
        }
    };
    let page = match get_200(&client, sso.login_url(), LOGIN_PAGE, config).await {
        Ok(body) => check_login_page(&String::from_utf8_lossy(&body)),
        Err(step) => step,
    };
    if !page.passed() {
        return (page, Step::skip(PUBLIC_KEY, "skipped: no login page"));
    }
    let key_url = http::join(sso.base_url(), "/cas/v2/getPubKey");
    let key = match get_200(&client, key_url, PUBLIC_KEY, config).await {
        Ok(body) => match serde_json::from_slice::<PublicKey>(&body) {
            Ok(key) => Step::pass(
                PUBLIC_KEY,
                format!("a {}-bit RSA key (modulus and exponent)", key.bits()),
            ),
            Err(_) => Step::fail(
                PUBLIC_KEY,
                FailureClass::SiteChanged,
                format!(
                    "the answer ({} bytes) is not a JSON modulus and exponent in hex",
                    body.len()
                ),
            ),
        },
        Err(step) => step,
    };
    (page, key)
}

/// The login form and its `execution` token; never shows the token.
fn check_login_page(html: &str) -> Step {
    let document = Html::parse_document(html);
    let Some(form) = document.select(&LOGIN_FORM).next() else {
        return Step::fail(
            LOGIN_PAGE,
            FailureClass::SiteChanged,
            "no login form (form#fm1) on the CAS login page",
        );
    };
    let execution = form
        .select(&EXECUTION)
        .find_map(|input| input.value().attr("value"))
        .filter(|v| !v.is_empty());
    match execution {
        Some(token) => Step::pass(
            LOGIN_PAGE,
            format!(
                "form #fm1 with an execution token ({} characters)",
                token.len()
            ),
        ),
        None => Step::fail(
            LOGIN_PAGE,
            FailureClass::SiteChanged,
            "the login form #fm1 has no `execution` value",
        ),
    }
}

/// `{ems}/sso/zfiotlogin` without cookies must send the browser to the CAS login.
async fn hand_off(ems: &Target, sso: &Target, config: &HttpConfig) -> Step {
    let client = match http::build_client(&CookieJar::new(), config) {
        Ok(client) => client,
        Err(e) => return Step::fail(HAND_OFF, FailureClass::Network, e.to_string()),
    };
    let response = match http::send(client.get(http::join(&ems.base, "/sso/zfiotlogin"))).await {
        Ok(response) => response,
        Err(e) => return Step::fail(HAND_OFF, FailureClass::Network, e.to_string()),
    };
    let status = response.status().as_u16();
    let Some(target) = http::location(&response) else {
        let class = if http::is_gateway_error(status) {
            FailureClass::Network
        } else {
            FailureClass::SiteChanged
        };
        return Step::fail(
            HAND_OFF,
            class,
            format!("/sso/zfiotlogin answers HTTP {status} instead of redirecting to the CAS"),
        );
    };
    let shown = http::redact_url(&target);
    if !target.path().ends_with("/cas/login") {
        return Step::fail(
            HAND_OFF,
            FailureClass::SiteChanged,
            format!("/sso/zfiotlogin redirects to {shown}, not to the CAS login"),
        );
    }
    let same_cas = target.host_str() == sso.base.host_str()
        && target.port_or_known_default() == sso.base.port_or_known_default();
    if !same_cas {
        return Step::fail(
            HAND_OFF,
            FailureClass::SiteChanged,
            format!(
                "/sso/zfiotlogin redirects to another CAS ({shown}) than the one configured ({})",
                http::host_of(&sso.base)
            ),
        )
        .with_hint("check the SSO base URL");
    }
    Step::pass(HAND_OFF, format!("/sso/zfiotlogin redirects to {shown}"))
}

/// Seconds the local clock is ahead of a server's `Date` (negative: behind).
fn skew_seconds(local: SystemTime, server: SystemTime) -> i64 {
    match local.duration_since(server) {
        Ok(ahead) => i64::try_from(ahead.as_secs()).unwrap_or(i64::MAX),
        Err(behind) => -i64::try_from(behind.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

fn clock(dates: &[(String, SystemTime)], max: Duration) -> Step {
    clock_at(SystemTime::now(), dates, max)
}

fn clock_at(now: SystemTime, dates: &[(String, SystemTime)], max: Duration) -> Step {
    let Some((host, skew)) = dates
        .iter()
        .map(|(host, date)| (host, skew_seconds(now, *date)))
        .max_by_key(|(_, skew)| skew.unsigned_abs())
    else {
        return Step::skip(CLOCK, "no server date to compare with");
    };
    let direction = if skew >= 0 { "ahead of" } else { "behind" };
    let detail = format!("{} s {direction} {host}", skew.unsigned_abs());
    if skew.unsigned_abs() > max.as_secs() {
        Step::fail(CLOCK, FailureClass::Clock, detail).with_hint(
            "set the system clock (enable time synchronisation): CAS tickets and TLS \
             certificates are checked against it",
        )
    } else {
        Step::pass(CLOCK, detail)
    }
}

fn millis(started: Instant) -> u128 {
    started.elapsed().as_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_pages_are_checked_for_form_and_execution() {
        let good =
            "<form id=\"fm1\"><input type=\"hidden\" name=\"execution\" value=\"e1s1\"></form>";
        let step = check_login_page(good);
        assert_eq!(step.verdict, Verdict::Pass, "{step:?}");
        assert!(!step.detail.contains("e1s1"));
        for changed in [
            "<form id=\"login\"><input name=\"execution\" value=\"e1s1\"></form>",
            "<form id=\"fm1\"><input name=\"execution\" value=\"\"></form>",
            "<form id=\"fm1\"></form><input name=\"execution\" value=\"e1s1\">",
        ] {
            let step = check_login_page(changed);
            assert_eq!(step.class, Some(FailureClass::SiteChanged), "{changed}");
        }
    }

    #[test]
    fn the_clock_step_takes_the_largest_skew() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let dates = [
            ("a".to_owned(), now - Duration::from_secs(5)),
            ("b".to_owned(), now + Duration::from_secs(300)),
        ];
        let step = clock_at(now, &dates, DEFAULT_MAX_CLOCK_SKEW);
        assert_eq!(step.class, Some(FailureClass::Clock));
        assert_eq!(step.detail, "300 s behind b");
        let step = clock_at(now, &dates[..1], DEFAULT_MAX_CLOCK_SKEW);
        assert_eq!(
            (step.verdict, step.detail.as_str()),
            (Verdict::Pass, "5 s ahead of a")
        );
        assert_eq!(
            clock_at(now, &[], DEFAULT_MAX_CLOCK_SKEW).verdict,
            Verdict::Skip
        );
    }

    #[test]
    fn tls_errors_are_classified() {
        use rustls::{AlertDescription, Error, PeerIncompatible};
        let io = |e: Error| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
        for incompatible in [
            Error::AlertReceived(AlertDescription::HandshakeFailure),
            Error::AlertReceived(AlertDescription::ProtocolVersion),
            Error::PeerIncompatible(PeerIncompatible::ServerDoesNotSupportTls12Or13),
            Error::PeerIncompatible(PeerIncompatible::NoCipherSuitesInCommon),
        ] {
            assert_eq!(classify_tls(&io(incompatible)), TlsFailure::Incompatible);
        }
        assert_eq!(
            classify_tls(&io(Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer
            ))),
            TlsFailure::Certificate
        );
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert_eq!(classify_tls(&reset), TlsFailure::Other);
    }

    #[test]
    fn reports_serialize_with_their_first_failure() {
        let report = DoctorReport {
            steps: vec![
                Step::pass("sso dns", "ok"),
                Step::skip("sso tls", "plain http"),
                Step::fail("cas login page", FailureClass::SiteChanged, "no form"),
                Step::fail("clock", FailureClass::Clock, "off"),
            ],
        };
        let json = serde_json::to_value(&report).expect("serializes");
        assert_eq!(json["passed"], false);
        assert_eq!(json["first_failure"], "cas login page");
        assert_eq!(json["class"], "site_changed");
        assert_eq!(json["steps"][1]["verdict"], "skip");
        assert!(json["steps"][0].get("class").is_none());
    }
}
