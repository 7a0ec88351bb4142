//! The graduate system (Southsoft gmis at `gmsstu`) and the portal's
//! application list that leads to it, on their own listener.
//!
//! A graduate account's application list carries 研究生系统（学生端）, whose
//! link opens the system through the CAS (`/sso/login`, its vendor cookie
//! `cn_com_southsoft_gmis_stu`) and lands on `/index`. The menu links the
//! timetable page by base64; that page's `GetList_ew()` names the data URL,
//! which a test can change ([`FakeXtu::set_grad_data_path`]); an outdated
//! one answers the error object. jwglxt does not know graduate accounts.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use axum::Router;
use axum::extract::{Form, FromRequest as _, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::{FakeState, FakeXtu, cookie, lock, random_token, redirect};

const MENU: &str = include_str!("../../../fixtures/grad/menu.html");
const TIMETABLE_PAGE: &str = include_str!("../../../fixtures/grad/timetable-page.html");
/// The data URL the page fixture names; the fake serves its own instead.
const FIXTURE_DATA_PATH: &str =
    "/TXlIZWFydFdpbGxHb09u0123456789ABCDEF0123456789ABCDEFFEDCBA9876543210FEDCBA9876543210";
/// The current term's data and the next term's.
const TERM_1: &str = include_str!("../../../fixtures/grad/timetable-data.json");
const TERM_2: &str = include_str!("../../../fixtures/grad/timetable-data.term-2.json");
const EMPTY: &str = include_str!("../../../fixtures/grad/timetable-data.empty.json");
/// The vendor's session cookie.
const SESSION_COOKIE: &str = "cn_com_southsoft_gmis_stu";
/// Every obfuscated path starts with base64("MyHeartWillGoOn").
const OBFUSCATED_PREFIX: &str = "/TXlIZWFydFdpbGxHb09u";

/// State of the fake graduate system.
#[derive(Default)]
pub(crate) struct GradState {
    /// Session cookie → username.
    sessions: std::sync::Mutex<HashMap<String, String>>,
    /// The data URL's path the timetable page names now (`None`: not yet
    /// drawn).
    data_path: std::sync::Mutex<Option<String>>,
    /// Timetable pages still to name an outdated data URL.
    stale_pages: AtomicU32,
    /// Data paths that were current once: they answer the error object.
    old_paths: std::sync::Mutex<HashSet<String>>,
    /// The portal's link names XTU's real host (as the real portal does)
    /// instead of the fake's.
    link_on_real_host: AtomicBool,
}

impl GradState {
    fn data_path(&self) -> String {
        lock(&self.data_path)
            .get_or_insert_with(|| format!("{OBFUSCATED_PREFIX}{}", random_token("01E8D441", 40)))
            .clone()
    }
}

/// The timetable page's path: the menu fixture's link.
fn timetable_page_path() -> Option<&'static str> {
    let start = MENU.find("title=\"学生课表查询\"")?;
    let href = MENU[..start].rfind("href=\"")? + "href=\"".len();
    let end = MENU[href..].find('"')? + href;
    Some(&MENU[href..end])
}

impl FakeXtu {
    /// The graduate system's timetable page names `path` as its data URL
    /// from now on; the previous one answers the error object.
    pub fn set_grad_data_path(&self, path: impl Into<String>) {
        let grad = &self.state().grad;
        let old = lock(&grad.data_path).replace(path.into());
        if let Some(old) = old {
            lock(&grad.old_paths).insert(old);
        }
    }

    /// The data URL's path the timetable page names now.
    pub fn grad_data_path(&self) -> String {
        self.state().grad.data_path()
    }

    /// The portal's link to the graduate system names XTU's real host
    /// (`https://gmsstu.xtu.edu.cn`), as the real portal's does: a client
    /// configured with the fake's base URL must put it in its place.
    pub fn grad_link_on_real_host(&self, on: bool) {
        self.state()
            .grad
            .link_on_real_host
            .store(on, Ordering::Relaxed);
    }

    /// The next `n` timetable pages name an outdated data URL (as a page
    /// cached from an older session would).
    pub fn grad_stale_pages(&self, n: u32) {
        let grad = &self.state().grad;
        lock(&grad.old_paths).insert(format!("{OBFUSCATED_PREFIX}0000STALE0000"));
        grad.stale_pages.store(n, Ordering::Relaxed);
    }
}

/// The portal's application list, served by the CAS's listener (the portal
/// shares its host).
pub(crate) fn portal_routes() -> Router<Arc<FakeState>> {
    Router::new().route(
        "/api/application/applicationListByKeyAndRole",
        post(applications),
    )
}

pub(crate) fn router(state: Arc<FakeState>) -> Router {
    Router::new()
        .route("/sso/login", get(sso_login))
        .route("/index", get(index))
        .fallback(obfuscated)
        .with_state(state)
}

fn json_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        body,
    )
        .into_response()
}

fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html;charset=UTF-8")], body).into_response()
}

async fn applications(State(state): State<Arc<FakeState>>, headers: HeaderMap) -> Response {
    let Some(username) = crate::cas::user_of_tgt(&state, &headers) else {
        return json_response(
            StatusCode::UNAUTHORIZED,
            json!({"code": 401, "msg": "未登录"}).to_string(),
        );
    };
    let mut apps = vec![json!({
        "id": "jw", "mc": "教务系统", "tb": "icon-jw",
        "ywxturl": format!("{}/sso/zfiotlogin", state.ems_base_url()),
    })];
    if state.is_graduate(&username) {
        let host = if state.grad.link_on_real_host.load(Ordering::Relaxed) {
            "https://gmsstu.xtu.edu.cn"
        } else {
            state.grad_base_url()
        };
        apps.push(json!({
            "id": "yjs", "mc": "研究生系统（学生端）", "tb": "icon-yjs",
            "ywxturl": format!("{host}/sso/login"),
        }));
    }
    apps.push(json!({"id": "lib", "mc": "图书馆", "tb": null, "ywxturl": "https://lib.invalid/"}));
    json_response(
        StatusCode::OK,
        json!({"code": 200, "msg": "success", "data": apps}).to_string(),
    )
}

/// Without a ticket, off to the CAS; with one, a session for a graduate
/// account (anyone else sees a refusal page, not the index).
async fn sso_login(
    State(state): State<Arc<FakeState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let service = format!("{}/sso/login", state.grad_base_url());
    let Some(ticket) = query.get("ticket") else {
        return to_cas(&state, &service);
    };
    match state.validate_service_ticket(ticket, &service) {
        Some(username) if state.is_graduate(&username) => {
            let id = random_token("", 16);
            lock(&state.grad.sessions).insert(id.clone(), username);
            let mut response = redirect("/index");
            if let Ok(value) =
                HeaderValue::from_str(&format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly"))
            {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
        Some(_) => html("<html><body>您不是研究生，无权访问本系统</body></html>".into()),
        None => to_cas(&state, &service),
    }
}

fn to_cas(state: &FakeState, service: &str) -> Response {
    match url::Url::parse_with_params(
        &format!("{}/cas/login", state.sso_base_url()),
        [("service", service)],
    ) {
        Ok(url) => redirect(url.as_str()),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn session_user(state: &FakeState, headers: &HeaderMap) -> Option<String> {
    let id = cookie(headers, SESSION_COOKIE)?;
    lock(&state.grad.sessions).get(&id).cloned()
}

async fn index(State(state): State<Arc<FakeState>>, headers: HeaderMap) -> Response {
    if session_user(&state, &headers).is_none() {
        return to_cas(&state, &format!("{}/sso/login", state.grad_base_url()));
    }
    html(MENU.to_owned())
}

/// The timetable page (GET at its base64 path) and the data (POST at the
/// data path).
async fn obfuscated(State(state): State<Arc<FakeState>>, request: Request) -> Response {
    let headers = request.headers().clone();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    if session_user(&state, &headers).is_none() {
        return to_cas(&state, &format!("{}/sso/login", state.grad_base_url()));
    }
    if method == Method::GET && Some(path.as_str()) == timetable_page_path() {
        let stale = state
            .grad
            .stale_pages
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok();
        let named = if stale {
            format!("{OBFUSCATED_PREFIX}0000STALE0000")
        } else {
            state.grad.data_path()
        };
        return html(TIMETABLE_PAGE.replace(FIXTURE_DATA_PATH, &named));
    }
    if method == Method::POST && path.starts_with(OBFUSCATED_PREFIX) {
        if path != state.grad.data_path() {
            return if lock(&state.grad.old_paths).contains(&path) {
                json_response(
                    StatusCode::OK,
                    json!({"code": 500, "msg": "服务器异常"}).to_string(),
                )
            } else {
                StatusCode::NOT_FOUND.into_response()
            };
        }
        let Ok(Form(form)) = Form::<HashMap<String, String>>::from_request(request, &state).await
        else {
            return StatusCode::BAD_REQUEST.into_response();
        };
        return data(&state, &form);
    }
    StatusCode::NOT_FOUND.into_response()
}

fn data(state: &FakeState, form: &HashMap<String, String>) -> Response {
    if form.get("kblx").map(String::as_str) != Some("xs") {
        return json_response(
            StatusCode::OK,
            json!({"code": 500, "msg": "参数错误"}).to_string(),
        );
    }
    let current = state.grad_termcode();
    let body = match form.get("termcode").and_then(|c| c.parse::<i64>().ok()) {
        Some(code) if code == current => TERM_1,
        Some(code) if code == current + 1 => TERM_2,
        _ => EMPTY,
    };
    json_response(StatusCode::OK, body.to_owned())
}

impl FakeState {
    pub(crate) fn is_graduate(&self, username: &str) -> bool {
        self.accounts
            .iter()
            .any(|a| a.username == username && a.graduate)
    }

    /// The code of the fake's current term (the fixtures' term, or
    /// today's): 51 for 2025-2026-1, two a year.
    fn grad_termcode(&self) -> i64 {
        let term = self.term_dates.term();
        51 + 2 * (i64::from(term.start_year) - 2025) + i64::from(term.term) - 1
    }
}
