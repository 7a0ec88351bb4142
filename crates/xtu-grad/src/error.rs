//! Everything that can go wrong talking to the graduate system.

use xtu_sso::http::{BaseUrlError, TransportError};

use crate::pages::{Page, ParseError};

/// A graduate-system request that did not give its result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GradError {
    /// The portal or the hand-off sent the single sign-on's login page: the
    /// SSO session is no longer valid.
    #[error("sso session expired: log in again")]
    SsoSessionExpired,
    /// The account has no graduate system: the portal lists no
    /// 研究生系统（学生端）, or its link did not open the system.
    #[error(
        "this account has no graduate system ({detail}): graduate commands are for graduate students"
    )]
    NoGraduateSystem {
        /// What showed it.
        detail: String,
    },
    /// The graduate system's session is missing or expired.
    #[error("graduate system session expired: enter it again")]
    SessionExpired,
    /// A page that could not be read: the site may have changed.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// A status or redirect the protocol does not describe.
    #[error("unexpected response from the {page}: HTTP {status} at {url}")]
    UnexpectedResponse {
        /// Which page was asked for.
        page: Page,
        /// HTTP status code.
        status: u16,
        /// The URL without its query string.
        url: String,
    },
    /// Redirects that never end.
    #[error("too many redirects entering the graduate system (stopped after {0})")]
    TooManyRedirects(usize),
    /// A term the graduate system has no code for.
    #[error("invalid term {0}: the graduate system numbers terms 1 and 2 from 2000 on")]
    Term(String),
    /// The request did not complete.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// An invalid base URL.
    #[error(transparent)]
    BaseUrl(#[from] BaseUrlError),
}

impl GradError {
    /// Whether trying again may help (the network, a gateway).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transport(e) => e.is_transient(),
            Self::UnexpectedResponse { status, .. } => xtu_sso::http::is_gateway_error(*status),
            _ => false,
        }
    }
}
