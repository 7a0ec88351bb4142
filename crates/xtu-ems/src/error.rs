//! Everything that can go wrong talking to the academic system.

use xtu_sso::TokenError;
use xtu_sso::http::{BaseUrlError, TransportError};

use crate::pages::{Page, ParseError};
use crate::query::QueryError;

/// The most of a failed page kept in an error: whole real pages (a profile is
/// about 60 KB, a term's grades a few hundred), bounded against a huge answer.
pub const MAX_KEPT_BODY_BYTES: usize = 4 * 1024 * 1024;

/// An academic-system request that did not give its result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmsError {
    /// The hand-off from single sign-on did not reach the academic system:
    /// the SSO session is no longer valid.
    #[error("sso session expired: log in again")]
    SsoSessionExpired,
    /// The hand-off got past the CAS but not into the academic system
    /// (e.g. its one-time `uid` was spent by a request whose answer was
    /// lost): worth starting again.
    #[error("the hand-off to the academic system was interrupted; try again")]
    HandOffInterrupted,
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
    /// A page fetched by a request that could not be read (the site may have
    /// changed), with the body that failed, so that it can be saved
    /// (scrubbed) for a bug report: see [`EmsError::unreadable_page`].
    #[error(transparent)]
    UnreadablePage(Box<UnreadablePage>),
    /// A status or redirect the protocol does not describe; a server error
    /// (5xx, e.g. a gateway's 502) says that the system failed, not that
    /// its answer was unexpected.
    #[error("{}", unexpected_response(*status, url))]
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
    Transcript(#[from] xtu_transcript::TranscriptError),
    /// A failure inside this library (a task that panicked).
    #[error("internal error: {0}")]
    Internal(String),
    /// An invalid base URL.
    #[error(transparent)]
    BaseUrl(#[from] BaseUrlError),
}

fn unexpected_response(status: u16, url: &str) -> String {
    if (500..=599).contains(&status) {
        format!("the academic system failed (HTTP {status}) at {url}; try again later")
    } else {
        format!("unexpected response from the academic system: HTTP {status} at {url}")
    }
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

/// A fetched page that did not parse, and its body (cut at
/// [`MAX_KEPT_BODY_BYTES`]). The body may hold personal data: Debug and
/// Display never show it; scrub it before saving it
/// ([`crate::scrub::save_failed_page`]).
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}")]
pub struct UnreadablePage {
    /// Which page.
    pub page: Page,
    /// Why it could not be read.
    #[source]
    pub error: ParseError,
    /// The body as received (decoded), possibly cut short.
    pub body: String,
    /// Whether `body` was cut at [`MAX_KEPT_BODY_BYTES`].
    pub truncated: bool,
}

impl std::fmt::Debug for UnreadablePage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnreadablePage")
            .field("page", &self.page)
            .field("error", &self.error)
            .field("body_bytes", &self.body.len())
            .field("truncated", &self.truncated)
            .finish()
    }
}

impl EmsError {
    /// The error of a fetched `page` whose `body` did not parse: the login
    /// and error pages become their own errors (as with `From<ParseError>`),
    /// anything else [`EmsError::UnreadablePage`] keeping the body.
    pub fn from_page(page: Page, error: ParseError, body: &str) -> Self {
        match error {
            ParseError::UnexpectedPage { .. } | ParseError::InvalidValue { .. } => {
                let mut end = body.len().min(MAX_KEPT_BODY_BYTES);
                while !body.is_char_boundary(end) {
                    end -= 1;
                }
                Self::UnreadablePage(Box::new(UnreadablePage {
                    page,
                    error,
                    body: body[..end].to_owned(),
                    truncated: end < body.len(),
                }))
            }
            other => other.into(),
        }
    }

    /// The parse error behind this error, with or without a body.
    pub fn parse_error(&self) -> Option<&ParseError> {
        match self {
            Self::Parse(error) => Some(error),
            Self::UnreadablePage(page) => Some(&page.error),
            _ => None,
        }
    }

    /// The page and body that failed to parse, when this error carries them.
    pub fn unreadable_page(&self) -> Option<&UnreadablePage> {
        match self {
            Self::UnreadablePage(page) => Some(page),
            _ => None,
        }
    }
}

/// Parses a fetched page, keeping its body in the error (see
/// [`EmsError::from_page`]).
pub(crate) fn parse_page<T>(
    page: Page,
    body: &str,
    parse: impl FnOnce(&str) -> Result<T, ParseError>,
) -> Result<T, EmsError> {
    parse(body).map_err(|error| EmsError::from_page(page, error, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unexpected() -> ParseError {
        ParseError::UnexpectedPage {
            page: "grades",
            missing: "the items".into(),
        }
    }

    #[test]
    fn a_fetched_page_that_fails_keeps_its_body_out_of_messages() {
        let body = r#"{"secret":"13912345678"}"#;
        let error = EmsError::from_page(Page::Grades, unexpected(), body);
        let kept = error.unreadable_page().expect("kept");
        assert_eq!(
            (kept.page, kept.body.as_str(), kept.truncated),
            (Page::Grades, body, false)
        );
        assert_eq!(error.parse_error(), Some(&unexpected()));
        // Same message as the body-less error; no body in Display or Debug.
        assert_eq!(error.to_string(), EmsError::Parse(unexpected()).to_string());
        assert!(!format!("{error} {error:?}").contains("13912345678"));
    }

    #[test]
    fn login_and_error_pages_stay_their_own_errors() {
        assert!(matches!(
            EmsError::from_page(Page::Grades, ParseError::SessionExpired, "x"),
            EmsError::SessionExpired
        ));
        assert!(matches!(
            EmsError::from_page(
                Page::Grades,
                ParseError::ServerError {
                    message: "m".into()
                },
                "x"
            ),
            EmsError::ServerError { .. }
        ));
    }

    #[test]
    fn huge_bodies_are_cut_on_a_character_boundary() {
        let body = "张".repeat(MAX_KEPT_BODY_BYTES / 3 + 1);
        let error = EmsError::from_page(Page::StudentInfo, unexpected(), &body);
        let kept = error.unreadable_page().expect("kept");
        assert!(kept.truncated && kept.body.len() <= MAX_KEPT_BODY_BYTES);
    }
}
