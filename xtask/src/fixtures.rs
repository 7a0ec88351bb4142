//! `cargo xtask fixtures`: record the academic-system pages of a real account
//! and scrub them into committable fixtures.
//!
//! Personal data is replaced by the same fixed placeholders the constructed
//! fixtures use (see fixtures/README.md), keeping the page structure intact,
//! by [`xtu_ems::scrub`]: the code the CLI scrubs a failed page with.
//!
//! One page that fails (a 404, a module the account may not open) does not
//! stop the recording: every page that can be recorded is, and the failures
//! are reported together at the end.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use xtu_ems::scrub::{self, Secrets};
use xtu_ems::{
    ClassroomQuery, EmsClient, EmsError, GpaQuery, Page, PlanSpec, QueryError, RawRequest, TermSpec,
};
use xtu_model::Term;
use xtu_sso::{ProxySetting, SsoClient};

/// Pause between requests: one student's pages, fetched politely.
const POLITE_DELAY: Duration = Duration::from_secs(1);

/// Where and how to record.
#[derive(Debug, Clone)]
pub struct RecordConfig {
    /// SSO base URL.
    pub sso_base_url: String,
    /// EMS base URL.
    pub ems_base_url: String,
    /// Account to log in with.
    pub username: String,
    /// Its password (never printed).
    pub password: String,
    /// Directory the files are written to (normally `fixtures/ems`).
    pub out_dir: PathBuf,
    /// Pause between requests.
    pub delay: Duration,
    /// The proxy (off campus: the VPN client's), taken as by `xtu`:
    /// `XTU_PROXY`, else the standard variables.
    pub proxy: ProxySetting,
}

impl RecordConfig {
    /// Reads the environment the task documents.
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let (Some(username), Some(password)) = (var("XTU_USERNAME"), var("XTU_PASSWORD")) else {
            bail!(
                "set XTU_USERNAME and XTU_PASSWORD to the account whose pages should be recorded"
            );
        };
        Ok(Self {
            sso_base_url: var("XTU_SSO_BASE_URL")
                .unwrap_or_else(|| xtu_sso::DEFAULT_BASE_URL.to_owned()),
            ems_base_url: var("XTU_EMS_BASE_URL")
                .unwrap_or_else(|| xtu_ems::DEFAULT_BASE_URL.to_owned()),
            username,
            password,
            out_dir: crate::project_root().join("fixtures").join("ems"),
            delay: POLITE_DELAY,
            proxy: ProxySetting::FromEnvironment,
        })
    }
}

/// Entry point of `cargo xtask fixtures`.
pub fn main() -> anyhow::Result<()> {
    let config = RecordConfig::from_env()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let recording = runtime.block_on(record(&config))?;
    for path in &recording.written {
        println!("wrote {}", path.display());
    }
    println!(
        "\nnext: run `cargo test -p xtu-ems --test snapshots`, then `cargo insta review` \
         to compare the parsers' output on the recorded pages with the snapshots;\n\
         read every recorded file before committing it: the scrubber replaces known \
         personal fields, but pages can change."
    );
    if recording.failures.is_empty() {
        return Ok(());
    }
    eprintln!("\nnot recorded:");
    for failure in &recording.failures {
        eprintln!("  {failure}");
    }
    bail!(
        "{} of {} pages failed (the others were recorded)",
        recording.failures.len(),
        Page::ALL.len()
    )
}

/// A page that could not be recorded (or was recorded but does not parse).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageFailure {
    /// Which page.
    pub page: Page,
    /// The HTTP status, when the failure was an unexpected one.
    pub status: Option<u16>,
    /// What went wrong.
    pub error: String,
}

impl fmt::Display for PageFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(f, "{}: HTTP {status}: {}", self.page.name(), self.error),
            None => write!(f, "{}: {}", self.page.name(), self.error),
        }
    }
}

impl PageFailure {
    fn new(page: Page, error: &EmsError) -> Self {
        let status = match error {
            EmsError::UnexpectedResponse { status, .. } => Some(*status),
            _ => None,
        };
        Self {
            page,
            status,
            error: error.to_string(),
        }
    }
}

/// What a recording gave: the files written and the pages that failed.
#[derive(Debug, Default)]
pub struct Recording {
    /// Files written, in page order.
    pub written: Vec<PathBuf>,
    /// Pages that failed, in page order.
    pub failures: Vec<PageFailure>,
}

/// Fetches each page once, in order, pausing `delay` after each request;
/// a failure is noted and the next page fetched.
pub async fn fetch_pages<F, Fut>(
    pages: &[Page],
    delay: Duration,
    mut fetch: F,
) -> (BTreeMap<Page, String>, Vec<PageFailure>)
where
    F: FnMut(Page) -> Fut,
    Fut: Future<Output = Result<String, EmsError>>,
{
    let mut bodies = BTreeMap::new();
    let mut failures = Vec::new();
    for page in pages {
        match fetch(*page).await {
            Ok(body) => {
                bodies.insert(*page, body);
            }
            Err(error) => failures.push(PageFailure::new(*page, &error)),
        }
        tokio::time::sleep(delay).await;
    }
    (bodies, failures)
}

/// Logs in, fetches each page once (sequentially), scrubs and writes every
/// page that came. Fails only when nothing can be recorded (login, hand-off,
/// output directory); page failures are in the [`Recording`].
pub async fn record(config: &RecordConfig) -> anyhow::Result<Recording> {
    let sso = SsoClient::builder()
        .base_url(&config.sso_base_url)
        .proxy(config.proxy.clone())
        .build()
        .context("sso client")?
        .login(&config.username, &config.password)
        .await
        .context("logging in")?;
    let ems = EmsClient::builder()
        .base_url(&config.ems_base_url)
        .proxy(config.proxy.clone())
        .enter(&sso)
        .await
        .context("entering the academic system")?;

    let term = current_term()?;
    let query = ClassroomQuery::new(term, [1], [1], [1, 2])?;
    let gpa = GpaQuery::default();
    // The pages that need ids from others: the first leaf category and the
    // student id of the degree audit, the plan of the student's own major.
    let audit = ems
        .raw(RawRequest::Progress)
        .await
        .ok()
        .and_then(|body| xtu_ems::pages::degree_audit::parse_index(&body).ok());
    let category = audit
        .as_ref()
        .and_then(|index| index.course_lists.first().cloned());
    let student_id = audit.map(|index| index.audit.student_id);
    let selection = ems.plan_selection().await.ok();
    let spec = selection.as_ref().and_then(|own| {
        Some(PlanSpec {
            major: own.major.as_ref()?.code.clone(),
            grade: own.grade.clone()?,
            college: own.college.as_ref().map(|c| c.code.clone()),
        })
    });
    let plan_id = match &spec {
        Some(spec) => ems
            .raw(RawRequest::PlanQuery { spec })
            .await
            .ok()
            .and_then(|body| xtu_ems::pages::programme_plan::parse_query(&body).ok())
            .and_then(|plans| plans.into_iter().next())
            .map(|plan| plan.id),
        None => None,
    };
    let college = selection
        .as_ref()
        .and_then(|own| own.college.as_ref().map(|c| c.code.clone()));
    let needs = |what: &'static str| {
        EmsError::Query(QueryError::NotFound {
            what,
            value: "the page it comes from (recorded without it)".into(),
        })
    };
    // The form recorded is the first evaluation's (none: the form request
    // with empty keys, which the site answers with its notice).
    let evaluation = ems
        .evaluations()
        .await
        .ok()
        .and_then(|list| list.into_iter().next())
        .map(|evaluation| evaluation.keys)
        .unwrap_or_default();
    let (bodies, mut failures) = fetch_pages(Page::ALL, config.delay, |page| {
        let request = (|| -> Result<RawRequest<'_>, EmsError> {
            Ok(match page {
                Page::StudentInfo => RawRequest::StudentInfo,
                Page::TeachingCalendar => RawRequest::TeachingCalendar,
                Page::ClassroomAvailability => RawRequest::Classrooms {
                    query: &query,
                    page: 1,
                },
                Page::Buildings => RawRequest::Buildings { campus: "02", term },
                Page::Timetable => RawRequest::Timetable { term },
                Page::Exams => RawRequest::Exams {
                    term: Some(term),
                    page: 1,
                },
                Page::Grades => RawRequest::Grades {
                    term: None,
                    page: 1,
                },
                Page::GpaRank => RawRequest::GpaRank { query: &gpa },
                Page::Notices => RawRequest::Notices {
                    page: 1,
                    page_size: 30,
                },
                Page::EvaluationList => RawRequest::EvaluationList { page: 1 },
                Page::EvaluationForm => RawRequest::EvaluationForm { keys: &evaluation },
                Page::Progress => RawRequest::Progress,
                Page::PlanPage => RawRequest::PlanPage,
                Page::ProgressCourses => match (&category, &student_id) {
                    (Some(category), Some(student_id)) => RawRequest::ProgressCourses {
                        category,
                        student_id,
                    },
                    _ => Err(needs("degree audit category"))?,
                },
                Page::ProgressOutsidePlan => match &student_id {
                    Some(student_id) => RawRequest::ProgressOutsidePlan { student_id },
                    None => Err(needs("student id"))?,
                },
                Page::PlanQuery => match &spec {
                    Some(spec) => RawRequest::PlanQuery { spec },
                    None => Err(needs("own major and grade"))?,
                },
                Page::Plan => match &plan_id {
                    Some(plan_id) => RawRequest::Plan { plan_id, page: 1 },
                    None => Err(needs("programme plan"))?,
                },
                Page::Majors => match &college {
                    Some(college) => RawRequest::Majors { college },
                    None => Err(needs("own college"))?,
                },
            })
        })();
        let ems = &ems;
        async move { ems.raw(request?).await }
    })
    .await;

    let mut secrets = Secrets::new();
    secrets.add(&config.username, scrub::STUDENT_ID);
    secrets.add_cookies(ems.jar());
    if let Some(body) = bodies.get(&Page::StudentInfo) {
        match xtu_ems::pages::student_info::parse(body) {
            Ok(profile) => secrets.add_profile(&profile),
            // Still written: the page the parser fails on is the one worth
            // recording; without the profile, scrubbing is by pattern.
            Err(error) => failures.push(PageFailure {
                page: Page::StudentInfo,
                status: None,
                error: format!(
                    "recorded, but it does not parse ({error}); the name was unknown, \
                     so every page was scrubbed by pattern only: read them before committing"
                ),
            }),
        }
    }
    failures.sort_by_key(|failure| failure.page);

    std::fs::create_dir_all(&config.out_dir)
        .with_context(|| format!("creating {}", config.out_dir.display()))?;
    let mut written = Vec::new();
    for (page, body) in &bodies {
        let path = config
            .out_dir
            .join(format!("{}.{}", page.name(), page.fixture_extension()));
        xtu_sso::private_file::write_private_atomically(
            &path,
            scrub::scrub(body, &secrets).as_bytes(),
        )
        .with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    Ok(Recording { written, failures })
}

/// The current term by the one rule the CLI uses too (Beijing date).
fn current_term() -> anyhow::Result<TermSpec> {
    let term = Term::around(xtu_model::beijing_today());
    Ok(TermSpec::new(term.start_year, term.term)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_page_is_tried_and_failures_are_kept_in_order() {
        let (bodies, failures) = fetch_pages(Page::ALL, Duration::ZERO, |page| async move {
            match page {
                Page::Buildings => Err(EmsError::UnexpectedResponse {
                    status: 404,
                    url: "http://127.0.0.1/jwglxt/cdjy/cdjy_cxXqjc.html".into(),
                }),
                Page::GpaRank => Err(EmsError::SessionExpired),
                other => Ok(format!("body of {}", other.name())),
            }
        })
        .await;
        assert_eq!(bodies.len(), Page::ALL.len() - 2);
        assert_eq!(
            bodies.get(&Page::Grades).map(String::as_str),
            Some("body of grades")
        );
        let shown: Vec<String> = failures.iter().map(ToString::to_string).collect();
        assert_eq!(failures[0].status, Some(404));
        assert!(shown[0].starts_with("buildings: HTTP 404: "), "{shown:?}");
        assert!(
            shown[1].starts_with("gpa-rank: ems session expired"),
            "{shown:?}"
        );
    }

    #[test]
    fn the_term_is_a_valid_one() {
        assert!(current_term().is_ok());
    }
}
