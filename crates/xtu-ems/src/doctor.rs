//! The academic system's part of `doctor` ([`xtu_sso::doctor`]): whose
//! fault an academic-system error is, and the check of a stored session.

use xtu_sso::doctor::{CheckFailure, FailureClass, SessionCheck};
use xtu_sso::http;

use crate::client::EmsClient;
use crate::error::EmsError;

/// Whose fault an academic-system error is, in `doctor`'s terms.
pub fn failure_class(error: &EmsError) -> FailureClass {
    match error {
        EmsError::SsoSessionExpired | EmsError::SessionExpired => FailureClass::SessionExpired,
        // The server's own error page and a gateway's error pass with time:
        // neither is a change of the site.
        EmsError::Transport(_) | EmsError::ServerError { .. } => FailureClass::Network,
        EmsError::UnexpectedResponse { status, .. } if http::is_gateway_error(*status) => {
            FailureClass::Network
        }
        _ => FailureClass::SiteChanged,
    }
}

/// The `stored session` step of [`xtu_sso::doctor::run`] for a stored
/// academic-system session: one small request ([`EmsClient::check`]).
pub fn session_check(ems: EmsClient) -> SessionCheck {
    Box::pin(async move {
        ems.check()
            .await
            .map(|()| "the stored academic-system session is valid".to_owned())
            .map_err(|error| CheckFailure {
                class: failure_class(&error),
                detail: error.to_string(),
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::ParseError;

    #[test]
    fn errors_are_classified() {
        let unexpected = |status| EmsError::UnexpectedResponse {
            status,
            url: "http://h/".into(),
        };
        let changed = EmsError::from(ParseError::UnexpectedPage {
            page: "grades",
            missing: "items".into(),
        });
        for (error, class) in [
            (EmsError::SessionExpired, FailureClass::SessionExpired),
            (EmsError::SsoSessionExpired, FailureClass::SessionExpired),
            (unexpected(502), FailureClass::Network),
            (unexpected(404), FailureClass::SiteChanged),
            (changed, FailureClass::SiteChanged),
        ] {
            assert_eq!(failure_class(&error), class, "{error}");
        }
    }
}
