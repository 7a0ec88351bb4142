//! Requests to the academic system; parsing is left to [`crate::pages`].

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use url::Url;
use xtu_model::{
    Building, Classroom, Exam, GpaRank, Grade, Notice, StudentProfile, TeachingCalendar, Term,
    Timetable,
};
use xtu_sso::http::{self, HttpConfig};
use xtu_sso::{CookieJar, SsoSession, TokenFormat};

use crate::error::{EmsError, parse_page};
use crate::pages::GridPage;
use crate::pages::{self, Page};
use crate::query::{self, ClassroomQuery, GpaQuery, QueryError, TermSpec};

/// Default base URL of XTU's academic system.
pub const DEFAULT_BASE_URL: &str = "https://jw.xtu.edu.cn";

/// Where jwglxt opens its session in the hand-off.
const TICKET_LOGIN_PATH: &str = "/jwglxt/ticketlogin";
/// The page every successful hand-off lands on.
const INDEX_PATH: &str = "/jwglxt/xtgl/index_initMenu.html";
/// Where jwglxt sends requests without a valid session.
const LOGIN_PAGE_MARKER: &str = "login_slogin";
/// ZhengFang's status for XHR requests without a valid session.
const SESSION_EXPIRED_STATUS: u16 = 901;
/// The hand-off crosses EMS → CAS → EMS → jwglxt → index: five hops. Allow
/// some slack for proxies, but stop a loop quickly.
const MAX_REDIRECTS: usize = 10;
/// A bound on result pages, against a server that reports absurd page counts.
const MAX_PAGES: u32 = 200;
/// How many notices make "the recent ones" (the site's own home page shows
/// fewer).
pub const RECENT_NOTICES: u32 = 30;
/// The ranking statistics take 10-60 s at XTU (docs/protocol.md §5.10): that
/// request waits at least this long, whatever the usual timeout.
pub const SLOW_PAGE_TIMEOUT: Duration = Duration::from_secs(120);

/// One page request, for [`EmsClient::raw`].
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum RawRequest<'a> {
    /// The student profile page.
    StudentInfo,
    /// The teaching calendar fragment.
    TeachingCalendar,
    /// One page of the free-classroom query.
    Classrooms {
        /// The query.
        query: &'a ClassroomQuery,
        /// 1-based result page.
        page: u32,
    },
    /// The building list of a campus.
    Buildings {
        /// Campus code.
        campus: &'a str,
        /// Term (the site wants one, though buildings rarely change).
        term: TermSpec,
    },
    /// The personal timetable of a term.
    Timetable {
        /// The term.
        term: TermSpec,
    },
    /// One page of the exam list (`None`: every term).
    Exams {
        /// The term.
        term: Option<TermSpec>,
        /// 1-based result page.
        page: u32,
    },
    /// One page of the grades (`None`: every term).
    Grades {
        /// The term.
        term: Option<TermSpec>,
        /// 1-based result page.
        page: u32,
    },
    /// The GPA and ranking statistics.
    GpaRank {
        /// Range and scope.
        query: &'a GpaQuery,
    },
    /// The degree audit's index page (学业情况).
    Progress,
    /// The courses of one category of the degree audit.
    ProgressCourses {
        /// The category (`xfyqjd_id`).
        category: &'a str,
        /// The student id the index page holds (`xh_id`).
        student_id: &'a str,
    },
    /// The courses outside the plan.
    ProgressOutsidePlan {
        /// The student id the index page holds (`xh_id`).
        student_id: &'a str,
    },
    /// The programme plan page (培养方案).
    PlanPage,
    /// The plans of a major and grade.
    PlanQuery {
        /// Which plan.
        spec: &'a crate::PlanSpec,
    },
    /// One page of a plan's courses.
    Plan {
        /// The plan's id (`jxzxjhxx_id`).
        plan_id: &'a str,
        /// 1-based result page.
        page: u32,
    },
    /// The majors of a college.
    Majors {
        /// College code (`jg_id`).
        college: &'a str,
    },
    /// One page of the notices, newest first.
    Notices {
        /// 1-based result page.
        page: u32,
        /// Notices per page.
        page_size: u32,
    },
    /// One page of the course evaluations (学生评价).
    EvaluationList {
        /// 1-based result page.
        page: u32,
    },
    /// One evaluation's form.
    EvaluationForm {
        /// The evaluation, as the list names it.
        keys: &'a xtu_model::EvaluationKeys,
    },
}

/// Builds an [`EmsClient`].
#[derive(Debug, Clone)]
pub struct EmsClientBuilder {
    base_url: String,
    http: HttpConfig,
}

impl Default for EmsClientBuilder {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            http: HttpConfig::default(),
        }
    }
}

impl EmsClientBuilder {
    /// Base URL of the academic system (default [`DEFAULT_BASE_URL`]).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Timeout of each request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.http.timeout = timeout;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.http.user_agent = user_agent.into();
        self
    }

    /// The proxy (default: from the environment, see [`xtu_sso::proxy`]).
    pub fn proxy(mut self, proxy: xtu_sso::ProxySetting) -> Self {
        self.http.proxy = proxy;
        self
    }

    /// Enters the academic system with a single sign-on session (the
    /// `zfiotlogin` hand-off). The returned client shares the session's jar.
    ///
    /// A transient failure (no answer, a timeout, 502-504) of a hop without
    /// the ticket is retried in place like any GET; one of the ticket hop,
    /// or a hand-off interrupted after `ticketlogin`, restarts the hand-off
    /// from `zfiotlogin`, at most twice, under [`http::HAND_OFF`]: the CAS
    /// then issues a new ticket, so a ticket URL (single-use) is never
    /// requested twice. An expired SSO session is never retried.
    pub async fn enter(self, sso: &SsoSession) -> Result<EmsClient, EmsError> {
        let client = self.with_jar(sso.jar().clone())?;
        http::retry(&http::HAND_OFF, || client.hand_off(), is_transient).await?;
        Ok(client)
    }

    /// A client for an existing academic-system session (an EMS token). No
    /// request is made: an expired token shows on the first query.
    pub fn from_token(self, token: &str) -> Result<EmsClient, EmsError> {
        self.with_jar(CookieJar::from_token(token)?)
    }

    /// A client over an existing jar.
    pub fn with_jar(self, jar: CookieJar) -> Result<EmsClient, EmsError> {
        let base = http::parse_base_url(&self.base_url)?;
        let client = http::build_client(&jar, &self.http)?;
        Ok(EmsClient {
            base,
            jar,
            client,
            max_body_bytes: self.http.max_body_bytes,
            timeout: self.http.timeout,
        })
    }
}

/// A session with XTU's academic system (ZhengFang jwglxt). Cheap to clone.
#[derive(Clone)]
pub struct EmsClient {
    pub(crate) base: Url,
    jar: CookieJar,
    pub(crate) client: http::Client,
    max_body_bytes: usize,
    pub(crate) timeout: Duration,
}

impl fmt::Debug for EmsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmsClient")
            .field("base", &http::redact_url(&self.base))
            .field("jar", &self.jar)
            .finish_non_exhaustive()
    }
}

impl EmsClient {
    /// Starts building a client.
    pub fn builder() -> EmsClientBuilder {
        EmsClientBuilder::default()
    }

    /// The session as an EMS token. Like the upstream's, it carries every
    /// cookie of the session, so it also works as an SSO token.
    pub fn to_token(&self, format: TokenFormat) -> String {
        self.jar.to_token(format)
    }

    /// The session's cookie jar.
    pub fn jar(&self) -> &CookieJar {
        &self.jar
    }

    /// Checks that the session is still valid with one small request (the
    /// index page, without following redirects).
    pub async fn check(&self) -> Result<(), EmsError> {
        self.get(INDEX_PATH.trim_start_matches("/jwglxt/"))
            .await
            .map(drop)
    }

    /// The student's profile (学生个人信息).
    pub async fn student_profile(&self) -> Result<StudentProfile, EmsError> {
        let body = self.raw(RawRequest::StudentInfo).await?;
        parse_page(Page::StudentInfo, &body, pages::student_info::parse)
    }

    /// The current term's teaching calendar (the site ignores any term asked for).
    pub async fn teaching_calendar(&self) -> Result<TeachingCalendar, EmsError> {
        let body = self.raw(RawRequest::TeachingCalendar).await?;
        parse_page(
            Page::TeachingCalendar,
            &body,
            pages::teaching_calendar::parse,
        )
    }

    /// Rooms free in every week, day and section of the query, in the site's
    /// order (by room code). Fetches every result page.
    pub async fn free_classrooms(
        &self,
        query: &ClassroomQuery,
    ) -> Result<Vec<Classroom>, EmsError> {
        self.all_pages(|client, page| {
            let query = query.clone();
            async move {
                let page = client.classroom_page(&query, page).await?;
                Ok(GridPage {
                    items: page.items,
                    current_page: page.current_page,
                    total_page: page.total_page,
                })
            }
        })
        .await
    }

    /// The personal timetable of a term (个人课表).
    pub async fn timetable(&self, term: TermSpec) -> Result<Timetable, EmsError> {
        let body = self.raw(RawRequest::Timetable { term }).await?;
        let mut timetable = parse_page(Page::Timetable, &body, pages::timetable::parse)?;
        // The term asked for is the one answered; the site's own label
        // (when present) only says the same in other words.
        timetable.term = Term::from(term).to_string();
        Ok(timetable)
    }

    /// The exams of a term, or of every term (`None`), by date; exams
    /// without a fixed time come last.
    pub async fn exams(&self, term: Option<TermSpec>) -> Result<Vec<Exam>, EmsError> {
        let mut exams = self
            .all_pages(|client, page| async move {
                let body = client.raw(RawRequest::Exams { term, page }).await?;
                parse_page(Page::Exams, &body, pages::exams::parse)
            })
            .await?;
        exams.sort_by_key(|exam| (exam.date.is_none(), exam.date, exam.start));
        Ok(exams)
    }

    /// The grades of a term, or of every term (`None`), in the site's order.
    pub async fn grades(&self, term: Option<TermSpec>) -> Result<Vec<Grade>, EmsError> {
        self.all_pages(|client, page| async move {
            let body = client.raw(RawRequest::Grades { term, page }).await?;
            parse_page(Page::Grades, &body, pages::grades::parse)
        })
        .await
    }

    /// The site's GPA and ranks for a range of terms; `None` when it has
    /// none for that range. Slow at XTU: waits up to [`SLOW_PAGE_TIMEOUT`].
    pub async fn gpa_rank(&self, query: &GpaQuery) -> Result<Option<GpaRank>, EmsError> {
        let body = self.raw(RawRequest::GpaRank { query }).await?;
        parse_page(Page::GpaRank, &body, pages::gpa_rank::parse)
    }

    /// The home page's notices (消息), newest first: the
    /// 30 newest (one request), or every notice when `all`.
    pub async fn notices(&self, all: bool) -> Result<Vec<Notice>, EmsError> {
        let page_size = if all {
            query::PAGE_SIZE
        } else {
            RECENT_NOTICES
        };
        let fetch = move |client: EmsClient, page: u32| async move {
            let body = client.raw(RawRequest::Notices { page, page_size }).await?;
            parse_page(Page::Notices, &body, pages::notices::parse)
        };
        let mut notices = if all {
            self.all_pages(fetch).await?
        } else {
            fetch(self.clone(), 1).await?.items
        };
        // The site sorts as asked; a deployment that ignores the sort must
        // not change the order promised. `cjsj` is `YYYY-MM-DD HH:MM:SS`,
        // so its text sorts as its time; the sort is stable.
        notices.sort_by(|a, b| b.time.cmp(&a.time));
        Ok(notices)
    }

    /// Every page of a paged answer: the first, then the rest together
    /// (they do not depend on each other), in page order.
    pub(crate) async fn all_pages<T, F, Fut>(&self, fetch: F) -> Result<Vec<T>, EmsError>
    where
        T: Send + 'static,
        F: Fn(EmsClient, u32) -> Fut,
        Fut: Future<Output = Result<GridPage<T>, EmsError>> + Send + 'static,
    {
        let first = fetch(self.clone(), 1).await?;
        let mut items = first.items;
        if first.total_page > 1 {
            let mut tasks = tokio::task::JoinSet::new();
            for page in 2..=first.total_page.min(MAX_PAGES) {
                let request = fetch(self.clone(), page);
                tasks.spawn(async move { (page, request.await) });
            }
            let mut pages = Vec::new();
            while let Some(joined) = tasks.join_next().await {
                let (page, result) = joined.map_err(|e| EmsError::Internal(e.to_string()))?;
                pages.push((page, result?));
            }
            pages.sort_by_key(|(page, _)| *page);
            items.extend(pages.into_iter().flat_map(|(_, page)| page.items));
        }
        Ok(items)
    }

    /// The teaching buildings of a campus (`02` 校本部, `03` 兴湘学院).
    pub async fn buildings(&self, campus: &str, term: TermSpec) -> Result<Vec<Building>, EmsError> {
        let body = self.raw(RawRequest::Buildings { campus, term }).await?;
        parse_page(Page::Buildings, &body, pages::buildings::parse)
    }

    async fn classroom_page(
        &self,
        query: &ClassroomQuery,
        page: u32,
    ) -> Result<xtu_model::ClassroomPage, EmsError> {
        let body = self.raw(RawRequest::Classrooms { query, page }).await?;
        parse_page(
            Page::ClassroomAvailability,
            &body,
            pages::classroom_availability::parse,
        )
    }

    /// The body of one page as the site sent it, unparsed: for recording
    /// fixtures and diagnosing site changes. Session expiry signalled by
    /// status or redirect is still an error; a login page sent with 200 is
    /// returned as is (the parsers recognise it).
    pub async fn raw(&self, request: RawRequest<'_>) -> Result<String, EmsError> {
        let (page, form) = match request {
            RawRequest::StudentInfo => return self.get(Page::StudentInfo.path()).await,
            RawRequest::TeachingCalendar => return self.get(Page::TeachingCalendar.path()).await,
            RawRequest::Buildings { campus, term } => {
                if campus.is_empty() || !campus.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(QueryError::Code {
                        what: "campus",
                        value: campus.to_owned(),
                    }
                    .into());
                }
                let path = format!(
                    "{}&xqh_id={campus}&xnm={}&xqm={}",
                    Page::Buildings.path(),
                    term.start_year(),
                    term.xqm()
                );
                return self.get(&path).await;
            }
            RawRequest::Classrooms { query, page } => {
                query.validate_codes()?;
                (Page::ClassroomAvailability, query.form(page, now_ms()))
            }
            RawRequest::Timetable { term } => (Page::Timetable, query::timetable_form(term)),
            RawRequest::Exams { term, page } => {
                (Page::Exams, query::term_list_form(term, page, now_ms()))
            }
            RawRequest::Grades { term, page } => {
                (Page::Grades, query::term_list_form(term, page, now_ms()))
            }
            RawRequest::GpaRank { query } => (Page::GpaRank, query.form(now_ms())),
            RawRequest::Progress => return self.get(Page::Progress.path()).await,
            RawRequest::PlanPage => return self.get(Page::PlanPage.path()).await,
            RawRequest::Majors { college } => {
                crate::audit::code("college", college)?;
                let path = format!("{}&jg_id={college}", Page::Majors.path());
                return self.get(&path).await;
            }
            RawRequest::ProgressCourses {
                category,
                student_id,
            } => (
                Page::ProgressCourses,
                crate::audit::course_form(Some(category), student_id),
            ),
            RawRequest::ProgressOutsidePlan { student_id } => (
                Page::ProgressOutsidePlan,
                crate::audit::course_form(None, student_id),
            ),
            RawRequest::PlanQuery { spec } => {
                spec.validate()?;
                (Page::PlanQuery, crate::audit::plan_query_form(spec))
            }
            RawRequest::Plan { plan_id, page } => {
                (Page::Plan, crate::audit::plan_form(plan_id, page))
            }
            RawRequest::Notices { page, page_size } => (
                Page::Notices,
                query::notices_form(page, page_size, now_ms()),
            ),
            RawRequest::EvaluationList { page } => {
                (Page::EvaluationList, query::paging(page, now_ms()).to_vec())
            }
            RawRequest::EvaluationForm { keys } => (
                Page::EvaluationForm,
                vec![
                    ("jxb_id", keys.jxb_id.clone()),
                    ("kch_id", keys.kch_id.clone()),
                    ("xsdm", keys.xsdm.clone()),
                    ("jgh_id", keys.jgh_id.clone()),
                    ("tjzt", keys.tjzt.clone()),
                    ("pjmbmcb_id", keys.pjmbmcb_id.clone()),
                    ("sfcjlrjs", keys.sfcjlrjs.clone()),
                ],
            ),
        };
        let timeout = if page == Page::GpaRank {
            self.timeout.max(SLOW_PAGE_TIMEOUT)
        } else {
            self.timeout
        };
        // Every page of `RawRequest` only reads.
        self.post_form(page.path(), &form, timeout, http::Effect::Reads)
            .await
    }

    /// Follows `{ems}/sso/zfiotlogin` through the CAS back to the jwglxt index.
    async fn hand_off(&self) -> Result<(), EmsError> {
        let mut url = http::join(&self.base, "/sso/zfiotlogin");
        // Past `ticketlogin` the CAS has accepted the SSO session: landing
        // anywhere but the index then is an interrupted hand-off.
        let mut past_the_cas = false;
        for _ in 0..=MAX_REDIRECTS {
            past_the_cas |= url.path().ends_with(TICKET_LOGIN_PATH);
            let response = self.hand_off_hop(&url).await?;
            if let Some(next) = http::location(&response) {
                if !matches!(next.scheme(), "http" | "https") {
                    return Err(self.unexpected(&response));
                }
                url = next;
                continue;
            }
            if response.status() == StatusCode::OK && self.is_index(response.url()) {
                return Ok(());
            }
            // Anywhere else, typically the CAS login page: the CAS did not
            // recognise the SSO cookies.
            return if past_the_cas && !http::is_gateway_error(response.status().as_u16()) {
                Err(EmsError::HandOffInterrupted)
            } else if response.status().is_success()
                || response.status().as_u16() == SESSION_EXPIRED_STATUS
            {
                Err(EmsError::SsoSessionExpired)
            } else {
                Err(self.unexpected(&response))
            };
        }
        Err(EmsError::TooManyRedirects(MAX_REDIRECTS))
    }

    /// One hop of the hand-off. The hop that carries the CAS ticket is sent
    /// once (a ticket is single-use): its failure restarts the whole
    /// hand-off. The others
    /// (`zfiotlogin`, the CAS's redirect, `ticketlogin`, the index) are
    /// retried in place like any GET; a gateway error is then an error, so
    /// that it is retried. A `ticketlogin` code spent by a request whose
    /// answer was lost shows as [`EmsError::HandOffInterrupted`], which
    /// restarts the hand-off.
    async fn hand_off_hop(&self, url: &Url) -> Result<reqwest::Response, EmsError> {
        let send_once = || async {
            let response = http::send(self.client.get(url.clone())).await?;
            if http::is_gateway_error(response.status().as_u16()) {
                return Err(self.unexpected(&response));
            }
            Ok(response)
        };
        if url.query_pairs().any(|(key, _)| key == "ticket") {
            send_once().await
        } else {
            http::retry_idempotent(send_once, is_transient).await
        }
    }

    fn is_index(&self, url: &Url) -> bool {
        // The upstream sees the index as `https://jw.xtu.edu.cn:443/...`:
        // compare effective ports, not their spelling.
        url.host_str() == self.base.host_str()
            && url.port_or_known_default() == self.base.port_or_known_default()
            && url.path().ends_with(INDEX_PATH)
    }

    async fn get(&self, path: &str) -> Result<String, EmsError> {
        let url = self.page_url(path);
        http::run(
            http::Effect::Reads,
            || async {
                let response = http::send(self.client.get(url.clone())).await?;
                self.read(response).await
            },
            is_transient,
        )
        .await
    }

    /// An XHR form POST. Its `effect` is the caller's to state: the
    /// queries only read and are retried like GETs (a lossy network then
    /// costs a wait, not the answer); a POST that writes is sent once.
    pub(crate) async fn post_form(
        &self,
        path: &str,
        form: &(impl serde::Serialize + ?Sized + Sync),
        timeout: Duration,
        effect: http::Effect,
    ) -> Result<String, EmsError> {
        let url = self.page_url(path);
        http::run(
            effect,
            || async {
                let request = self
                    .client
                    .post(url.clone())
                    .timeout(timeout)
                    // jwglxt answers 901 instead of a redirect for XHR
                    // requests, which makes an expired session unambiguous.
                    .header("X-Requested-With", "XMLHttpRequest")
                    .form(form);
                let response = http::send(request).await?;
                self.read(response).await
            },
            is_transient,
        )
        .await
    }

    /// A request that changes something on the site (an evaluation's save
    /// or submit): sent exactly once, never retried whatever the failure, as
    /// a write whose answer was lost may have been applied; only reading the
    /// state back can tell.
    pub(crate) async fn post_write(
        &self,
        path: &str,
        form: &[(String, String)],
    ) -> Result<String, EmsError> {
        self.post_form(path, form, self.timeout, http::Effect::Writes)
            .await
    }

    fn page_url(&self, path: &str) -> Url {
        http::join(&self.base, &format!("/jwglxt/{path}"))
    }

    /// Turns a page response into its body, or the error its status means.
    async fn read(&self, response: reqwest::Response) -> Result<String, EmsError> {
        let (body, content_type) = self.read_bytes(response).await?;
        Ok(http::decode_body(&body, content_type.as_deref()))
    }

    /// [`Self::read`] without decoding the body, for binary answers (the
    /// transcript PDF): the body's bytes and its declared content type.
    pub(crate) async fn read_bytes(
        &self,
        response: reqwest::Response,
    ) -> Result<(Vec<u8>, Option<String>), EmsError> {
        let status = response.status();
        if status.as_u16() == SESSION_EXPIRED_STATUS {
            return Err(EmsError::SessionExpired);
        }
        if let Some(next) = http::location(&response) {
            return if next.path().contains(LOGIN_PAGE_MARKER) || next.path().contains("/cas/login")
            {
                Err(EmsError::SessionExpired)
            } else {
                Err(self.unexpected(&response))
            };
        }
        let unexpected = (!status.is_success()).then(|| self.unexpected(&response));
        let content_type = http::content_type(&response);
        let body = http::read_body(response, self.max_body_bytes).await?;
        match unexpected {
            None => Ok((body.to_vec(), content_type)),
            // A failing status may still carry ZhengFang's error page, which
            // says more than the status does.
            Some(error) => {
                match pages::recognize_error_page(&http::decode_body(
                    &body,
                    content_type.as_deref(),
                )) {
                    Some(page_error) => Err(page_error.into()),
                    None => Err(error),
                }
            }
        }
    }

    fn unexpected(&self, response: &reqwest::Response) -> EmsError {
        EmsError::UnexpectedResponse {
            status: response.status().as_u16(),
            url: http::redact_url(response.url()),
        }
    }
}

/// jqGrid's cache-busting `nd` field.
pub(crate) fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

pub(crate) fn is_transient(error: &EmsError) -> bool {
    match error {
        EmsError::HandOffInterrupted => true,
        EmsError::Transport(e) => e.is_transient(),
        EmsError::UnexpectedResponse { status, .. } => http::is_gateway_error(*status),
        _ => false,
    }
}
