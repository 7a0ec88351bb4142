//! The academic system (jwglxt): the `zfiotlogin` hand-off, the pages the
//! toolkit reads (served from the fixtures), and session expiry.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::admin::AdminKind;
use crate::{FakeState, cookie, lock, redirect};

const PROFILE: &str = include_str!("../../../fixtures/ems/student-info.html");
const CALENDAR: &str = include_str!("../../../fixtures/ems/teaching-calendar.html");
const ROOMS_PAGE_1: &str = include_str!("../../../fixtures/ems/classroom-availability.page-1.json");
const ROOMS_PAGE_2: &str = include_str!("../../../fixtures/ems/classroom-availability.page-2.json");
const BUILDINGS: &str = include_str!("../../../fixtures/ems/buildings.json");
const TIMETABLE: &str = include_str!("../../../fixtures/ems/timetable.json");
const TIMETABLE_EMPTY: &str = include_str!("../../../fixtures/ems/timetable.empty.json");
/// Practice courses as public V9 captures write them (`jsxm`, `qsjsz`,
/// `sjkcgs` with `(共N周)/weeks`) under a header without `XQMMC`.
const TIMETABLE_PRACTICE: &str =
    include_str!("../../../fixtures/ems/timetable.practice-weeks.json");
/// The term it is served for: 2024-2025-2.
const PRACTICE_TERM: (&str, &str) = ("2024", "12");
const EXAMS: &str = include_str!("../../../fixtures/ems/exams.json");
const GRADES: &str = include_str!("../../../fixtures/ems/grades.json");
const NOTICES: &str = include_str!("../../../fixtures/ems/notices.json");
const GPA_RANK: &str = include_str!("../../../fixtures/ems/gpa-rank.json");
/// The ranking of compulsory courses only (`xbx=bx`): other figures.
const GPA_RANK_COMPULSORY: &str = include_str!("../../../fixtures/ems/gpa-rank.compulsory.json");
const LOGIN_PAGE: &str = include_str!("../../../fixtures/ems/student-info.session-expired.html");
pub(crate) const ERROR_PAGE: &str =
    include_str!("../../../fixtures/ems/student-info.server-error.html");
const INDEX_PAGE: &str = "<!DOCTYPE html><html><head><title>教学管理信息服务平台</title></head>\
<body><div id=\"navbar\">fake jwglxt index</div></body></html>";

/// State of the fake academic system.
#[derive(Default)]
pub(crate) struct EmsState {
    /// jwglxt session id → its session.
    sessions: std::sync::Mutex<HashMap<String, EmsSession>>,
    /// One-time `uid` hand-off codes → username.
    pending: std::sync::Mutex<HashMap<String, String>>,
    /// Sessions expire after this many page requests (0 = never).
    pub(crate) requests_per_session: AtomicU64,
    /// Serve the 系统运行异常 page instead of every page.
    pub(crate) error_pages: AtomicBool,
    /// A profile page to serve instead of the fixture: body and content type.
    profile_override: std::sync::Mutex<Option<(Vec<u8>, &'static str)>>,
    /// Answers to serve instead of an XHR page's own (by page name).
    xhr_overrides: std::sync::Mutex<HashMap<&'static str, String>>,
    /// Forms of the XHR queries received, in order, with the route's page name.
    forms: std::sync::Mutex<Vec<(&'static str, HashMap<String, String>)>>,
    /// Largest jqGrid page served for exams and grades (0 = as asked).
    pub(crate) page_size: AtomicU64,
    next_id: AtomicU64,
}

struct EmsSession {
    username: String,
    requests: u64,
}

impl EmsState {
    fn new_id(&self, prefix: &str) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        format!("{prefix}{n:08X}{:016X}", rand::random::<u64>())
    }
}

pub(crate) fn router(state: Arc<FakeState>) -> Router {
    Router::new()
        .route("/sso/zfiotlogin", get(zfiotlogin))
        .route("/jwglxt/ticketlogin", get(ticketlogin))
        .route("/jwglxt/xtgl/index_initMenu.html", get(index))
        .route("/jwglxt/xtgl/login_slogin.html", get(login_page))
        .route("/jwglxt/xsxxxggl/xsgrxxwh_cxXsgrxx.html", get(profile))
        .route("/jwglxt/xtgl/index_cxAreaFive.html", get(calendar))
        .route("/jwglxt/cdjy/cdjy_cxKxcdlb.html", post(classrooms))
        .route("/jwglxt/cdjy/cdjy_cxXqjc.html", get(buildings))
        .route("/jwglxt/kbcx/xskbcx_cxXsgrkb.html", post(timetable))
        .route("/jwglxt/kwgl/kscx_cxXsksxxIndex.html", post(exams))
        .route("/jwglxt/cjcx/cjcx_cxXsgrcj.html", post(grades))
        .route(
            "/jwglxt/cjpmtj/cjpmtj_cxPjxfjdpmtjIndex.html",
            post(gpa_rank),
        )
        .route("/jwglxt/xtgl/index_cxDbsy.html", post(notices))
        .merge(crate::transcript::routes())
        .merge(crate::audit::routes())
        .merge(crate::admin::routes())
        .merge(crate::evaluation::routes())
        .with_state(state)
}

pub(crate) fn html(body: impl IntoResponse) -> Response {
    ([(header::CONTENT_TYPE, "text/html;charset=UTF-8")], body).into_response()
}

pub(crate) fn json(body: impl IntoResponse) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        body,
    )
        .into_response()
}

/// `{ems}/sso/zfiotlogin`: without a ticket, off to the CAS; with one, check
/// it and continue to `ticketlogin`.
async fn zfiotlogin(
    State(state): State<Arc<FakeState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let service = format!("{}/sso/zfiotlogin", state.ems_base_url());
    let Some(ticket) = query.get("ticket") else {
        let login = url::Url::parse_with_params(
            &format!("{}/cas/login", state.sso_base_url()),
            [("service", &service)],
        );
        return match login {
            Ok(url) => redirect(url.as_str()),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        };
    };
    match state.validate_service_ticket(ticket, &service) {
        // jwglxt has no graduate students: like an unknown user, its login page.
        Some(username) if state.is_graduate(&username) => {
            redirect("/jwglxt/xtgl/login_slogin.html")
        }
        Some(username) => {
            let uid = state.ems.new_id("UID");
            lock(&state.ems.pending).insert(uid.clone(), username);
            redirect(&format!("/jwglxt/ticketlogin?uid={uid}"))
        }
        // An unknown or reused ticket: jwglxt sends the browser to its own
        // login page.
        None => redirect("/jwglxt/xtgl/login_slogin.html"),
    }
}

/// Consumes the hand-off code, opens a jwglxt session and sets its cookies.
async fn ticketlogin(
    State(state): State<Arc<FakeState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let username = query
        .get("uid")
        .and_then(|uid| lock(&state.ems.pending).remove(uid));
    let Some(username) = username else {
        return redirect("/jwglxt/xtgl/login_slogin.html");
    };
    let id = state.ems.new_id("");
    lock(&state.ems.sessions).insert(
        id.clone(),
        EmsSession {
            username,
            requests: 0,
        },
    );
    let mut response = redirect("/jwglxt/xtgl/index_initMenu.html");
    for cookie in [
        format!("JSESSIONID={id}; Path=/jwglxt; HttpOnly"),
        format!("route={:016x}; Path=/", rand::random::<u64>()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// Whether the request carries a live jwglxt session; counts the request
/// against the session's budget.
fn session_user(state: &FakeState, headers: &HeaderMap) -> Option<String> {
    let id = cookie(headers, "JSESSIONID")?;
    let mut sessions = lock(&state.ems.sessions);
    let session = sessions.get_mut(&id)?;
    session.requests += 1;
    let budget = state.ems.requests_per_session.load(Ordering::Relaxed);
    if budget > 0 && session.requests > budget {
        sessions.remove(&id);
        return None;
    }
    Some(session.username.clone())
}

/// A page request: the page, the login redirect, or the error page.
pub(crate) fn page(
    state: &FakeState,
    headers: &HeaderMap,
    body: impl FnOnce() -> Response,
) -> Response {
    if session_user(state, headers).is_none() {
        return redirect("/jwglxt/xtgl/login_slogin.html");
    }
    if state.ems.error_pages.load(Ordering::Relaxed) {
        return html(ERROR_PAGE);
    }
    body()
}

async fn index(State(state): State<Arc<FakeState>>, headers: HeaderMap) -> Response {
    page(&state, &headers, || html(INDEX_PAGE))
}

async fn login_page() -> Response {
    html(LOGIN_PAGE)
}

async fn profile(State(state): State<Arc<FakeState>>, headers: HeaderMap) -> Response {
    let response = page(&state, &headers, || html(PROFILE));
    match lock(&state.ems.profile_override).clone() {
        Some((body, content_type))
            if response.status() == StatusCode::OK
                && !state.ems.error_pages.load(Ordering::Relaxed) =>
        {
            ([(header::CONTENT_TYPE, content_type)], body).into_response()
        }
        _ => response,
    }
}

async fn calendar(State(state): State<Arc<FakeState>>, headers: HeaderMap) -> Response {
    page(&state, &headers, || {
        html(state.term_dates.calendar(CALENDAR))
    })
}

async fn buildings(State(state): State<Arc<FakeState>>, headers: HeaderMap) -> Response {
    page(&state, &headers, || json(BUILDINGS))
}

/// The checks every XHR page shares: 901 without a session (as jwglxt
/// answers XHRs), the error page when told to fail; records the form.
pub(crate) fn xhr(
    state: &FakeState,
    headers: &HeaderMap,
    name: &'static str,
    form: &HashMap<String, String>,
) -> Option<Response> {
    if session_user(state, headers).is_none() {
        return Some(StatusCode::from_u16(901).map_or_else(
            |_| StatusCode::UNAUTHORIZED.into_response(),
            IntoResponse::into_response,
        ));
    }
    lock(&state.ems.forms).push((name, form.clone()));
    if state.ems.error_pages.load(Ordering::Relaxed) {
        return Some(html(ERROR_PAGE));
    }
    lock(&state.ems.xhr_overrides).get(name).cloned().map(json)
}

fn field<'a>(form: &'a HashMap<String, String>, key: &str) -> &'a str {
    form.get(key).map_or("", String::as_str)
}

/// The free-classroom XHR: the page of the two-page fixture result asked for.
async fn classrooms(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(response) = xhr(&state, &headers, "classroom-availability", &form) {
        return response;
    }
    let valid = ["xnm", "xqm", "zcd", "xqj", "jcd"]
        .iter()
        .all(|key| !field(&form, key).is_empty())
        && matches!(field(&form, "xqm"), "3" | "12" | "16");
    if !valid {
        return html(ERROR_PAGE);
    }
    match field(&form, "queryModel.currentPage") {
        "2" => json(ROOMS_PAGE_2),
        _ => json(ROOMS_PAGE_1),
    }
}

/// The personal timetable: the fixture for its term, the practice-course
/// fixture for 2024-2025-2, an empty timetable for any other, the error page
/// for a malformed term.
async fn timetable(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(response) = xhr(&state, &headers, "timetable", &form) {
        return response;
    }
    let term = (field(&form, "xnm"), field(&form, "xqm"));
    if term.0.is_empty() || !matches!(term.1, "3" | "12" | "16") {
        return html(ERROR_PAGE);
    }
    let (xnm, xqm) = state.term_dates.term_codes();
    json(if term == (xnm.as_str(), xqm) {
        state.term_dates.json(TIMETABLE)
    } else if term == PRACTICE_TERM {
        TIMETABLE_PRACTICE.to_owned()
    } else {
        TIMETABLE_EMPTY.to_owned()
    })
}

/// Exams: the fixture's for its term or for all terms (empty `xnm`/`xqm`),
/// none for any other term, including the upstream's wrong codes 1/2.
async fn exams(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(response) = xhr(&state, &headers, "exams", &form) {
        return response;
    }
    let term = (field(&form, "xnm"), field(&form, "xqm"));
    let all = term == ("", "");
    let (xnm, xqm) = state.term_dates.term_codes();
    let current = term == (xnm.as_str(), xqm);
    let exams = state
        .admin
        .merged(AdminKind::Exams, &state.term_dates.json(EXAMS));
    grid_page(&state, &form, &exams, |_| all || current)
}

/// Grades of one term or of all; sorting by any column yields the error
/// page, as at XTU.
async fn grades(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(response) = xhr(&state, &headers, "grades", &form) {
        return response;
    }
    if !field(&form, "queryModel.sortName").is_empty() {
        return html(ERROR_PAGE);
    }
    if state.evaluation.gates_grades() {
        return json(crate::evaluation::GATED_GRADES);
    }
    let (xnm, xqm) = (
        field(&form, "xnm").to_owned(),
        field(&form, "xqm").to_owned(),
    );
    let grades = state.admin.merged(AdminKind::Grades, GRADES);
    grid_page(&state, &form, &grades, |item| {
        let text = |key: &str| item.get(key).and_then(|v| v.as_str()).unwrap_or_default();
        (xnm.is_empty() || text("xnm") == xnm) && (xqm.is_empty() || text("xqm") == xqm)
    })
}

/// The notices (消息), newest first, paged as asked.
async fn notices(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(response) = xhr(&state, &headers, "notices", &form) {
        return response;
    }
    let notices = state.admin.merged(AdminKind::Notices, NOTICES);
    grid_page(&state, &form, &notices, |_| true)
}

/// GPA and ranks: the fixture for any well-formed range, the compulsory
/// courses' own statistics when only those are asked for.
async fn gpa_rank(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(response) = xhr(&state, &headers, "gpa-rank", &form) {
        return response;
    }
    let term_code = |v: &str| {
        v.is_empty()
            || (v.len() == 6
                && v.bytes().all(|b| b.is_ascii_digit())
                && matches!(&v[4..], "03" | "12" | "16"))
    };
    let valid = term_code(field(&form, "qsXnxq"))
        && term_code(field(&form, "zzXnxq"))
        && matches!(field(&form, "xbx"), "" | "bx" | "xx");
    if valid && field(&form, "xbx") == "bx" {
        json(GPA_RANK_COMPULSORY)
    } else if valid {
        json(GPA_RANK)
    } else {
        html(ERROR_PAGE)
    }
}

/// One page of a fixture's jqGrid items that pass `keep`, paged by the
/// form's `queryModel.showCount` (capped by the page-size knob).
pub(crate) fn grid_page(
    state: &FakeState,
    form: &HashMap<String, String>,
    fixture: &str,
    keep: impl Fn(&serde_json::Value) -> bool,
) -> Response {
    let Ok(mut answer) = serde_json::from_str::<serde_json::Value>(fixture) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let items: Vec<serde_json::Value> = answer["items"]
        .as_array()
        .map(|items| items.iter().filter(|item| keep(item)).cloned().collect())
        .unwrap_or_default();
    let mut size: usize = field(form, "queryModel.showCount").parse().unwrap_or(15);
    let cap = state.ems.page_size.load(Ordering::Relaxed);
    if cap > 0 {
        size = size.min(usize::try_from(cap).unwrap_or(usize::MAX));
    }
    let size = size.max(1);
    let page: usize = field(form, "queryModel.currentPage").parse().unwrap_or(1);
    let total_page = items.len().div_ceil(size).max(1);
    let chunk: Vec<serde_json::Value> = items
        .iter()
        .skip(page.saturating_sub(1).saturating_mul(size))
        .take(size)
        .cloned()
        .collect();
    answer["totalResult"] = items.len().into();
    answer["totalPage"] = total_page.into();
    answer["currentPage"] = page.into();
    answer["items"] = chunk.into();
    (
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        answer.to_string(),
    )
        .into_response()
}

impl crate::FakeXtu {
    /// Ends every academic-system session (as a jwglxt restart would).
    pub fn expire_ems_sessions(&self) {
        lock(&self.state().ems.sessions).clear();
    }

    /// Academic-system sessions expire after `n` page requests (0 = never).
    pub fn expire_ems_sessions_after(&self, n: u64) {
        self.state()
            .ems
            .requests_per_session
            .store(n, Ordering::Relaxed);
    }

    /// Serve ZhengFang's 系统运行异常 page instead of every page.
    pub fn fail_ems_pages_with_error_page(&self, fail: bool) {
        self.state().ems.error_pages.store(fail, Ordering::Relaxed);
    }

    /// Serves this profile page instead of the fixture (e.g. one with
    /// realistic personal data, to test scrubbing).
    pub fn serve_profile(&self, html: impl Into<String>) {
        *lock(&self.state().ems.profile_override) =
            Some((html.into().into_bytes(), "text/html;charset=UTF-8"));
    }

    /// Serves the profile fixture encoded in GBK, declared as such, as older
    /// ZhengFang deployments do.
    pub fn serve_profile_in_gbk(&self) {
        let (bytes, _, _) = encoding_rs::GBK.encode(PROFILE);
        *lock(&self.state().ems.profile_override) =
            Some((bytes.into_owned(), "text/html;charset=GBK"));
    }

    /// Answers one XHR page (`classroom-availability`, `timetable`, `exams`,
    /// `grades`, `gpa-rank`) with this JSON, whatever the query (e.g. a
    /// fixture's other case, `fixtures/ems/exams.undated.json`).
    pub fn serve_xhr(&self, page: &'static str, json: impl Into<String>) {
        lock(&self.state().ems.xhr_overrides).insert(page, json.into());
    }

    /// The forms of the free-classroom queries received so far.
    pub fn ems_classroom_forms(&self) -> Vec<HashMap<String, String>> {
        self.ems_forms("classroom-availability")
    }

    /// The forms received so far by one XHR page (`classroom-availability`,
    /// `timetable`, `exams`, `grades`, `gpa-rank`), in order.
    pub fn ems_forms(&self, page: &str) -> Vec<HashMap<String, String>> {
        lock(&self.state().ems.forms)
            .iter()
            .filter(|(name, _)| *name == page)
            .map(|(_, form)| form.clone())
            .collect()
    }

    /// Serve exams and grades in pages of at most `n` entries (0 = as many
    /// as asked), to exercise paging.
    pub fn ems_page_size(&self, n: u64) {
        self.state().ems.page_size.store(n, Ordering::Relaxed);
    }
}
