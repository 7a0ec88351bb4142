//! A local fake of Xiangtan University's web systems: the ZhengFang CAS
//! (single sign-on) and jwglxt (the academic system), each on its own
//! listener on `127.0.0.1:0`, like the real separate hosts.
//!
//! It speaks the protocol of `docs/protocol.md` closely enough for the clients
//! to be tested end to end: real RSA keys bound to the CAS session, single-use
//! `execution` tokens and service tickets, account behaviours (locked,
//! disabled, captcha announced or revealed by a POST, must change password),
//! session expiry, and a request log so tests can count requests. Faults are
//! injected per rule ([`FaultRule`]) or as a flaky network
//! ([`FakeXtuBuilder::fail_rate`]). The academic-system pages it serves are
//! the project's fixtures, their term moved to today's when asked
//! ([`FakeXtuBuilder::today`]). The `xtu-sandbox` binary serves it with demo
//! accounts.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse as _, Response};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

mod admin;
mod audit;
mod cas;
mod ems;
mod evaluation;
mod faults;
mod grad;
mod keys;
mod term_dates;
mod transcript;

pub use admin::AdminKind;
pub use evaluation::EvaluationWrite;
pub use faults::{Fault, FaultRule, STALL};

/// Which fake system a request reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum System {
    /// The CAS.
    Sso,
    /// jwglxt.
    Ems,
    /// The graduate system (gmsstu).
    Grad,
}

/// One request as the fake received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// Which listener.
    pub system: System,
    /// `GET`, `POST`...
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
}

/// How the CAS treats an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behaviour {
    /// Logs in with the right password.
    Normal,
    /// Every login answers the login page with this lock message and, when
    /// given, an `allowLoginTime` script variable.
    Locked {
        /// The `#errormsg` text.
        message: String,
        /// When the account unlocks.
        unlock_at: Option<String>,
    },
    /// Every login answers 403.
    Disabled,
    /// The right password redirects to the change-password page.
    MustChangePassword,
    /// A login needs this captcha answer in `authcode`. `getKaptchaStatus`
    /// does not announce it: the answer to the first POST reveals it (and
    /// flags the CAS session, whose status then says so).
    CaptchaRequired {
        /// The right answer.
        answer: String,
    },
}

/// An account of the fake CAS.
#[derive(Debug, Clone)]
pub struct Account {
    username: String,
    password: String,
    behaviour: Behaviour,
    graduate: bool,
}

impl Account {
    /// A normal account.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
            behaviour: Behaviour::Normal,
            graduate: false,
        }
    }

    /// A graduate student's account: the portal lists the graduate system,
    /// and jwglxt does not know it.
    pub fn graduate(mut self) -> Self {
        self.graduate = true;
        self
    }

    /// The same account with another behaviour.
    pub fn with_behaviour(mut self, behaviour: Behaviour) -> Self {
        self.behaviour = behaviour;
        self
    }
}

/// Configures a [`FakeXtu`].
#[derive(Debug, Default)]
pub struct FakeXtuBuilder {
    accounts: Vec<Account>,
    stale_executions: u32,
    ems_requests_per_session: u64,
    listen: Option<(SocketAddr, SocketAddr)>,
    failures: Option<(f64, u64)>,
    captcha: Option<String>,
    today: Option<chrono::NaiveDate>,
    names: Option<(String, String)>,
    grad_listen: Option<SocketAddr>,
}

impl FakeXtuBuilder {
    /// Host names for the base URLs (`http://{sso}:{port}`) instead of the
    /// loopback address, for clients that reach the fake through a proxy
    /// mapping the names to it (names nothing else resolves).
    pub fn host_names(mut self, sso: impl Into<String>, ems: impl Into<String>) -> Self {
        self.names = Some((sso.into(), ems.into()));
        self
    }

    /// Adds an account.
    pub fn account(mut self, account: Account) -> Self {
        self.accounts.push(account);
        self
    }

    /// The next `n` login POSTs answer the stale-execution redirect.
    pub fn stale_executions(mut self, n: u32) -> Self {
        self.stale_executions = n;
        self
    }

    /// Academic-system sessions expire after `n` page requests (0 = never).
    pub fn ems_requests_per_session(mut self, n: u64) -> Self {
        self.ems_requests_per_session = n;
        self
    }

    /// Listen on these addresses instead of `127.0.0.1:0` (for the sandbox).
    pub fn listen(mut self, sso: SocketAddr, ems: SocketAddr) -> Self {
        self.listen = Some((sso, ems));
        self
    }

    /// Listen on this address for the graduate system instead of
    /// `127.0.0.1:0` (for the sandbox).
    pub fn listen_grad(mut self, grad: SocketAddr) -> Self {
        self.grad_listen = Some(grad);
        self
    }

    /// Moves the term-bound pages (teaching calendar, timetable, exams) from
    /// the fixtures' term (2025-2026 term 1) to the term of `today`, which
    /// then falls inside its teaching weeks; by default the fixtures are
    /// served as they are. The sandbox passes today's date.
    pub fn today(mut self, today: chrono::NaiveDate) -> Self {
        self.today = Some(today);
        self
    }

    /// A captcha on for every login, announced by `getKaptchaStatus`: every
    /// POST needs `answer` in `authcode` (checked before the credentials).
    pub fn captcha(mut self, answer: impl Into<String>) -> Self {
        self.captcha = Some(answer.into());
        self
    }

    /// A flaky network in front of both systems: each request fails with
    /// probability `rate` (0 to 1), half of the failures a `502` from a
    /// gateway, half a stall of [`STALL`] and then a dropped connection.
    /// `seed` makes the sequence of failures repeatable. Fault rules added
    /// with [`FakeXtu::inject`] take precedence.
    pub fn fail_rate(mut self, rate: f64, seed: u64) -> Self {
        self.failures = Some((rate, seed));
        self
    }

    /// Binds both listeners and starts serving.
    ///
    /// # Panics
    /// When a listener cannot be bound: this is test infrastructure.
    pub async fn start(self) -> FakeXtu {
        match self.try_start().await {
            Ok(fake) => fake,
            Err(e) => panic!("the fake XTU could not start: {e}"),
        }
    }

    /// Binds both listeners and starts serving.
    pub async fn try_start(self) -> std::io::Result<FakeXtu> {
        let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
        let (sso_addr, ems_addr) = self.listen.unwrap_or((loopback, loopback));
        let sso_listener = TcpListener::bind(sso_addr).await?;
        let ems_listener = TcpListener::bind(ems_addr).await?;
        let grad_listener = TcpListener::bind(self.grad_listen.unwrap_or(loopback)).await?;
        let base_url = |listener: &TcpListener, name: Option<&String>| {
            let addr = listener.local_addr()?;
            Ok::<_, std::io::Error>(match name {
                Some(name) => format!("http://{name}:{}", addr.port()),
                None => format!("http://{addr}"),
            })
        };
        let names = self.names.as_ref();
        let sso_base_url = base_url(&sso_listener, names.map(|n| &n.0))?;
        let ems_base_url = base_url(&ems_listener, names.map(|n| &n.1))?;
        let grad_base_url = base_url(&grad_listener, None)?;
        let state = Arc::new(FakeState {
            sso_base_url,
            ems_base_url,
            grad_base_url,
            accounts: self.accounts,
            stale_executions: AtomicU32::new(self.stale_executions),
            cas: Mutex::default(),
            ems: ems::EmsState::default(),
            grad: grad::GradState::default(),
            transcript: transcript::TranscriptState::default(),
            admin: admin::AdminState::default(),
            evaluation: evaluation::EvaluationState::default(),
            log: Mutex::default(),
            faults: Mutex::default(),
            captcha: self.captcha,
            term_dates: self
                .today
                .map(term_dates::TermDates::around)
                .unwrap_or_default(),
            failures: self
                .failures
                .map(|(rate, seed)| faults::FailureProfile::new(rate, seed)),
        });
        state
            .ems
            .requests_per_session
            .store(self.ems_requests_per_session, Ordering::Relaxed);
        // Faults sit inside the log: a request that meets a fault is still
        // counted, as the server would have received it.
        let layers = |router: Router, system: System| {
            router
                .layer(middleware::from_fn_with_state(
                    (Arc::clone(&state), system),
                    faults::inject,
                ))
                .layer(middleware::from_fn_with_state(
                    (Arc::clone(&state), system),
                    record,
                ))
        };
        let sso_router = layers(cas::router(Arc::clone(&state)), System::Sso);
        let ems_router = layers(ems::router(Arc::clone(&state)), System::Ems);
        let grad_router = layers(grad::router(Arc::clone(&state)), System::Grad);
        let tasks = vec![
            serve(sso_listener, sso_router),
            serve(ems_listener, ems_router),
            serve(grad_listener, grad_router),
        ];
        Ok(FakeXtu { state, tasks })
    }
}

fn serve(listener: TcpListener, router: Router) -> JoinHandle<()> {
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    })
}

async fn record(
    State((state, system)): State<(Arc<FakeState>, System)>,
    request: Request,
    next: Next,
) -> Response {
    lock(&state.log).push(RecordedRequest {
        system,
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().map(str::to_owned),
    });
    next.run(request).await
}

/// A running fake; stops serving when dropped.
pub struct FakeXtu {
    state: Arc<FakeState>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for FakeXtu {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl std::fmt::Debug for FakeXtu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeXtu")
            .field("sso_base_url", &self.state.sso_base_url)
            .field("ems_base_url", &self.state.ems_base_url)
            .finish_non_exhaustive()
    }
}

impl FakeXtu {
    /// Starts configuring a fake.
    pub fn builder() -> FakeXtuBuilder {
        FakeXtuBuilder::default()
    }

    /// `http://127.0.0.1:PORT` of the CAS.
    pub fn sso_base_url(&self) -> &str {
        &self.state.sso_base_url
    }

    /// `http://127.0.0.1:PORT` of jwglxt.
    pub fn ems_base_url(&self) -> &str {
        &self.state.ems_base_url
    }

    /// `http://127.0.0.1:PORT` of the graduate system.
    pub fn grad_base_url(&self) -> &str {
        &self.state.grad_base_url
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state.log).clone()
    }

    /// How many requests matched a system, method and path.
    pub fn count(&self, system: System, method: &str, path: &str) -> usize {
        lock(&self.state.log)
            .iter()
            .filter(|r| r.system == system && r.method == method && r.path == path)
            .count()
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        lock(&self.state.log).clear();
    }

    /// Ends every single sign-on session (TGTs), as a CAS restart would.
    pub fn expire_sso_sessions(&self) {
        lock(&self.state.cas).tgts.clear();
    }

    /// Makes the next `n` login POSTs answer the stale-execution redirect.
    pub fn set_stale_executions(&self, n: u32) {
        self.state.stale_executions.store(n, Ordering::Relaxed);
    }

    /// Waits until both listeners stop (they run until the fake is dropped);
    /// for the sandbox.
    pub async fn wait(mut self) {
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }

    pub(crate) fn state(&self) -> &FakeState {
        &self.state
    }
}

/// State shared by both listeners.
pub(crate) struct FakeState {
    sso_base_url: String,
    ems_base_url: String,
    grad_base_url: String,
    accounts: Vec<Account>,
    stale_executions: AtomicU32,
    cas: Mutex<cas::CasState>,
    pub(crate) ems: ems::EmsState,
    pub(crate) grad: grad::GradState,
    pub(crate) transcript: transcript::TranscriptState,
    pub(crate) admin: admin::AdminState,
    pub(crate) evaluation: evaluation::EvaluationState,
    log: Mutex<Vec<RecordedRequest>>,
    faults: Mutex<Vec<FaultRule>>,
    failures: Option<faults::FailureProfile>,
    captcha: Option<String>,
    pub(crate) term_dates: term_dates::TermDates,
}

impl FakeState {
    pub(crate) fn sso_base_url(&self) -> &str {
        &self.sso_base_url
    }

    pub(crate) fn ems_base_url(&self) -> &str {
        &self.ems_base_url
    }

    pub(crate) fn grad_base_url(&self) -> &str {
        &self.grad_base_url
    }

    /// Consumes a service ticket issued for `service`; the username it was
    /// issued to.
    pub(crate) fn validate_service_ticket(&self, ticket: &str, service: &str) -> Option<String> {
        let mut cas = lock(&self.cas);
        match cas.tickets.remove(ticket) {
            Some((username, issued_for)) if issued_for == service => Some(username),
            _ => None,
        }
    }
}

/// The value of cookie `name` in a request.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// A 302 to `to`.
pub(crate) fn redirect(to: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(to) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn random_token(prefix: &str, bytes: usize) -> String {
    let mut out = String::with_capacity(prefix.len() + bytes * 2);
    out.push_str(prefix);
    for _ in 0..bytes {
        out.push_str(&format!("{:02x}", rand::random::<u8>()));
    }
    out
}
