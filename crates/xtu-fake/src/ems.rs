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

use crate::{FakeState, cookie, lock, redirect};

const PROFILE: &str = include_str!("../../../fixtures/ems/student-info.html");
const CALENDAR: &str = include_str!("../../../fixtures/ems/teaching-calendar.html");
const ROOMS_PAGE_1: &str = include_str!("../../../fixtures/ems/classroom-availability.page-1.json");
const ROOMS_PAGE_2: &str = include_str!("../../../fixtures/ems/classroom-availability.page-2.json");
const BUILDINGS: &str = include_str!("../../../fixtures/ems/buildings.json");
const LOGIN_PAGE: &str = include_str!("../../../fixtures/ems/student-info.session-expired.html");
const ERROR_PAGE: &str = include_str!("../../../fixtures/ems/student-info.server-error.html");
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
    /// A profile page to serve instead of the fixture.
    profile_override: std::sync::Mutex<Option<String>>,
    /// Forms of the classroom queries received, in order.
    classroom_forms: std::sync::Mutex<Vec<HashMap<String, String>>>,
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
        .with_state(state)
}

fn html(body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "text/html;charset=UTF-8")], body).into_response()
}

fn json(body: &'static str) -> Response {
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
fn page(state: &FakeState, headers: &HeaderMap, body: fn() -> Response) -> Response {
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
        Some(body)
            if response.status() == StatusCode::OK
                && !state.ems.error_pages.load(Ordering::Relaxed) =>
        {
            ([(header::CONTENT_TYPE, "text/html;charset=UTF-8")], body).into_response()
        }
        _ => response,
    }
}

async fn calendar(State(state): State<Arc<FakeState>>, headers: HeaderMap) -> Response {
    page(&state, &headers, || html(CALENDAR))
}

async fn buildings(State(state): State<Arc<FakeState>>, headers: HeaderMap) -> Response {
    page(&state, &headers, || json(BUILDINGS))
}

/// The free-classroom XHR: 901 without a session (as jwglxt answers XHRs),
/// otherwise the page of the two-page fixture result asked for.
async fn classrooms(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if session_user(&state, &headers).is_none() {
        return StatusCode::from_u16(901).map_or_else(
            |_| StatusCode::UNAUTHORIZED.into_response(),
            IntoResponse::into_response,
        );
    }
    if state.ems.error_pages.load(Ordering::Relaxed) {
        return html(ERROR_PAGE);
    }
    let valid = ["xnm", "xqm", "zcd", "xqj", "jcd"]
        .iter()
        .all(|key| form.get(*key).is_some_and(|v| !v.is_empty()))
        && form
            .get("xqm")
            .is_some_and(|v| matches!(v.as_str(), "3" | "12" | "16"));
    let page = form
        .get("queryModel.currentPage")
        .cloned()
        .unwrap_or_default();
    lock(&state.ems.classroom_forms).push(form);
    if !valid {
        return html(ERROR_PAGE);
    }
    match page.as_str() {
        "2" => json(ROOMS_PAGE_2),
        _ => json(ROOMS_PAGE_1),
    }
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
        *lock(&self.state().ems.profile_override) = Some(html.into());
    }

    /// The forms of the free-classroom queries received so far.
    pub fn ems_classroom_forms(&self) -> Vec<HashMap<String, String>> {
        lock(&self.state().ems.classroom_forms).clone()
    }
}
