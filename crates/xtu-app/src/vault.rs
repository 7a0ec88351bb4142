//! Remembered passwords in the OS keyring: the kernel's persistent keyring
//! on Linux (in memory, per user, kept a few days after last use; never on
//! disk), the Keychain on macOS, the Credential Manager on Windows.

use crate::error::Error;

/// Where remembered passwords go: an OS keyring service, or nowhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vault {
    /// The entries' service name; `None`: no keyring (as on a machine
    /// without one).
    service: Option<String>,
}

impl Vault {
    /// The OS keyring, entries under `service` (the CLI uses `xtu`).
    pub fn os(service: impl Into<String>) -> Self {
        Self {
            service: Some(service.into()),
        }
    }

    /// No keyring: remembering a password needs the file fallback.
    pub fn none() -> Self {
        Self { service: None }
    }

    /// From the environment: `XTU_KEYRING=none` turns the keyring off;
    /// `XTU_KEYRING_SERVICE` names the entries' service (default `xtu`), so
    /// tests never touch a real user's entries.
    pub fn from_env() -> Self {
        if std::env::var("XTU_KEYRING").is_ok_and(|v| v.eq_ignore_ascii_case("none")) {
            return Self::none();
        }
        Self::os(
            std::env::var("XTU_KEYRING_SERVICE")
                .ok()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "xtu".to_owned()),
        )
    }

    fn entry(&self, username: &str) -> Result<keyring::Entry, String> {
        let service = self
            .service
            .as_deref()
            .ok_or("turned off by XTU_KEYRING=none")?;
        keyring::Entry::new(service, username).map_err(|e| e.to_string())
    }

    /// Checks that a password could be kept, before anything is sent: a
    /// refusal afterwards would waste a login.
    pub fn check_available(&self, username: &str) -> Result<(), Error> {
        let probe = format!("{username}.probe");
        self.entry(&probe)
            .and_then(|e| {
                // The Linux backend reports a kernel without persistent
                // keyrings as "no matching entry": say what it means here.
                e.set_password("probe")
                    .map_err(|e| format!("it could not store a test entry: {e}"))?;
                e.delete_credential().map_err(|e| e.to_string())
            })
            .map_err(|reason| {
                Error::Usage(format!(
                    "no OS keyring is available to remember the password ({reason}): add \
                     --insecure-store to keep it in a file readable only by you, or log in without \
                     --remember"
                ))
            })
    }

    /// Keeps the password of `username`.
    pub fn save(&self, username: &str, password: &str) -> Result<(), Error> {
        self.entry(username)
            .and_then(|e| e.set_password(password).map_err(|e| e.to_string()))
            .map_err(|reason| {
                Error::Usage(format!(
                    "logged in, but the OS keyring refused the password ({reason})"
                ))
            })
    }

    /// The remembered password of `username`, if the keyring has one.
    pub fn load(&self, username: &str) -> Option<String> {
        self.entry(username).ok()?.get_password().ok()
    }

    /// Forgets the password of `username` (nothing to forget is fine).
    pub fn remove(&self, username: &str) {
        if let Ok(entry) = self.entry(username) {
            // Missing entry or no keyring: either way nothing is kept there.
            let _ = entry.delete_credential();
        }
    }
}
