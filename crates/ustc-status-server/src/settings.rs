//! The reference's configuration: environment variables and an optional `.env`.
//!
//! `serve` without `--config` reads what the reference service reads, with
//! pydantic-settings' rules: names are case-insensitive, the process environment wins
//! over `./.env`, variables nobody reads are ignored. Settings the reference does not
//! have are `USTC_STATUS_*` variables; each maps to one TOML key (see [`MAPPING`]).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;

use crate::config::{AuditTarget, Config, ConfigError, Source};

/// The reference's database URL (SQLAlchemy form).
pub const DATABASE_URL: &str = "DATABASE_URL";
/// The reference's plaintext clients file.
pub const CLIENTS_CONFIG_PATH: &str = "CLIENTS_CONFIG_PATH";
/// The reference's trusted proxies, comma-separated.
pub const TRUSTED_PROXIES: &str = "TRUSTED_PROXIES";
/// Where to listen (`HOST:PORT`).
pub const LISTEN: &str = "USTC_STATUS_LISTEN";
/// A read replica for lookups (SQLAlchemy or plain PostgreSQL URL).
pub const READ_DATABASE_URL: &str = "USTC_STATUS_READ_DATABASE_URL";
/// `v_user` (the reference's view, the default here) or `table`.
pub const SOURCE: &str = "USTC_STATUS_SOURCE";
/// `stderr`, `off` or a file path.
pub const AUDIT_LOG: &str = "USTC_STATUS_AUDIT_LOG";
/// Largest request body in bytes.
pub const MAX_BODY_BYTES: &str = "USTC_STATUS_MAX_BODY_BYTES";
/// Database connections per pool.
pub const MAX_CONNECTIONS: &str = "USTC_STATUS_MAX_CONNECTIONS";
/// Prometheus metrics listener (`HOST:PORT`).
pub const METRICS_LISTEN: &str = "USTC_STATUS_METRICS_LISTEN";

/// The reference's default clients file (inside its image).
pub const DEFAULT_CLIENTS_CONFIG_PATH: &str = "/app/config/clients.yml";
/// The reference's default trusted proxies.
pub const DEFAULT_TRUSTED_PROXIES: &str = "127.0.0.1/32";
/// The reference's port, on loopback outside a container (the image sets `0.0.0.0:8000`).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8000";

/// TOML key, variable, and what the variable's default is when it is the one read.
pub const MAPPING: &[(&str, &str, &str)] = &[
    ("database", DATABASE_URL, "required"),
    (
        "read_database",
        READ_DATABASE_URL,
        "none: lookups use DATABASE_URL",
    ),
    (
        "clients_file",
        CLIENTS_CONFIG_PATH,
        DEFAULT_CLIENTS_CONFIG_PATH,
    ),
    ("trusted_proxies", TRUSTED_PROXIES, DEFAULT_TRUSTED_PROXIES),
    ("listen", LISTEN, DEFAULT_LISTEN),
    ("source", SOURCE, "v_user"),
    ("audit_log", AUDIT_LOG, "stderr"),
    ("max_body_bytes", MAX_BODY_BYTES, "65536"),
    (
        "max_connections",
        MAX_CONNECTIONS,
        "4 (SQLite), 8 (PostgreSQL)",
    ),
    ("metrics_listen", METRICS_LISTEN, "off"),
];

/// Variables the reference took at some release that this server has no use for: set,
/// they are named in one warning at start-up (the reference's automatic importer and
/// its MongoDB sync; data comes from `v_user` or `ustc-status-server import` here).
pub const NOT_HONOURED: &[&str] = &[
    "AUTO_IMPORT_INTERVAL_SECONDS",
    "MONGO_URI",
    "MONGO_DATABASE",
    "MONGO_COLLECTION",
    "SYNC_HOUR",
    "SYNC_MINUTE",
    "SYNC_BATCH_SIZE",
    "SYNC_TIMEZONE",
    "RUN_INITIAL_SYNC",
];

/// `USTC_STATUS_*` names that belong to other programs (the client CLI's token).
const OTHER_PROGRAMS: &[&str] = &["USTC_STATUS_TOKEN"];

/// One variable: the name as written, its value (`None` when not UTF-8), where from.
#[derive(Clone)]
struct Var {
    name: String,
    value: Option<String>,
    from_dotenv: bool,
}

/// The variables `serve` sees: the process environment over `./.env`, keyed
/// case-insensitively. `Debug` shows names only: values may be passwords.
#[derive(Clone, Default)]
pub struct Variables {
    vars: BTreeMap<String, Var>,
}

impl std::fmt::Debug for Variables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set()
            .entries(self.vars.values().map(|v| &v.name))
            .finish()
    }
}

impl Variables {
    /// The process environment over `dir/.env` (when the file exists).
    pub fn load(dir: &Path) -> Result<Variables, ConfigError> {
        let path = dir.join(".env");
        let dotenv = match std::fs::metadata(&path) {
            Ok(_) => read_dotenv(&path)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        let env = std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v)));
        Ok(Variables::from_parts(
            dotenv,
            env.map(|(k, v)| (k, v.into_string().ok())),
        ))
    }

    /// `env` over `dotenv`; a `None` value is one that is not UTF-8.
    pub fn from_parts(
        dotenv: impl IntoIterator<Item = (String, String)>,
        env: impl IntoIterator<Item = (String, Option<String>)>,
    ) -> Variables {
        let mut vars = BTreeMap::new();
        for (name, value) in dotenv {
            insert(&mut vars, name, Some(value), true);
        }
        for (name, value) in env {
            insert(&mut vars, name, value, false);
        }
        Variables { vars }
    }

    fn get(&self, name: &str) -> Result<Option<&str>, ConfigError> {
        match self.vars.get(name) {
            None => Ok(None),
            Some(Var { value: Some(v), .. }) => Ok(Some(v.as_str())),
            Some(Var { value: None, .. }) => Err(env_error(name, "not valid UTF-8")),
        }
    }

    /// Names of the set variables that configure `serve` (the TOML file wins over them).
    pub fn serve_settings(&self) -> Vec<&str> {
        MAPPING
            .iter()
            .filter(|(_, var, _)| self.vars.contains_key(*var))
            .map(|(_, var, _)| *var)
            .collect()
    }

    /// `DATABASE_URL` as the store's URL (also for `import` without `--database`).
    pub fn database_url(&self) -> Result<String, ConfigError> {
        self.database_url_warning(&mut Vec::new())
    }

    fn database_url_warning(&self, warnings: &mut Vec<String>) -> Result<String, ConfigError> {
        let value = self.get(DATABASE_URL)?.ok_or_else(|| {
            env_error(
                DATABASE_URL,
                "not set (in the environment or ./.env); e.g. postgresql+psycopg://user:password@host:5432/db",
            )
        })?;
        database_url(DATABASE_URL, value, warnings)
    }

    /// `USTC_STATUS_LISTEN`, default 127.0.0.1:8000 (also for `healthcheck`).
    pub fn listen(&self) -> Result<SocketAddr, ConfigError> {
        socket_addr(LISTEN, self.get(LISTEN)?.unwrap_or(DEFAULT_LISTEN))
    }

    /// Whether `name` came from `.env` rather than the environment.
    pub fn from_dotenv(&self, name: &str) -> bool {
        self.vars.get(name).is_some_and(|v| v.from_dotenv)
    }
}

fn insert(vars: &mut BTreeMap<String, Var>, name: String, value: Option<String>, dotenv: bool) {
    let key = name.to_ascii_uppercase();
    // Two spellings in one source (DATABASE_URL and database_url): the upper-case one.
    if let Some(old) = vars.get(&key)
        && old.from_dotenv == dotenv
        && old.name == key
    {
        return;
    }
    vars.insert(
        key,
        Var {
            name,
            value,
            from_dotenv: dotenv,
        },
    );
}

/// Parses `.env` with dotenvy (quotes, `export`, comments, `${VAR}` as python-dotenv).
/// A bad line is named by number only: its text may hold a password.
fn read_dotenv(path: &Path) -> Result<Vec<(String, String)>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut out = Vec::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            Ok(pair) => out.push(pair),
            Err(dotenvy::Error::LineParse(line, _)) => {
                let first = line.lines().next().unwrap_or_default();
                let number = text
                    .lines()
                    .position(|l| l == first)
                    .map_or_else(|| "?".to_owned(), |n| (n + 1).to_string());
                return Err(ConfigError::Setting {
                    path: path.to_owned(),
                    message: format!("cannot parse line {number}"),
                });
            }
            Err(e) => {
                return Err(ConfigError::Setting {
                    path: path.to_owned(),
                    message: match e {
                        dotenvy::Error::Io(e) => e.to_string(),
                        _ => "cannot parse the file".to_owned(),
                    },
                });
            }
        }
    }
    Ok(out)
}

fn env_error(var: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Env {
        var: var.to_owned(),
        message: message.into(),
    }
}

/// A config read from variables, and what to warn about once at start-up.
#[derive(Debug)]
pub struct FromVariables {
    /// The settings.
    pub config: Config,
    /// One line each: variables taken but not honoured, unknown `USTC_STATUS_*` names.
    pub warnings: Vec<String>,
}

impl Config {
    /// The reference's settings from `vars`; our own under `USTC_STATUS_*`.
    pub fn from_variables(vars: &Variables) -> Result<FromVariables, ConfigError> {
        let mut warnings = Vec::new();
        let database = vars.database_url_warning(&mut warnings)?;
        let read_database = vars
            .get(READ_DATABASE_URL)?
            .filter(|v| !v.trim().is_empty())
            .map(|v| database_url(READ_DATABASE_URL, v, &mut warnings))
            .transpose()?;
        if read_database.is_some() && !database.starts_with("postgres://") {
            return Err(env_error(
                READ_DATABASE_URL,
                "a read replica needs PostgreSQL in DATABASE_URL",
            ));
        }
        let clients = vars
            .get(CLIENTS_CONFIG_PATH)?
            .unwrap_or(DEFAULT_CLIENTS_CONFIG_PATH);
        let trusted = vars
            .get(TRUSTED_PROXIES)?
            .unwrap_or(DEFAULT_TRUSTED_PROXIES);
        let source = match vars.get(SOURCE)?.map(str::trim) {
            None | Some("v_user") => Source::VUser,
            Some("table") => Source::Table,
            Some(other) => {
                return Err(env_error(
                    SOURCE,
                    format!("expected v_user or table, got {other:?}"),
                ));
            }
        };
        let audit_log = match vars.get(AUDIT_LOG)?.map(str::trim) {
            None | Some("stderr") => AuditTarget::Stderr,
            Some("off" | "") => AuditTarget::Off,
            Some(path) => AuditTarget::File(PathBuf::from(path)),
        };
        let defaults = Config::default();
        let config = Config {
            listen: vars.listen()?,
            database,
            read_database,
            source,
            trusted_proxies: trusted_proxies(trusted)?,
            audit_log,
            callers: Vec::new(),
            clients_file: Some(PathBuf::from(clients)),
            max_body_bytes: match vars.get(MAX_BODY_BYTES)? {
                Some(v) => number(MAX_BODY_BYTES, v)?,
                None => defaults.max_body_bytes,
            },
            max_connections: vars
                .get(MAX_CONNECTIONS)?
                .map(|v| number::<u32>(MAX_CONNECTIONS, v))
                .transpose()?,
            metrics_listen: vars
                .get(METRICS_LISTEN)?
                .filter(|v| !v.trim().is_empty())
                .map(|v| socket_addr(METRICS_LISTEN, v))
                .transpose()?,
        };
        config
            .check()
            .map_err(|message| env_error(METRICS_LISTEN, message))?;
        if config.max_connections == Some(0) {
            return Err(env_error(MAX_CONNECTIONS, "must be at least 1"));
        }
        let ignored: Vec<&str> = NOT_HONOURED
            .iter()
            .filter(|n| vars.vars.contains_key(**n))
            .copied()
            .collect();
        if !ignored.is_empty() {
            warnings.push(format!(
                "ignoring {}: this server has no automatic importer; it reads v_user (or the table filled by `ustc-status-server import`) on every request",
                ignored.join(", ")
            ));
        }
        let unknown: Vec<&str> = vars
            .vars
            .keys()
            .filter(|k| k.starts_with("USTC_STATUS_"))
            .filter(|k| !MAPPING.iter().any(|(_, var, _)| var == k))
            .filter(|k| !OTHER_PROGRAMS.contains(&k.as_str()))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            warnings.push(format!(
                "ignoring unknown variable(s) {}: the server's own are {}",
                unknown.join(", "),
                MAPPING
                    .iter()
                    .map(|(_, var, _)| *var)
                    .filter(|v| v.starts_with("USTC_STATUS_"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Ok(FromVariables { config, warnings })
    }
}

fn socket_addr(var: &str, value: &str) -> Result<SocketAddr, ConfigError> {
    value.trim().parse().map_err(|_| {
        env_error(
            var,
            format!("expected IP:PORT such as 0.0.0.0:8000, got {value:?}"),
        )
    })
}

fn number<T: std::str::FromStr>(var: &str, value: &str) -> Result<T, ConfigError> {
    value
        .trim()
        .parse()
        .map_err(|_| env_error(var, format!("expected a whole number, got {value:?}")))
}

/// `TRUSTED_PROXIES` as the reference splits it: commas, blanks skipped, each an
/// address or a range (host bits allowed, as Python's `ip_network(strict=False)`).
fn trusted_proxies(value: &str) -> Result<Vec<IpNet>, ConfigError> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .map(|n| n.trunc())
                .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    env_error(
                        TRUSTED_PROXIES,
                        format!("{s:?} is not an ip address or cidr range"),
                    )
                })
        })
        .collect()
}

/// A database URL in the reference's SQLAlchemy forms, as the store's URL:
/// `postgresql+psycopg://`, `postgresql+psycopg2://`, `postgresql://`, `postgres://`
/// become `postgres://`; `sqlite:///relative.db` and `sqlite:////absolute.db` become
/// `sqlite://relative.db` and `sqlite:///absolute.db`. Messages never show the URL
/// (it may hold a password), only its scheme.
pub fn database_url(
    var: &str,
    value: &str,
    warnings: &mut Vec<String>,
) -> Result<String, ConfigError> {
    let value = value.trim();
    let Some((scheme, rest)) = value.split_once("://") else {
        return Err(env_error(
            var,
            "expected a URL such as postgresql+psycopg://user:password@host:5432/db or sqlite:///file.db",
        ));
    };
    let scheme = scheme.to_ascii_lowercase();
    let printable = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    match scheme.as_str() {
        "postgresql+psycopg" | "postgresql+psycopg2" | "postgresql" | "postgres" => {
            // libpq's `user@/db?host=/run/postgresql` (a socket directory, no host part)
            // needs a placeholder host for URL parsers; the parameter overrides it.
            let end = rest.find(['/', '?']).unwrap_or(rest.len());
            let (authority, tail) = rest.split_at(end);
            let hostless = authority.is_empty() || authority.ends_with('@');
            if hostless && !has_host_param(tail) {
                return Err(env_error(
                    var,
                    "no host (postgresql+psycopg://user:password@HOST:5432/db)",
                ));
            }
            let url = if hostless {
                format!("postgres://{authority}localhost{tail}")
            } else {
                format!("postgres://{rest}")
            };
            // Port, host and escapes checked now, with url's messages (they quote nothing).
            url::Url::parse(&url).map_err(|e| env_error(var, format!("{e}")))?;
            <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(&url)
                .map_err(|_| env_error(var, "not a valid PostgreSQL URL"))?;
            Ok(url)
        }
        "sqlite" | "sqlite+pysqlite" => {
            let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
            let Some(path) = path.strip_prefix('/').filter(|p| !p.is_empty()) else {
                return Err(env_error(
                    var,
                    "an in-memory SQLite database cannot be shared by the server's connections: give a file, sqlite:///relative.db or sqlite:////absolute.db",
                ));
            };
            if !query.is_empty() {
                warnings.push(format!(
                    "{var}: SQLite URL parameters are ignored (the server sets its own)"
                ));
            }
            Ok(format!("sqlite://{path}"))
        }
        _ if printable => Err(env_error(
            var,
            format!(
                "unsupported scheme {scheme}:// (expected postgresql+psycopg://, postgresql+psycopg2://, postgresql://, postgres:// or sqlite:///PATH)"
            ),
        )),
        _ => Err(env_error(var, "unsupported scheme")),
    }
}

/// libpq's `?host=/run/postgresql` (a Unix socket directory) stands for the host part.
fn has_host_param(tail: &str) -> bool {
    tail.split_once('?').is_some_and(|(_, query)| {
        url::form_urlencoded::parse(query.as_bytes()).any(|(k, v)| k == "host" && !v.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(env: &[(&str, &str)]) -> Variables {
        Variables::from_parts(
            Vec::new(),
            env.iter()
                .map(|(k, v)| ((*k).to_owned(), Some((*v).to_owned()))),
        )
    }

    fn url(value: &str) -> Result<String, String> {
        database_url(DATABASE_URL, value, &mut Vec::new()).map_err(|e| e.to_string())
    }

    #[test]
    fn sqlalchemy_forms_become_store_urls() {
        for scheme in [
            "postgresql+psycopg",
            "postgresql+psycopg2",
            "postgresql",
            "postgres",
        ] {
            assert_eq!(
                url(&format!(
                    "{scheme}://u:p%40ss@db.internal:5432/school_status"
                ))
                .as_deref(),
                Ok("postgres://u:p%40ss@db.internal:5432/school_status"),
                "{scheme}"
            );
        }
        assert_eq!(
            url("postgresql+psycopg://u@/db?host=/run/postgresql").as_deref(),
            Ok("postgres://u@localhost/db?host=/run/postgresql")
        );
        assert_eq!(
            url("sqlite:///status.db").as_deref(),
            Ok("sqlite://status.db")
        );
        assert_eq!(
            url("sqlite:///data/status.db").as_deref(),
            Ok("sqlite://data/status.db")
        );
        assert_eq!(
            url("sqlite:////var/lib/status.db").as_deref(),
            Ok("sqlite:///var/lib/status.db")
        );
        assert_eq!(
            url("sqlite+pysqlite:////abs.db").as_deref(),
            Ok("sqlite:///abs.db")
        );
    }

    #[test]
    fn bad_urls_name_the_variable_and_never_the_password() {
        let cases = [
            (
                "mysql://root:hunter2secret@db/x",
                "DATABASE_URL: unsupported scheme mysql://",
            ),
            (
                "postgresql+asyncpg://u:hunter2secret@db/x",
                "DATABASE_URL: unsupported scheme postgresql+asyncpg://",
            ),
            (
                "postgresql://u:hunter2secret@db:notaport/x",
                "DATABASE_URL: invalid port number",
            ),
            ("u:hunter2secret@db/x", "DATABASE_URL: expected a URL"),
            ("sqlite://", "DATABASE_URL: an in-memory SQLite database"),
            ("postgresql://u:hunter2secret@/x", "DATABASE_URL: no host"),
            (
                "hunter2secret://x",
                "DATABASE_URL: unsupported scheme hunter2secret://",
            ),
        ];
        for (value, start) in cases {
            let e = url(value).expect_err(value);
            assert!(e.starts_with(start), "{value}: {e}");
            if !start.contains("hunter2secret") {
                assert!(!e.contains("hunter2secret"), "{value}: {e}");
            }
        }
        let e = url("pg:/u:hunter2@x").unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn the_reference_example_values_are_read() {
        let v = vars(&[
            (
                "DATABASE_URL",
                "postgresql+psycopg://school_status:replace-with-long-random-password@postgres:5432/school_status",
            ),
            ("CLIENTS_CONFIG_PATH", "/app/config/clients.yml"),
            ("TRUSTED_PROXIES", "127.0.0.1/32,172.16.0.0/12"),
            ("AUTO_IMPORT_INTERVAL_SECONDS", "60"),
            ("POSTGRES_DB", "school_status"),
            ("POSTGRES_PASSWORD", "replace-with-long-random-password"),
            ("PATH", "/usr/bin"),
        ]);
        let FromVariables { config, warnings } = Config::from_variables(&v).unwrap();
        assert_eq!(
            config.database,
            "postgres://school_status:replace-with-long-random-password@postgres:5432/school_status"
        );
        assert_eq!(
            config.clients_file.as_deref(),
            Some(Path::new("/app/config/clients.yml"))
        );
        assert_eq!(
            config.trusted_proxies,
            vec![
                "127.0.0.1/32".parse::<IpNet>().unwrap(),
                "172.16.0.0/12".parse().unwrap()
            ]
        );
        assert_eq!(config.listen, "127.0.0.1:8000".parse().unwrap());
        assert_eq!(config.source, Source::VUser);
        assert_eq!(config.read_database, None);
        // One warning, naming the one variable taken but not honoured; POSTGRES_* and
        // PATH are the postgres container's and the shell's business: not a word.
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("AUTO_IMPORT_INTERVAL_SECONDS"));
        assert!(!warnings[0].contains("POSTGRES"));
    }

    #[test]
    fn defaults_are_the_reference_s() {
        let FromVariables { config, warnings } =
            Config::from_variables(&vars(&[("DATABASE_URL", "sqlite:///s.db")])).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(
            config.clients_file.as_deref(),
            Some(Path::new(DEFAULT_CLIENTS_CONFIG_PATH))
        );
        assert_eq!(
            config.trusted_proxies,
            vec!["127.0.0.1/32".parse::<IpNet>().unwrap()]
        );
        assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(config.audit_log, AuditTarget::Stderr);
    }

    #[test]
    fn environment_wins_over_dotenv_and_names_are_case_insensitive() {
        let v = Variables::from_parts(
            vec![
                ("DATABASE_URL".into(), "sqlite:///from-dotenv.db".into()),
                ("trusted_proxies".into(), "10.0.0.0/8".into()),
                ("USTC_STATUS_LISTEN".into(), "127.0.0.1:9000".into()),
            ],
            vec![("DATABASE_URL".into(), Some("sqlite:///from-env.db".into()))],
        );
        let config = Config::from_variables(&v).unwrap().config;
        assert_eq!(config.database, "sqlite://from-env.db");
        assert_eq!(
            config.trusted_proxies,
            vec!["10.0.0.0/8".parse::<IpNet>().unwrap()]
        );
        assert_eq!(config.listen, "127.0.0.1:9000".parse().unwrap());
        assert!(v.from_dotenv("TRUSTED_PROXIES"));
        assert!(!v.from_dotenv("DATABASE_URL"));
    }

    #[test]
    fn own_settings_and_their_errors() {
        let base = ("DATABASE_URL", "postgresql://u:secret-pw@db/x");
        let ok = Config::from_variables(&vars(&[
            base,
            (
                "USTC_STATUS_READ_DATABASE_URL",
                "postgresql+psycopg://u:secret-pw@replica/x",
            ),
            ("USTC_STATUS_SOURCE", "table"),
            ("USTC_STATUS_AUDIT_LOG", "/var/log/audit.log"),
            ("USTC_STATUS_MAX_BODY_BYTES", "1024"),
            ("USTC_STATUS_MAX_CONNECTIONS", "16"),
            ("USTC_STATUS_METRICS_LISTEN", "127.0.0.1:9180"),
            ("TRUSTED_PROXIES", " 10.1.2.3 , ,192.168.1.7/16"),
            ("USTC_STATUS_TOKEN", "the client's"),
        ]))
        .unwrap();
        let c = ok.config;
        assert!(ok.warnings.is_empty(), "{:?}", ok.warnings);
        assert_eq!(
            c.read_database.as_deref(),
            Some("postgres://u:secret-pw@replica/x")
        );
        assert_eq!(c.source, Source::Table);
        assert_eq!(c.audit_log, AuditTarget::File("/var/log/audit.log".into()));
        assert_eq!((c.max_body_bytes, c.max_connections), (1024, Some(16)));
        assert_eq!(c.metrics_listen, Some("127.0.0.1:9180".parse().unwrap()));
        assert_eq!(
            c.trusted_proxies,
            vec![
                "10.1.2.3/32".parse::<IpNet>().unwrap(),
                "192.168.0.0/16".parse().unwrap()
            ]
        );
        let err = |extra: (&str, &str)| {
            Config::from_variables(&vars(&[base, extra]))
                .unwrap_err()
                .to_string()
        };
        for (var, value, start) in [
            (
                "USTC_STATUS_LISTEN",
                "8000",
                "USTC_STATUS_LISTEN: expected IP:PORT",
            ),
            (
                "USTC_STATUS_SOURCE",
                "view",
                "USTC_STATUS_SOURCE: expected v_user or table",
            ),
            (
                "USTC_STATUS_MAX_BODY_BYTES",
                "64k",
                "USTC_STATUS_MAX_BODY_BYTES: expected a whole number",
            ),
            (
                "USTC_STATUS_MAX_CONNECTIONS",
                "0",
                "USTC_STATUS_MAX_CONNECTIONS: must be at least 1",
            ),
            (
                "TRUSTED_PROXIES",
                "127.0.0.1/32;10.0.0.0/8",
                "TRUSTED_PROXIES: \"127.0.0.1/32;10.0.0.0/8\" is not",
            ),
            (
                "USTC_STATUS_READ_DATABASE_URL",
                "mysql://u:secret-pw@r/x",
                "USTC_STATUS_READ_DATABASE_URL: unsupported scheme mysql://",
            ),
            (
                "USTC_STATUS_METRICS_LISTEN",
                "127.0.0.1:8000",
                "USTC_STATUS_METRICS_LISTEN: metrics_listen",
            ),
        ] {
            let e = err((var, value));
            assert!(e.starts_with(start), "{var}={value}: {e}");
            assert!(!e.contains("secret-pw"), "{e}");
        }
        let e = Config::from_variables(&vars(&[])).unwrap_err().to_string();
        assert!(e.starts_with("DATABASE_URL: not set"), "{e}");
        let e = Config::from_variables(&vars(&[
            ("DATABASE_URL", "sqlite:///s.db"),
            ("USTC_STATUS_READ_DATABASE_URL", "postgresql://u@r/x"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("USTC_STATUS_READ_DATABASE_URL: a read replica needs PostgreSQL"),
            "{e}"
        );
    }

    #[test]
    fn a_typo_in_our_own_prefix_is_warned_about() {
        let w = Config::from_variables(&vars(&[
            ("DATABASE_URL", "sqlite:///s.db"),
            ("USTC_STATUS_LISTN", "0.0.0.0:8000"),
        ]))
        .unwrap()
        .warnings;
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("USTC_STATUS_LISTN") && w[0].contains("USTC_STATUS_LISTEN"));
    }

    #[test]
    fn dotenv_is_parsed_like_python_dotenv_and_bad_lines_are_named_by_number() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".env"),
            "# comment\nexport DATABASE_URL=\"sqlite:///quoted.db\"\nTRUSTED_PROXIES='10.0.0.0/8' # trailing\n\nEMPTY=\n",
        )
        .unwrap();
        let v = Variables::load(dir.path()).unwrap();
        assert!(v.from_dotenv("TRUSTED_PROXIES") || std::env::var_os("TRUSTED_PROXIES").is_some());
        if std::env::var_os("DATABASE_URL").is_none() {
            assert_eq!(v.get("DATABASE_URL").unwrap(), Some("sqlite:///quoted.db"));
        }
        std::fs::write(
            dir.path().join(".env"),
            "A=1\nDATABASE_URL=postgres://u:hunter2@db/x 'broken\n",
        )
        .unwrap();
        let e = Variables::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("line 2"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
    }
}
