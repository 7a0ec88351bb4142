//! `xtu_toolkit._native`: the Python wheel's native module. A thin layer
//! over `xtu-app` (the SDK's `Client`) and `xtu-cli` (the `xtu` script run
//! in process); nothing is implemented twice. Results cross to Python as
//! the commands' JSON text (`json.loads` on the Python side), failures as
//! `NativeError(exit_code, message, captcha_image)`, which the Python
//! package turns into one exception class per exit code.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde::Serialize;
use xtu_app::{
    AnswerFile, CompatGpaRequest, Config, Error, ExitCode, FillRequest, GpaRequest, IcsRequest,
    LoginOptions, Policy, ProxySetting, RoomQuery, RoomTime, Selection, StoreDir, TermAnswer,
    TermAsked, Vault, Xtu, course_schedule, exam_schedule,
};
use xtu_ems::{ClassroomQuery, CourseScope, TermSpec};
use xtu_sso::{SsoSession, TokenFormat};

create_exception!(
    _native,
    NativeError,
    PyException,
    "A failure of the toolkit: args are (exit_code, message, captcha_image or None)."
);

/// The Python exception for `failure`, with the captcha image when the
/// login stopped at one.
fn to_py(failure: &Error, image: Option<Vec<u8>>) -> PyErr {
    let code = failure.exit_code() as u8;
    let message = xtu_cli::one_line(failure);
    Python::attach(|py| {
        let image = image.map(|bytes| PyBytes::new(py, &bytes).unbind());
        NativeError::new_err((code, message, image))
    })
}

fn usage(message: impl Into<String>) -> PyErr {
    to_py(&Error::Usage(message.into()), None)
}

fn json(value: &impl Serialize) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| usage(format!("could not write JSON: {e}")))
}

/// What a login does with a captcha: answer it with a given text, ask a
/// Python callable, or stop and keep the image for the exception.
enum Captcha {
    Answer(String),
    Ask(Py<PyAny>),
    Stop,
}

impl Captcha {
    fn from_py(answer: Option<Bound<'_, PyAny>>) -> PyResult<Self> {
        Ok(match answer {
            None => Self::Stop,
            Some(answer) if answer.is_callable() => Self::Ask(answer.unbind()),
            Some(answer) => Self::Answer(answer.extract()?),
        })
    }

    /// The hook for `Xtu::login`: an answer, or `None` (stop) with the
    /// image kept in `seen`.
    fn answer(&self, image: &[u8], seen: &Mutex<Option<Vec<u8>>>) -> Option<String> {
        if let Ok(mut seen) = seen.lock() {
            *seen = Some(image.to_vec());
        }
        match self {
            Self::Answer(text) => Some(text.clone()),
            Self::Stop => None,
            Self::Ask(callable) => Python::attach(|py| {
                let answer = callable.call1(py, (PyBytes::new(py, image),)).ok()?;
                answer.extract::<Option<String>>(py).ok().flatten()
            }),
        }
    }
}

/// The toolkit for Python: one configuration, one session store, one
/// tokio runtime shared by every thread that uses it.
#[pyclass(frozen, module = "xtu_toolkit._native")]
struct Client {
    xtu: Xtu,
    runtime: tokio::runtime::Runtime,
}

impl Client {
    /// Runs `work` on the runtime with the GIL released.
    fn block<'a, T, F>(
        &'a self,
        py: Python<'_>,
        work: impl FnOnce(&'a Xtu) -> F + Send,
    ) -> PyResult<T>
    where
        T: Send,
        F: std::future::Future<Output = Result<T, Error>> + Send,
    {
        py.detach(|| self.runtime.block_on(work(&self.xtu)))
            .map_err(|e| to_py(&e, None))
    }

    /// [`Self::block`] of a term's answer: its notes (how the term was
    /// chosen, an empty answer) become Python `UserWarning`s.
    fn noted<'a, T, F>(
        &'a self,
        py: Python<'_>,
        work: impl FnOnce(&'a Xtu) -> F + Send,
    ) -> PyResult<T>
    where
        T: Send,
        F: std::future::Future<Output = Result<TermAnswer<T>, Error>> + Send,
    {
        let found = self.block(py, work)?;
        let category = py.get_type::<pyo3::exceptions::PyUserWarning>();
        for note in found.notes {
            let message =
                std::ffi::CString::new(note.replace('\0', "")).map_err(|e| usage(e.to_string()))?;
            PyErr::warn(py, category.as_any(), &message, 1)?;
        }
        Ok(found.answer)
    }

    fn json<'a, T, F>(
        &'a self,
        py: Python<'_>,
        work: impl FnOnce(&'a Xtu) -> F + Send,
    ) -> PyResult<String>
    where
        T: Send + Serialize,
        F: std::future::Future<Output = Result<T, Error>> + Send,
    {
        json(&self.block(py, work)?)
    }
}

fn term(text: Option<&str>) -> PyResult<Option<xtu_model::Term>> {
    text.map(|t| {
        t.parse()
            .map_err(|e: xtu_model::TermParseError| usage(e.to_string()))
    })
    .transpose()
}

#[pymethods]
impl Client {
    #[new]
    #[pyo3(signature = (sso_base_url, ems_base_url, state_dir=None, timeout=30.0, user=None, proxy=None, grad_base_url=None))]
    fn new(
        sso_base_url: String,
        ems_base_url: String,
        state_dir: Option<PathBuf>,
        timeout: f64,
        user: Option<String>,
        proxy: Option<String>,
        grad_base_url: Option<String>,
    ) -> PyResult<Self> {
        let proxy = match proxy {
            None => ProxySetting::FromEnvironment,
            Some(text) => ProxySetting::parse(&text).map_err(|e| usage(e.to_string()))?,
        };
        if !(timeout.is_finite() && (0.001..=600.0).contains(&timeout)) {
            return Err(usage(format!(
                "invalid timeout {timeout}: expected seconds, more than 0 and at most 600"
            )));
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| usage(format!("could not start the async runtime: {e}")))?;
        let config = Config {
            sso_base_url,
            ems_base_url,
            grad_base_url: grad_base_url.unwrap_or_else(|| xtu_grad::DEFAULT_BASE_URL.to_owned()),
            timeout: Duration::from_secs_f64(timeout),
            user,
            proxy,
        };
        let store = state_dir.map_or_else(StoreDir::from_env, StoreDir::new);
        Ok(Self {
            xtu: Xtu::new(config, store, Vault::from_env()),
            runtime,
        })
    }

    #[pyo3(signature = (username, password, captcha=None, force=false, remember=false, insecure_store=false))]
    #[allow(clippy::too_many_arguments)]
    fn login(
        &self,
        py: Python<'_>,
        username: String,
        password: String,
        captcha: Option<Bound<'_, PyAny>>,
        force: bool,
        remember: bool,
        insecure_store: bool,
    ) -> PyResult<()> {
        let captcha = Captcha::from_py(captcha)?;
        let seen = Mutex::new(None);
        let options = LoginOptions {
            force,
            remember,
            insecure_store,
        };
        let done = py.detach(|| {
            let mut hook = |image: &[u8]| captcha.answer(image, &seen);
            self.runtime
                .block_on(self.xtu.login(&username, &password, options, &mut hook))
        });
        done.map_err(|failure| {
            let image = (failure.exit_code() == ExitCode::CaptchaRequired)
                .then(|| seen.lock().ok().and_then(|mut s| s.take()))
                .flatten();
            to_py(&failure, image)
        })
    }

    /// `(username, was_logged_in)`.
    fn logout(&self) -> PyResult<(String, bool)> {
        let logout = self.xtu.logout().map_err(|e| to_py(&e, None))?;
        Ok((logout.username, logout.was_logged_in))
    }

    fn whoami(&self, py: Python<'_>) -> PyResult<String> {
        self.json(py, |xtu| xtu.whoami())
    }

    #[pyo3(signature = (token=None))]
    fn profile(&self, py: Python<'_>, token: Option<String>) -> PyResult<String> {
        self.json(py, |xtu| async move {
            xtu.query(token.as_deref(), |ems| async move {
                ems.student_profile().await
            })
            .await
        })
    }

    #[pyo3(signature = (token=None))]
    fn calendar(&self, py: Python<'_>, token: Option<String>) -> PyResult<String> {
        self.json(py, |xtu| async move {
            xtu.query(token.as_deref(), |ems| async move {
                ems.teaching_calendar().await
            })
            .await
        })
    }

    #[pyo3(signature = (now=false, at=None, weeks=None, day=None, sections=None, building=None, min_seats=None, campus=None, token=None))]
    #[allow(clippy::too_many_arguments)]
    fn rooms(
        &self,
        py: Python<'_>,
        now: bool,
        at: Option<String>,
        weeks: Option<Vec<u8>>,
        day: Option<u8>,
        sections: Option<Vec<u8>>,
        building: Option<String>,
        min_seats: Option<u32>,
        campus: Option<String>,
        token: Option<String>,
    ) -> PyResult<String> {
        let time = match (now, at, weeks) {
            (false, Some(at), None) => RoomTime::At(xtu_app::parse_at(&at).map_err(usage)?),
            (true, None, None) => RoomTime::Now,
            (false, None, Some(weeks)) => RoomTime::Weeks { weeks, day },
            (false, None, None) => {
                return Err(usage(
                    "rooms: give now=True, at=\"YYYY-MM-DD HH:MM\" or weeks=[...]",
                ));
            }
            _ => return Err(usage("rooms: give only one of now, at and weeks")),
        };
        let question = RoomQuery {
            time,
            sections,
            building,
            min_seats,
            campus,
        };
        let question = &question;
        self.json(py, |xtu| async move {
            Ok(xtu.free_rooms(question, token.as_deref()).await?.rooms)
        })
    }

    /// The upstream's free-room names: every given week, day and section.
    #[pyo3(signature = (year, term, weeks, days, sections, token=None))]
    #[allow(clippy::too_many_arguments)]
    fn classroom_availability(
        &self,
        py: Python<'_>,
        year: u16,
        term: u8,
        weeks: Vec<u8>,
        days: Vec<u8>,
        sections: Vec<u8>,
        token: Option<String>,
    ) -> PyResult<String> {
        let spec = TermSpec::new(year, term).map_err(|e| to_py(&e.into(), None))?;
        let query =
            ClassroomQuery::new(spec, weeks, days, sections).map_err(|e| to_py(&e.into(), None))?;
        let query = &query;
        self.json(py, |xtu| async move {
            let rooms = xtu
                .query(token.as_deref(), |ems| async move {
                    ems.free_classrooms(query).await
                })
                .await?;
            Ok(rooms.into_iter().map(|room| room.name).collect::<Vec<_>>())
        })
    }

    #[pyo3(signature = (year=None, term=None, token=None))]
    fn timetable(
        &self,
        py: Python<'_>,
        year: Option<u16>,
        term: Option<u8>,
        token: Option<String>,
    ) -> PyResult<String> {
        let asked = TermAsked::one(year, term).map_err(|e| to_py(&e, None))?;
        json(&self.noted(py, |xtu| async move {
            xtu.timetable(asked, token.as_deref()).await
        })?)
    }

    #[pyo3(signature = (year=None, term=None))]
    fn grad_timetable(
        &self,
        py: Python<'_>,
        year: Option<u16>,
        term: Option<u8>,
    ) -> PyResult<String> {
        let spec = TermAsked::one(year, term)
            .and_then(TermAsked::by_date)
            .map_err(|e| to_py(&e, None))?;
        self.json(py, |xtu| async move { xtu.grad_timetable(spec).await })
    }

    #[pyo3(signature = (year=None, term=None, token=None))]
    fn course_schedule(
        &self,
        py: Python<'_>,
        year: Option<u16>,
        term: Option<u8>,
        token: Option<String>,
    ) -> PyResult<String> {
        let asked = TermAsked::one(year, term).map_err(|e| to_py(&e, None))?;
        let timetable = self.noted(py, |xtu| async move {
            xtu.timetable(asked, token.as_deref()).await
        })?;
        json(&course_schedule(&timetable))
    }

    #[pyo3(signature = (year=None, term=None, all=false, token=None))]
    fn exams(
        &self,
        py: Python<'_>,
        year: Option<u16>,
        term: Option<u8>,
        all: bool,
        token: Option<String>,
    ) -> PyResult<String> {
        let asked = TermAsked::from_options(year, term, all).map_err(|e| to_py(&e, None))?;
        json(&self.noted(
            py,
            |xtu| async move { xtu.exams(asked, token.as_deref()).await },
        )?)
    }

    #[pyo3(signature = (year=None, term=None, token=None))]
    fn exam_schedule(
        &self,
        py: Python<'_>,
        year: Option<u16>,
        term: Option<u8>,
        token: Option<String>,
    ) -> PyResult<String> {
        let asked = TermAsked::one(year, term).map_err(|e| to_py(&e, None))?;
        let exams = self.noted(
            py,
            |xtu| async move { xtu.exams(asked, token.as_deref()).await },
        )?;
        json(&exam_schedule(&exams))
    }

    #[pyo3(signature = (year=None, term=None, all=false, token=None))]
    fn grades(
        &self,
        py: Python<'_>,
        year: Option<u16>,
        term: Option<u8>,
        all: bool,
        token: Option<String>,
    ) -> PyResult<String> {
        let asked = TermAsked::from_options(year, term, all).map_err(|e| to_py(&e, None))?;
        json(&self.noted(py, |xtu| async move {
            xtu.grades(asked, token.as_deref()).await
        })?)
    }

    /// The current term, `(start_year, term)`: the academic system's (its
    /// teaching calendar), by today's date only when the calendar names none.
    #[pyo3(signature = (token=None))]
    fn current_term(&self, py: Python<'_>, token: Option<String>) -> PyResult<(u16, u8)> {
        let chosen = self.block(
            py,
            |xtu| async move { xtu.current_term(token.as_deref()).await },
        )?;
        Ok((chosen.spec.start_year(), chosen.spec.term()))
    }

    #[pyo3(signature = (from_term=None, to_term=None, compulsory_only=false, token=None))]
    fn gpa(
        &self,
        py: Python<'_>,
        from_term: Option<String>,
        to_term: Option<String>,
        compulsory_only: bool,
        token: Option<String>,
    ) -> PyResult<String> {
        let request = GpaRequest {
            from: term(from_term.as_deref())?,
            to: term(to_term.as_deref())?,
            compulsory_only,
        };
        let request = &request;
        self.json(py, |xtu| xtu.gpa(request, token.as_deref()))
    }

    /// The upstream's `gpa.py` answer; `scope` is Mandatory, Elective or All.
    #[pyo3(signature = (start_year, start_term, end_year, end_term, scope, token=None))]
    #[allow(clippy::too_many_arguments)]
    fn gpa_rank(
        &self,
        py: Python<'_>,
        start_year: u16,
        start_term: u8,
        end_year: u16,
        end_term: u8,
        scope: &str,
        token: Option<String>,
    ) -> PyResult<String> {
        let scope = match scope {
            "Mandatory" => CourseScope::Compulsory,
            "Elective" => CourseScope::Elective,
            "All" => CourseScope::All,
            other => {
                return Err(usage(format!(
                    "invalid filter {other:?}: expected Mandatory, Elective or All"
                )));
            }
        };
        let request = CompatGpaRequest {
            from: xtu_model::Term {
                start_year,
                term: start_term,
            },
            to: xtu_model::Term {
                start_year: end_year,
                term: end_term,
            },
            scope,
        };
        let request = &request;
        self.json(py, |xtu| xtu.compat_gpa(request, token.as_deref()))
    }

    /// The transcript in the upstream's JSON; the PDF saved to `pdf` first
    /// when given.
    #[pyo3(signature = (pdf=None, token=None))]
    fn transcript(
        &self,
        py: Python<'_>,
        pdf: Option<PathBuf>,
        token: Option<String>,
    ) -> PyResult<String> {
        let transcript = self.block(py, |xtu| async move {
            xtu.transcript(token.as_deref(), pdf.as_deref()).await
        })?;
        json(&transcript.upstream())
    }

    #[pyo3(signature = (all=false, token=None))]
    fn notices(&self, py: Python<'_>, all: bool, token: Option<String>) -> PyResult<String> {
        self.json(
            py,
            |xtu| async move { xtu.notices(all, token.as_deref()).await },
        )
    }

    /// One check of `xtu watch`'s sources, with the SDK's own record of what
    /// was seen: the events, each recorded as it is returned.
    #[pyo3(signature = (only=None, report_existing=false))]
    fn watch_once(
        &self,
        py: Python<'_>,
        only: Option<String>,
        report_existing: bool,
    ) -> PyResult<String> {
        let request = xtu_app::WatchRequest {
            sources: xtu_app::parse_sources(only.as_deref()).map_err(|e| to_py(&e, None))?,
            report_existing,
            consumer: "sdk",
        };
        let request = &request;
        self.json(py, |xtu| async move { xtu.watch_collect(request).await })
    }

    /// The course evaluations (`xtu eval --format json`).
    #[pyo3(signature = (token=None))]
    fn evaluations(&self, py: Python<'_>, token: Option<String>) -> PyResult<String> {
        self.json(
            py,
            |xtu| async move { xtu.evaluations(token.as_deref()).await },
        )
    }

    /// Fills and saves the pending evaluations (`xtu eval fill`); `policy`
    /// is `"best"` or an answers file as JSON text. `submit` is the
    /// caller's explicit consent to submit (irreversible).
    #[pyo3(signature = (policy, submit=false, comment=None, course=None, teacher=None, dry_run=false, token=None))]
    #[allow(clippy::too_many_arguments)]
    fn fill_evaluations(
        &self,
        py: Python<'_>,
        policy: &str,
        submit: bool,
        comment: Option<String>,
        course: Option<String>,
        teacher: Option<String>,
        dry_run: bool,
        token: Option<String>,
    ) -> PyResult<String> {
        let policy = if policy == "best" {
            Policy::Best
        } else {
            Policy::Answers(AnswerFile::from_json(policy).map_err(usage)?)
        };
        let request = FillRequest {
            policy,
            comment,
            selection: Selection { course, teacher },
            dry_run,
            submit,
        };
        let request = &request;
        self.json(py, |xtu| async move {
            let mut confirmed = |_: &[xtu_model::Evaluation]| true;
            xtu.fill_evaluations(token.as_deref(), request, &mut confirmed)
                .await
        })
    }

    #[pyo3(signature = (timetable=false, exams=false, alarm=None, token=None))]
    fn export_ics(
        &self,
        py: Python<'_>,
        timetable: bool,
        exams: bool,
        alarm: Option<String>,
        token: Option<String>,
    ) -> PyResult<String> {
        let alarm = alarm
            .as_deref()
            .map(xtu_app::parse_alarm)
            .transpose()
            .map_err(usage)?;
        let request = IcsRequest {
            timetable,
            exams,
            alarm,
        };
        let request = &request;
        self.block(py, |xtu| xtu.export_ics(request, token.as_deref()))
    }

    /// Single sign-on without the store (the upstream's `sso_auth`): the
    /// SSO token, plain.
    /// The degree audit (`xtu progress`); `missing`: only what is short.
    #[pyo3(signature = (missing=false, token=None))]
    fn progress(&self, py: Python<'_>, missing: bool, token: Option<String>) -> PyResult<String> {
        let request = xtu_app::ProgressRequest {
            missing_only: missing,
        };
        let request = &request;
        self.json(py, |xtu| xtu.progress(request, token.as_deref()))
    }

    /// A programme plan (`xtu plan`): the own one, or `major` and `grade`.
    #[pyo3(signature = (major=None, grade=None, token=None))]
    fn plan(
        &self,
        py: Python<'_>,
        major: Option<String>,
        grade: Option<String>,
        token: Option<String>,
    ) -> PyResult<String> {
        let request = match (major, grade) {
            (Some(major), Some(grade)) => {
                xtu_app::PlanRequest::of(major, grade).map_err(|e| to_py(&e, None))?
            }
            (None, None) => xtu_app::PlanRequest::Own,
            _ => return Err(usage("major and grade go together: give both, or neither")),
        };
        let request = &request;
        self.json(py, |xtu| xtu.plan(request, token.as_deref()))
    }

    /// The majors of the student's college (`xtu plan --majors`).
    #[pyo3(signature = (token=None))]
    fn majors(&self, py: Python<'_>, token: Option<String>) -> PyResult<String> {
        self.json(py, |xtu| xtu.majors(token.as_deref()))
    }

    #[pyo3(signature = (username, password, captcha=None))]
    fn sso_login(
        &self,
        py: Python<'_>,
        username: String,
        password: String,
        captcha: Option<Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        struct Hooks<'a> {
            captcha: &'a Captcha,
            seen: &'a Mutex<Option<Vec<u8>>>,
        }
        impl xtu_sso::LoginHooks for Hooks<'_> {
            fn allow_password_post(&mut self) -> bool {
                true
            }
            fn captcha(&mut self, image: &[u8]) -> Option<String> {
                self.captcha.answer(image, self.seen)
            }
        }
        let captcha = Captcha::from_py(captcha)?;
        let seen = Mutex::new(None);
        let done: Result<SsoSession, Error> = py.detach(|| {
            self.runtime.block_on(async {
                let mut hooks = Hooks {
                    captcha: &captcha,
                    seen: &seen,
                };
                Ok(self
                    .xtu
                    .sso_client()?
                    .login_with(&username, &password, &mut hooks)
                    .await?)
            })
        });
        match done {
            Ok(session) => Ok(session.to_token(TokenFormat::Plain)),
            Err(failure) => {
                let image = seen.lock().ok().and_then(|mut s| s.take());
                Err(to_py(&failure, image))
            }
        }
    }

    /// Enters the academic system with an SSO token: the EMS token, plain.
    fn ems_auth(&self, py: Python<'_>, sso_token: String) -> PyResult<String> {
        let ems = self.block(py, |xtu| async move {
            let sso = SsoSession::from_token(&sso_token)?;
            Ok(xtu.ems_builder().enter(&sso).await?)
        })?;
        Ok(ems.to_token(TokenFormat::Plain))
    }
}

/// Runs the `xtu` command in this process (`argv[0]` is the program name)
/// with the GIL released; returns its exit code.
#[pyfunction]
fn run_cli(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(|| xtu_cli::run(argv))
}

/// The term of today's Beijing date by the upstream's rule, `(start_year,
/// term)`: the upstream's defaults, and the fallback when the site names
/// none (`Client.current_term` asks the site).
#[pyfunction]
fn current_term() -> (u16, u8) {
    let term = xtu_model::Term::around(xtu_model::beijing_today());
    (term.start_year, term.term)
}

/// The cookies of a token (plain or compressed): `(key, value, host, path)`.
#[pyfunction]
fn token_cookies(token: &str) -> PyResult<Vec<(String, String, String, String)>> {
    let cookies = xtu_sso::decode_token(token).map_err(|e| to_py(&e.into(), None))?;
    Ok(cookies
        .into_iter()
        .map(|c| (c.key, c.value, c.host, c.path))
        .collect())
}

/// A token of these cookies `(key, value, host, path)`, in the upstream's
/// format (compressed: bzip2 + URL-safe base64).
#[pyfunction]
#[pyo3(signature = (cookies, compressed=false))]
fn make_token(cookies: Vec<(String, String, String, String)>, compressed: bool) -> String {
    let cookies: Vec<xtu_sso::TokenCookie> = cookies
        .into_iter()
        .map(|(key, value, host, path)| xtu_sso::TokenCookie {
            key,
            value,
            host,
            path,
        })
        .collect();
    let format = if compressed {
        TokenFormat::Compressed
    } else {
        TokenFormat::Plain
    };
    xtu_sso::encode_token(&cookies, format)
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Client>()?;
    module.add("NativeError", module.py().get_type::<NativeError>())?;
    module.add("DEFAULT_SSO_BASE_URL", xtu_sso::DEFAULT_BASE_URL)?;
    module.add("DEFAULT_EMS_BASE_URL", xtu_ems::DEFAULT_BASE_URL)?;
    module.add("DEFAULT_GRAD_BASE_URL", xtu_grad::DEFAULT_BASE_URL)?;
    module.add_function(wrap_pyfunction!(run_cli, module)?)?;
    module.add_function(wrap_pyfunction!(current_term, module)?)?;
    module.add_function(wrap_pyfunction!(token_cookies, module)?)?;
    module.add_function(wrap_pyfunction!(make_token, module)?)?;
    Ok(())
}
