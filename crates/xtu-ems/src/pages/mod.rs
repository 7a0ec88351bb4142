//! One module per academic-system page: a pure parser (no IO) and, in
//! [`Page`], the page's request path. `Page` is the single list of pages: the
//! CLI's `parse`, the snapshot tests and the fixture recorder iterate over it,
//! and [`Page::parse_value`] is the one dispatch from a page to its parser.

use std::str::FromStr;
use std::sync::LazyLock;

use scraper::node::Node;
use scraper::{ElementRef, Html, Selector};
use serde_json::error::Category;

pub mod buildings;
pub mod classroom_availability;
pub mod degree_audit;
pub mod evaluation_form;
pub mod evaluation_list;
pub mod exams;
pub mod gpa_rank;
pub mod grades;
mod jqgrid;
pub mod notices;
pub mod programme_plan;
mod rows;
pub mod student_info;
pub mod teaching_calendar;
pub mod timetable;

pub use jqgrid::GridPage;

use xtu_model::{
    Building, ClassroomPage, DegreeAudit, Evaluation, EvaluationForm, Exam, GpaRank, Grade, Major,
    Notice, PlanCourse, PlanSelection, StudentProfile, TeachingCalendar, Timetable,
};

/// Why a page could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The body is the jwglxt login page: the EMS session expired.
    #[error("ems session expired (the academic system sent its login page)")]
    SessionExpired,
    /// ZhengFang's error page (出错啦！ 系统运行异常).
    #[error("the academic system reported an internal error: {message}")]
    ServerError {
        /// The page's message.
        message: String,
    },
    /// Not the page expected.
    #[error(
        "{page} page: {missing} not found (the site may have changed; try `xtu parse {page} <saved page>`)"
    )]
    UnexpectedPage {
        /// Page name.
        page: &'static str,
        /// What was looked for.
        missing: String,
    },
    /// A value that is there but malformed.
    #[error("{page} page: invalid {field} {value:?} (the site may have changed)")]
    InvalidValue {
        /// Page name.
        page: &'static str,
        /// Which value.
        field: String,
        /// An excerpt of it.
        value: String,
    },
}

/// The pages this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Page {
    /// 学生个人信息 (HTML).
    StudentInfo,
    /// 教学日历 fragment (HTML).
    TeachingCalendar,
    /// 查询空闲教室 (jqGrid JSON).
    ClassroomAvailability,
    /// The building list of the free-classroom page (JSON).
    Buildings,
    /// 个人课表 (JSON).
    Timetable,
    /// 考试信息 (jqGrid JSON).
    Exams,
    /// 成绩 (jqGrid JSON).
    Grades,
    /// 成绩排名统计: GPA and ranks (jqGrid JSON).
    GpaRank,
    /// 学业情况: the degree audit's index page, its category tree (HTML).
    Progress,
    /// 学业情况: the courses of one category (a bare JSON array).
    ProgressCourses,
    /// 学业情况: the courses outside the plan (a bare JSON array).
    ProgressOutsidePlan,
    /// 培养方案: one page of a plan's courses (jqGrid JSON).
    Plan,
    /// 培养方案: the plan page, its selects pre-set to the student's own (HTML).
    PlanPage,
    /// 培养方案: the plans of a college, grade and major (jqGrid JSON).
    PlanQuery,
    /// The majors of a college (a bare JSON array).
    Majors,
    /// 消息: the home page's notices (jqGrid JSON).
    Notices,
    /// 学生评价: the courses and teachers to evaluate (jqGrid JSON).
    EvaluationList,
    /// 学生评价: one evaluation form (HTML).
    EvaluationForm,
}

impl Page {
    /// Every page.
    pub const ALL: &'static [Page] = &[
        Page::StudentInfo,
        Page::TeachingCalendar,
        Page::ClassroomAvailability,
        Page::Buildings,
        Page::Timetable,
        Page::Exams,
        Page::Grades,
        Page::GpaRank,
        Page::Progress,
        Page::ProgressCourses,
        Page::ProgressOutsidePlan,
        Page::Plan,
        Page::PlanPage,
        Page::PlanQuery,
        Page::Majors,
        Page::Notices,
        Page::EvaluationList,
        Page::EvaluationForm,
    ];

    /// The name: the CLI command that prints the page.
    pub fn name(self) -> &'static str {
        match self {
            Self::StudentInfo => "student-info",
            Self::TeachingCalendar => "teaching-calendar",
            Self::ClassroomAvailability => "classroom-availability",
            Self::Buildings => "buildings",
            Self::Timetable => "timetable",
            Self::Exams => "exams",
            Self::Grades => "grades",
            Self::GpaRank => "gpa-rank",
            Self::Progress => "progress",
            Self::ProgressCourses => "progress-courses",
            Self::ProgressOutsidePlan => "progress-outside-plan",
            Self::Plan => "plan",
            Self::PlanPage => "plan-page",
            Self::PlanQuery => "plan-query",
            Self::Majors => "majors",
            Self::Notices => "notices",
            Self::EvaluationList => "eval-list",
            Self::EvaluationForm => "eval-form",
        }
    }

    /// File extension of its fixtures.
    pub fn fixture_extension(self) -> &'static str {
        match self {
            Self::StudentInfo
            | Self::TeachingCalendar
            | Self::Progress
            | Self::PlanPage
            | Self::EvaluationForm => "html",
            Self::ClassroomAvailability
            | Self::Buildings
            | Self::Timetable
            | Self::Exams
            | Self::Grades
            | Self::GpaRank
            | Self::ProgressCourses
            | Self::ProgressOutsidePlan
            | Self::Plan
            | Self::PlanQuery
            | Self::Majors
            | Self::Notices
            | Self::EvaluationList => "json",
        }
    }

    /// Request path under `{ems}/jwglxt/`, with its fixed query.
    pub fn path(self) -> &'static str {
        match self {
            Self::StudentInfo => "xsxxxggl/xsgrxxwh_cxXsgrxx.html?gnmkdm=N100801&layout=default",
            Self::TeachingCalendar => "xtgl/index_cxAreaFive.html?localeKey=zh_CN&gnmkdm=index",
            Self::ClassroomAvailability => "cdjy/cdjy_cxKxcdlb.html?doType=query&gnmkdm=N2155",
            Self::Buildings => "cdjy/cdjy_cxXqjc.html?gnmkdm=N2155",
            Self::Timetable => "kbcx/xskbcx_cxXsgrkb.html?gnmkdm=N2151",
            Self::Exams => "kwgl/kscx_cxXsksxxIndex.html?doType=query&gnmkdm=N358105",
            Self::Grades => "cjcx/cjcx_cxXsgrcj.html?doType=query&gnmkdm=N305005",
            Self::GpaRank => "cjpmtj/cjpmtj_cxPjxfjdpmtjIndex.html?doType=query&gnmkdm=N309104",
            Self::Progress => "xsxy/xsxyqk_cxXsxyqkIndex.html?gnmkdm=N105515&layout=default",
            Self::ProgressCourses => "xsxy/xsxyqk_cxJxzxjhxfyqKcxx.html?gnmkdm=N105515",
            Self::ProgressOutsidePlan => "xsxy/xsxyqk_cxJxzxjhxfyqFKcxx.html?gnmkdm=N105515",
            Self::Plan => "jxzxjhgl/jxzxjhkcxx_cxJxzxjhkcxxIndex.html?doType=query&gnmkdm=N153540",
            Self::PlanPage => {
                "jxzxjhgl/jxzxjhck_cxJxzxjhckIndex.html?gnmkdm=N153540&layout=default"
            }
            Self::PlanQuery => "jxzxjhgl/jxzxjhck_cxJxzxjhckIndex.html?doType=query&gnmkdm=N153540",
            Self::Majors => "xtgl/comm_cxZydmList.html?gnmkdm=N153540",
            Self::Notices => "xtgl/index_cxDbsy.html?doType=query&gnmkdm=index",
            Self::EvaluationList => "xspjgl/xspj_cxXspjIndex.html?doType=query&gnmkdm=N401605",
            Self::EvaluationForm => "xspjgl/xspj_cxXspjDisplay.html?gnmkdm=N401605",
        }
    }

    /// Whether the page is requested with a POST.
    pub fn is_post(self) -> bool {
        !matches!(
            self,
            Self::StudentInfo
                | Self::TeachingCalendar
                | Self::Buildings
                | Self::Progress
                | Self::PlanPage
                | Self::Majors
        )
    }
}

/// What [`Page::parse_value`] read: the result of the page's own parser.
/// Serializes as that result does (no tag), so its JSON is the parser's.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum ParsedPage {
    /// [`student_info::parse`].
    StudentInfo(StudentProfile),
    /// [`teaching_calendar::parse`].
    TeachingCalendar(TeachingCalendar),
    /// [`classroom_availability::parse`]: one page of rooms.
    ClassroomAvailability(ClassroomPage),
    /// [`buildings::parse`].
    Buildings(Vec<Building>),
    /// [`timetable::parse`].
    Timetable(Timetable),
    /// [`exams::parse`]: one page of exams.
    Exams(GridPage<Exam>),
    /// [`grades::parse`]: one page of grades.
    Grades(GridPage<Grade>),
    /// [`gpa_rank::parse`]: `None` when the site has no ranking.
    GpaRank(Option<GpaRank>),
    /// [`degree_audit::parse`]: the audit without its courses.
    Progress(DegreeAudit),
    /// [`degree_audit::parse_courses`].
    ProgressCourses(degree_audit::CourseList),
    /// [`degree_audit::parse_courses`], outside the plan.
    ProgressOutsidePlan(degree_audit::CourseList),
    /// [`programme_plan::parse`]: one page of a plan's courses.
    Plan(GridPage<PlanCourse>),
    /// [`programme_plan::parse_page`].
    PlanPage(PlanSelection),
    /// [`programme_plan::parse_query`].
    PlanQuery(Vec<programme_plan::PlanListing>),
    /// [`programme_plan::parse_majors`].
    Majors(Vec<Major>),
    /// [`notices::parse`]: one page of notices.
    Notices(GridPage<Notice>),
    /// [`evaluation_list::parse`]: one page of evaluations.
    EvaluationList(GridPage<Evaluation>),
    /// [`evaluation_form::parse`].
    EvaluationForm(EvaluationForm),
}

impl Page {
    /// Parses `body` as this page: the single dispatch from a page name to
    /// its parser, for `xtu parse`, the snapshot tests, the fuzz target and
    /// the benchmarks.
    pub fn parse_value(self, body: &str) -> Result<ParsedPage, ParseError> {
        Ok(match self {
            Self::StudentInfo => ParsedPage::StudentInfo(student_info::parse(body)?),
            Self::TeachingCalendar => ParsedPage::TeachingCalendar(teaching_calendar::parse(body)?),
            Self::ClassroomAvailability => {
                ParsedPage::ClassroomAvailability(classroom_availability::parse(body)?)
            }
            Self::Buildings => ParsedPage::Buildings(buildings::parse(body)?),
            Self::Timetable => ParsedPage::Timetable(timetable::parse(body)?),
            Self::Exams => ParsedPage::Exams(exams::parse(body)?),
            Self::Grades => ParsedPage::Grades(grades::parse(body)?),
            Self::GpaRank => ParsedPage::GpaRank(gpa_rank::parse(body)?),
            Self::Progress => ParsedPage::Progress(degree_audit::parse(body)?),
            Self::ProgressCourses => {
                ParsedPage::ProgressCourses(degree_audit::parse_courses(body)?)
            }
            Self::ProgressOutsidePlan => {
                ParsedPage::ProgressOutsidePlan(degree_audit::parse_outside_plan(body)?)
            }
            Self::Plan => ParsedPage::Plan(programme_plan::parse(body)?),
            Self::PlanPage => ParsedPage::PlanPage(programme_plan::parse_page(body)?),
            Self::PlanQuery => ParsedPage::PlanQuery(programme_plan::parse_query(body)?),
            Self::Majors => ParsedPage::Majors(programme_plan::parse_majors(body)?),
            Self::Notices => ParsedPage::Notices(notices::parse(body)?),
            Self::EvaluationList => ParsedPage::EvaluationList(evaluation_list::parse(body)?),
            Self::EvaluationForm => ParsedPage::EvaluationForm(evaluation_form::parse(body)?),
        })
    }
}

/// A page name that is not one of [`Page::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown page {0:?}")]
pub struct UnknownPage(String);

impl FromStr for Page {
    type Err = UnknownPage;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|page| page.name() == s)
            .ok_or_else(|| UnknownPage(s.to_owned()))
    }
}

static LOGIN_FORM: LazyLock<Selector> =
    LazyLock::new(|| sel("form[action*='login_slogin'], input#yhm"));
static H5: LazyLock<Selector> = LazyLock::new(|| sel("h5"));
static BODY: LazyLock<Selector> = LazyLock::new(|| sel("body"));
/// The words that can mark the jwglxt login page.
const LOGIN_MARKERS: [&str; 2] = ["login_slogin", "用户登录"];
/// The words that can mark ZhengFang's error page.
const ERROR_MARKERS: [&str; 2] = ["系统运行异常", "出错啦"];

/// Longest error-page message kept: enough for ZhengFang's sentence and its
/// error code, short enough for one terminal line.
const MAX_MESSAGE_CHARS: usize = 120;

/// Selectors are static and known good: a failure is a bug caught by the
/// first test that touches the module, not a runtime condition.
pub(crate) fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("static selector {css:?}: {e}"))
}

/// Recognises the two pages that can stand in for any other: the jwglxt
/// login page (expired session) and ZhengFang's error page
/// (出错啦！ 系统运行异常). `None` for any other body, HTML or not.
pub fn recognize_error_page(body: &str) -> Option<ParseError> {
    // Cheap substring checks first: most bodies are neither page, and a full
    // parse of a large page would double the cost of every parser. (std's
    // substring search, not a regex: the binary's regex has no literal
    // prefilter, see the workspace's Cargo.toml.)
    let maybe_login = LOGIN_MARKERS.iter().any(|marker| body.contains(marker));
    let maybe_error = ERROR_MARKERS.iter().any(|marker| body.contains(marker));
    if !maybe_login && !maybe_error {
        return None;
    }
    let document = Html::parse_document(body);
    if maybe_error {
        // Only the text a browser would show counts: a normal page may
        // carry the same words in an inline script's error handler.
        let text = document
            .select(&BODY)
            .next()
            .map(|body| normalize(&visible_text(body)))
            .unwrap_or_default();
        if text.contains("系统运行异常") || text.contains("出错啦") {
            return Some(ParseError::ServerError {
                message: excerpt(&text, MAX_MESSAGE_CHARS),
            });
        }
    }
    let login_heading = document
        .select(&H5)
        .any(|h| h.text().any(|t| t.contains("用户登录")));
    (login_heading || document.select(&LOGIN_FORM).next().is_some())
        .then_some(ParseError::SessionExpired)
}

/// The text of `element` without `script`, `style` and `template` contents.
/// Those hold raw text, so a text node is hidden exactly when its parent is
/// one of them.
pub(crate) fn visible_text(element: ElementRef<'_>) -> String {
    let mut out = String::new();
    for node in element.descendants() {
        let Node::Text(text) = node.value() else {
            continue;
        };
        let hidden = node
            .parent()
            .and_then(|parent| parent.value().as_element().map(|e| is_hidden(e.name())))
            .unwrap_or(false);
        if !hidden {
            out.push_str(text);
        }
    }
    out
}

fn is_hidden(name: &str) -> bool {
    matches!(name, "script" | "style" | "template" | "noscript")
}

/// Collapses whitespace (including full-width spaces and NBSP) and trims.
pub(crate) fn normalize(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{a0}')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// At most `max` characters, for error messages.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// For JSON endpoints: the answer, unless the body is one of the stand-in
/// pages or not the JSON expected.
pub(crate) fn json_answer<'a, T: serde::Deserialize<'a>>(
    page: Page,
    body: &'a str,
) -> Result<T, ParseError> {
    let json = body.trim_start_matches('\u{feff}').trim_start();
    // Only a body that is not JSON can be the login or error page: skip the
    // scan for the common case.
    if let Some(error) = (!json.starts_with('{'))
        .then(|| recognize_error_page(body))
        .flatten()
    {
        return Err(error);
    }
    serde_json::from_str(json).map_err(|e| {
        let missing = match e.classify() {
            Category::Data => {
                format!("the expected JSON shape ({})", excerpt(&e.to_string(), 80))
            }
            // A body cut short (dropped connection, size limit) is JSON that
            // ends early, not "something other than JSON".
            Category::Eof if !json.is_empty() => format!(
                "the end of the JSON answer (the body stops after {} bytes)",
                body.len()
            ),
            Category::Eof | Category::Syntax | Category::Io => format!(
                "the JSON answer (the body starts with {:?})",
                excerpt(json.trim_end(), 60)
            ),
        };
        ParseError::UnexpectedPage {
            page: page.name(),
            missing,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for page in Page::ALL {
            assert_eq!(page.name().parse::<Page>().as_ref(), Ok(page));
        }
        assert!("nope".parse::<Page>().is_err());
    }

    #[test]
    fn recognizes_login_and_error_pages() {
        assert_eq!(
            recognize_error_page("<html><body><h5>用户登录</h5></body></html>"),
            Some(ParseError::SessionExpired)
        );
        assert!(matches!(
            recognize_error_page("<html><body><h3>出错啦！</h3><p>系统运行异常</p></body></html>"),
            Some(ParseError::ServerError { .. })
        ));
        assert_eq!(recognize_error_page("{\"items\": []}"), None);
    }

    #[test]
    fn error_words_in_a_script_are_not_an_error_page() {
        let page = "<html><head><script>var msg = '出错啦！系统运行异常';</script></head>\
                    <body><script>alert('系统运行异常')</script><p>ok</p></body></html>";
        assert_eq!(recognize_error_page(page), None);
    }

    #[test]
    fn the_error_message_is_trimmed_and_bounded() {
        let page = format!(
            "<html><body><h3>出错啦！</h3><p>\u{3000}系统运行异常，{}</p></body></html>",
            "很长".repeat(500)
        );
        let Some(ParseError::ServerError { message }) = recognize_error_page(&page) else {
            panic!("not recognised");
        };
        assert!(message.starts_with("出错啦！ 系统运行异常"), "{message}");
        assert!(message.chars().count() <= MAX_MESSAGE_CHARS + 1);
    }

    #[test]
    fn a_login_form_alone_is_the_login_page() {
        let page = "<form action=\"/jwglxt/xtgl/login_slogin.html\"><input id=\"yhm\"></form>";
        assert_eq!(recognize_error_page(page), Some(ParseError::SessionExpired));
        // A link to the login page in a normal page is not the login page.
        assert_eq!(
            recognize_error_page("<a href=\"/jwglxt/xtgl/login_slogin.html\">重新登录</a>"),
            None
        );
    }

    #[test]
    fn json_answers_skip_the_html_checks() {
        assert_eq!(
            json_answer::<serde_json::Value>(Page::Buildings, "\u{feff} {\"a\": \"用户登录\"}"),
            Ok(serde_json::json!({"a": "用户登录"}))
        );
    }

    #[test]
    fn the_dispatch_serializes_as_the_parser_does() {
        let body = r#"{"lhList":[{"XQH_ID":"02","JXLDM":"101","JXLMC":"第一教学楼"}]}"#;
        assert_eq!(
            serde_json::to_value(Page::Buildings.parse_value(body).expect("parses")).ok(),
            serde_json::to_value(buildings::parse(body).expect("parses")).ok()
        );
        assert_eq!(
            Page::Grades.parse_value("{}"),
            Err(ParseError::UnexpectedPage {
                page: "grades",
                missing: "the \"items\" list".into()
            })
        );
    }

    #[test]
    fn pages_describe_their_requests() {
        for page in Page::ALL {
            assert!(!page.path().starts_with('/'), "{page:?}");
            assert!(page.path().contains("gnmkdm="), "{page:?}");
        }
        assert_eq!(Page::ClassroomAvailability.fixture_extension(), "json");
        assert!(Page::ClassroomAvailability.is_post());
        assert!(!Page::Buildings.is_post());
    }
}
