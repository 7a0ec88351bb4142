//! Every way an action can fail, and the exit code each one gets. The codes
//! are documented in the README and `xtu --help` and never change meaning;
//! they live here so that every front end (the CLI, the MCP server, another
//! program) classifies a failure the same way.

use xtu_ems::EmsError;
use xtu_grad::GradError;
use xtu_sso::http::TransportError;
use xtu_sso::{LoginError, TokenError};

/// Stable exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
#[allow(missing_docs)] // Each name is its meaning; the README documents them.
pub enum ExitCode {
    Usage = 2,
    BadCredentials = 3,
    AccountLocked = 4,
    CaptchaRequired = 5,
    MustChangePassword = 6,
    AccountDisabled = 7,
    Network = 8,
    UnexpectedPage = 9,
    SessionExpired = 10,
    ServerError = 11,
    LocalFile = 12,
    /// The account is not of the system the command reads (its own family,
    /// 20-29): no graduate system for a graduate command ...
    NoGraduateSystem = 20,
    /// ... and a graduate student's account for an undergraduate command.
    GraduateAccount = 21,
}

/// A failed action: what to tell the user and how to exit.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bad input; the message names it and what to do.
    #[error("{0}")]
    Usage(String),
    /// No usable stored session; the message says what to run.
    #[error("{0}")]
    SessionExpired(String),
    /// Single sign-on refused or failed.
    #[error("login failed: {0}")]
    Login(#[from] LoginError),
    /// The academic system failed.
    #[error(transparent)]
    Ems(#[from] EmsError),
    /// The graduate system failed, or the account has none.
    #[error(transparent)]
    Grad(#[from] GradError),
    /// An undergraduate command on a graduate student's account; the
    /// message says what to use instead.
    #[error("{0}")]
    GraduateAccount(String),
    /// A token could not be read.
    #[error("invalid token: {0}")]
    Token(#[from] TokenError),
    /// The site refused a write (an evaluation's save or submit); the
    /// message names the form and gives the site's reason.
    #[error("{0}")]
    Refused(String),
    /// A local file could not be read or written.
    #[error("{what}: {source}")]
    Io {
        /// What was being done, with the path.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A file read offline (`xtu parse`) is not the page it was given as:
    /// nothing was asked of the site, so it is never reported as an answer
    /// of the site.
    #[error("{file} is not a saved {page}: {reason}")]
    NotThePage {
        /// The file as given (`standard input` for `-`).
        file: String,
        /// What it was given as: `student-info page`, `transcript PDF`.
        page: String,
        /// What it is instead.
        reason: String,
    },
}

impl From<xtu_ems::QueryError> for Error {
    fn from(error: xtu_ems::QueryError) -> Self {
        Self::Ems(EmsError::from(error))
    }
}

impl Error {
    /// Wraps an IO error with what was being done.
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let what = what.into();
        move |source| Self::Io { what, source }
    }

    /// The exit code of this failure.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::Usage(_) | Self::Token(_) => ExitCode::Usage,
            // The disk, not the input: retrying the same command can succeed.
            Self::Io { .. } => ExitCode::LocalFile,
            Self::SessionExpired(_) => ExitCode::SessionExpired,
            // The site's own answer, as with its error page.
            Self::Refused(_) => ExitCode::ServerError,
            Self::Login(e) => login_exit_code(e),
            Self::Ems(e) => ems_exit_code(e),
            Self::NotThePage { .. } => ExitCode::UnexpectedPage,
            Self::Grad(e) => grad_exit_code(e),
            Self::GraduateAccount(_) => ExitCode::GraduateAccount,
        }
    }
}

fn login_exit_code(error: &LoginError) -> ExitCode {
    match error {
        LoginError::BadCredentials { .. } => ExitCode::BadCredentials,
        LoginError::AccountLocked { .. } => ExitCode::AccountLocked,
        LoginError::CaptchaRequired { .. } | LoginError::CaptchaIncorrect { .. } => {
            ExitCode::CaptchaRequired
        }
        LoginError::MustChangePassword => ExitCode::MustChangePassword,
        LoginError::AccountDisabled => ExitCode::AccountDisabled,
        LoginError::Transport(TransportError::InvalidProxy(_)) => ExitCode::Usage,
        LoginError::Transport(_) => ExitCode::Network,
        LoginError::UnexpectedResponse { status, .. }
            if xtu_sso::http::is_gateway_error(*status) =>
        {
            ExitCode::Network
        }
        // The lockout guard stopped a second password: the message says why.
        LoginError::InvalidPassword(_)
        | LoginError::InvalidBaseUrl(_)
        | LoginError::AttemptRefused => ExitCode::Usage,
        _ => ExitCode::UnexpectedPage,
    }
}

fn ems_exit_code(error: &EmsError) -> ExitCode {
    match error {
        EmsError::SsoSessionExpired | EmsError::SessionExpired => ExitCode::SessionExpired,
        EmsError::ServerError { .. } => ExitCode::ServerError,
        // A gateway's 502-504 and a hand-off cut short pass with time: the
        // network's fault, not a changed site.
        EmsError::Transport(TransportError::InvalidProxy(_)) => ExitCode::Usage,
        EmsError::Transport(_) | EmsError::HandOffInterrupted => ExitCode::Network,
        EmsError::UnexpectedResponse { status, .. } if xtu_sso::http::is_gateway_error(*status) => {
            ExitCode::Network
        }
        EmsError::Query(_) | EmsError::Token(_) | EmsError::BaseUrl(_) => ExitCode::Usage,
        _ => ExitCode::UnexpectedPage,
    }
}

fn grad_exit_code(error: &GradError) -> ExitCode {
    match error {
        GradError::NoGraduateSystem { .. } => ExitCode::NoGraduateSystem,
        GradError::SsoSessionExpired | GradError::SessionExpired => ExitCode::SessionExpired,
        GradError::Transport(TransportError::InvalidProxy(_)) => ExitCode::Usage,
        GradError::Transport(_) => ExitCode::Network,
        GradError::UnexpectedResponse { status, .. }
            if xtu_sso::http::is_gateway_error(*status) =>
        {
            ExitCode::Network
        }
        GradError::Term(_) | GradError::BaseUrl(_) => ExitCode::Usage,
        _ => ExitCode::UnexpectedPage,
    }
}
