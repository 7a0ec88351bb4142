//! Everything that can go wrong talking to the academic system.

use xtu_sso::TokenError;
use xtu_sso::http::{BaseUrlError, TransportError};

use crate::pages::ParseError;
use crate::query::QueryError;

/// An academic-system request that did not give its result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmsError {
    /// The hand-off from single sign-on did not reach the academic system:
    /// the SSO session is no longer valid.
    #[error("sso session expired: log in again")]
    SsoSessionExpired,
    /// The academic system's session is missing or expired (its login page,
    /// a redirect to it, or HTTP 901).
    #[error("ems session expired: enter the academic system again")]
    SessionExpired,
    /// ZhengFang's own error page (系统运行异常).
    #[error("the academic system reported an internal error: {message}")]
    ServerError {
        /// The text of the error page.
        message: String,
    },
    /// A page that could not be read: the site may have changed.
    #[error(transparent)]
    Parse(ParseError),
    /// A status or redirect the protocol does not describe.
    #[error("unexpected response from the academic system: HTTP {status} at {url}")]
    UnexpectedResponse {
        /// HTTP status code.
        status: u16,
        /// The URL without its query string.
        url: String,
    },
    /// Redirects that never end.
    #[error("too many redirects entering the academic system (stopped after {0})")]
    TooManyRedirects(usize),
    /// The request did not complete.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// Invalid query input (caught before any request).
    #[error(transparent)]
    Query(#[from] QueryError),
    /// An unreadable EMS token.
    #[error("invalid ems token: {0}")]
    Token(#[from] TokenError),
    /// The transcript PDF could not be read (or was not a PDF).
    #[error(transparent)]
    Transcript(#[from] crate::transcript::TranscriptError),
    /// A failure inside this library (a task that panicked).
    #[error("internal error: {0}")]
    Internal(String),
    /// An invalid base URL.
    #[error(transparent)]
    BaseUrl(#[from] BaseUrlError),
}

/// The page-level outcomes a parser recognises (the login page, the error
/// page) become the same errors as their transport-level signals (a redirect
/// to the login page, HTTP 901), so callers see one error per cause.
impl From<ParseError> for EmsError {
    fn from(e: ParseError) -> Self {
        match e {
            ParseError::SessionExpired => Self::SessionExpired,
            ParseError::ServerError { message } => Self::ServerError { message },
            other => Self::Parse(other),
        }
    }
}
