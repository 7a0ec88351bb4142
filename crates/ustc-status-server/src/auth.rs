//! Callers, token digests and source-address resolution.

use std::net::IpAddr;

use ipnet::IpNet;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::{CallerConfig, ClientsFile, Config, ConfigError};

/// SHA-256 digest of a token: the only form in which the server holds tokens.
pub type TokenDigest = [u8; 32];

/// Hashes a token.
pub fn token_digest(token: &str) -> TokenDigest {
    Sha256::digest(token.as_bytes()).into()
}

/// A registered calling system, ready for request-time checks.
#[derive(Debug, Clone)]
pub struct Caller {
    /// System name (audit log, rate limiter key).
    pub name: String,
    /// Disabled callers are rejected exactly like unknown tokens.
    pub enabled: bool,
    digests: Vec<TokenDigest>,
    /// Allowed source ranges.
    pub allowed: Vec<IpNet>,
    /// Requests per second, if limited.
    pub rate_limit_per_s: Option<u32>,
}

impl Caller {
    /// Builds a caller from digests (no plaintext).
    pub fn new(
        name: impl Into<String>,
        enabled: bool,
        digests: Vec<TokenDigest>,
        allowed: Vec<IpNet>,
        rate_limit_per_s: Option<u32>,
    ) -> Caller {
        Caller {
            name: name.into(),
            enabled,
            digests,
            allowed,
            rate_limit_per_s,
        }
    }

    /// Whether `ip` is inside one of the caller's allowed ranges.
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.allowed.iter().any(|net| net.contains(&ip))
    }
}

/// All registered callers; swapped whole on reload.
#[derive(Debug, Clone, Default)]
pub struct Callers {
    callers: Vec<Caller>,
}

impl Callers {
    /// Wraps a list of callers.
    pub fn new(callers: Vec<Caller>) -> Callers {
        Callers { callers }
    }

    /// Number of callers.
    pub fn len(&self) -> usize {
        self.callers.len()
    }

    /// Whether no caller is registered.
    pub fn is_empty(&self) -> bool {
        self.callers.is_empty()
    }

    /// Finds the enabled caller owning `token`.
    ///
    /// Every digest of every caller is compared, in constant time, so the time taken
    /// says nothing about which caller or how many bytes matched.
    pub fn authenticate(&self, token: &str) -> Option<&Caller> {
        let digest = token_digest(token);
        let mut found: Option<&Caller> = None;
        for caller in &self.callers {
            for known in &caller.digests {
                if bool::from(known.ct_eq(&digest)) && found.is_none() {
                    found = Some(caller);
                }
            }
        }
        found.filter(|c| c.enabled)
    }

    /// Builds the caller list from a config: `[[callers]]` plus the optional `clients.yml`.
    pub fn from_config(config: &Config) -> Result<Callers, ConfigError> {
        let mut callers = Vec::new();
        for c in &config.callers {
            callers.push(caller_from_config(c)?);
        }
        if let Some(path) = &config.clients_file {
            let file = ClientsFile::load(path)?;
            for entry in file.clients {
                let allowed = parse_ranges(&entry.name, &entry.allowed_ips)?;
                let digests = entry.tokens.iter().map(|t| token_digest(t)).collect();
                callers.push(Caller::new(
                    entry.name,
                    entry.enabled,
                    digests,
                    allowed,
                    None,
                ));
            }
        }
        Ok(Callers { callers })
    }
}

fn caller_from_config(c: &CallerConfig) -> Result<Caller, ConfigError> {
    let mut digests = Vec::with_capacity(c.token_sha256.len());
    for hex_digest in &c.token_sha256 {
        let mut digest = [0u8; 32];
        hex::decode_to_slice(hex_digest.trim(), &mut digest).map_err(|_| ConfigError::Caller {
            caller: c.name.clone(),
            message: "token_sha256 entries must be 64 hex characters (run 'ustc-status-server token new')".into(),
        })?;
        digests.push(digest);
    }
    if c.rate_limit_per_s == Some(0) {
        return Err(ConfigError::Caller {
            caller: c.name.clone(),
            message: "rate_limit_per_s must be at least 1 (omit it for no limit)".into(),
        });
    }
    let allowed = parse_ranges(&c.name, &c.allowed_ips)?;
    Ok(Caller::new(
        c.name.clone(),
        c.enabled,
        digests,
        allowed,
        c.rate_limit_per_s,
    ))
}

/// Parses addresses (`10.0.0.1`) and ranges (`10.0.0.0/8`).
pub fn parse_ranges(caller: &str, items: &[String]) -> Result<Vec<IpNet>, ConfigError> {
    items
        .iter()
        .map(|s| {
            let s = s.trim();
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map(canonical_net)
                .map_err(|_| ConfigError::Caller {
                    caller: caller.to_owned(),
                    message: format!("{s:?} is not an ip address or cidr range"),
                })
        })
        .collect()
}

// An allowlist entry written as `::ffff:10.0.0.0/104` means the IPv4 range.
fn canonical_net(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) => match v6.addr().to_ipv4_mapped() {
            Some(v4) if v6.prefix_len() >= 96 => {
                ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96).map_or(net, IpNet::V4)
            }
            _ => net,
        },
        IpNet::V4(_) => net,
    }
}

/// Generates a fresh token (256 bits from the OS RNG, hex) and its SHA-256 hex digest.
pub fn new_token() -> Result<(String, String), getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    let token = hex::encode(bytes);
    let digest = hex::encode(token_digest(&token));
    Ok((token, digest))
}

/// Why the source address could not be resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnparsableForwardedFor;

/// Resolves the client address: the TCP peer, or, when the peer is a trusted proxy,
/// the rightmost `X-Forwarded-For` entry that is not itself a trusted proxy.
pub fn resolve_client_ip<'a>(
    peer: IpAddr,
    forwarded_for: impl Iterator<Item = &'a str>,
    trusted: &[IpNet],
) -> Result<IpAddr, UnparsableForwardedFor> {
    let peer = peer.to_canonical();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return Ok(peer);
    }
    let entries: Vec<&str> = forwarded_for
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .collect();
    if entries.iter().all(|e| e.is_empty()) {
        return Ok(peer);
    }
    let mut leftmost = None;
    for entry in entries.iter().rev() {
        let ip = parse_forwarded_entry(entry).ok_or(UnparsableForwardedFor)?;
        if !is_trusted(&ip) {
            return Ok(ip);
        }
        leftmost = Some(ip);
    }
    leftmost.ok_or(UnparsableForwardedFor)
}

fn parse_forwarded_entry(entry: &str) -> Option<IpAddr> {
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    // Some proxies append the port: `1.2.3.4:5678` or `[::1]:80`.
    entry
        .parse::<std::net::SocketAddr>()
        .ok()
        .map(|s| s.ip().to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(items: &[&str]) -> Vec<IpNet> {
        let items: Vec<String> = items.iter().map(|s| s.to_string()).collect();
        parse_ranges("t", &items).unwrap()
    }

    #[test]
    fn untrusted_peer_ignores_header() {
        let t = nets(&["127.0.0.1/32"]);
        let ip = resolve_client_ip("10.0.0.5".parse().unwrap(), ["1.1.1.1"].into_iter(), &t);
        assert_eq!(ip, Ok("10.0.0.5".parse().unwrap()));
    }

    #[test]
    fn walks_from_the_right() {
        let t = nets(&["127.0.0.1/32", "10.0.0.0/8"]);
        let ip = resolve_client_ip(
            "127.0.0.1".parse().unwrap(),
            ["6.6.6.6, 1.2.3.4, 10.0.0.2"].into_iter(),
            &t,
        );
        assert_eq!(ip, Ok("1.2.3.4".parse().unwrap()));
    }

    #[test]
    fn all_trusted_takes_leftmost() {
        let t = nets(&["10.0.0.0/8", "127.0.0.1"]);
        let ip = resolve_client_ip(
            "127.0.0.1".parse().unwrap(),
            ["10.0.0.9", "10.0.0.2"].into_iter(),
            &t,
        );
        assert_eq!(ip, Ok("10.0.0.9".parse().unwrap()));
    }

    #[test]
    fn garbage_is_an_error() {
        let t = nets(&["127.0.0.1/32"]);
        let ip = resolve_client_ip("127.0.0.1".parse().unwrap(), ["nope"].into_iter(), &t);
        assert_eq!(ip, Err(UnparsableForwardedFor));
    }

    #[test]
    fn mapped_peer_matches_v4_range() {
        let t = nets(&["127.0.0.1/32"]);
        let ip = resolve_client_ip(
            "::ffff:127.0.0.1".parse().unwrap(),
            ["9.9.9.9"].into_iter(),
            &t,
        );
        assert_eq!(ip, Ok("9.9.9.9".parse().unwrap()));
        let c = Caller::new("c", true, vec![], nets(&["192.0.2.0/24"]), None);
        assert!(c.allows("::ffff:192.0.2.7".parse().unwrap()));
        assert!(!c.allows("::ffff:192.0.3.7".parse().unwrap()));
    }

    #[test]
    fn authenticate_by_digest_only() {
        let c = Caller::new("a", true, vec![token_digest("s3cret")], vec![], None);
        let d = Caller::new("d", false, vec![token_digest("off")], vec![], None);
        let callers = Callers::new(vec![c, d]);
        assert_eq!(
            callers.authenticate("s3cret").map(|c| c.name.as_str()),
            Some("a")
        );
        assert!(callers.authenticate("s3cre").is_none());
        assert!(callers.authenticate("off").is_none());
    }

    #[test]
    fn new_tokens_differ_and_hash() {
        let (t1, d1) = new_token().unwrap();
        let (t2, _) = new_token().unwrap();
        assert_ne!(t1, t2);
        assert_eq!(t1.len(), 64);
        assert_eq!(d1, hex::encode(token_digest(&t1)));
    }
}
