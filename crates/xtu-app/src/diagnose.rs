//! When something fails: `doctor` (is each step of the way reachable and as
//! expected, without a password?) and the failed page saved for a bug report.

use std::path::PathBuf;

use xtu_ems::scrub::{self, Secrets};
use xtu_sso::doctor::{DoctorConfig, DoctorReport, FailureClass};

use crate::error::{Error, ExitCode};
use crate::session::Xtu;

/// A page that could not be read, saved with personal data removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedPage {
    /// The 0600 file in the state directory.
    pub path: PathBuf,
    /// The page's name for `xtu parse <page> <file>`.
    pub page: &'static str,
}

/// The exit code of a doctor's first failure: 8 for the network (and a
/// clock far off, which breaks TLS and tickets), 9 for a changed site, 10 for
/// an expired session.
pub fn doctor_exit_code(report: &DoctorReport) -> Option<ExitCode> {
    report.first_failure().map(|step| match step.class {
        Some(FailureClass::SiteChanged) => ExitCode::UnexpectedPage,
        Some(FailureClass::SessionExpired) => ExitCode::SessionExpired,
        _ => ExitCode::Network,
    })
}

impl Xtu {
    /// Checks the proxy in use, then both hosts step by step (DNS, TCP, TLS, HTTP), the login page
    /// and its key, the hand-off, the stored session if there is one, and the
    /// clock. Sends no password.
    pub async fn doctor(&self) -> Result<DoctorReport, Error> {
        let mut config = DoctorConfig::new(
            self.config().sso_base_url.as_str(),
            self.config().ems_base_url.as_str(),
        );
        config.timeout = self.config().timeout;
        config.proxy = self.config().proxy.clone();
        let session = self
            .stored_session()
            .ok()
            .flatten()
            .and_then(|stored| stored.ems_token)
            .and_then(|token| self.ems_builder().from_token(&token).ok())
            .map(xtu_ems::doctor::session_check);
        xtu_sso::doctor::run(&config, session)
            .await
            .map_err(|e| Error::Usage(e.to_string()))
    }

    /// Saves the page behind an "unexpected page" failure, scrubbed of the
    /// account's name, number and cookies and of anything that looks personal,
    /// as a 0600 file under the state directory's `failed-pages`. `None` when
    /// `error` is not about a page that was received.
    pub fn save_failed_page(&self, error: &Error) -> Option<Result<SavedPage, Error>> {
        let Error::Ems(ems) = error else {
            return None;
        };
        let unreadable = ems.unreadable_page()?;
        let mut secrets = Secrets::new();
        if let Ok(Some(stored)) = self.stored_session() {
            secrets.add(&stored.username, scrub::STUDENT_ID);
            for token in [Some(&stored.sso_token), stored.ems_token.as_ref()]
                .into_iter()
                .flatten()
            {
                if let Ok(jar) = xtu_sso::CookieJar::from_token(token) {
                    secrets.add_cookies(&jar);
                }
            }
        }
        let dir = match self.store_dir().path() {
            Ok(state) => state.join("failed-pages"),
            Err(e) => return Some(Err(e)),
        };
        Some(
            scrub::save_failed_page(&dir, unreadable.page, &unreadable.body, &secrets)
                .map(|path| SavedPage {
                    path,
                    page: unreadable.page.name(),
                })
                .map_err(Error::io(format!(
                    "could not save the page in {}",
                    dir.display()
                ))),
        )
    }
}
