//! The ZhengFang CAS: login page, public key, captcha, login POST, and the
//! service redirect that other systems use to enter with an SSO session.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use num_bigint::BigUint;

use crate::keys::KEYS;
use crate::{Behaviour, FakeState, cookie, lock, random_token, redirect};

/// The CAS's memory.
#[derive(Default)]
pub(crate) struct CasState {
    /// CAS `JSESSIONID` → index of the key last given to that session.
    sessions: HashMap<String, Option<usize>>,
    /// Unused `execution` tokens.
    executions: HashSet<String>,
    /// Ticket-granting tickets (`CASTGC` / `iPlanetDirectoryPro`) → username.
    pub(crate) tgts: HashMap<String, String>,
    /// Service tickets → (username, service).
    pub(crate) tickets: HashMap<String, (String, String)>,
    /// CAS sessions whose POST met an account flagged for a captcha: their
    /// `getKaptchaStatus` says `true` from then on.
    captcha_sessions: HashSet<String>,
    /// Round-robin over [`KEYS`]: keys rotate per request, as ZhengFang's do.
    next_key: usize,
    /// A login page served instead of the real one (a changed site).
    login_page_override: Option<String>,
}

impl crate::FakeXtu {
    /// Serves `html` as the CAS login page from now on, as a site that
    /// changed its login page would.
    pub fn serve_login_page(&self, html: impl Into<String>) {
        lock(&self.state().cas).login_page_override = Some(html.into());
    }
}

pub(crate) fn router(state: Arc<FakeState>) -> Router {
    Router::new()
        .route("/cas/login", get(login_page).post(login))
        .route("/cas/v2/getPubKey", get(public_key))
        .route("/cas/v2/getKaptchaStatus", get(captcha_status))
        .route("/cas/kaptcha", get(captcha_image))
        .route("/application-center", get(application_center))
        .merge(crate::grad::portal_routes())
        .route(
            "/im/securitycenter/modifyPwd/index.zf",
            get(application_center),
        )
        .with_state(state)
}

fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn with_ticket(service: &str, ticket: &str) -> String {
    let separator = if service.contains('?') { '&' } else { '?' };
    format!("{service}{separator}ticket={ticket}")
}

pub(crate) fn user_of_tgt(state: &FakeState, headers: &HeaderMap) -> Option<String> {
    let cas = lock(&state.cas);
    ["CASTGC", "iPlanetDirectoryPro"]
        .iter()
        .filter_map(|name| cookie(headers, name))
        .find_map(|tgt| cas.tgts.get(&tgt).cloned())
}

fn issue_ticket(state: &FakeState, username: &str, service: &str) -> String {
    let ticket = random_token("ST-", 16);
    lock(&state.cas)
        .tickets
        .insert(ticket.clone(), (username.to_owned(), service.to_owned()));
    ticket
}

/// `GET /cas/login`: with a valid TGT and a service, straight back to the
/// service with a ticket; otherwise the login page.
async fn login_page(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let (Some(service), Some(username)) = (query.get("service"), user_of_tgt(&state, &headers)) {
        let ticket = issue_ticket(&state, &username, service);
        return redirect(&with_ticket(service, &ticket));
    }
    if let Some(html) = lock(&state.cas).login_page_override.clone() {
        return ([(header::CONTENT_TYPE, "text/html;charset=UTF-8")], html).into_response();
    }
    page_response(&state, &headers, StatusCode::OK, "", None)
}

/// Renders the login page with a fresh `execution`, opening a CAS session
/// when the request has none.
fn page_response(
    state: &FakeState,
    headers: &HeaderMap,
    status: StatusCode,
    error: &str,
    allow_login_time: Option<&str>,
) -> Response {
    // Spring WebFlow's execution tokens are several KB of encrypted state.
    let execution = format!("{}_{}", random_token("", 24), random_token("", 1800));
    let mut cas = lock(&state.cas);
    cas.executions.insert(execution.clone());
    let existing = cookie(headers, "JSESSIONID").filter(|id| cas.sessions.contains_key(id));
    let new_session = existing
        .is_none()
        .then(|| random_token("", 16).to_uppercase());
    if let Some(id) = &new_session {
        cas.sessions.insert(id.clone(), None);
    }
    drop(cas);
    let script = allow_login_time
        .map(|t| format!("<script type=\"text/javascript\">var allowLoginTime = '{t}';</script>"))
        .unwrap_or_default();
    let body = LOGIN_PAGE
        .replace("{{ERROR}}", &html_escape(error))
        .replace("{{EXECUTION}}", &execution)
        .replace("{{SCRIPT}}", &script);
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "text/html;charset=UTF-8")],
        body,
    )
        .into_response();
    if let Some(id) = new_session {
        set_cookie(
            &mut response,
            &format!("JSESSIONID={id}; Path=/cas; HttpOnly"),
        );
    }
    response
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `GET /cas/v2/getPubKey`: the next key, bound to the caller's CAS session.
async fn public_key(State(state): State<Arc<FakeState>>, headers: HeaderMap) -> Response {
    let mut cas = lock(&state.cas);
    let index = cas.next_key % KEYS.len();
    cas.next_key += 1;
    if let Some(bound) = cookie(&headers, "JSESSIONID").and_then(|id| cas.sessions.get_mut(&id)) {
        *bound = Some(index);
    }
    let (modulus, _) = KEYS[index];
    axum::Json(serde_json::json!({ "modulus": modulus, "exponent": "10001" })).into_response()
}

/// `GET /cas/v2/getKaptchaStatus`: `true` when a captcha is on for every
/// login ([`crate::FakeXtuBuilder::captcha`]), or for this CAS session after
/// it posted for an account flagged with [`Behaviour::CaptchaRequired`];
/// otherwise `false`, so such an account's captcha shows only in the answer
/// to a POST, as for an account XTU flagged after failures.
async fn captcha_status(State(state): State<Arc<FakeState>>, headers: HeaderMap) -> String {
    let flagged = cookie(&headers, "JSESSIONID")
        .is_some_and(|id| lock(&state.cas).captcha_sessions.contains(&id));
    (state.captcha.is_some() || flagged).to_string()
}

/// A 1×1 PNG: enough for a client to save and show.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

async fn captcha_image() -> Response {
    ([(header::CONTENT_TYPE, "image/png")], PNG).into_response()
}

async fn application_center() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html;charset=UTF-8")],
        "<html><body>应用中心</body></html>",
    )
        .into_response()
}

/// Decrypts a textbook-RSA password with the key bound to the session.
fn decrypt(key_index: usize, hex: &str) -> Option<String> {
    let (modulus, private) = KEYS.get(key_index)?;
    let n = BigUint::parse_bytes(modulus.as_bytes(), 16)?;
    let d = BigUint::parse_bytes(private.as_bytes(), 16)?;
    let c = BigUint::parse_bytes(hex.trim().as_bytes(), 16)?;
    if c >= n {
        return None;
    }
    String::from_utf8(c.modpow(&d, &n).to_bytes_be()).ok()
}

/// `POST /cas/login`.
async fn login(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let stale = redirect("/cas/login?exception.message=Error+decoding+flow+execution");
    let remaining = state
        .stale_executions
        .load(std::sync::atomic::Ordering::Relaxed);
    if remaining > 0 {
        state
            .stale_executions
            .store(remaining - 1, std::sync::atomic::Ordering::Relaxed);
        return stale;
    }
    let key_index = {
        let mut cas = lock(&state.cas);
        // Single use: a replayed execution is a stale one.
        if !cas.executions.remove(field("execution")) {
            return stale;
        }
        cookie(&headers, "JSESSIONID").and_then(|id| cas.sessions.get(&id).copied().flatten())
    };
    let render = |error: &str, unlock: Option<&str>| {
        page_response(&state, &headers, StatusCode::OK, error, unlock)
    };
    // A captcha on for everyone is checked before the credentials.
    if let Some(error) =
        (state.captcha.as_deref()).and_then(|a| captcha_error(field("authcode"), a))
    {
        return render(error, None);
    }
    let password = key_index.and_then(|index| decrypt(index, field("password")));
    let Some(account) = state
        .accounts
        .iter()
        .find(|a| a.username == field("username"))
    else {
        return render("用户名或密码错误", None);
    };
    match &account.behaviour {
        Behaviour::Disabled => {
            return (
                StatusCode::FORBIDDEN,
                "<html><body><h1>403</h1><p>账号已被禁用</p></body></html>",
            )
                .into_response();
        }
        Behaviour::Locked { message, unlock_at } => return render(message, unlock_at.as_deref()),
        Behaviour::CaptchaRequired { answer } => {
            if let Some(id) = cookie(&headers, "JSESSIONID") {
                lock(&state.cas).captcha_sessions.insert(id);
            }
            if let Some(error) = captcha_error(field("authcode"), answer) {
                return render(error, None);
            }
        }
        Behaviour::Normal | Behaviour::MustChangePassword => {}
    }
    if password.as_deref() != Some(account.password.as_str()) {
        return render("用户名或密码错误", None);
    }
    if account.behaviour == Behaviour::MustChangePassword {
        return redirect(&format!(
            "{}/im/securitycenter/modifyPwd/index.zf?first=1",
            state.sso_base_url()
        ));
    }
    let service = query
        .get("service")
        .cloned()
        .unwrap_or_else(|| format!("{}/application-center", state.sso_base_url()));
    let tgt = random_token("TGT-", 20);
    lock(&state.cas)
        .tgts
        .insert(tgt.clone(), account.username.clone());
    let ticket = issue_ticket(&state, &account.username, &service);
    let mut response = redirect(&with_ticket(&service, &ticket));
    set_cookie(&mut response, &format!("CASTGC={tgt}; Path=/cas; HttpOnly"));
    set_cookie(
        &mut response,
        &format!("iPlanetDirectoryPro={tgt}; Path=/; HttpOnly"),
    );
    response
}

/// The CAS's message for a missing or wrong captcha answer, if it is one.
fn captcha_error(given: &str, answer: &str) -> Option<&'static str> {
    if given.is_empty() {
        Some("请输入验证码")
    } else if !given.eq_ignore_ascii_case(answer) {
        Some("验证码错误")
    } else {
        None
    }
}

const LOGIN_PAGE: &str = r#"<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>统一身份认证平台</title>
  <link rel="stylesheet" href="/cas/assets/css/login.css">
  <script type="text/javascript" src="/cas/assets/js/security.js"></script>
  {{SCRIPT}}
</head>
<body>
  <div class="login-box">
    <form id="fm1" action="/cas/login" method="post" autocomplete="off">
      <input id="username" name="username" type="text" value="" placeholder="学号/工号">
      <input id="password" type="password" value="" placeholder="密码">
      <input type="hidden" name="password" id="encryptedPassword">
      <div id="kaptcha" style="display:none">
        <input name="authcode" id="authcode" placeholder="验证码">
        <img id="yzmPic" src="kaptcha?time=0" alt="验证码">
      </div>
      <p id="errormsg" class="login-error">{{ERROR}}</p>
      <input type="hidden" name="execution" value="{{EXECUTION}}">
      <input type="hidden" name="_eventId" value="submit">
      <input type="hidden" name="mobileCode" value="">
      <button type="submit" class="login-btn">登录</button>
    </form>
  </div>
</body>
</html>
"#;
