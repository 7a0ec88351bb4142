//! A logged-in single sign-on session.

use std::fmt;

use crate::jar::CookieJar;
use crate::token::{TokenError, TokenFormat};

/// The CAS session of one login: its cookie jar (CAS `JSESSIONID`, `CASTGC`
/// and/or `iPlanetDirectoryPro`). Other XTU systems are entered with it.
#[derive(Clone)]
pub struct SsoSession {
    jar: CookieJar,
}

impl SsoSession {
    /// Wraps a jar holding CAS cookies.
    pub fn new(jar: CookieJar) -> Self {
        Self { jar }
    }

    /// Restores a session from an SSO token (plain or compressed).
    pub fn from_token(token: &str) -> Result<Self, TokenError> {
        CookieJar::from_token(token).map(Self::new)
    }

    /// Writes the session as a token in the upstream format.
    pub fn to_token(&self, format: TokenFormat) -> String {
        self.jar.to_token(format)
    }

    /// The session's cookie jar.
    pub fn jar(&self) -> &CookieJar {
        &self.jar
    }
}

impl fmt::Debug for SsoSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoSession")
            .field("jar", &self.jar)
            .finish()
    }
}
