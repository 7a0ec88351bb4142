//! 学业情况, the degree audit (module N105515): the index page
//! (`xsxy/xsxyqk_cxXsxyqkIndex.html`, HTML) and the course lists of its
//! categories (`xsxy/xsxyqk_cxJxzxjhxfyqKcxx.html`, and `…FKcxx.html` for the
//! courses outside the plan; bare JSON arrays).
//!
//! The category tree is not in the page's elements: inline scripts build it,
//! one block per category, as strings of list items whose attributes carry
//! the ids and credits (docs/protocol.md §5.12). The same category shows in
//! several variants of the markup, so the attributes are read in one pass
//! over the whole page, keyed by the category's id: the first value of each
//! attribute wins, later variants only fill what was missing.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use scraper::Html;
use serde::Serialize;
use xtu_model::{AuditCategory, AuditCourse, AuditSummary, CourseStatus, DegreeAudit};

use super::rows::{RowList, suggested_term};
use super::{Page, ParseError, json_answer, normalize, recognize_error_page, sel, visible_text};

const PAGE: Page = Page::Progress;

/// A tag (in markup or in a script's string) that carries a category id.
/// `\b` keeps the parent's attribute (`fxfyqjd_id`) from counting as one.
static CATEGORY_TAG: LazyLock<Regex> =
    LazyLock::new(|| regex(r#"<[A-Za-z][A-Za-z0-9]*\s[^<>]*?\bxfyqjd_id\s*=\s*\\?["'][^<>]*>"#));
/// One attribute, quoted either way, quotes possibly escaped for a script.
static ATTRIBUTE: LazyLock<Regex> = LazyLock::new(|| {
    regex(r#"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:\\?'([^'\\]*)\\?'|\\?"([^"\\]*)\\?")"#)
});
static STUDENT_ID: LazyLock<scraper::Selector> = LazyLock::new(|| sel("input#xh_id"));
static SUMMARY: LazyLock<scraper::Selector> = LazyLock::new(|| sel("#alertBox"));
static PLANNED: LazyLock<Regex> =
    LazyLock::new(|| regex(r"计划(?:总|内)?课程(?:总数)?[:：]?(\d+)"));
/// 通过 not preceded by 未 (the regex crate has no look-behind).
static PASSED: LazyLock<Regex> = LazyLock::new(|| regex(r"(?:^|[^未])通过[:：]?(\d+)"));
static FAILED: LazyLock<Regex> = LazyLock::new(|| regex(r"未通过[:：]?(\d+)"));
static NOT_TAKEN: LazyLock<Regex> = LazyLock::new(|| regex(r"未修[:：]?(\d+)"));
static IN_PROGRESS: LazyLock<Regex> = LazyLock::new(|| regex(r"(?:在读|在修)[:：]?(\d+)"));
static OUTSIDE_TOTAL: LazyLock<Regex> = LazyLock::new(|| regex(r"^(?:课程)?(?:总数)?[:：]?(\d+)"));
static GPA: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)(?:GPA|绩点)\)?[^0-9]{0,12}([0-9]+(?:\.[0-9]+)?)"));

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("static regex {pattern:?}: {e}"))
}

/// The special top-level entries with empty credits, named when the page
/// does not name them.
const SPECIAL_NAMES: [(&str, &str); 2] = [("qtkcxfyq", "其他课程"), ("cxcyqkxfyq", "创新创业")];

/// The index page read: the audit without courses, and which categories'
/// course lists to ask for.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditIndex {
    /// Student id, summary and categories (no courses yet).
    pub audit: DegreeAudit,
    /// Ids of the categories whose courses are asked for: the leaves.
    pub course_lists: Vec<String>,
}

/// The attributes of one category, as first seen.
#[derive(Default)]
struct Seen {
    attributes: HashMap<String, String>,
}

impl Seen {
    fn get(&self, keys: &[&str]) -> Option<&str> {
        keys.iter()
            .find_map(|key| self.attributes.get(*key))
            .map(|v| v.trim())
            .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("null"))
    }

    fn credits(&self, keys: &[&str]) -> Option<f64> {
        self.get(keys)
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite())
    }
}

/// Parses the index page (`xtu parse progress`): the audit with its
/// categories, without their courses.
pub fn parse(html: &str) -> Result<DegreeAudit, ParseError> {
    parse_index(html).map(|index| index.audit)
}

/// Parses the index page, with the ids whose course lists to request.
pub fn parse_index(html: &str) -> Result<AuditIndex, ParseError> {
    if let Some(error) = recognize_error_page(html) {
        return Err(error);
    }
    let (order, seen) = categories(html);
    let (student_id, summary) = student_and_summary(html);
    let Some(student_id) = student_id else {
        return Err(ParseError::UnexpectedPage {
            page: PAGE.name(),
            missing: "the student id (input#xh_id)".into(),
        });
    };
    if order.is_empty() {
        return Err(ParseError::UnexpectedPage {
            page: PAGE.name(),
            missing: "the category tree (xfyqjd_id in the page's scripts)".into(),
        });
    }
    let mut categories = Vec::with_capacity(order.len());
    for id in &order {
        let Some(attributes) = seen.get(id) else {
            continue;
        };
        categories.push(category(id, attributes));
    }
    let course_lists = order
        .iter()
        .filter(|id| {
            let leaf_flag = seen.get(*id).and_then(|s| s.get(&["sfmjd"]));
            match leaf_flag {
                Some(flag) => flag == "1",
                None => !categories.iter().any(|c| c.parent.as_deref() == Some(id)),
            }
        })
        .cloned()
        .collect();
    Ok(AuditIndex {
        audit: DegreeAudit {
            student_id,
            summary,
            categories,
            outside_plan: Vec::new(),
            warnings: Vec::new(),
        },
        course_lists,
    })
}

/// Every category's attributes, keyed by id, and the ids in order of first
/// appearance.
fn categories(html: &str) -> (Vec<String>, HashMap<String, Seen>) {
    let mut order = Vec::new();
    let mut seen: HashMap<String, Seen> = HashMap::new();
    for tag in category_tags(html) {
        let mut attributes = HashMap::new();
        for capture in ATTRIBUTE.captures_iter(tag) {
            let (Some(name), Some(value)) = (capture.get(1), capture.get(2).or(capture.get(3)))
            else {
                continue;
            };
            attributes
                .entry(name.as_str().to_ascii_lowercase())
                .or_insert_with(|| decode_entities(value.as_str()));
        }
        let Some(id) = attributes
            .get("xfyqjd_id")
            .map(|id| id.trim().to_owned())
            .filter(|id| !id.is_empty() && !id.eq_ignore_ascii_case("null"))
        else {
            continue;
        };
        let entry = seen.entry(id.clone()).or_insert_with(|| {
            order.push(id);
            Seen::default()
        });
        for (name, value) in attributes {
            let slot = entry.attributes.entry(name).or_default();
            if slot.trim().is_empty() {
                *slot = value;
            }
        }
    }
    (order, seen)
}

/// The tags `CATEGORY_TAG` matches, in page order, found from each
/// occurrence of the attribute's name outward rather than by running the
/// regex over the whole page: the binary's regex has no literal prefilter
/// (its size budget, see the workspace's Cargo.toml), and without it a
/// whole-page scan made the large audit fixture's parse four times slower. A
/// tag is a `<…>` span holding no other angle bracket: the span around the name.
fn category_tags(html: &str) -> impl Iterator<Item = &str> {
    // `html[..scanned]` has been looked at for brackets; `open` is the last
    // `<` in it when no `>` follows that `<`. Each byte is looked at once.
    let mut scanned = 0;
    let mut open: Option<usize> = None;
    html.match_indices("xfyqjd_id").filter_map(move |(at, _)| {
        if at < scanned {
            return None; // in the span of the name before it
        }
        if let Some(offset) = html[scanned..at].rfind(['<', '>']) {
            let bracket = scanned + offset;
            open = (html.as_bytes()[bracket] == b'<').then_some(bracket);
        }
        let Some(offset) = html[at..].find(['<', '>']) else {
            scanned = html.len();
            return None;
        };
        let bracket = at + offset;
        scanned = bracket + 1;
        if html.as_bytes()[bracket] == b'<' {
            open = Some(bracket);
            return None;
        }
        let start = open.take()?;
        let tag = &html[start..=bracket];
        CATEGORY_TAG.is_match(tag).then_some(tag)
    })
}

fn category(id: &str, seen: &Seen) -> AuditCategory {
    let required = seen.credits(&["yqzdxf", "yqxf"]);
    let earned = seen.credits(&["yxxf", "hdxf"]);
    let missing = seen.credits(&["whdxf"]).or(match (required, earned) {
        (Some(required), Some(earned)) => Some(round((required - earned).max(0.0))),
        _ => None,
    });
    let name = seen
        .get(&["xfyqjdmc", "jdmc", "kcxzmc"])
        .map(normalize)
        .or_else(|| {
            SPECIAL_NAMES
                .iter()
                .find(|(special, _)| *special == id)
                .map(|(_, name)| (*name).to_owned())
        })
        .unwrap_or_else(|| id.to_owned());
    let parent = seen
        .get(&["fxfyqjd_id"])
        .filter(|parent| *parent != id)
        .map(str::to_owned);
    AuditCategory {
        id: id.to_owned(),
        name,
        parent,
        required_credits: required,
        earned_credits: earned,
        missing_credits: missing,
        courses: Vec::new(),
    }
}

/// Credits to two decimals: 159 − 115.1 is 43.9, not 43.900000000000006.
fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// The few entities the site writes in attribute values.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    text.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn student_and_summary(html: &str) -> (Option<String>, AuditSummary) {
    let document = Html::parse_document(html);
    let student_id = document
        .select(&STUDENT_ID)
        .next()
        .and_then(|input| input.value().attr("value"))
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned);
    let text: String = document
        .select(&SUMMARY)
        .next()
        .map(|node| visible_text(node))
        .unwrap_or_default()
        .split(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{a0}')
        .collect();
    (student_id, summary(&text))
}

/// The summary box's counts, from its text without spaces:
/// `计划总课程40门通过30门未通过1门未修4门在读5门计划外通过1门未通过0门…GPA3.21`.
fn summary(text: &str) -> AuditSummary {
    let number = |re: &Regex, text: &str| -> Option<u32> {
        re.captures(text)
            .and_then(|c| c.get(1))
            .and_then(|m| m.as_str().parse().ok())
    };
    let (plan, outside) = match text.split_once("计划外") {
        Some((plan, outside)) => (plan, Some(outside)),
        None => (text, None),
    };
    let outside_plan = outside.and_then(|outside| {
        number(&OUTSIDE_TOTAL, outside).or_else(|| {
            let (passed, failed) = (number(&PASSED, outside), number(&FAILED, outside));
            (passed.is_some() || failed.is_some())
                .then(|| passed.unwrap_or(0) + failed.unwrap_or(0))
        })
    });
    AuditSummary {
        planned: number(&PLANNED, plan),
        passed: number(&PASSED, plan),
        failed: number(&FAILED, plan),
        in_progress: number(&IN_PROGRESS, plan),
        not_taken: number(&NOT_TAKEN, plan),
        outside_plan,
        gpa: GPA
            .captures(text)
            .and_then(|c| c.get(1))
            .and_then(|m| m.as_str().parse().ok()),
    }
}

/// The courses of one category (or outside the plan), and what in them was
/// not understood.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CourseList {
    /// The courses, in the site's order.
    pub courses: Vec<AuditCourse>,
    /// Unknown study status codes, kept as text in the courses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Parses a category's course list (`xtu parse progress-courses`).
pub fn parse_courses(body: &str) -> Result<CourseList, ParseError> {
    course_list(Page::ProgressCourses, body)
}

/// Parses the list of courses outside the plan (`xtu parse
/// progress-outside-plan`): the same rows as a category's.
pub fn parse_outside_plan(body: &str) -> Result<CourseList, ParseError> {
    course_list(Page::ProgressOutsidePlan, body)
}

fn course_list(page: Page, body: &str) -> Result<CourseList, ParseError> {
    let list: RowList<'_> = json_answer(page, body)?;
    let mut warnings = Vec::new();
    let mut courses = Vec::new();
    for (index, row) in list.into_rows().into_iter().enumerate() {
        let Some(name) = row.text(&["kcmc"]) else {
            return Err(ParseError::InvalidValue {
                page: page.name(),
                field: format!("course #{index}"),
                value: "no course name (KCMC)".into(),
            });
        };
        let code = row.text(&["kch", "kch_id"]).unwrap_or_default();
        let status = match row.text(&["xdzt"]) {
            Some(code_text) => status(&code_text).unwrap_or_else(|| {
                warnings.push(format!(
                    "{name}: unknown study status {code_text:?} (XDZT), kept as the site wrote it"
                ));
                CourseStatus::Other(code_text)
            }),
            // No status and no score: not taken.
            None => CourseStatus::NotTaken,
        };
        courses.push(AuditCourse {
            code,
            name,
            credits: row.decimal(&["xf"]),
            status,
            score: row.text(&["maxcj", "cj"]),
            grade_point: row.decimal(&["jd"]),
            term: suggested_term(&row),
            nature: row.text(&["kcxzmc"]),
            kind: row.text(&["kclbmc"]),
        });
    }
    Ok(CourseList { courses, warnings })
}

/// `XDZT` as public ZhengFang clients read it (docs/protocol.md §5.12):
/// 1 在修, 2 未过, 3 未修, 4 已修; 21 passed; 5-10 credits substituted or
/// recognised, which count as passed; the words themselves where a version
/// writes them. `None`: not known.
fn status(text: &str) -> Option<CourseStatus> {
    Some(match text {
        "4" | "21" | "已修" | "已过" | "通过" | "已通过" => CourseStatus::Passed,
        "5" | "6" | "7" | "8" | "9" | "10" => CourseStatus::Passed,
        "2" | "未过" | "未通过" => CourseStatus::Failed,
        "1" | "在修" | "在读" | "修读中" => CourseStatus::InProgress,
        "3" | "未修" | "未修读" => CourseStatus::NotTaken,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_box_in_its_words() {
        let summary = summary(
            "计划总课程40门通过30门未通过1门未修4门在读5门计划外通过1门未通过0门平均学分绩点(GPA)：3.21",
        );
        assert_eq!(
            summary,
            AuditSummary {
                planned: Some(40),
                passed: Some(30),
                failed: Some(1),
                in_progress: Some(5),
                not_taken: Some(4),
                outside_plan: Some(1),
                gpa: Some(3.21),
            }
        );
        assert_eq!(summary_of_nothing(), AuditSummary::default());
    }

    fn summary_of_nothing() -> AuditSummary {
        summary("")
    }

    #[test]
    fn categories_once_each_first_value_wins_blanks_are_filled() {
        let page = r#"<html><body><input id="xh_id" value="S1"><script>
            var a = "<li xfyqjd_id='P' fxfyqjd_id='' yxxf='' yqzdxf='10' xfyqjdmc='甲'>";
            var b = "<div xfyqjd_id=\"P\" yxxf=\"4.5\" yqzdxf=\"99\">";
            var c = "<li xfyqjd_id='C' fxfyqjd_id='P' yxxf='4.5' yqzdxf='6' sfmjd='1' xfyqjdmc='乙&amp;丙'>";
            var d = "<li fxfyqjd_id='C'>";
            var e = "<li xfyqjd_id='qtkcxfyq' fxfyqjd_id='' yxxf='' yqzdxf=''>";
        </script></body></html>"#;
        let index = parse_index(page).expect("parses");
        let audit = &index.audit;
        assert_eq!(audit.student_id, "S1");
        let ids: Vec<&str> = audit.categories.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["P", "C", "qtkcxfyq"]);
        let parent = &audit.categories[0];
        assert_eq!(
            (
                parent.required_credits,
                parent.earned_credits,
                parent.missing_credits
            ),
            (Some(10.0), Some(4.5), Some(5.5))
        );
        assert_eq!(parent.parent, None);
        assert_eq!(audit.categories[1].name, "乙&丙");
        assert_eq!(audit.categories[1].parent.as_deref(), Some("P"));
        assert_eq!(audit.categories[2].name, "其他课程");
        assert_eq!(audit.categories[2].required_credits, None);
        assert_eq!(index.course_lists, ["C", "qtkcxfyq"]);
    }

    #[test]
    fn a_page_without_the_tree_or_the_student_is_an_error() {
        assert!(matches!(
            parse(r#"<input id="xh_id" value="S1">"#),
            Err(ParseError::UnexpectedPage { .. })
        ));
        assert!(matches!(
            parse("<script>x = \"<li xfyqjd_id='P'>\";</script>"),
            Err(ParseError::UnexpectedPage { .. })
        ));
    }

    #[test]
    fn courses_in_either_case_with_unknown_codes_kept() {
        let list = parse_courses(
            r#"[{"KCH":"K1","KCMC":"甲","XF":"3.0","XDZT":"4","CJ":"88","MAXCJ":"91","JD":"4.1",
                 "JYXDXNMC":"2023-2024","JYXDXQMC":"1","KCXZMC":"必修","KCLBMC":"null"},
                {"kch":"2521100a","kcmc":"乙","xf":2,"xdzt":"99","jyxdxnm":"2024-2025","jyxdxqm":"2"},
                {"KCMC":"丙","XF":"","XDZT":""}]"#,
        )
        .expect("parses");
        let [a, b, c] = &list.courses[..] else {
            panic!("three courses: {list:?}");
        };
        assert_eq!(a.status, CourseStatus::Passed);
        assert_eq!(a.score.as_deref(), Some("91"));
        assert_eq!(a.term.as_deref(), Some("2023-2024-1"));
        assert_eq!(a.kind, None);
        assert_eq!(b.code, "2521100a");
        assert_eq!(b.status, CourseStatus::Other("99".into()));
        assert_eq!(b.term.as_deref(), Some("2024-2025-2"));
        assert_eq!((c.credits, &c.status), (None, &CourseStatus::NotTaken));
        assert_eq!(list.warnings.len(), 1);
        assert!(list.warnings[0].contains("\"99\""), "{:?}", list.warnings);
        assert!(parse_courses(r#"[{"XF":"1"}]"#).is_err());
        assert!(parse_courses(r#"{"rows":[]}"#).is_err());
    }

    /// What the whole-page regex scan found, for the scan to be held to.
    fn regex_tags(html: &str) -> Vec<&str> {
        CATEGORY_TAG.find_iter(html).map(|m| m.as_str()).collect()
    }

    #[test]
    fn the_tag_scan_finds_what_the_regex_finds_in_the_fixtures() {
        for name in [
            "progress.html",
            "progress.large.html",
            "progress.no-tree.html",
        ] {
            let path = format!("{}/../../fixtures/ems/{name}", env!("CARGO_MANIFEST_DIR"));
            let html = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let expected = regex_tags(&html);
            assert!(
                !expected.is_empty() || name.contains("no-tree"),
                "{name}: no tags"
            );
            assert_eq!(category_tags(&html).collect::<Vec<_>>(), expected, "{name}");
        }
    }

    proptest::proptest! {
        /// Pages made of the pieces that matter to the scan: brackets, both
        /// attribute names (one inside the other), quotes escaped or not;
        /// about one page in five holds a category tag.
        #[test]
        fn the_tag_scan_finds_what_the_regex_finds(pieces in proptest::collection::vec(
            proptest::sample::select(vec![
                "<", ">", "<li ", "<li xfyqjd_id='1'", "<a\tfxfyqjd_id=\"2\"",
                " xfyqjd_id=\\\"3\\\"", " ", "xfyqjd_id", "=", "\"", "x", "<br/>", "中",
            ]),
            0..40,
        )) {
            let html = pieces.concat();
            proptest::prop_assert_eq!(category_tags(&html).collect::<Vec<_>>(), regex_tags(&html));
        }
    }
}
