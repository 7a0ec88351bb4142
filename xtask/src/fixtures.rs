//! `cargo xtask fixtures`: record the academic-system pages of a real account
//! and scrub them into committable fixtures.
//!
//! Personal data is replaced by the same fixed placeholders the constructed
//! fixtures use (see fixtures/README.md), keeping the page structure intact.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use anyhow::{Context as _, bail};
use chrono::Datelike as _;
use regex::Regex;
use xtu_ems::{ClassroomQuery, EmsClient, GpaQuery, Page, RawRequest, TermSpec};
use xtu_sso::SsoClient;

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
        })
    }
}

/// Entry point of `cargo xtask fixtures`.
pub fn main() -> anyhow::Result<()> {
    let config = RecordConfig::from_env()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let written = runtime.block_on(record(&config))?;
    for path in &written {
        println!("wrote {}", path.display());
    }
    println!(
        "\nnext: run `cargo test -p xtu-ems --test snapshots`, then `cargo insta review` \
         to compare the parsers' output on the recorded pages with the snapshots;\n\
         read every recorded file before committing it: the scrubber replaces known \
         personal fields, but pages can change."
    );
    Ok(())
}

/// Logs in, fetches each page once (sequentially), scrubs and writes it.
/// Returns the files written.
pub async fn record(config: &RecordConfig) -> anyhow::Result<Vec<PathBuf>> {
    let sso = SsoClient::builder()
        .base_url(&config.sso_base_url)
        .build()
        .context("sso client")?
        .login(&config.username, &config.password)
        .await
        .context("logging in")?;
    let ems = EmsClient::builder()
        .base_url(&config.ems_base_url)
        .enter(&sso)
        .await
        .context("entering the academic system")?;

    let term = current_term(chrono::Local::now().date_naive())?;
    let query = ClassroomQuery::new(term, [1], [1], [1, 2])?;
    let gpa = GpaQuery::default();
    let mut bodies = BTreeMap::new();
    for page in Page::ALL {
        let request = match page {
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
        };
        let body = ems
            .raw(request)
            .await
            .with_context(|| format!("fetching {}", page.name()))?;
        bodies.insert(*page, body);
        tokio::time::sleep(config.delay).await;
    }

    let profile = bodies
        .get(&Page::StudentInfo)
        .map(|body| xtu_ems::pages::student_info::parse(body))
        .transpose()
        .context("the recorded profile page does not parse; nothing was written")?;
    let mut secrets = Secrets::default();
    secrets.add(&config.username, STUDENT_ID);
    if let Some(profile) = &profile {
        secrets.add(&profile.student_id, STUDENT_ID);
        secrets.add(&profile.name, NAME);
        secrets.add(&profile.birthday, BIRTHDAY);
    }
    for cookie in ems.jar().cookies() {
        secrets.add(&cookie.value, COOKIE);
    }

    std::fs::create_dir_all(&config.out_dir)
        .with_context(|| format!("creating {}", config.out_dir.display()))?;
    let mut written = Vec::new();
    for (page, body) in &bodies {
        let path = config
            .out_dir
            .join(format!("{}.{}", page.name(), page.fixture_extension()));
        write_atomically(&path, &scrub(body, &secrets))?;
        written.push(path);
    }
    Ok(written)
}

/// The term of a date by the upstream's rule: before August the academic
/// year is the previous calendar year; February-July is term 2.
pub fn current_term(today: chrono::NaiveDate) -> anyhow::Result<TermSpec> {
    let year = u16::try_from(today.year())?;
    let (start_year, term) = match today.month() {
        1 => (year - 1, 1),
        2..=7 => (year - 1, 2),
        _ => (year, 1),
    };
    Ok(TermSpec::new(start_year, term)?)
}

/// Placeholders, shared with the constructed fixtures (fixtures/README.md).
pub const NAME: &str = "张三";
/// Student id placeholder (the seed's example).
pub const STUDENT_ID: &str = "202205561111";
/// Birthday placeholder.
pub const BIRTHDAY: &str = "2004-01-01";
/// National ID number placeholder.
pub const ID_NUMBER: &str = "[ID-NUMBER]";
/// Phone placeholder.
pub const PHONE: &str = "[PHONE]";
/// Address placeholder.
pub const ADDRESS: &str = "[ADDRESS]";
/// E-mail placeholder.
pub const EMAIL: &str = "[EMAIL]";
/// Cookie value placeholder.
pub const COOKIE: &str = "[COOKIE]";

/// Profile fields (by `col_` id) whose values are personal, and their placeholder.
const PERSONAL_FIELDS: &[(&str, &str)] = &[
    ("xh", STUDENT_ID),
    ("xm", NAME),
    ("ywxm", "Zhang San"),
    ("xmpy", "zhang san"),
    ("cym", NAME),
    ("csrq", BIRTHDAY),
    ("zjhm", ID_NUMBER),
    ("sjhm", PHONE),
    ("jtdh", PHONE),
    ("lxdh", PHONE),
    ("dzyx", EMAIL),
    ("qq", "[QQ]"),
    ("jtdz", ADDRESS),
    ("txdz", ADDRESS),
    ("jtszd", ADDRESS),
    ("hkszd", ADDRESS),
    ("csd", ADDRESS),
    ("jg", ADDRESS),
    ("yzbm", "[POSTCODE]"),
    ("ksh", "[EXAM-NUMBER]"),
];

/// Exact values seen in this recording, replaced wherever they appear (the
/// page header repeats name and student id without `col_` ids).
#[derive(Default)]
struct Secrets(Vec<(String, &'static str)>);

impl Secrets {
    fn add(&mut self, value: &str, placeholder: &'static str) {
        let value = value.trim();
        // One- and two-character values (a gender, a digit) would replace
        // unrelated text everywhere.
        if value.chars().count() >= 3 && value != placeholder {
            self.0.push((value.to_owned(), placeholder));
        }
    }
}

static FIELD: LazyLock<Regex> = LazyLock::new(|| {
    // `id="col_<code>"` ... `<p class="form-control-static">VALUE</p>`
    Regex::new(r#"(?s)(id\s*=\s*["']col_([a-z0-9_]+)["'][^>]*>\s*<p[^>]*>)(.*?)(</p>)"#)
        .expect("static regex is valid")
});
static JSESSIONID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(jsessionid=)[0-9a-z._-]+").expect("static regex is valid"));
static NATIONAL_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(^|[^0-9])[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])[0-9]{2}[0-9]{3}[0-9Xx]([^0-9]|$)")
        .expect("static regex is valid")
});
static MOBILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)").expect("static regex is valid")
});

fn scrub(body: &str, secrets: &Secrets) -> String {
    let mut text = FIELD
        .replace_all(body, |c: &regex::Captures<'_>| {
            let code = c[2].strip_suffix("_id").unwrap_or(&c[2]);
            match PERSONAL_FIELDS.iter().find(|(field, _)| *field == code) {
                Some((_, placeholder)) if !c[3].trim().is_empty() => {
                    format!("{}{placeholder}{}", &c[1], &c[4])
                }
                _ => c[0].to_owned(),
            }
        })
        .into_owned();
    // Longest first, so that a value containing another is replaced whole.
    let mut secrets: Vec<_> = secrets.0.iter().collect();
    secrets.sort_by_key(|(value, _)| std::cmp::Reverse(value.len()));
    for (value, placeholder) in secrets {
        text = text.replace(value.as_str(), placeholder);
    }
    text = JSESSIONID
        .replace_all(&text, format!("${{1}}{COOKIE}"))
        .into_owned();
    text = NATIONAL_ID
        .replace_all(&text, format!("${{1}}{ID_NUMBER}${{2}}"))
        .into_owned();
    MOBILE
        .replace_all(&text, format!("${{1}}{PHONE}${{2}}"))
        .into_owned()
}

/// Writes through a temporary file and a rename, so an interrupted run never
/// leaves a half-written fixture.
fn write_atomically(path: &Path, contents: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, contents).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_fields_header_values_ids_and_phones() {
        let mut secrets = Secrets::default();
        secrets.add("李四光", NAME);
        secrets.add("201905001234", STUDENT_ID);
        let page = r#"<span>李四光(201905001234)</span>
<div class="col-sm-8" id="col_zjhm"><p class="form-control-static">
 430102200001011234 </p></div>
<div id="col_sjhm"><p class="form-control-static">13912345678</p></div>
<div id="col_xbm"><p class="form-control-static">男</p></div>
<a href="x.html;jsessionid=ABC123">x</a> 备注 13800001111。"#;
        let out = scrub(page, &secrets);
        for leaked in [
            "李四光",
            "201905001234",
            "430102200001011234",
            "13912345678",
            "13800001111",
            "ABC123",
        ] {
            assert!(!out.contains(leaked), "{leaked} leaked:\n{out}");
        }
        assert!(out.contains("张三(202205561111)"), "{out}");
        assert!(out.contains(">男</p>"), "{out}");
        assert!(out.contains(ID_NUMBER) && out.contains(PHONE), "{out}");
    }

    #[test]
    fn leaves_long_numbers_that_are_not_phones() {
        let secrets = Secrets::default();
        let json = r#"{"nd":"1732612345678","cdbh":"1011102"}"#;
        assert_eq!(scrub(json, &secrets), json);
    }

    #[test]
    fn term_follows_the_upstream_rule() {
        let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).expect("valid date");
        let term = |d| current_term(d).map(|t| (t.start_year(), t.term())).ok();
        assert_eq!(term(date(2026, 1, 10)), Some((2025, 1)));
        assert_eq!(term(date(2026, 3, 1)), Some((2025, 2)));
        assert_eq!(term(date(2026, 7, 31)), Some((2025, 2)));
        assert_eq!(term(date(2026, 9, 1)), Some((2026, 1)));
    }
}
