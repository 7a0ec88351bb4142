//! Which proxy each request goes through: the one place that reads the
//! proxy settings, for every XTU client and `doctor`.
//!
//! Off campus, XTU is reached through the school VPN, whose clients (the
//! official EasyConnect, or open ones such as zju-connect) serve a local
//! SOCKS5 or HTTP proxy. The rules, in order:
//!
//! 1. an explicit setting ([`ProxySetting::Url`], e.g. `--proxy URL`) or
//!    [`ProxySetting::Direct`] (`--proxy none`);
//! 2. `XTU_PROXY` (a URL, or `none`);
//! 3. the standard variables, as curl reads them: for an `https` URL
//!    `https_proxy`, then `HTTPS_PROXY`; for an `http` URL only the
//!    lowercase `http_proxy` (curl ignores `HTTP_PROXY`: in a CGI program
//!    it is set from the request's `Proxy:` header, "httpoxy"); then
//!    `all_proxy`, then `ALL_PROXY`. Lowercase wins over uppercase.
//!
//! `no_proxy` (then `NO_PROXY`) applies to every proxy, the explicit ones
//! too, as in curl: `*`, host names (a name matches itself and its
//! subdomains; a leading dot is ignored), IP addresses and CIDR blocks.
//!
//! reqwest reads the environment differently (uppercase first, uppercase
//! `HTTP_PROXY` taken): every client is built with reqwest's own lookup off
//! and these routes installed instead.
//!
//! A proxy URL's credentials are secrets: [`ProxyUrl`] shows only its scheme,
//! host and port (`Display`, `Debug`, [`ProxyUrl::redacted`]).

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use url::Url;

/// Where a proxy setting came from, for `doctor` and error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxySource {
    /// Given by the caller (the `--proxy` flag, an SDK argument).
    Explicit,
    /// A variable of the environment (`XTU_PROXY`, `https_proxy`...).
    Variable(&'static str),
}

/// The upper-case spelling of a proxy variable's name.
fn upper_case_spelling(name: &'static str) -> &'static str {
    match name {
        "no_proxy" => "NO_PROXY",
        "http_proxy" => "HTTP_PROXY",
        "https_proxy" => "HTTPS_PROXY",
        "all_proxy" => "ALL_PROXY",
        other => other,
    }
}

impl fmt::Display for ProxySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Explicit => f.write_str("--proxy"),
            Self::Variable(name) => f.write_str(name),
        }
    }
}

/// A proxy URL: `http://`, `https://`, `socks5://` or `socks5h://`, with
/// optional credentials, always with a port. Shown without credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl(Url);

/// Proxy schemes, as accepted.
const SCHEMES: &str = "http://, https://, socks5:// or socks5h://";

impl ProxyUrl {
    /// Parses a proxy URL. Without a scheme it is an HTTP proxy (as in
    /// curl); without a port, 1080 (443 for `https://`).
    pub fn parse(text: &str) -> Result<Self, ProxyError> {
        let text = text.trim();
        let invalid = |why: &str| ProxyError {
            shown: shown_without_credentials(text),
            why: why.to_owned(),
        };
        let with_scheme = if text.contains("://") {
            text.to_owned()
        } else {
            format!("http://{text}")
        };
        let mut url = Url::parse(&with_scheme).map_err(|e| invalid(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https" | "socks5" | "socks5h") {
            return Err(invalid(&format!(
                "unsupported scheme {}; expected {SCHEMES}",
                url.scheme()
            )));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid("no host"));
        }
        if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("a proxy URL has no path or query"));
        }
        if url.port().is_none() {
            let port = if url.scheme() == "https" { 443 } else { 1080 };
            url.set_port(Some(port))
                .map_err(|()| invalid("cannot take a port"))?;
        }
        Ok(Self(url))
    }

    /// `socks5`, `socks5h`, `http` or `https`.
    pub fn scheme(&self) -> &str {
        self.0.scheme()
    }

    /// `host:port` of the proxy, never its credentials.
    pub fn host_port(&self) -> String {
        let host = self.0.host_str().unwrap_or_default();
        match self.0.port_or_known_default() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }
    }

    /// Whether host names are resolved by the proxy rather than here:
    /// `socks5h` and HTTP proxies (which receive the name in `CONNECT` or
    /// the request line) resolve them; `socks5` gets an address.
    pub fn resolves_names(&self) -> bool {
        self.scheme() != "socks5"
    }

    /// Whether the URL carries credentials.
    pub fn has_credentials(&self) -> bool {
        !self.0.username().is_empty() || self.0.password().is_some()
    }

    /// `scheme://host:port`, without credentials.
    pub fn redacted(&self) -> String {
        format!("{}://{}", self.scheme(), self.host_port())
    }

    /// The full URL, credentials included, for the HTTP client only.
    fn secret_url(&self) -> &Url {
        &self.0
    }
}

/// Credentials may sit between `://` and `@`: never show them.
fn shown_without_credentials(text: &str) -> String {
    let (scheme, rest) = text.split_once("://").unwrap_or(("", text));
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    if scheme.is_empty() {
        rest.to_owned()
    } else {
        format!("{scheme}://{rest}")
    }
}

impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let credentials = if self.has_credentials() {
            " (with credentials)"
        } else {
            ""
        };
        write!(f, "ProxyUrl({}{credentials})", self.redacted())
    }
}

/// A proxy setting that cannot be used; names where it came from, never
/// its credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid proxy {shown:?}: {why}")]
pub struct ProxyError {
    shown: String,
    why: String,
}

impl ProxyError {
    fn in_variable(self, name: &str) -> Self {
        Self {
            why: format!("{} (from {name})", self.why),
            ..self
        }
    }
}

/// What a caller asks for. Every front end (the CLI's `--proxy`, MCP,
/// `xtu_app::Config`, the Python SDK, `cargo xtask fixtures`) passes one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ProxySetting {
    /// `XTU_PROXY`, else the standard variables (see the module).
    #[default]
    FromEnvironment,
    /// No proxy, whatever the environment says (`--proxy none`).
    Direct,
    /// This proxy for every request (except `no_proxy` hosts).
    Url(ProxyUrl),
}

impl ProxySetting {
    /// Parses a `--proxy` value: `none`, or a proxy URL.
    pub fn parse(text: &str) -> Result<Self, ProxyError> {
        if text.trim().eq_ignore_ascii_case("none") {
            Ok(Self::Direct)
        } else {
            ProxyUrl::parse(text).map(Self::Url)
        }
    }

    /// The routes this setting gives in the process's environment.
    pub fn resolve(&self) -> Result<ProxyRoutes, ProxyError> {
        // Windows has one variable per name whatever its case: `all_proxy`
        // finds what the user set as `ALL_PROXY`, so name it the usual way.
        self.resolve_named(&|name| std::env::var(name).ok(), cfg!(windows))
    }

    /// The routes this setting gives, reading variables through `env`.
    pub fn resolve_in(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<ProxyRoutes, ProxyError> {
        self.resolve_named(env, false)
    }

    /// `case_insensitive`: the environment's names ignore case (Windows), so
    /// a variable is named in its upper-case spelling.
    fn resolve_named(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
        case_insensitive: bool,
    ) -> Result<ProxyRoutes, ProxyError> {
        let set = |name: &'static str| {
            env(name)
                .filter(|value| !value.trim().is_empty())
                .map(|value| {
                    let shown = if case_insensitive {
                        upper_case_spelling(name)
                    } else {
                        name
                    };
                    (shown, value)
                })
        };
        let no_proxy = set("no_proxy")
            .or_else(|| set("NO_PROXY"))
            .map(|(_, list)| NoProxy::parse(&list))
            .unwrap_or_default();
        let parse_var = |(name, value): (&'static str, String)| {
            if value.trim().eq_ignore_ascii_case("none") && name == "XTU_PROXY" {
                return Ok(None);
            }
            ProxyUrl::parse(&value)
                .map(|url| {
                    Some(Route {
                        url,
                        source: ProxySource::Variable(name),
                    })
                })
                .map_err(|e| e.in_variable(name))
        };
        let ignored_http_proxy = env("http_proxy").is_none() && set("HTTP_PROXY").is_some();
        let (http, https, origin) = match self {
            Self::Direct => (None, None, Origin::Direct),
            Self::Url(url) => {
                let route = Route {
                    url: url.clone(),
                    source: ProxySource::Explicit,
                };
                (Some(route.clone()), Some(route), Origin::Explicit)
            }
            Self::FromEnvironment => match set("XTU_PROXY") {
                Some(xtu) => match parse_var(xtu)? {
                    Some(route) => (Some(route.clone()), Some(route), Origin::Explicit),
                    None => (None, None, Origin::Direct),
                },
                None => {
                    let all = set("all_proxy").or_else(|| set("ALL_PROXY"));
                    let https = set("https_proxy").or_else(|| set("HTTPS_PROXY"));
                    let http = set("http_proxy");
                    let https = https.or_else(|| all.clone()).map(parse_var).transpose()?;
                    let http = http.or(all).map(parse_var).transpose()?;
                    (http.flatten(), https.flatten(), Origin::Environment)
                }
            },
        };
        Ok(ProxyRoutes(Arc::new(Routes {
            http,
            https,
            no_proxy,
            origin,
            ignored_http_proxy: ignored_http_proxy && origin == Origin::Environment,
        })))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Direct,
    Explicit,
    Environment,
}

/// One proxy and where its setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The proxy.
    pub url: ProxyUrl,
    /// Where it was set.
    pub source: ProxySource,
}

/// The resolved proxies: which one (if any) each URL goes through. Cheap to
/// clone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyRoutes(Arc<Routes>);

#[derive(Debug, PartialEq, Eq)]
struct Routes {
    http: Option<Route>,
    https: Option<Route>,
    no_proxy: NoProxy,
    origin: Origin,
    ignored_http_proxy: bool,
}

impl ProxyRoutes {
    /// No proxy for anything.
    pub fn direct() -> Self {
        Self(Arc::new(Routes {
            http: None,
            https: None,
            no_proxy: NoProxy::default(),
            origin: Origin::Direct,
            ignored_http_proxy: false,
        }))
    }

    /// The proxy a request to `url` goes through.
    pub fn for_url(&self, url: &Url) -> Option<&Route> {
        let route = match url.scheme() {
            "https" => self.0.https.as_ref(),
            "http" => self.0.http.as_ref(),
            _ => None,
        }?;
        let host = match url.host()? {
            url::Host::Domain(name) => Host::Name(name.trim_end_matches('.').to_ascii_lowercase()),
            url::Host::Ipv4(ip) => Host::Ip(ip.into()),
            url::Host::Ipv6(ip) => Host::Ip(ip.into()),
        };
        (!self.0.no_proxy.matches(&host)).then_some(route)
    }

    /// One line on what is in force, without credentials: for `doctor`.
    pub fn describe(&self) -> String {
        let routes = &self.0;
        let mut text = match (&routes.https, &routes.http, routes.origin) {
            (None, None, Origin::Direct) => "no proxy (--proxy none or XTU_PROXY=none)".to_owned(),
            (None, None, _) => {
                "no proxy: https_proxy, HTTPS_PROXY, http_proxy, all_proxy, ALL_PROXY and \
                 XTU_PROXY are unset"
                    .to_owned()
            }
            (Some(a), Some(b), _) if a == b => format!("{} (from {})", a.url, a.source),
            (https, http, _) => {
                let show = |route: Option<&Route>| {
                    route.map_or_else(
                        || "none".to_owned(),
                        |r| format!("{} (from {})", r.url, r.source),
                    )
                };
                format!(
                    "https URLs: {}; http URLs: {}",
                    show(https.as_ref()),
                    show(http.as_ref())
                )
            }
        };
        if !routes.no_proxy.is_empty() {
            text.push_str(&format!("; not for {}", routes.no_proxy));
        }
        if routes.ignored_http_proxy {
            text.push_str(
                "; HTTP_PROXY is ignored as in curl (only the lowercase http_proxy is read)",
            );
        }
        text
    }

    /// The routes as a reqwest proxy: consulted per request, credentials
    /// sent to the proxy only.
    pub(crate) fn to_reqwest(&self) -> reqwest::Proxy {
        let routes = self.clone();
        reqwest::Proxy::custom(move |url| {
            routes
                .for_url(url)
                .map(|route| route.url.secret_url().clone())
        })
    }

    /// Whether some URL may go through a proxy.
    pub fn is_direct(&self) -> bool {
        self.0.http.is_none() && self.0.https.is_none()
    }
}

enum Host {
    Name(String),
    Ip(IpAddr),
}

/// `no_proxy`: hosts reached directly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct NoProxy {
    everything: bool,
    names: Vec<String>,
    networks: Vec<ipnet::IpNet>,
}

impl NoProxy {
    fn parse(list: &str) -> Self {
        let mut no_proxy = Self::default();
        for entry in list
            .split([',', ' '])
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            if entry == "*" {
                no_proxy.everything = true;
            } else if let Ok(net) = entry.parse::<ipnet::IpNet>() {
                no_proxy.networks.push(net);
            } else if let Ok(ip) = entry.trim_matches(['[', ']']).parse::<IpAddr>() {
                no_proxy.networks.push(ipnet::IpNet::from(ip));
            } else {
                let name = entry.trim_start_matches("*.").trim_start_matches('.');
                no_proxy
                    .names
                    .push(name.trim_end_matches('.').to_ascii_lowercase());
            }
        }
        no_proxy
    }

    fn matches(&self, host: &Host) -> bool {
        self.everything
            || match host {
                Host::Ip(ip) => self.networks.iter().any(|net| net.contains(ip)),
                Host::Name(name) => self.names.iter().any(|entry| {
                    name == entry
                        || name
                            .strip_suffix(entry.as_str())
                            .is_some_and(|head| head.ends_with('.'))
                }),
            }
    }

    fn is_empty(&self) -> bool {
        !self.everything && self.names.is_empty() && self.networks.is_empty()
    }
}

impl fmt::Display for NoProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.everything {
            return f.write_str("any host (no_proxy=*)");
        }
        let entries: Vec<String> = self
            .names
            .iter()
            .cloned()
            .chain(self.networks.iter().map(ToString::to_string))
            .collect();
        f.write_str(&entries.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(setting: &ProxySetting, vars: &[(&str, &str)]) -> ProxyRoutes {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        setting
            .resolve_in(&|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            .expect("valid")
    }

    fn via(routes: &ProxyRoutes, url: &str) -> Option<(String, ProxySource)> {
        routes
            .for_url(&Url::parse(url).expect("url"))
            .map(|r| (r.url.host_port(), r.source))
    }

    #[test]
    fn lowercase_wins_and_uppercase_http_proxy_is_ignored_as_in_curl() {
        let env = [
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:2"),
            ("HTTP_PROXY", "http://ignored:3"),
            ("ALL_PROXY", "socks5h://all-upper:4"),
        ];
        let r = routes(&ProxySetting::FromEnvironment, &env);
        assert_eq!(
            via(&r, "https://x/"),
            Some(("lower:2".into(), ProxySource::Variable("https_proxy")))
        );
        // HTTP_PROXY is ignored: http URLs fall back to ALL_PROXY.
        assert_eq!(
            via(&r, "http://x/"),
            Some(("all-upper:4".into(), ProxySource::Variable("ALL_PROXY")))
        );
        assert!(
            r.describe().contains("HTTP_PROXY is ignored"),
            "{}",
            r.describe()
        );
        let r = routes(
            &ProxySetting::FromEnvironment,
            &[
                ("http_proxy", "h:5"),
                ("all_proxy", "socks5://a:6"),
                ("ALL_PROXY", "socks5://b:7"),
            ],
        );
        assert_eq!(via(&r, "http://x/").map(|v| v.0), Some("h:5".into()));
        assert_eq!(via(&r, "https://x/").map(|v| v.0), Some("a:6".into()));
    }

    #[test]
    fn explicit_settings_and_xtu_proxy_override_the_standard_variables() {
        let env = [
            ("XTU_PROXY", "socks5h://vpn:1080"),
            ("https_proxy", "http://other:1"),
        ];
        let r = routes(&ProxySetting::FromEnvironment, &env);
        assert_eq!(
            via(&r, "https://x/"),
            Some(("vpn:1080".into(), ProxySource::Variable("XTU_PROXY")))
        );
        let flag = ProxySetting::parse("http://flag:8080").expect("valid");
        let r = routes(&flag, &env);
        assert_eq!(
            via(&r, "https://x/"),
            Some(("flag:8080".into(), ProxySource::Explicit))
        );
        let none = ProxySetting::parse("none").expect("valid");
        assert_eq!(via(&routes(&none, &env), "https://x/"), None);
        let r = routes(
            &ProxySetting::FromEnvironment,
            &[("XTU_PROXY", "none"), env[1]],
        );
        assert_eq!(via(&r, "https://x/"), None);
    }

    #[test]
    fn no_proxy_matches_names_subdomains_addresses_and_networks() {
        let env = [
            ("all_proxy", "socks5h://p:1"),
            ("NO_PROXY", "ignored.example"),
            ("no_proxy", ".xtu.edu.cn, localhost,10.0.0.0/8,::1"),
        ];
        let r = routes(&ProxySetting::FromEnvironment, &env);
        for direct in [
            "https://xtu.edu.cn/",
            "https://jw.xtu.edu.cn/",
            "http://LOCALHOST:8/",
            "http://10.1.2.3/",
            "http://[::1]:9/",
        ] {
            assert_eq!(via(&r, direct), None, "{direct}");
        }
        for proxied in [
            "https://notxtu.edu.cn/",
            "https://ignored.example/",
            "http://11.0.0.1/",
        ] {
            assert!(via(&r, proxied).is_some(), "{proxied}");
        }
        let r = routes(&ProxySetting::FromEnvironment, &[env[0], ("no_proxy", "*")]);
        assert_eq!(via(&r, "https://x/"), None);
    }

    #[test]
    fn proxy_urls_get_default_ports_and_bad_ones_a_clear_error() {
        let port = |s: &str| ProxyUrl::parse(s).expect(s).host_port();
        assert_eq!(port("socks5h://h"), "h:1080");
        assert_eq!(port("h"), "h:1080");
        assert_eq!(port("https://h"), "h:443");
        assert_eq!(port("http://h:3128/"), "h:3128");
        let error = ProxyUrl::parse("socks4://user:hunter2@h:1").expect_err("socks4");
        let shown = error.to_string();
        assert!(shown.contains("unsupported scheme socks4"), "{shown}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("user"),
            "{shown}"
        );
        for bad in ["http://", "http://h/path", "http://h:1/?q"] {
            assert!(ProxyUrl::parse(bad).is_err(), "{bad}");
        }
        let error = ProxySetting::FromEnvironment
            .resolve_in(&|n| (n == "ALL_PROXY").then(|| "ftp://u:pw@h".to_owned()))
            .expect_err("bad scheme");
        assert!(error.to_string().contains("from ALL_PROXY"), "{error}");
        assert!(!error.to_string().contains("pw"), "{error}");
    }

    #[test]
    fn credentials_never_show() {
        let url = ProxyUrl::parse("socks5h://student:s3cr%40t@127.0.0.1:1080").expect("valid");
        assert!(url.has_credentials());
        for shown in [
            url.to_string(),
            format!("{url:?}"),
            url.redacted(),
            format!("{:?}", ProxySetting::Url(url.clone())),
            routes(&ProxySetting::Url(url.clone()), &[]).describe(),
        ] {
            assert!(
                !shown.contains("s3cr") && !shown.contains("student"),
                "{shown}"
            );
            assert!(shown.contains("127.0.0.1:1080"), "{shown}");
        }
    }
}
