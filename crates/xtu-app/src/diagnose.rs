//! When something fails: `doctor` (is each step of the way reachable and as
//! expected, without a password?) and the failed page saved for a bug report.

use std::path::PathBuf;

use xtu_ems::scrub::{self, Secrets};
use xtu_ems::{EmsError, Page, ParseError, ParsedPage, TranscriptError};
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

/// Whether a text is an HTML document at all (a saved page is).
fn holds_html(text: &str) -> bool {
    let lower = text
        .get(..text.len().min(4096))
        .unwrap_or(text)
        .to_ascii_lowercase();
    [
        "<html",
        "<body",
        "<!doctype html",
        "<div",
        "<table",
        "<form",
    ]
    .iter()
    .any(|tag| lower.contains(tag))
}

/// `xtu parse`: a page saved from a browser (or an answer saved raw), read
/// offline. `file` names it in errors. A file that is jwglxt's login or
/// error page, or no page at all, says so; every other failure is the error
/// the command itself would have met, so a saved failed page reproduces it.
pub fn parse_saved_page(page: Page, file: &str, text: &str) -> Result<ParsedPage, Error> {
    let not_the_page = |reason: String| Error::NotThePage {
        file: file.to_owned(),
        page: format!("{} page", page.name()),
        reason,
    };
    let html_page = page.fixture_extension() == "html";
    page.parse_value(text).map_err(|error| match error {
        // Not even HTML (a README, even one quoting the error page's words).
        _ if html_page && !holds_html(text) => not_the_page("it holds no HTML page".into()),
        ParseError::SessionExpired => not_the_page("it is the academic system's login page".into()),
        ParseError::ServerError { message } => not_the_page(format!(
            "it is the academic system's error page ({message})"
        )),
        other => Error::Ems(EmsError::from(other)),
    })
}

/// `xtu parse transcript`: a transcript PDF read offline; a file that is no
/// PDF says so, naming the file.
pub fn parse_saved_transcript(file: &str, pdf: &[u8]) -> Result<xtu_model::Transcript, Error> {
    xtu_transcript::parse(pdf).map_err(|error| match error {
        TranscriptError::NotPdf => Error::NotThePage {
            file: file.to_owned(),
            page: "transcript PDF".into(),
            reason: "it is not a PDF (no %PDF- header)".into(),
        },
        other => Error::Ems(EmsError::from(other)),
    })
}

#[cfg(test)]
mod saved_page_tests {
    use super::*;

    #[test]
    fn a_file_that_is_not_the_page_says_so_naming_the_file() {
        let readme = "# xtu\n\n| 11 | XTU reported an internal error (系统运行异常) |\n";
        let error =
            parse_saved_page(Page::StudentInfo, "README.md", readme).expect_err("not the profile");
        assert_eq!(
            error.to_string(),
            "README.md is not a saved student-info page: it holds no HTML page"
        );
        assert_eq!(error.exit_code(), ExitCode::UnexpectedPage);
        let login = "<html><body><h5>用户登录</h5></body></html>";
        let error = parse_saved_page(Page::StudentInfo, "saved.html", login).expect_err("login");
        assert!(
            error.to_string().starts_with("saved.html is not a saved student-info page: it is the academic system's login page"),
            "{error}"
        );
        let error = parse_saved_transcript("README.md", readme.as_bytes()).expect_err("no pdf");
        assert!(
            error
                .to_string()
                .starts_with("README.md is not a saved transcript PDF"),
            "{error}"
        );
        // A page of the site that changed: the command's own error, offline too.
        let changed = parse_saved_page(
            Page::StudentInfo,
            "x.html",
            "<html><body>其他</body></html>",
        )
        .expect_err("changed");
        assert!(matches!(changed, Error::Ems(_)), "{changed}");
    }
}
