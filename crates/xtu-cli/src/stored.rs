//! Commands on the stored session: log in once, then ask without tokens.
//!
//! A query first uses the stored EMS session (one request). When the academic
//! system says it expired, the stored SSO session re-enters it silently and
//! the query runs once more. When the SSO session expired too, the user is told
//! to log in again: nothing here ever sends a password on its own.

use std::time::{SystemTime, UNIX_EPOCH};

use xtu_ems::{EmsClient, EmsError};
use xtu_sso::{LoginError, SsoSession, TokenFormat};

use crate::args::GlobalArgs;
use crate::commands::{ems_builder, sso_client};
use crate::failure::Failure;
use crate::store::{Guard, MAX_MANUAL_FAILURES, Store, StoredSession};
use crate::vault;

pub fn not_logged_in() -> Failure {
    Failure::SessionExpired("not logged in: run 'xtu login'".into())
}

fn expired() -> Failure {
    Failure::SessionExpired("session expired: run 'xtu login'".into())
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

pub fn open_store() -> Result<Store, Failure> {
    Store::open(Store::default_dir()?)
}

fn resolve_user(store: &Store, username: Option<&str>) -> Result<String, Failure> {
    match username {
        Some(name) => Ok(name.to_owned()),
        None => store.current()?.ok_or_else(not_logged_in),
    }
}

/// A stored session belongs to the servers it was made on.
fn check_bases(stored: &StoredSession, global: &GlobalArgs) -> Result<(), Failure> {
    if stored.sso_base_url != global.sso_base_url || stored.ems_base_url != global.ems_base_url {
        return Err(Failure::SessionExpired(format!(
            "the stored session of {} is for {} and {}: run 'xtu login' for these servers",
            stored.username, stored.sso_base_url, stored.ems_base_url
        )));
    }
    Ok(())
}

/// `xtu login`: a manual login, guarded against locking the account.
pub async fn login(
    global: &GlobalArgs,
    username: &str,
    password: &str,
    options: LoginOptions,
) -> Result<(), Failure> {
    if options.remember && !options.insecure_store {
        // A plain file needs the user's explicit consent: without a keyring,
        // refuse before anything is sent.
        vault::check_available(username)?;
    }
    let force = options.force;
    let store = open_store()?;
    // Held for the whole login: a second `xtu login` waits instead of sending
    // a second password at the same time.
    let _lock = store.lock()?;
    let mut guard = store.guard(username)?;
    let failures = guard.recent_failures(now());
    if failures >= MAX_MANUAL_FAILURES && !force {
        return Err(Failure::Usage(format!(
            "{failures} failed logins for {username} in the last 24 hours; XTU locks an account \
             for 24 hours after too many. Check the password, then run again with --force"
        )));
    }
    if failures >= MAX_MANUAL_FAILURES {
        eprintln!(
            "warning: {failures} failed logins in the last 24 hours: another failure may lock the account"
        );
    }
    if let Err(error) = log_in_and_store(global, &store, username, password).await {
        if matches!(error, Failure::Login(LoginError::BadCredentials { .. })) {
            guard.manual_failures.push(now());
            guard.auto_login_blocked = true;
            store.save_guard(username, &guard)?;
        }
        return Err(error);
    }
    // A manual success lifts the guard, automatic logins included.
    store.save_guard(username, &Guard::default())?;
    // One place at a time: the one chosen now.
    if options.remember && options.insecure_store {
        store.save_password(username, password)?;
        vault::remove(username);
    } else if options.remember {
        store.remove_password(username)?;
        vault::save(username, password)?;
    } else {
        store.remove_password(username)?;
        vault::remove(username);
    }
    eprintln!("logged in as {username}");
    Ok(())
}

/// How `xtu login` was asked to behave.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoginOptions {
    /// Log in despite recent failures.
    pub force: bool,
    /// Remember the password for automatic re-login.
    pub remember: bool,
    /// Consent to remembering it in a 0600 file.
    pub insecure_store: bool,
}

/// Logs in, enters the academic system (so the first query costs one
/// request) and stores both sessions. The caller holds the store lock.
async fn log_in_and_store(
    global: &GlobalArgs,
    store: &Store,
    username: &str,
    password: &str,
) -> Result<EmsClient, Failure> {
    let session = sso_client(global)?.login(username, password).await?;
    let ems = ems_builder(global).enter(&session).await?;
    store.save(&StoredSession {
        username: username.to_owned(),
        sso_token: session.to_token(TokenFormat::Compressed),
        ems_token: Some(ems.to_token(TokenFormat::Compressed)),
        sso_base_url: global.sso_base_url.clone(),
        ems_base_url: global.ems_base_url.clone(),
    })?;
    Ok(ems)
}

/// The SSO session expired too: log in again with the remembered password,
/// unless there is none or a previous automatic attempt was refused (then
/// only a manual login may try again). The caller holds the store lock.
async fn auto_login(
    global: &GlobalArgs,
    store: &Store,
    username: &str,
) -> Result<EmsClient, Failure> {
    let mut guard = store.guard(username)?;
    if guard.auto_login_blocked {
        return Err(expired());
    }
    let Some(password) = vault::load(username).or(store.load_password(username)?) else {
        return Err(expired());
    };
    match log_in_and_store(global, store, username, &password).await {
        Err(Failure::Login(LoginError::BadCredentials { message })) => {
            guard.auto_login_blocked = true;
            store.save_guard(username, &guard)?;
            Err(Failure::SessionExpired(format!(
                "session expired and the remembered password was refused ({message}): run 'xtu login'"
            )))
        }
        other => other,
    }
}

/// `xtu logout`.
pub fn logout(username: Option<&str>) -> Result<(), Failure> {
    let store = open_store()?;
    let _lock = store.lock()?;
    let username = resolve_user(&store, username)?;
    store.remove_password(&username)?;
    vault::remove(&username);
    if store.remove(&username)? {
        eprintln!("logged out {username}");
    } else {
        eprintln!("{username} was not logged in");
    }
    Ok(())
}

/// `xtu whoami`: the stored account and whether its session still works.
pub async fn whoami(global: &GlobalArgs, username: Option<&str>) -> Result<WhoAmI, Failure> {
    let store = open_store()?;
    let username = resolve_user(&store, username)?;
    let stored = store.load(&username)?.ok_or_else(not_logged_in)?;
    let valid = match (&stored.ems_token, check_bases(&stored, global)) {
        (Some(token), Ok(())) => match ems_builder(global).from_token(token)?.check().await {
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

/// What `xtu whoami` prints.
#[derive(Debug, serde::Serialize)]
pub struct WhoAmI {
    username: String,
    sso_base_url: String,
    ems_base_url: String,
    ems_session_valid: bool,
}

/// Runs `query` on the stored session, re-entering the academic system once
/// if its session expired.
pub async fn with_ems<T, Fut>(
    global: &GlobalArgs,
    username: Option<&str>,
    query: impl Fn(EmsClient) -> Fut,
) -> Result<T, Failure>
where
    Fut: std::future::Future<Output = Result<T, EmsError>>,
{
    let store = open_store()?;
    let username = resolve_user(&store, username)?;
    let stored = store.load(&username)?.ok_or_else(not_logged_in)?;
    check_bases(&stored, global)?;
    if let Some(token) = &stored.ems_token {
        match query(ems_builder(global).from_token(token)?).await {
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
                ems_builder(global).from_token(token)?
            }
            _ => {
                let sso = SsoSession::from_token(&latest.sso_token)?;
                match ems_builder(global).enter(&sso).await {
                    Err(EmsError::SsoSessionExpired) => {
                        auto_login(global, &store, &username).await?
                    }
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
