//! Log in once, then ask without tokens.
//!
//! A query first uses the stored EMS session (one request). When the academic
//! system says it expired, the stored SSO session re-enters it silently and
//! the query runs once more. When the SSO session expired too, the user is told
//! to log in again: nothing here sends a password on its own, unless the user
//! asked for it to be remembered (`LoginOptions::remember`), and then only once
//! until a manual login succeeds.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use xtu_ems::{EmsClient, EmsClientBuilder, EmsError};
use xtu_sso::{LoginError, LoginHooks, ProxySetting, SsoClient, SsoSession, TokenFormat};

use crate::error::Error;
use crate::store::{Guard, MAX_MANUAL_FAILURES, Store, StoreDir, StoredSession};
use crate::vault::Vault;

/// Which servers to talk to, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Base URL of the single sign-on (CAS) server.
    pub sso_base_url: String,
    /// Base URL of the academic system (jwglxt).
    pub ems_base_url: String,
    /// Base URL of the graduate system (gmsstu); the portal's link wins
    /// where it names another host than the default.
    pub grad_base_url: String,
    /// Timeout of each HTTP request.
    pub timeout: Duration,
    /// The account whose stored session to use; `None`: the last one logged in.
    pub user: Option<String>,
    /// The proxy every request goes through: by default `XTU_PROXY`, else
    /// the standard variables as curl reads them (see [`xtu_sso::proxy`]).
    /// Its credentials never reach logs, errors or the stored session.
    pub proxy: ProxySetting,
}

impl Default for Config {
    /// XTU's real servers, 30 s per request, the last account logged in.
    fn default() -> Self {
        Self {
            sso_base_url: xtu_sso::DEFAULT_BASE_URL.to_owned(),
            ems_base_url: xtu_ems::DEFAULT_BASE_URL.to_owned(),
            grad_base_url: xtu_grad::DEFAULT_BASE_URL.to_owned(),
            timeout: Duration::from_secs(30),
            user: None,
            proxy: ProxySetting::FromEnvironment,
        }
    }
}

/// How a manual login should behave.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoginOptions {
    /// Log in despite recent failures.
    pub force: bool,
    /// Remember the password for automatic re-login.
    pub remember: bool,
    /// Consent to remembering it in a 0600 file instead of the OS keyring.
    pub insecure_store: bool,
}

/// The lockout guard as the login's hooks: each password POST after the
/// first counts as a failure before it is sent (the first one's outcome may
/// have been a failure nobody saw), and none is sent once the guard is full
/// unless forced. A success clears the guard afterwards.
struct GuardedLogin<'a, 'c> {
    store: &'a Store,
    username: &'a str,
    force: bool,
    posts: usize,
    captcha: &'c mut (dyn FnMut(&[u8]) -> Option<String> + Send),
}

impl LoginHooks for GuardedLogin<'_, '_> {
    fn allow_password_post(&mut self) -> bool {
        if self.posts > 0 {
            let Ok(mut guard) = self.store.guard(self.username) else {
                return false;
            };
            guard.manual_failures.push(now());
            if self.store.save_guard(self.username, &guard).is_err() {
                return false;
            }
            if guard.recent_failures(now()) >= MAX_MANUAL_FAILURES && !self.force {
                return false;
            }
        }
        self.posts += 1;
        true
    }

    fn captcha(&mut self, image: &[u8]) -> Option<String> {
        (self.captcha)(image)
    }
}

/// What `whoami` reports.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct WhoAmI {
    /// The account.
    pub username: String,
    /// The single sign-on server the session belongs to.
    pub sso_base_url: String,
    /// The academic system the session belongs to.
    pub ems_base_url: String,
    /// Whether the academic system still accepts the stored session.
    pub ems_session_valid: bool,
}

/// What `logout` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logout {
    /// The account logged out.
    pub username: String,
    /// False when there was no stored session to remove.
    pub was_logged_in: bool,
}

/// The toolkit's entry point: a configuration and a session store.
#[derive(Debug, Clone)]
pub struct Xtu {
    config: Config,
    store: StoreDir,
    vault: Vault,
}

pub(crate) fn not_logged_in() -> Error {
    Error::SessionExpired("not logged in: run 'xtu login'".into())
}

fn expired() -> Error {
    Error::SessionExpired("session expired: run 'xtu login'".into())
}

/// The lockout guard is full: nothing more is sent without `--force`.
fn guard_full(failures: usize, username: &str) -> Error {
    Error::Usage(format!(
        "{failures} failed or unanswered logins for {username} in the last 24 hours: no (further) \
         password was sent, as XTU locks an account for 24 hours after too many. Check the \
         password, then run again with --force"
    ))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Xtu {
    /// The toolkit on `config`, keeping sessions in `store` and remembered
    /// passwords in `vault`.
    pub fn new(config: Config, store: StoreDir, vault: Vault) -> Self {
        Self {
            config,
            store,
            vault,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A single sign-on client for the configured server.
    pub fn sso_client(&self) -> Result<SsoClient, Error> {
        Ok(SsoClient::builder()
            .base_url(&self.config.sso_base_url)
            .timeout(self.config.timeout)
            .proxy(self.config.proxy.clone())
            .build()?)
    }

    /// An academic-system client builder for the configured server.
    pub fn ems_builder(&self) -> EmsClientBuilder {
        EmsClient::builder()
            .base_url(&self.config.ems_base_url)
            .timeout(self.config.timeout)
            .proxy(self.config.proxy.clone())
    }

    /// Opens the session store (creating it, mode 0700).
    pub fn store(&self) -> Result<Store, Error> {
        self.store.open()
    }

    /// Where sessions are stored.
    pub fn store_dir(&self) -> &StoreDir {
        &self.store
    }

    /// The stored session of the account, if there is one for the configured
    /// servers (no request).
    pub fn stored_session(&self) -> Result<Option<StoredSession>, Error> {
        let store = self.store()?;
        let username = match self.account(&store) {
            Ok(username) => username,
            Err(Error::SessionExpired(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(store
            .load(&username)?
            .filter(|stored| self.check_bases(stored).is_ok()))
    }

    /// The account to act for: the configured one, else the last one logged in.
    pub fn account(&self, store: &Store) -> Result<String, Error> {
        match &self.config.user {
            Some(name) => Ok(name.clone()),
            None => store.current()?.ok_or_else(not_logged_in),
        }
    }

    /// A stored session belongs to the servers it was made on.
    pub(crate) fn check_bases(&self, stored: &StoredSession) -> Result<(), Error> {
        if stored.sso_base_url != self.config.sso_base_url
            || stored.ems_base_url != self.config.ems_base_url
        {
            return Err(Error::SessionExpired(format!(
                "the stored session of {} is for {} and {}: run 'xtu login' for these servers",
                stored.username, stored.sso_base_url, stored.ems_base_url
            )));
        }
        Ok(())
    }

    /// A manual login, guarded against locking the account: after
    /// [`MAX_MANUAL_FAILURES`] failures within 24 hours it is refused unless
    /// `options.force`, and every password sent counts (a second one, sent
    /// when the first one's answer was lost, too). A captcha is asked of
    /// `captcha` (the image; `None`: stop, no password sent). Stores both
    /// sessions and makes `username` current.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        options: LoginOptions,
        captcha: &mut (dyn FnMut(&[u8]) -> Option<String> + Send),
    ) -> Result<(), Error> {
        if options.remember && !options.insecure_store {
            // A plain file needs the user's explicit consent: without a keyring,
            // refuse before anything is sent.
            self.vault.check_available(username)?;
        }
        let store = self.store()?;
        // Held for the whole login: a second login waits instead of sending
        // a second password at the same time.
        let _lock = store.lock()?;
        let failures = store.guard(username)?.recent_failures(now());
        if failures >= MAX_MANUAL_FAILURES && !options.force {
            return Err(guard_full(failures, username));
        }
        if failures >= MAX_MANUAL_FAILURES {
            tracing::warn!(
                "{failures} failed logins in the last 24 hours: another failure may lock the account"
            );
        }
        let mut hooks = GuardedLogin {
            store: &store,
            username,
            force: options.force,
            posts: 0,
            captcha,
        };
        if let Err(error) = self
            .log_in_and_store(&store, username, password, &mut hooks)
            .await
        {
            let refused = matches!(error, Error::Login(LoginError::BadCredentials { .. }));
            // A password whose answer was lost may have been a failure too
            // (a network failure after the login, in the hand-off, is not).
            let unanswered = hooks.posts > 0
                && matches!(error, Error::Login(_))
                && error.exit_code() == crate::ExitCode::Network;
            if refused || unanswered {
                let mut guard = store.guard(username)?;
                guard.manual_failures.push(now());
                guard.auto_login_blocked |= refused;
                store.save_guard(username, &guard)?;
            }
            if matches!(error, Error::Login(LoginError::AttemptRefused)) {
                return Err(guard_full(MAX_MANUAL_FAILURES, username));
            }
            return Err(error);
        }
        // A manual success lifts the guard, automatic logins included.
        store.save_guard(username, &Guard::default())?;
        // One place at a time: the one chosen now.
        if options.remember && options.insecure_store {
            store.save_password(username, password)?;
            self.vault.remove(username);
        } else if options.remember {
            store.remove_password(username)?;
            self.vault.save(username, password)?;
        } else {
            store.remove_password(username)?;
            self.vault.remove(username);
        }
        Ok(())
    }

    /// Logs in, enters the academic system (so the first query costs one
    /// request) and stores both sessions. The caller holds the store lock.
    /// A graduate student's account, which the academic system does not let
    /// in, is stored with its SSO session only (`None`).
    async fn log_in_and_store(
        &self,
        store: &Store,
        username: &str,
        password: &str,
        hooks: &mut GuardedLogin<'_, '_>,
    ) -> Result<Option<EmsClient>, Error> {
        let session = self
            .sso_client()?
            .login_with(username, password, hooks)
            .await?;
        let ems = match self.ems_builder().enter(&session).await {
            Ok(ems) => Some(ems),
            // Refused right after a successful login: the academic system
            // does not know the account. A graduate's is let in elsewhere.
            Err(error @ (EmsError::SsoSessionExpired | EmsError::HandOffInterrupted)) => {
                // The portal's own failure would hide the hand-off's.
                if !self.is_graduate(&session).await.unwrap_or(false) {
                    return Err(error.into());
                }
                tracing::info!("a graduate student's account: the academic system is not entered");
                None
            }
            Err(error) => return Err(error.into()),
        };
        store.save(&StoredSession {
            username: username.to_owned(),
            sso_token: session.to_token(TokenFormat::Compressed),
            ems_token: ems
                .as_ref()
                .map(|ems| ems.to_token(TokenFormat::Compressed)),
            sso_base_url: self.config.sso_base_url.clone(),
            ems_base_url: self.config.ems_base_url.clone(),
        })?;
        Ok(ems)
    }

    /// The SSO session expired too: log in again with the remembered password,
    /// unless there is none or a previous automatic attempt was refused (then
    /// only a manual login may try again). The caller holds the store lock.
    pub(crate) async fn auto_login(
        &self,
        store: &Store,
        username: &str,
    ) -> Result<Option<EmsClient>, Error> {
        let mut guard = store.guard(username)?;
        // A refusal blocks automatic logins until a manual one; a login that
        // failed or went unanswered within the guard's window blocks them
        // for the window: a password is never sent twice by itself there
        // (a watcher on a timer would otherwise send one per check).
        if guard.auto_login_blocked || guard.recent_failures(now()) > 0 {
            return Err(expired());
        }
        let Some(password) = self.vault.load(username).or(store.load_password(username)?) else {
            return Err(expired());
        };
        // Nobody is there to answer a captcha: it ends the attempt (exit 5).
        let mut no_captcha = |_: &[u8]| None;
        let mut hooks = GuardedLogin {
            store,
            username,
            force: false,
            posts: 0,
            captcha: &mut no_captcha,
        };
        match self
            .log_in_and_store(store, username, &password, &mut hooks)
            .await
        {
            Ok(client) => {
                // A second password sent when the first one's answer was
                // lost counted as a failure beforehand; the login worked, so
                // the guard is as it was (no recent failure).
                store.save_guard(username, &guard)?;
                Ok(client)
            }
            Err(Error::Login(LoginError::BadCredentials { message })) => {
                guard.auto_login_blocked = true;
                store.save_guard(username, &guard)?;
                Err(Error::SessionExpired(format!(
                    "session expired and the remembered password was refused ({message}): run 'xtu login'"
                )))
            }
            other => other,
        }
    }

    /// Forgets the stored session and any remembered password.
    pub fn logout(&self) -> Result<Logout, Error> {
        let store = self.store()?;
        let _lock = store.lock()?;
        let username = self.account(&store)?;
        store.remove_password(&username)?;
        self.vault.remove(&username);
        let was_logged_in = store.remove(&username)?;
        Ok(Logout {
            username,
            was_logged_in,
        })
    }

    /// The stored account and whether its session still works (one request).
    pub async fn whoami(&self) -> Result<WhoAmI, Error> {
        let store = self.store()?;
        let username = self.account(&store)?;
        let stored = store.load(&username)?.ok_or_else(not_logged_in)?;
        let valid = match (&stored.ems_token, self.check_bases(&stored)) {
            (Some(token), Ok(())) => match self.ems_builder().from_token(token)?.check().await {
                Ok(()) => true,
                Err(EmsError::SessionExpired) => false,
                Err(e) => return Err(e.into()),
            },
            _ => false,
        };
        Ok(WhoAmI {
            username: stored.username,
            sso_base_url: stored.sso_base_url,
            ems_base_url: stored.ems_base_url,
            ems_session_valid: valid,
        })
    }

    /// Runs `query` on the academic system: with `token` (an EMS token, plain
    /// or compressed) when given, else on the stored session, re-entering the
    /// academic system once if its session expired.
    pub async fn query<T, Fut>(
        &self,
        token: Option<&str>,
        query: impl Fn(EmsClient) -> Fut,
    ) -> Result<T, Error>
    where
        Fut: Future<Output = Result<T, EmsError>>,
    {
        match token {
            Some(token) => Ok(query(self.ems_builder().from_token(token)?).await?),
            None => self.query_stored(query).await,
        }
    }

    async fn query_stored<T, Fut>(&self, query: impl Fn(EmsClient) -> Fut) -> Result<T, Error>
    where
        Fut: Future<Output = Result<T, EmsError>>,
    {
        let store = self.store()?;
        let username = self.account(&store)?;
        let stored = store.load(&username)?.ok_or_else(not_logged_in)?;
        self.check_bases(&stored)?;
        if let Some(token) = &stored.ems_token {
            match query(self.ems_builder().from_token(token)?).await {
                Err(EmsError::SessionExpired) => {}
                other => return Ok(other?),
            }
        }
        let client = {
            let _lock = store.lock()?;
            let latest = store.load(&username)?.ok_or_else(not_logged_in)?;
            match &latest.ems_token {
                // Another process re-entered while this one waited for the lock.
                Some(token) if latest.ems_token != stored.ems_token => {
                    self.ems_builder().from_token(token)?
                }
                _ => {
                    let sso = SsoSession::from_token(&latest.sso_token)?;
                    match self.ems_builder().enter(&sso).await {
                        // Stored without an academic-system session: a
                        // graduate's account, if the portal says so.
                        Err(EmsError::SsoSessionExpired)
                            if latest.ems_token.is_none()
                                && self.is_graduate(&sso).await.unwrap_or(false) =>
                        {
                            return Err(crate::grad::graduate_account(&username));
                        }
                        Err(EmsError::SsoSessionExpired) => self
                            .auto_login(&store, &username)
                            .await?
                            .ok_or_else(|| crate::grad::graduate_account(&username))?,
                        other => {
                            let client = other?;
                            store.save(&StoredSession {
                                ems_token: Some(client.to_token(TokenFormat::Compressed)),
                                ..latest
                            })?;
                            client
                        }
                    }
                }
            }
        };
        match query(client).await {
            Err(EmsError::SessionExpired) => Err(expired()),
            other => Ok(other?),
        }
    }
}
