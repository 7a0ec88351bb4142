//! The cookie jar that *is* a session: everything XTU knows about a login
//! lives in its cookies, so a session is saved and restored as a token.

use std::fmt;
use std::sync::Arc;

use cookie_store::{CookieDomain, CookieStore, RawCookie};
use reqwest_cookie_store::CookieStoreMutex;
use url::Url;

use crate::token::{self, TokenCookie, TokenError, TokenFormat};

/// A cloneable handle to one shared cookie store; clones see the same cookies.
#[derive(Clone, Default)]
pub struct CookieJar {
    store: Arc<CookieStoreMutex>,
}

impl CookieJar {
    /// An empty jar.
    pub fn new() -> Self {
        Self::default()
    }

    /// Restores a jar from a token in either format.
    pub fn from_token(token: &str) -> Result<Self, TokenError> {
        Self::from_cookies(token::decode(token)?)
    }

    /// Builds a jar holding exactly these cookies.
    pub fn from_cookies(cookies: Vec<TokenCookie>) -> Result<Self, TokenError> {
        let mut store = CookieStore::new();
        for (index, cookie) in cookies.iter().enumerate() {
            let invalid = |reason| TokenError::InvalidCookie { index, reason };
            let host = cookie.host.strip_prefix('.').unwrap_or(&cookie.host);
            if host.is_empty() {
                return Err(invalid("empty host"));
            }
            if !cookie.path.starts_with('/') {
                return Err(invalid("path does not start with '/'"));
            }
            let url = Url::parse(&format!("http://{host}/"))
                .ok()
                .filter(|u| u.host_str().is_some())
                .ok_or_else(|| invalid("host is not a valid host name"))?;
            let mut raw = RawCookie::new(cookie.key.clone(), cookie.value.clone());
            raw.set_path(cookie.path.clone());
            if cookie.host.starts_with('.') {
                raw.set_domain(host.to_owned());
            }
            store
                .insert_raw(&raw, &url)
                .map_err(|_| invalid("the cookie is rejected for its host"))?;
        }
        Ok(Self {
            store: Arc::new(CookieStoreMutex::new(store)),
        })
    }

    /// Writes the jar as a token.
    pub fn to_token(&self, format: TokenFormat) -> String {
        token::encode(&self.cookies(), format)
    }

    /// The unexpired cookies, sorted by host, path and name so that the same
    /// jar always gives the same token.
    pub fn cookies(&self) -> Vec<TokenCookie> {
        let store = self.lock();
        let mut cookies: Vec<TokenCookie> = store
            .iter_unexpired()
            .map(|c| TokenCookie {
                key: c.name().to_owned(),
                value: c.value().to_owned(),
                host: match &c.domain {
                    CookieDomain::Suffix(d) => format!(".{d}"),
                    domain => String::from(domain),
                },
                path: String::from(&c.path),
            })
            .collect();
        cookies.sort();
        cookies
    }

    /// Whether a cookie with this name is stored (for any host and path).
    pub fn contains(&self, name: &str) -> bool {
        self.lock().iter_unexpired().any(|c| c.name() == name)
    }

    /// Number of unexpired cookies.
    pub fn len(&self) -> usize {
        self.lock().iter_unexpired().count()
    }

    /// Whether the jar holds no cookies.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The store to hand to `reqwest::ClientBuilder::cookie_provider`.
    pub fn provider(&self) -> Arc<CookieStoreMutex> {
        Arc::clone(&self.store)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CookieStore> {
        // A panic while holding the lock cannot leave the store half-updated
        // in a way that matters here, so a poisoned lock is still usable.
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl fmt::Debug for CookieJar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.cookies().into_iter().map(|c| c.key).collect();
        f.debug_struct("CookieJar")
            .field("cookie_names", &names)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_host_only_and_domain_cookies() {
        let cookies = vec![
            TokenCookie {
                key: "lang".into(),
                value: "zh_CN".into(),
                host: ".xtu.edu.cn".into(),
                path: "/".into(),
            },
            TokenCookie {
                key: "JSESSIONID".into(),
                value: "ABC".into(),
                host: "jw.xtu.edu.cn".into(),
                path: "/jwglxt".into(),
            },
        ];
        let jar = CookieJar::from_cookies(cookies.clone()).expect("valid cookies");
        let mut expected = cookies;
        expected.sort();
        assert_eq!(jar.cookies(), expected);
        assert!(jar.contains("JSESSIONID"));
    }

    #[test]
    fn debug_hides_values() {
        let jar = CookieJar::from_token(
            r#"[{"key": "CASTGC", "value": "TGT-secret", "host": "a.b", "path": "/cas"}]"#,
        )
        .expect("valid token");
        let debug = format!("{jar:?}");
        assert!(
            debug.contains("CASTGC") && !debug.contains("TGT-secret"),
            "{debug}"
        );
    }

    #[test]
    fn rejects_unusable_cookies() {
        for token in [
            r#"[{"key": "a", "value": "b", "host": "", "path": "/"}]"#,
            r#"[{"key": "a", "value": "b", "host": "h", "path": "x"}]"#,
            r#"[{"key": "a", "value": "b", "host": "bad host/", "path": "/"}]"#,
        ] {
            assert!(matches!(
                CookieJar::from_token(token),
                Err(TokenError::InvalidCookie { .. })
            ));
        }
    }
}
