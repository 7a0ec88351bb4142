//! Server configuration (TOML) and the reference's `clients.yml`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde::Deserialize;

/// Where lookups read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The project's own table `status_records(gid, zjhm, ryzxztdm)`, filled by `import`.
    #[default]
    Table,
    /// An existing view `v_user(gid, userid, zxzt)` as read by the reference service.
    VUser,
}

/// Where the audit log goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditTarget {
    /// Standard error, one JSON line per request.
    Stderr,
    /// Appended to a file.
    File(PathBuf),
    /// Not written at all.
    Off,
}

impl<'de> Deserialize<'de> for AuditTarget {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(match s.as_str() {
            "stderr" => AuditTarget::Stderr,
            "off" | "" => AuditTarget::Off,
            path => AuditTarget::File(PathBuf::from(path)),
        })
    }
}

/// One registered calling system as written in the TOML config.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallerConfig {
    /// System name; appears in the audit log.
    pub name: String,
    /// A disabled caller gets the same 401 as an unknown token.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// SHA-256 hex digests of the caller's tokens (several allow rotation).
    #[serde(default)]
    pub token_sha256: Vec<String>,
    /// Source addresses or CIDR ranges the caller may call from.
    #[serde(default)]
    pub allowed_ips: Vec<String>,
    /// Who to contact about this caller.
    #[serde(default)]
    pub contact: Option<String>,
    /// Requests per second allowed (token bucket, burst of the same size).
    #[serde(default)]
    pub rate_limit_per_s: Option<u32>,
}

fn default_true() -> bool {
    true
}

/// The server's configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// `sqlite://PATH` or `postgres://...`: the primary, where imports write.
    #[serde(default = "default_database")]
    pub database: String,
    /// A PostgreSQL read replica (`postgres://...`) that lookups and readiness use;
    /// `None`: they use `database`.
    #[serde(default)]
    pub read_database: Option<String>,
    /// Which relation lookups read.
    #[serde(default)]
    pub source: Source,
    /// Peers whose `X-Forwarded-For` is believed.
    #[serde(default = "default_trusted")]
    pub trusted_proxies: Vec<IpNet>,
    /// Audit log destination: a path, `stderr` or `off`.
    #[serde(default = "default_audit")]
    pub audit_log: AuditTarget,
    /// Callers registered with token digests.
    #[serde(default)]
    pub callers: Vec<CallerConfig>,
    /// The reference's plaintext `clients.yml`, hashed at load; relative to the config file.
    #[serde(default)]
    pub clients_file: Option<PathBuf>,
    /// Maximum request body in bytes.
    #[serde(default = "default_body_limit")]
    pub max_body_bytes: usize,
    /// Database connections kept open.
    #[serde(default)]
    pub max_connections: Option<u32>,
    /// Where to serve Prometheus metrics (`GET /metrics`); off when absent. A port of
    /// its own, never the API's, so scrapes stay off the network callers reach.
    #[serde(default)]
    pub metrics_listen: Option<SocketAddr>,
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}
fn default_database() -> String {
    "sqlite://status.db".to_owned()
}
fn default_trusted() -> Vec<IpNet> {
    vec![IpNet::from(std::net::IpAddr::from([127, 0, 0, 1]))]
}
fn default_audit() -> AuditTarget {
    AuditTarget::Stderr
}
fn default_body_limit() -> usize {
    64 * 1024
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: default_listen(),
            database: default_database(),
            read_database: None,
            source: Source::Table,
            trusted_proxies: default_trusted(),
            audit_log: default_audit(),
            callers: Vec::new(),
            clients_file: None,
            max_body_bytes: default_body_limit(),
            max_connections: None,
            metrics_listen: None,
        }
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// File that failed.
        path: PathBuf,
        /// Underlying IO error.
        source: std::io::Error,
    },
    /// TOML syntax or schema error.
    #[error("invalid config {path}: {message}")]
    Toml {
        /// File that failed.
        path: PathBuf,
        /// Parser message.
        message: String,
    },
    /// YAML syntax or schema error in the clients file.
    #[error("invalid clients file {path}: {message}")]
    Yaml {
        /// File that failed.
        path: PathBuf,
        /// Parser message.
        message: String,
    },
    /// A setting that cannot work, e.g. metrics on the API port.
    #[error("invalid config {path}: {message}")]
    Setting {
        /// File that failed.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A variable (environment or `.env`) that cannot be used.
    #[error("{var}: {message}")]
    Env {
        /// Variable name, e.g. `DATABASE_URL`.
        var: String,
        /// What is wrong; never the value of a URL.
        message: String,
    },
    /// A semantic error, e.g. a bad digest or CIDR.
    #[error("invalid caller {caller:?}: {message}")]
    Caller {
        /// Caller name.
        caller: String,
        /// What is wrong.
        message: String,
    },
}

impl Config {
    /// Parses a config from TOML text; `origin` is used in messages only.
    pub fn from_toml(text: &str, origin: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Toml {
            path: origin.to_owned(),
            message: e.to_string(),
        })?;
        config.check().map_err(|message| ConfigError::Setting {
            path: origin.to_owned(),
            message,
        })?;
        Ok(config)
    }

    /// Settings that cannot work together, whichever way they were given.
    pub(crate) fn check(&self) -> Result<(), String> {
        if let Some(metrics) = self.metrics_listen
            && metrics.port() != 0
            && metrics.port() == self.listen.port()
        {
            return Err(format!(
                "metrics_listen {metrics} uses the API's port: give metrics a port of their own"
            ));
        }
        if let Some(read) = &self.read_database {
            if !(read.starts_with("postgres://") || read.starts_with("postgresql://")) {
                return Err("read_database must be a postgres:// URL (a read replica)".to_owned());
            }
            if !(self.database.starts_with("postgres://")
                || self.database.starts_with("postgresql://"))
            {
                return Err("read_database needs PostgreSQL in database".to_owned());
            }
        }
        Ok(())
    }

    /// Reads and parses a config file; a relative `clients_file` is resolved against its folder.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut config = Config::from_toml(&text, path)?;
        if let Some(clients) = &config.clients_file
            && clients.is_relative()
            && let Some(dir) = path.parent()
        {
            config.clients_file = Some(dir.join(clients));
        }
        Ok(config)
    }
}

/// The reference's `clients.yml`: plaintext tokens.
#[derive(Debug, Deserialize)]
pub struct ClientsFile {
    /// Registered clients.
    pub clients: Vec<ClientEntry>,
}

/// One client in `clients.yml`.
#[derive(Deserialize)]
pub struct ClientEntry {
    /// System name.
    pub name: String,
    /// Enabled flag.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Plaintext tokens; hashed immediately after parsing.
    #[serde(default)]
    pub tokens: Vec<String>,
    /// Allowed IPs or ranges.
    #[serde(default)]
    pub allowed_ips: Vec<String>,
}

impl std::fmt::Debug for ClientEntry {
    // Plaintext tokens must never reach a log through Debug.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientEntry")
            .field("name", &self.name)
            .field("enabled", &self.enabled)
            .field("tokens", &format_args!("[{} redacted]", self.tokens.len()))
            .field("allowed_ips", &self.allowed_ips)
            .finish()
    }
}

impl ClientsFile {
    /// Reads a `clients.yml` file.
    pub fn load(path: &Path) -> Result<ClientsFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        serde_norway::from_str(&text).map_err(|e| ConfigError::Yaml {
            path: path.to_owned(),
            // serde_norway messages quote the offending scalar only on type errors of
            // known fields, never whole token lists; keep the location.
            message: e.to_string(),
        })
    }
}
