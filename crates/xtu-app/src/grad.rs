//! Graduate students: the graduate system (gmsstu) through the stored
//! single sign-on session, its timetable, and the same week grid, iCalendar
//! and WakeUp exports as the academic system's timetable.
//!
//! The graduate system is entered afresh for each use case (the portal's
//! list and four hops of the hand-off; a timetable adds its page and its
//! data: seven requests): its session is not stored, so a graduate account
//! keeps one stored session, the SSO one.

use chrono::NaiveDate;
use xtu_ems::TermSpec;
use xtu_grad::{GradClient, GradClientBuilder, GradError};
use xtu_model::{TeachingCalendar, Term, Timetable};
use xtu_sso::SsoSession;

use crate::error::Error;
use crate::ics::{Export, render};
use crate::session::{Xtu, not_logged_in};
use crate::wakeup::{WakeUpExport, wakeup_csv};
use crate::week::{WeekView, week_view};

/// A term's teaching weeks, for dating the graduate timetable: XTU's terms
/// run about 20 weeks.
const TERM_WEEKS: u64 = 20;

/// An undergraduate command on a graduate student's account.
pub(crate) fn graduate_account(username: &str) -> Error {
    Error::GraduateAccount(format!(
        "{username} is a graduate student's account: the academic system (jwglxt) does not \
         let it in; use the graduate commands (xtu grad timetable)"
    ))
}

/// What the graduate timetable's exports need besides the timetable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GradRequest {
    /// The term (see [`crate::TermAsked::by_date`]).
    pub term: TermSpec,
    /// The first day of teaching week 1: the graduate system publishes no
    /// teaching calendar, so dates (the week grid's, the iCalendar's) come
    /// from here. Any day of that week will do.
    pub term_start: Option<NaiveDate>,
}

impl GradRequest {
    /// The teaching calendar `term_start` stands for.
    fn calendar(&self, term: &str) -> Option<TeachingCalendar> {
        let start = self.term_start?;
        Some(TeachingCalendar {
            term_id: term.to_owned(),
            start_date: start,
            end_date: start.checked_add_days(chrono::Days::new(TERM_WEEKS * 7 - 1))?,
        })
    }
}

impl Xtu {
    /// A builder for the graduate system's client with this configuration.
    pub fn grad_builder(&self) -> GradClientBuilder {
        GradClient::builder()
            .base_url(&self.config().grad_base_url)
            .portal_base_url(&self.config().sso_base_url)
            .timeout(self.config().timeout)
            .proxy(self.config().proxy.clone())
    }

    /// Whether the portal lists the graduate system for this session.
    pub(crate) async fn is_graduate(&self, sso: &SsoSession) -> Result<bool, Error> {
        Ok(self.grad_builder().has_graduate_system(sso).await?)
    }

    /// Enters the graduate system with the stored SSO session; when that
    /// expired, logs in again as other queries do (a remembered password,
    /// once), else tells the user to.
    pub async fn grad_client(&self) -> Result<GradClient, Error> {
        let store = self.store()?;
        let username = self.account(&store)?;
        let stored = store.load(&username)?.ok_or_else(not_logged_in)?;
        self.check_bases(&stored)?;
        let sso = SsoSession::from_token(&stored.sso_token)?;
        match self.grad_builder().enter(&sso).await {
            Err(GradError::SsoSessionExpired) => {}
            other => return Ok(other?),
        }
        let _lock = store.lock()?;
        let latest = store.load(&username)?.ok_or_else(not_logged_in)?;
        if latest.sso_token == stored.sso_token {
            // A graduate's account gives no academic-system client: fine here.
            self.auto_login(&store, &username).await?;
        }
        let latest = store.load(&username)?.ok_or_else(not_logged_in)?;
        let sso = SsoSession::from_token(&latest.sso_token)?;
        Ok(self.grad_builder().enter(&sso).await?)
    }

    /// A term's timetable from the graduate system, in the academic
    /// system's shape (`xtu timetable`'s JSON).
    pub async fn grad_timetable(&self, term: TermSpec) -> Result<Timetable, Error> {
        let grad = self.grad_client().await?;
        Ok(grad.timetable(Term::from(term)).await?)
    }

    /// One week of the graduate timetable: `week`, else the week holding
    /// today (which needs `term_start`).
    pub async fn grad_week(
        &self,
        request: &GradRequest,
        week: Option<u8>,
    ) -> Result<WeekView, Error> {
        if week.is_none() && request.term_start.is_none() {
            return Err(Error::Usage(
                "the graduate system publishes no teaching calendar: give the week (--week N) \
                 or the term's first day (--term-start YYYY-MM-DD)"
                    .into(),
            ));
        }
        let timetable = self.grad_timetable(request.term).await?;
        // Without a start date the grid has no dates (an empty term id never
        // matches the timetable's).
        let calendar = request
            .calendar(&timetable.term)
            .unwrap_or(TeachingCalendar {
                term_id: String::new(),
                start_date: NaiveDate::MIN,
                end_date: NaiveDate::MIN,
            });
        week_view(&timetable, &calendar, week, xtu_model::beijing_today())
    }

    /// The graduate timetable as an iCalendar file (classes only).
    pub async fn grad_export_ics(
        &self,
        request: &GradRequest,
        alarm: Option<chrono::Duration>,
    ) -> Result<String, Error> {
        let term = Term::from(request.term).to_string();
        let Some(calendar) = request.calendar(&term) else {
            return Err(Error::Usage(
                "the graduate system publishes no teaching calendar: give the term's first day \
                 (--term-start YYYY-MM-DD)"
                    .into(),
            ));
        };
        let timetable = self.grad_timetable(request.term).await?;
        render(&Export {
            calendar: &calendar,
            timetable: Some(&timetable),
            exams: None,
            alarm,
            stamp: chrono::Utc::now(),
        })
        .map_err(|e| Error::Usage(e.into()))
    }

    /// The graduate timetable as WakeUp课程表's CSV template.
    pub async fn grad_export_wakeup(&self, term: TermSpec) -> Result<WakeUpExport, Error> {
        wakeup_csv(&self.grad_timetable(term).await?)
    }
}
