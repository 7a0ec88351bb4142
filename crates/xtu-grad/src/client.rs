//! Requests to the portal and the graduate system; parsing is left to
//! [`crate::pages`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use url::Url;
use xtu_model::{Term, Timetable};
use xtu_sso::http::{self, HttpConfig};
use xtu_sso::{CookieJar, SsoSession};

use crate::error::GradError;
use crate::pages::{self, Page, ParseError};
use crate::term::termcode;

/// Default base URL of XTU's graduate system.
pub const DEFAULT_BASE_URL: &str = "https://gmsstu.xtu.edu.cn";
/// The portal's application list, on the single sign-on's host
/// (`portal2020.xtu.edu.cn`, GongGong's `common/config.py`).
pub const APPLICATIONS_PATH: &str = "/api/application/applicationListByKeyAndRole";
/// The graduate system's session cookie (Southsoft gmis).
pub const SESSION_COOKIE: &str = "cn_com_southsoft_gmis_stu";
/// Where a successful hand-off lands.
const INDEX_PATH: &str = "/index";
/// The portal's link crosses portal → CAS → graduate system → index; allow
/// some slack for proxies, but stop a loop quickly.
const MAX_REDIRECTS: usize = 10;

/// Builds a [`GradClient`].
#[derive(Debug, Clone)]
pub struct GradClientBuilder {
    base_url: String,
    portal_base_url: String,
    http: HttpConfig,
}

impl Default for GradClientBuilder {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            portal_base_url: xtu_sso::DEFAULT_BASE_URL.to_owned(),
            http: HttpConfig::default(),
        }
    }
}

impl GradClientBuilder {
    /// Base URL of the graduate system (default [`DEFAULT_BASE_URL`]). The
    /// portal's link wins where it names another host; where it names the
    /// default host, this one replaces it (a fake, a proxy).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Base URL of the portal, which is the single sign-on's host (default
    /// [`xtu_sso::DEFAULT_BASE_URL`]).
    pub fn portal_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.portal_base_url = base_url.into();
        self
    }

    /// Timeout of each request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.http.timeout = timeout;
        self
    }

    /// The proxy (default: from the environment, see [`xtu_sso::proxy`]).
    pub fn proxy(mut self, proxy: xtu_sso::ProxySetting) -> Self {
        self.http.proxy = proxy;
        self
    }

    /// Whether the portal lists the graduate system for this session's
    /// account (one request; nothing is entered).
    pub async fn has_graduate_system(self, sso: &SsoSession) -> Result<bool, GradError> {
        let (grad, portal) = self.client(sso)?;
        match grad.graduate_link(&portal).await {
            Ok(_) => Ok(true),
            Err(GradError::NoGraduateSystem { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn client(self, sso: &SsoSession) -> Result<(GradClient, Url), GradError> {
        let base = http::parse_base_url(&self.base_url)?;
        let portal = http::parse_base_url(&self.portal_base_url)?;
        let jar: CookieJar = sso.jar().clone();
        let client = http::build_client(&jar, &self.http)?;
        let grad = GradClient {
            base,
            jar,
            client,
            max_body_bytes: self.http.max_body_bytes,
            menu: None,
        };
        Ok((grad, portal))
    }

    /// Enters the graduate system with a single sign-on session: the
    /// portal's application list names the link (`ywxturl`) that opens it;
    /// following that link through the CAS lands on its `/index`. The
    /// returned client shares the session's jar.
    pub async fn enter(self, sso: &SsoSession) -> Result<GradClient, GradError> {
        let (mut grad, portal) = self.client(sso)?;
        let link = grad.graduate_link(&portal).await?;
        // A failed ticket hop restarts from the portal's link, which asks the
        // CAS for a new ticket: a ticket is never sent twice.
        let menu = http::retry(
            &http::HAND_OFF,
            || grad.hand_off(link.clone()),
            GradError::is_transient,
        )
        .await?;
        let mut origin = menu.url.clone();
        origin.set_path("/");
        origin.set_query(None);
        origin.set_fragment(None);
        grad.base = origin;
        grad.menu = Some(Arc::new(menu));
        Ok(grad)
    }
}

/// A session with XTU's graduate system. Cheap to clone.
#[derive(Clone)]
pub struct GradClient {
    base: Url,
    jar: CookieJar,
    client: http::Client,
    max_body_bytes: usize,
    /// The menu the hand-off landed on: the timetable's link without asking
    /// for `/index` again.
    menu: Option<Arc<Answer>>,
}

impl fmt::Debug for GradClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GradClient")
            .field("base", &http::redact_url(&self.base))
            .field("jar", &self.jar)
            .finish_non_exhaustive()
    }
}

/// An answer read to its end: where it came from, its status and body.
struct Answer {
    url: Url,
    status: StatusCode,
    body: String,
}

impl GradClient {
    /// Starts building a client.
    pub fn builder() -> GradClientBuilder {
        GradClientBuilder::default()
    }

    /// Where the graduate system answered (the origin of its `/index`).
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// The session's cookie jar.
    pub fn jar(&self) -> &CookieJar {
        &self.jar
    }

    /// The link that opens the graduate system, from the portal's list.
    async fn graduate_link(&self, portal: &Url) -> Result<Url, GradError> {
        let url = http::join(portal, APPLICATIONS_PATH);
        // A read, safe to repeat; the portal wants it as an XHR POST.
        let answer = http::retry_idempotent(
            || async {
                let request = self
                    .client
                    .post(url.clone())
                    // GongGong posts it without a body.
                    .header("X-Requested-With", "XMLHttpRequest");
                let response = http::send(request).await?;
                if let Some(next) = http::location(&response) {
                    return Err(if next.path().contains("/cas/login") {
                        GradError::SsoSessionExpired
                    } else {
                        unexpected(Page::Applications, &response)
                    });
                }
                if matches!(response.status().as_u16(), 401 | 403) {
                    return Err(GradError::SsoSessionExpired);
                }
                self.read(Page::Applications, response).await
            },
            GradError::is_transient,
        )
        .await?;
        let link =
            pages::graduate_entry(&answer.body)?.ok_or_else(|| GradError::NoGraduateSystem {
                detail: format!("the portal lists no {}", pages::APPLICATION_NAME),
            })?;
        let link = portal.join(&link).map_err(|_| ParseError::InvalidValue {
            page: Page::Applications,
            field: "ywxturl",
            value: "(not a URL)".into(),
        })?;
        Ok(self.on_configured_host(link))
    }

    /// The portal names the real host; a configured base URL (a fake, a
    /// proxy) stands in for the default host only.
    fn on_configured_host(&self, mut link: Url) -> Url {
        let default = Url::parse(DEFAULT_BASE_URL).ok();
        let names_default = default.as_ref().is_some_and(|d| {
            d.host_str() == link.host_str()
                && d.port_or_known_default() == link.port_or_known_default()
        });
        if names_default && self.base.as_str() != default.as_ref().map_or("", Url::as_str) {
            let path = link.path().to_owned();
            let query = link.query().map(str::to_owned);
            link = http::join(&self.base, &path);
            link.set_query(query.as_deref());
        }
        link
    }

    /// Follows the portal's link to the graduate system's `/index`; the
    /// menu it lands on. The hop carrying a CAS ticket (single-use) is sent
    /// once; the others are retried like any GET (and `enter` restarts the
    /// whole walk after a failed ticket hop).
    async fn hand_off(&self, mut url: Url) -> Result<Answer, GradError> {
        for _ in 0..=MAX_REDIRECTS {
            let once = url.query_pairs().any(|(key, _)| key == "ticket");
            let send = || async {
                let response = http::send(self.client.get(url.clone())).await?;
                if http::is_gateway_error(response.status().as_u16()) {
                    return Err(unexpected(Page::Menu, &response));
                }
                Ok(response)
            };
            let response = if once {
                send().await?
            } else {
                http::retry_idempotent(send, GradError::is_transient).await?
            };
            if let Some(next) = http::location(&response) {
                if !matches!(next.scheme(), "http" | "https") {
                    return Err(unexpected(Page::Menu, &response));
                }
                url = next;
                continue;
            }
            let landed = response.url().clone();
            if response.status() == StatusCode::OK && landed.path().ends_with(INDEX_PATH) {
                return self.read(Page::Menu, response).await;
            }
            if landed.path().contains("/cas/login") {
                return Err(GradError::SsoSessionExpired);
            }
            if !response.status().is_success() {
                return Err(unexpected(Page::Menu, &response));
            }
            // GongGong's rule: anywhere but the index, the account has no
            // graduate system.
            return Err(GradError::NoGraduateSystem {
                detail: format!("the portal's link landed at {}", http::redact_url(&landed)),
            });
        }
        Err(GradError::TooManyRedirects(MAX_REDIRECTS))
    }

    /// The timetable of a term (1 or 2). The data URL is read from the
    /// timetable page each time; an error answer (a URL of an older session)
    /// reads the page again and tries once more.
    pub async fn timetable(&self, term: Term) -> Result<Timetable, GradError> {
        let code = termcode(term)?.to_string();
        let menu = match &self.menu {
            Some(menu) => Arc::clone(menu),
            None => Arc::new(
                self.get(Page::Menu, &http::join(&self.base, INDEX_PATH))
                    .await?,
            ),
        };
        let link = pages::timetable_link(&menu.body)?;
        let page_url = menu.url.join(&link).map_err(|_| ParseError::InvalidValue {
            page: Page::Menu,
            field: "timetable link",
            value: link.clone(),
        })?;
        let mut retried = false;
        loop {
            let page = self.get(Page::TimetablePage, &page_url).await?;
            let data = pages::data_url(&page.body)?;
            let data_url = page.url.join(&data).map_err(|_| ParseError::InvalidValue {
                page: Page::TimetablePage,
                field: "data URL",
                value: data.clone(),
            })?;
            let answer = self.post_data(&data_url, &code).await?;
            match pages::timetable(&answer.body, &term.to_string()) {
                Err(ParseError::ErrorAnswer { .. }) if !retried => retried = true,
                other => return Ok(other?),
            }
        }
    }

    /// The timetable's data: a POST that only asks, retried like a GET.
    async fn post_data(&self, url: &Url, termcode: &str) -> Result<Answer, GradError> {
        http::run(
            http::Effect::Reads,
            || async {
                let request = self
                    .client
                    .post(url.clone())
                    .header("X-Requested-With", "XMLHttpRequest")
                    .form(&[("kblx", "xs"), ("termcode", termcode)]);
                let response = http::send(request).await?;
                self.page_answer(Page::TimetableData, response).await
            },
            GradError::is_transient,
        )
        .await
    }

    async fn get(&self, page: Page, url: &Url) -> Result<Answer, GradError> {
        http::retry_idempotent(
            || async {
                let response = http::send(self.client.get(url.clone())).await?;
                self.page_answer(page, response).await
            },
            GradError::is_transient,
        )
        .await
    }

    /// A page of the graduate system: a redirect to a login page is an
    /// expired session.
    async fn page_answer(
        &self,
        page: Page,
        response: reqwest::Response,
    ) -> Result<Answer, GradError> {
        if let Some(next) = http::location(&response) {
            return Err(if next.path().to_ascii_lowercase().contains("login") {
                GradError::SessionExpired
            } else {
                unexpected(page, &response)
            });
        }
        let answer = self.read(page, response).await?;
        // The error object of a stale data URL comes with 500 at some
        // schools: let the parser see it.
        let error_object = page == Page::TimetableData && answer.body.trim_start().starts_with('{');
        if !(answer.status.is_success() || error_object) {
            return Err(GradError::UnexpectedResponse {
                page,
                status: answer.status.as_u16(),
                url: http::redact_url(&answer.url),
            });
        }
        Ok(answer)
    }

    async fn read(&self, page: Page, response: reqwest::Response) -> Result<Answer, GradError> {
        let url = response.url().clone();
        let status = response.status();
        if page == Page::Applications && !status.is_success() {
            return Err(unexpected(page, &response));
        }
        let content_type = http::content_type(&response);
        let body = http::read_body(response, self.max_body_bytes).await?;
        Ok(Answer {
            url,
            status,
            body: http::decode_body(&body, content_type.as_deref()),
        })
    }
}

fn unexpected(page: Page, response: &reqwest::Response) -> GradError {
    GradError::UnexpectedResponse {
        page,
        status: response.status().as_u16(),
        url: http::redact_url(response.url()),
    }
}
