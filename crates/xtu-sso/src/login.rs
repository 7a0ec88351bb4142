//! The CAS login flow: login page, public key, POST, outcome.

use std::fmt;
use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use regex::Regex;
use reqwest::StatusCode;
use scraper::{Html, Selector};
use url::Url;

use crate::http::{self, BaseUrlError, HttpConfig, TransportError};
use crate::jar::CookieJar;
use crate::rsa::{EncryptError, PublicKey};
use crate::session::SsoSession;

/// Default base URL of XTU's single sign-on.
pub const DEFAULT_BASE_URL: &str = "https://portal2020.xtu.edu.cn";

/// A login sends at most this many password POSTs (a stale `execution`
/// and an outcome lost to the network included): a retry after a wrong
/// password counts towards XTU's 24-hour lockout.
pub const MAX_PASSWORD_POSTS: u32 = 2;

/// What a login asks of its caller ([`SsoClient::login_with`]).
pub trait LoginHooks {
    /// Called before each password POST; records the attempt (e.g. in a
    /// lockout guard). `false` stops the login with
    /// [`LoginError::AttemptRefused`], without a POST.
    fn allow_password_post(&mut self) -> bool;

    /// The CAS asks for a captcha: the image as it came (XTU's is a JPEG).
    /// The answer, or `None` to stop with [`LoginError::CaptchaRequired`]
    /// without a password POST.
    fn captcha(&mut self, image: &[u8]) -> Option<String>;
}

/// Hooks that allow every password POST and answer no captcha (what
/// [`SsoClient::login`] uses).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoCaptcha;

impl LoginHooks for NoCaptcha {
    fn allow_password_post(&mut self) -> bool {
        true
    }

    fn captcha(&mut self, _image: &[u8]) -> Option<String> {
        None
    }
}

/// The message of a captcha demand found before any POST.
const CAPTCHA_ANNOUNCED: &str = "the login server asks for a captcha (no password was sent)";
/// Wait before a POST whose outcome was lost is sent again (jittered).
const UNKNOWN_OUTCOME_BACKOFF: Duration = Duration::from_millis(300);

/// Why a login did not give a session. Messages carry the site's own text
/// where there is one, and never a password, token, cookie or ticket URL.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// Wrong username or password. Never retried.
    #[error("bad credentials: {message}")]
    BadCredentials {
        /// The site's message.
        message: String,
    },
    /// Locked after too many failures. Never retried.
    #[error("account locked: {message}{}", unlock_at.as_ref().map(|t| format!(" (until {t})")).unwrap_or_default())]
    AccountLocked {
        /// The site's message.
        message: String,
        /// When the account unlocks, when the page says.
        unlock_at: Option<String>,
    },
    /// The CAS wants a captcha and none was sent.
    #[error("captcha required: {message}")]
    CaptchaRequired {
        /// The site's message.
        message: String,
    },
    /// The captcha answer was wrong.
    #[error("wrong captcha: {message}")]
    CaptchaIncorrect {
        /// The site's message.
        message: String,
    },
    /// The password must be changed in a browser first.
    #[error("the password must be changed first: log in once in a browser and change it")]
    MustChangePassword,
    /// HTTP 403: the account is disabled.
    #[error("account disabled (the login server answered 403)")]
    AccountDisabled,
    /// The login page came back with a message of no known kind.
    #[error("login rejected: {message}")]
    Rejected {
        /// The site's message.
        message: String,
    },
    /// The caller's guard ([`LoginHooks::allow_password_post`]) allowed no
    /// further password POST; none was sent.
    #[error("login not attempted: too many recent login attempts for this account")]
    AttemptRefused,
    /// The `execution` token was stale twice in a row.
    #[error(
        "the login server keeps rejecting its own login form (stale execution token); try again later"
    )]
    StaleExecution,
    /// A response the protocol does not describe.
    #[error("unexpected response from the login server: HTTP {status} at {url}")]
    UnexpectedResponse {
        /// HTTP status.
        status: u16,
        /// The URL without its query string.
        url: String,
    },
    /// The login page lacks what the protocol says it has.
    #[error("unexpected login page: {0} not found (the site may have changed)")]
    UnexpectedPage(&'static str),
    /// The password cannot be encrypted with the server's key.
    #[error(transparent)]
    InvalidPassword(EncryptError),
    /// The server's public key is unusable.
    #[error("the login server sent an invalid public key")]
    InvalidPublicKey,
    /// An invalid base URL.
    #[error(transparent)]
    InvalidBaseUrl(#[from] BaseUrlError),
    /// The request did not complete.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

/// Builds an [`SsoClient`].
#[derive(Debug, Clone)]
pub struct SsoClientBuilder {
    base_url: String,
    service: Option<String>,
    http: HttpConfig,
}

impl SsoClientBuilder {
    /// Base URL of the CAS (default [`DEFAULT_BASE_URL`]).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// The service to log in to (default `{base}/application-center`).
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = Some(service.into());
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

    /// The proxy (default: from the environment, see [`crate::proxy`]).
    pub fn proxy(mut self, proxy: crate::ProxySetting) -> Self {
        self.http.proxy = proxy;
        self
    }

    /// Validates the settings.
    pub fn build(self) -> Result<SsoClient, LoginError> {
        let base = http::parse_base_url(&self.base_url)?;
        let service = match self.service {
            Some(service) => http::parse_base_url(&service)?,
            None => http::join(&base, "/application-center"),
        };
        Ok(SsoClient {
            base,
            service,
            http: self.http,
        })
    }
}

/// A client of XTU's single sign-on. Each login starts a fresh cookie jar.
#[derive(Debug, Clone)]
pub struct SsoClient {
    base: Url,
    service: Url,
    http: HttpConfig,
}

impl SsoClient {
    /// Starts building a client.
    pub fn builder() -> SsoClientBuilder {
        SsoClientBuilder {
            base_url: DEFAULT_BASE_URL.to_owned(),
            service: None,
            http: HttpConfig::default(),
        }
    }

    /// The CAS base URL.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// Logs in without a captcha: a captcha demand is
    /// [`LoginError::CaptchaRequired`] (answer it with [`Self::login_with`]).
    pub async fn login(&self, username: &str, password: &str) -> Result<SsoSession, LoginError> {
        self.login_with(username, password, &mut NoCaptcha).await
    }

    /// Logs in, asking `hooks` before each password POST and for any
    /// captcha.
    ///
    /// Whether a captcha is on is asked (`getKaptchaStatus`) in the login
    /// page's session before any POST; when it is, the image goes to
    /// [`LoginHooks::captcha`] and no password is sent without an answer.
    /// At most [`MAX_PASSWORD_POSTS`] password POSTs are sent, each only
    /// after [`LoginHooks::allow_password_post`] agreed. After any answer
    /// of the CAS (bad credentials, locked, disabled, wrong captcha) there
    /// is no other POST, except with a fresh form when the answer was a
    /// stale `execution`, or a captcha the status did not announce (then
    /// the hooks are asked first). When the outcome of a POST is unknown
    /// (no answer, a timeout, 502-504), it is sent once more with a fresh
    /// login form and key.
    pub async fn login_with(
        &self,
        username: &str,
        password: &str,
        hooks: &mut impl LoginHooks,
    ) -> Result<SsoSession, LoginError> {
        self.begin()
            .await?
            .run(username, password, None, hooks)
            .await
    }

    /// Opens a CAS session: the login page (which sets the session cookie),
    /// then the public key bound to that session.
    pub async fn begin(&self) -> Result<LoginAttempt, LoginError> {
        let jar = CookieJar::new();
        let client = http::build_client(&jar, &self.http)?;
        let mut attempt = LoginAttempt {
            sso: self.clone(),
            client,
            jar,
            execution: String::new(),
            key: None,
        };
        attempt.refresh().await?;
        Ok(attempt)
    }

    /// `{base}/cas/login?service=...`: the login page (also `doctor`'s).
    pub(crate) fn login_url(&self) -> Url {
        let mut url = http::join(&self.base, "/cas/login");
        url.query_pairs_mut()
            .append_pair("service", self.service.as_str());
        url
    }
}

/// A login in progress: a CAS session with its login form and key.
pub struct LoginAttempt {
    sso: SsoClient,
    client: http::Client,
    jar: CookieJar,
    execution: String,
    key: Option<PublicKey>,
}

impl fmt::Debug for LoginAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginAttempt")
            .field("base", &http::redact_url(&self.sso.base))
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

static EXECUTION: LazyLock<Selector> =
    LazyLock::new(|| selector("form#fm1 input[name='execution'], input[name='execution']"));
static ERROR_MESSAGE: LazyLock<Selector> = LazyLock::new(|| selector("#errormsg"));
static ALLOW_LOGIN_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"allowLoginTime\s*[=:]\s*(?:"([^"]*)"|'([^']*)'|(\d+))"#)
        .expect("static regex is valid")
});

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("static selector {css:?}: {e}"))
}

/// What the login page says.
struct LoginPage {
    execution: Option<String>,
    error: String,
    allow_login_time: Option<String>,
}

fn read_login_page(html: &str) -> LoginPage {
    let document = Html::parse_document(html);
    let execution = document
        .select(&EXECUTION)
        .find_map(|input| input.value().attr("value"))
        .map(str::to_owned)
        .filter(|v| !v.is_empty());
    let error = document
        .select(&ERROR_MESSAGE)
        .next()
        .map(|e| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let allow_login_time = ALLOW_LOGIN_TIME.captures(html).and_then(|c| {
        c.iter()
            .skip(1)
            .flatten()
            .next()
            .map(|m| m.as_str().to_owned())
            .filter(|t| !t.is_empty())
    });
    LoginPage {
        execution,
        error,
        allow_login_time,
    }
}

impl LoginAttempt {
    /// GETs `url` in this CAS session; anything but 200 is unexpected.
    /// Transport failures and gateway errors are retried (GETs have no
    /// effect at the CAS).
    async fn get_ok(&self, url: Url, max_bytes: usize) -> Result<Bytes, LoginError> {
        http::retry_idempotent(
            || async {
                let response = http::send(self.client.get(url.clone())).await?;
                if response.status() != StatusCode::OK {
                    return Err(unexpected(&response));
                }
                Ok(http::read_body(response, max_bytes).await?)
            },
            is_transient,
        )
        .await
    }

    /// A fresh login form and key within the same CAS session.
    async fn refresh(&mut self) -> Result<(), LoginError> {
        let max = self.sso.http.max_body_bytes;
        let body = self.get_ok(self.sso.login_url(), max).await?;
        let page = read_login_page(&String::from_utf8_lossy(&body));
        self.execution = page.execution.ok_or(LoginError::UnexpectedPage(
            "the login form's `execution` field",
        ))?;
        // After the page: the key is bound to the session cookie it set.
        let body = self
            .get_ok(http::join(&self.sso.base, "/cas/v2/getPubKey"), max)
            .await?;
        self.key = Some(serde_json::from_slice(&body).map_err(|_| LoginError::InvalidPublicKey)?);
        Ok(())
    }

    /// Whether the CAS currently asks for a captcha (`getKaptchaStatus`).
    pub async fn captcha_required(&self) -> Result<bool, LoginError> {
        let body = self
            .get_ok(http::join(&self.sso.base, "/cas/v2/getKaptchaStatus"), 64)
            .await?;
        Ok(String::from_utf8_lossy(&body)
            .trim()
            .eq_ignore_ascii_case("true"))
    }

    /// The captcha image of this CAS session.
    pub async fn captcha_image(&self) -> Result<Bytes, LoginError> {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let url = http::join(&self.sso.base, &format!("/cas/kaptcha?time={millis}"));
        self.get_ok(url, self.sso.http.max_body_bytes).await
    }

    /// Sends the credentials with a captcha answer to the image of this
    /// attempt (if any), with the rules of [`SsoClient::login_with`]: the
    /// answer is reused for a second POST, and a captcha demand without an
    /// answer is [`LoginError::CaptchaRequired`].
    pub async fn submit(
        self,
        username: &str,
        password: &str,
        captcha: Option<&str>,
    ) -> Result<SsoSession, LoginError> {
        self.run(
            username,
            password,
            captcha.map(str::to_owned),
            &mut NoCaptcha,
        )
        .await
    }

    /// The login loop: at most [`MAX_PASSWORD_POSTS`] POSTs, each allowed
    /// by `hooks`, each preceded by the captcha check unless `given`
    /// already answers it.
    async fn run(
        mut self,
        username: &str,
        password: &str,
        given: Option<String>,
        hooks: &mut impl LoginHooks,
    ) -> Result<SsoSession, LoginError> {
        let mut posts = 0;
        // The CAS's captcha demand that a POST met, when the status had not
        // announced one.
        let mut revealed: Option<LoginError> = None;
        loop {
            let answer = match &given {
                Some(answer) => Some(answer.clone()),
                None if revealed.is_some() || self.captcha_required().await? => {
                    let image = self.captcha_image().await?;
                    let Some(answer) = hooks.captcha(&image) else {
                        return Err(revealed.unwrap_or_else(|| LoginError::CaptchaRequired {
                            message: CAPTCHA_ANNOUNCED.to_owned(),
                        }));
                    };
                    Some(answer)
                }
                None => None,
            };
            if !hooks.allow_password_post() {
                return Err(LoginError::AttemptRefused);
            }
            posts += 1;
            let sent = self.post(username, password, answer.as_deref());
            let error = match http::with_attempt(posts, sent).await {
                Ok(Outcome::Ticket(ticket_url)) => return Ok(self.follow_ticket(ticket_url).await),
                Ok(Outcome::StaleExecution) => LoginError::StaleExecution,
                Err(error) => error,
            };
            let outcome_unknown = is_transient(&error);
            let captcha_demand =
                matches!(error, LoginError::CaptchaRequired { .. }) && answer.is_none();
            let again =
                outcome_unknown || captcha_demand || matches!(error, LoginError::StaleExecution);
            if !again || posts >= MAX_PASSWORD_POSTS {
                return Err(error);
            }
            if captcha_demand {
                revealed = Some(error);
            }
            if outcome_unknown {
                tokio::time::sleep(retry_policy::jittered(UNKNOWN_OUTCOME_BACKOFF)).await;
            }
            self.refresh().await?;
        }
    }

    /// One password POST and what the CAS answered.
    async fn post(
        &self,
        username: &str,
        password: &str,
        captcha: Option<&str>,
    ) -> Result<Outcome, LoginError> {
        let key = self.key.as_ref().ok_or(LoginError::InvalidPublicKey)?;
        let encrypted = key.encrypt_password(password).map_err(|e| match e {
            EncryptError::InvalidKey => LoginError::InvalidPublicKey,
            other => LoginError::InvalidPassword(other),
        })?;
        let form = [
            ("username", username),
            ("password", encrypted.as_str()),
            ("execution", self.execution.as_str()),
            ("_eventId", "submit"),
            ("authcode", captcha.unwrap_or_default()),
            ("mobileCode", ""),
        ];
        let response = http::send(self.client.post(self.sso.login_url()).form(&form)).await?;
        self.outcome(response, captcha.is_some()).await
    }

    /// Completes the login at the service, as a browser would. Its answer
    /// does not matter, its cookies might; the CAS cookies that make the
    /// session came with the POST's answer, so a failure here does not fail
    /// the login (and a ticket is single-use: it is never sent again).
    async fn follow_ticket(self, ticket_url: Url) -> SsoSession {
        if let Err(error) = http::send(self.client.get(ticket_url)).await {
            tracing::debug!(
                target: http::LOG_TARGET,
                error = error.kind(),
                "the service ticket could not be delivered; the CAS session stands"
            );
        }
        SsoSession::new(self.jar)
    }

    async fn outcome(
        &self,
        response: reqwest::Response,
        answered_captcha: bool,
    ) -> Result<Outcome, LoginError> {
        let status = response.status();
        if status == StatusCode::FORBIDDEN {
            return Err(LoginError::AccountDisabled);
        }
        if let Some(location) = http::location(&response) {
            let query = location.query().unwrap_or_default();
            if location.path().contains("/modifyPwd/") {
                return Err(LoginError::MustChangePassword);
            }
            if query.contains("exception.message=") && location.path().ends_with("/cas/login") {
                return Ok(Outcome::StaleExecution);
            }
            if location
                .query_pairs()
                .any(|(k, v)| k == "ticket" && v.starts_with("ST-"))
            {
                return Ok(Outcome::Ticket(location));
            }
            return Err(unexpected(&response));
        }
        if status != StatusCode::OK {
            return Err(unexpected(&response));
        }
        let body = http::read_body(response, self.sso.http.max_body_bytes).await?;
        let page = read_login_page(&String::from_utf8_lossy(&body));
        Err(classify(page, answered_captcha))
    }
}

/// A failure that may pass: no answer, or a gateway's instead of the CAS's.
/// For a POST it means its outcome is unknown.
fn is_transient(error: &LoginError) -> bool {
    match error {
        LoginError::Transport(e) => e.is_transient(),
        LoginError::UnexpectedResponse { status, .. } => http::is_gateway_error(*status),
        _ => false,
    }
}

enum Outcome {
    Ticket(Url),
    StaleExecution,
}

/// Classifies the `#errormsg` of a login page that came back.
fn classify(page: LoginPage, answered_captcha: bool) -> LoginError {
    let message = page.error;
    if ["锁定", "次数", "冻结"].iter().any(|w| message.contains(w)) {
        LoginError::AccountLocked {
            message,
            unlock_at: page.allow_login_time,
        }
    } else if message.contains("验证码") {
        if answered_captcha {
            LoginError::CaptchaIncorrect { message }
        } else {
            LoginError::CaptchaRequired { message }
        }
    } else if message.contains("密码") || message.contains("用户名") {
        LoginError::BadCredentials { message }
    } else if message.is_empty() {
        LoginError::UnexpectedPage("the login error message (#errormsg)")
    } else {
        LoginError::Rejected { message }
    }
}

fn unexpected(response: &reqwest::Response) -> LoginError {
    LoginError::UnexpectedResponse {
        status: response.status().as_u16(),
        url: http::redact_url(response.url()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(error: &str, script: &str) -> LoginPage {
        read_login_page(&format!(
            "<html><head>{script}</head><body><form id=\"fm1\"><p id=\"errormsg\">{error}</p>\
             <input type=\"hidden\" name=\"execution\" value=\"e1s1\"></form></body></html>"
        ))
    }

    #[test]
    fn reads_the_form() {
        let p = page("", "");
        assert_eq!(p.execution.as_deref(), Some("e1s1"));
        assert_eq!(p.error, "");
    }

    #[test]
    fn classifies_messages_lock_first() {
        assert!(matches!(
            classify(page("密码错误次数过多，账号已锁定", "<script>var allowLoginTime = '2026-11-23 10:00';</script>"), false),
            LoginError::AccountLocked { unlock_at: Some(t), .. } if t == "2026-11-23 10:00"
        ));
        assert!(
            matches!(classify(page("账号已冻结", "<script>allowLoginTime: 1700000000</script>"), false),
            LoginError::AccountLocked { unlock_at: Some(t), .. } if t == "1700000000")
        );
        assert!(matches!(
            classify(page("请输入验证码", ""), false),
            LoginError::CaptchaRequired { .. }
        ));
        assert!(matches!(
            classify(page("验证码错误", ""), true),
            LoginError::CaptchaIncorrect { .. }
        ));
        assert!(matches!(
            classify(page("用户名或密码错误", ""), false),
            LoginError::BadCredentials { .. }
        ));
        assert!(matches!(
            classify(page("系统繁忙", ""), false),
            LoginError::Rejected { .. }
        ));
        assert!(matches!(
            classify(page("", ""), false),
            LoginError::UnexpectedPage(_)
        ));
    }
}
