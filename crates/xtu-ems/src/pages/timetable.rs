//! 个人课表 (`kbcx/xskbcx_cxXsgrkb.html`): JSON with `kbList` (weekly
//! meetings) and `sjkList` (practice courses without meetings).

use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;
use xtu_model::weeks::{parse_sections, parse_weeks};
use xtu_model::{Course, PracticeCourse, Term, Timetable};

use super::jqgrid::Scalar;
use super::{Page, ParseError, json_answer};

const PAGE: Page = Page::Timetable;

/// The answer. Every list may be absent: jwglxt's JSON writer leaves out
/// empty (null) lists rather than sending `[]`.
#[derive(Deserialize)]
struct Answer<'a> {
    #[serde(rename = "kbList", borrow)]
    kb_list: Option<Vec<Meeting<'a>>>,
    #[serde(rename = "sjkList", default, borrow)]
    sjk_list: Option<Vec<Practice<'a>>>,
    #[serde(default, borrow)]
    xsxx: Option<Header<'a>>,
}

/// The term of ZhengFang's four term fields (codes and labels).
fn site_term(
    xnm: &Scalar<'_>,
    xnmc: &Scalar<'_>,
    xqm: &Scalar<'_>,
    xqmmc: &Scalar<'_>,
) -> Option<Term> {
    Term::from_site(&xnm.text(), &xnmc.text(), &xqm.text(), &xqmmc.text())
}

#[derive(Deserialize)]
struct Meeting<'a> {
    #[serde(default, borrow)]
    kcmc: Scalar<'a>,
    /// Teacher(s); `jsxm` in some versions.
    #[serde(default, borrow)]
    xm: Scalar<'a>,
    #[serde(default, borrow)]
    jsxm: Scalar<'a>,
    /// Room; `jxcdmc` in some versions.
    #[serde(default, borrow)]
    cdmc: Scalar<'a>,
    #[serde(default, borrow)]
    jxcdmc: Scalar<'a>,
    /// Day as a number (sometimes a string); `xqjmc` names it (星期一).
    #[serde(default, borrow)]
    xqj: Scalar<'a>,
    #[serde(default, borrow)]
    xqjmc: Scalar<'a>,
    /// Sections `1-2`; `jcor` and `jc` (`1-2节`) say the same in most
    /// answers and stand in when `jcs` is missing.
    #[serde(default, borrow)]
    jcs: Scalar<'a>,
    #[serde(default, borrow)]
    jcor: Scalar<'a>,
    #[serde(default, borrow)]
    jc: Scalar<'a>,
    #[serde(default, borrow)]
    zcd: Scalar<'a>,
    #[serde(default, borrow)]
    xqmc: Scalar<'a>,
    #[serde(default, borrow)]
    kch_id: Scalar<'a>,
    #[serde(default, borrow)]
    kch: Scalar<'a>,
    #[serde(default, borrow)]
    jxbmc: Scalar<'a>,
    /// The term, on every item (names or codes).
    #[serde(default, borrow)]
    xnm: Scalar<'a>,
    #[serde(default, borrow)]
    xnmc: Scalar<'a>,
    #[serde(default, borrow)]
    xqm: Scalar<'a>,
    #[serde(default, borrow)]
    xqmmc: Scalar<'a>,
}

/// A practice course (`sfsjk: "1"`): no day or sections, whole weeks.
#[derive(Deserialize)]
struct Practice<'a> {
    #[serde(default, borrow)]
    kcmc: Scalar<'a>,
    /// Teacher(s), comma-separated; `xm` only in answers that lack `jsxm`.
    #[serde(default, borrow)]
    jsxm: Scalar<'a>,
    #[serde(default, borrow)]
    xm: Scalar<'a>,
    /// Weeks (`1-16周`).
    #[serde(default, borrow)]
    qsjsz: Scalar<'a>,
    #[serde(default, borrow)]
    zcd: Scalar<'a>,
    /// Description, e.g. `课程设计（数据库）●教师卯(共16周)/1-16周`.
    #[serde(default, borrow)]
    sjkcgs: Scalar<'a>,
    #[serde(default, borrow)]
    qtkcgs: Scalar<'a>,
    /// The term, on every item (names or codes).
    #[serde(default, borrow)]
    xnm: Scalar<'a>,
    #[serde(default, borrow)]
    xnmc: Scalar<'a>,
    #[serde(default, borrow)]
    xqm: Scalar<'a>,
    #[serde(default, borrow)]
    xqmmc: Scalar<'a>,
}

/// The student/term header (`xsxx`): upper-case keys, `XQMMC` only
/// sometimes.
#[derive(Deserialize)]
struct Header<'a> {
    #[serde(rename = "XNM", default, borrow)]
    year_code: Scalar<'a>,
    #[serde(rename = "XNMC", default, borrow)]
    year_label: Scalar<'a>,
    #[serde(rename = "XQM", default, borrow)]
    term_code: Scalar<'a>,
    #[serde(rename = "XQMMC", default, borrow)]
    term_label: Scalar<'a>,
    /// The same header with lower-case keys, as other answers write it.
    /// The term, on every item (names or codes).
    #[serde(default, borrow)]
    xnm: Scalar<'a>,
    #[serde(default, borrow)]
    xnmc: Scalar<'a>,
    #[serde(default, borrow)]
    xqm: Scalar<'a>,
    #[serde(default, borrow)]
    xqmmc: Scalar<'a>,
}

impl Header<'_> {
    fn term(&self) -> Option<Term> {
        site_term(
            self.year_code.or(&self.xnm),
            self.year_label.or(&self.xnmc),
            self.term_code.or(&self.xqm),
            self.term_label.or(&self.xqmmc),
        )
    }
}

impl Meeting<'_> {
    fn term(&self) -> Option<Term> {
        site_term(&self.xnm, &self.xnmc, &self.xqm, &self.xqmmc)
    }
}

impl Practice<'_> {
    fn term(&self) -> Option<Term> {
        site_term(&self.xnm, &self.xnmc, &self.xqm, &self.xqmmc)
    }
}

/// A week expression inside free text such as `生产实习 17-18周(单)`.
static WEEKS_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    let one = r"\d{1,2}(?:\s*-\s*\d{1,2})?\s*周(?:\s*[(（][单双][)）])?";
    Regex::new(&format!("{one}(?:\\s*[,，、]\\s*{one})*"))
        .unwrap_or_else(|e| panic!("static regex: {e}"))
});

/// A count of weeks, `(共16周)`: never a week number.
static WEEK_COUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[(（]?\s*共\s*\d+\s*周\s*[)）]?").unwrap_or_else(|e| panic!("static regex: {e}"))
});

/// Room text that means "no room".
const NO_ROOM: &str = "未排地点";

fn invalid(field: String, value: &str) -> ParseError {
    ParseError::InvalidValue {
        page: PAGE.name(),
        field,
        value: super::excerpt(value, 80),
    }
}

/// Parses the timetable answer. The term is the header's (`xsxx`), else
/// that of the first item that names one; an answer naming no term at all
/// is not a timetable.
pub fn parse(body: &str) -> Result<Timetable, ParseError> {
    let answer: Answer<'_> = json_answer(PAGE, body)?;
    // No meeting list is an empty week only when the answer lists practice
    // courses instead; with neither, it is not the timetable.
    if answer.kb_list.is_none() && answer.sjk_list.is_none() {
        return Err(ParseError::UnexpectedPage {
            page: PAGE.name(),
            missing: "the \"kbList\" list".into(),
        });
    }
    let meetings = answer.kb_list.unwrap_or_default();
    let practice_items = answer.sjk_list.unwrap_or_default();
    let mut courses = meetings
        .iter()
        .enumerate()
        .map(|(index, meeting)| course(index, meeting))
        .collect::<Result<Vec<_>, _>>()?;
    let term = answer
        .xsxx
        .as_ref()
        .and_then(Header::term)
        .or_else(|| meetings.iter().find_map(Meeting::term))
        .or_else(|| practice_items.iter().find_map(Practice::term))
        .ok_or_else(|| ParseError::UnexpectedPage {
            page: PAGE.name(),
            missing: "the term (xsxx XQMMC or XNM/XQM, or xnm/xqm on a course)".into(),
        })?;
    // The site's order is arbitrary: present the week as it is lived.
    courses.sort_by(|a, b| {
        (a.day_of_week, a.sections.first(), &a.name).cmp(&(
            b.day_of_week,
            b.sections.first(),
            &b.name,
        ))
    });
    let practice = practice_items.iter().filter_map(practice).collect();
    Ok(Timetable {
        term: term.to_string(),
        courses,
        practice,
    })
}

/// `1` or `星期一`/`周一` (the site's day names) → 1.
fn day_of_week(number: &Scalar<'_>, name: &Scalar<'_>) -> Option<u8> {
    if let Some(day) = number.count() {
        return u8::try_from(day).ok().filter(|d| (1..=7).contains(d));
    }
    let name = name.text();
    let last = name.chars().last()?;
    (name.starts_with("星期") || name.starts_with('周'))
        .then(|| "一二三四五六日".chars().position(|c| c == last))
        .flatten()
        .or_else(|| (last == '天').then_some(6))
        .and_then(|i| u8::try_from(i + 1).ok())
}

fn course(index: usize, meeting: &Meeting<'_>) -> Result<Course, ParseError> {
    let name = meeting.kcmc.text();
    let label = if name.is_empty() {
        format!("course #{index}")
    } else {
        name.clone()
    };
    if name.is_empty() {
        return Err(invalid(label, "no name (kcmc)"));
    }
    let day_of_week = day_of_week(&meeting.xqj, &meeting.xqjmc).ok_or_else(|| {
        invalid(
            format!("day of week (xqj) of {label}"),
            &meeting.xqj.or(&meeting.xqjmc).text(),
        )
    })?;
    let sections_text = meeting.jcs.or(&meeting.jcor).or(&meeting.jc).text();
    let sections = parse_sections(&sections_text)
        .map_err(|_| invalid(format!("sections (jcs) of {label}"), &sections_text))?;
    let weeks_text = meeting.zcd.text();
    let weeks = parse_weeks(&weeks_text)
        .map_err(|_| invalid(format!("weeks (zcd) of {label}"), &weeks_text))?;
    let location = meeting.cdmc.or(&meeting.jxcdmc).text();
    Ok(Course {
        name,
        teacher: meeting.xm.or(&meeting.jsxm).text(),
        location: if location == NO_ROOM {
            String::new()
        } else {
            location
        },
        day_of_week,
        sections,
        weeks,
        weeks_text,
        campus: meeting.xqmc.text(),
        course_code: meeting.kch_id.or(&meeting.kch).text(),
        class_name: meeting.jxbmc.text(),
    })
}

/// A practice course; one without a name carries nothing worth showing.
fn practice(item: &Practice<'_>) -> Option<PracticeCourse> {
    let name = item.kcmc.non_blank()?;
    let description = item.sjkcgs.or(&item.qtkcgs).text();
    // Weeks from their own field when readable, else from a description;
    // unreadable means unknown (empty), never a guess.
    let weeks = [&item.qsjsz, &item.zcd]
        .into_iter()
        .find_map(|field| parse_weeks(&field.non_blank()?).ok())
        .or_else(|| {
            [&item.sjkcgs, &item.qtkcgs]
                .into_iter()
                .find_map(|text| weeks_in_description(&text.text()))
        })
        .unwrap_or_default();
    Some(PracticeCourse {
        name,
        teacher: item.jsxm.or(&item.xm).text(),
        weeks,
        description,
    })
}

/// The weeks of a description: `…●教师卯(共16周)/1-16周` names them after
/// the `/` (the `(共16周)` before it is a count); older texts put them
/// anywhere (`生产实习 17-18周(单)`).
fn weeks_in_description(text: &str) -> Option<Vec<u8>> {
    let without_counts = WEEK_COUNT.replace_all(text, " ");
    let after_slash = without_counts.split_once('/').map(|(_, rest)| rest);
    after_slash
        .into_iter()
        .chain([without_counts.as_ref()])
        .find_map(|part| parse_weeks(WEEKS_IN_TEXT.find(part)?.as_str()).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_meetings_and_sorts_them_by_time() {
        let body = r#"{"kbList":[
            {"kcmc":"B","xm":"t","cdmc":"r","xqj":"3","jcs":"5-6","zcd":"1-16周(单)"},
            {"kcmc":"A","xqj":1,"jcs":"1-2","zcd":"1-2周,4周"}
        ],"sjkList":[{"kcmc":"实习","sjkcgs":"实习 教师 17-18周"},{"kcmc":""}],
        "xsxx":{"XNMC":"2025-2026","XQMMC":"1"}}"#;
        let timetable = parse(body).expect("parses");
        assert_eq!(timetable.term, "2025-2026-1");
        assert_eq!(timetable.courses[0].name, "A");
        assert_eq!(timetable.courses[0].weeks, vec![1, 2, 4]);
        assert_eq!(timetable.courses[1].sections, vec![5, 6]);
        assert_eq!(timetable.courses[1].weeks.len(), 8);
        assert_eq!(timetable.practice.len(), 1);
        assert_eq!(timetable.practice[0].weeks, vec![17, 18]);
    }

    #[test]
    fn bad_values_are_named() {
        for (body, named) in [
            (
                r#"{"kbList":[{"kcmc":"A","xqj":"8","jcs":"1-2","zcd":"1周"}]}"#,
                "day of week",
            ),
            (
                r#"{"kbList":[{"kcmc":"A","xqj":"1","jcs":"1-20","zcd":"1周"}]}"#,
                "sections",
            ),
            (
                r#"{"kbList":[{"kcmc":"A","xqj":"1","jcs":"1-2","zcd":"第一周"}]}"#,
                "weeks",
            ),
            (
                r#"{"kbList":[{"xqj":"1","jcs":"1-2","zcd":"1周"}]}"#,
                "course #0",
            ),
        ] {
            let error = parse(body).expect_err(body).to_string();
            assert!(error.contains(named), "{error}");
        }
    }

    #[test]
    fn missing_lists_and_terms() {
        let header = r#""xsxx":{"XNM":"2025","XQM":"3"}"#;
        // Neither list: not the timetable.
        assert!(parse(&format!("{{{header}}}")).is_err());
        assert!(parse(&format!(r#"{{"kbList":null,{header}}}"#)).is_err());
        // One list, even empty, is a (possibly empty) timetable.
        let empty = parse(&format!(r#"{{"kbList":[],{header}}}"#)).expect("parses");
        assert!(empty.courses.is_empty() && empty.practice.is_empty());
        assert_eq!(empty.term, "2025-2026-1");
        let practice =
            parse(&format!(r#"{{"sjkList":[{{"kcmc":"实习"}}],{header}}}"#)).expect("parses");
        assert_eq!(practice.practice.len(), 1);
        // No term anywhere: never an empty term.
        let error = parse(r#"{"kbList":[]}"#).expect_err("no term").to_string();
        assert!(error.contains("the term"), "{error}");
    }

    #[test]
    fn the_term_from_the_header_or_the_items() {
        let term = |body: &str| parse(body).map(|t| t.term);
        // XQM 3 is the first term, not the third.
        assert_eq!(
            term(r#"{"kbList":[],"xsxx":{"XNM":"2025","XNMC":"2025-2026","XQM":"3"}}"#),
            Ok("2025-2026-1".into())
        );
        assert_eq!(
            term(r#"{"kbList":[],"xsxx":{"XNMC":"2025-2026","XQM":12}}"#),
            Ok("2025-2026-2".into())
        );
        assert_eq!(
            term(r#"{"kbList":[],"xsxx":{"XNM":2024,"XQM":"16"}}"#),
            Ok("2024-2025-3".into())
        );
        assert_eq!(
            term(r#"{"kbList":[],"xsxx":{"XNM":"2025","XQM":"3","XQMMC":"2"}}"#),
            Ok("2025-2026-2".into())
        );
        assert_eq!(
            term(
                r#"{"kbList":[{"kcmc":"A","xqj":1,"jcs":"1-2","zcd":"1周","xnm":"2025","xqm":"12"}],"xsxx":{}}"#
            ),
            Ok("2025-2026-2".into())
        );
        assert_eq!(
            term(r#"{"kbList":[],"sjkList":[{"kcmc":"A","xnmc":"2024-2025","xqmmc":"3"}]}"#),
            Ok("2024-2025-3".into())
        );
    }

    #[test]
    fn practice_teachers_and_weeks_as_the_site_writes_them() {
        let body = r#"{"kbList":[],"xsxx":{"XNM":"2025","XQM":"3"},"sjkList":[
            {"kcmc":"课程设计（数据库）","jsxm":"教师卯,教师辰","sjkcgs":"课程设计（数据库）●教师卯(共16周)/1-16周"},
            {"kcmc":"生产实习","jsxm":"教师巳","qsjsz":"17-18周","sjkcgs":"生产实习●教师巳(共2周)/17-18周"},
            {"kcmc":"毕业设计","sjkcgs":"毕业设计●教师午(共4周)"},
            {"kcmc":"C/C++实训","qtkcgs":"C/C++实训 (共2周)/3-4周"}
        ]}"#;
        let practice = parse(body).expect("parses").practice;
        assert_eq!(practice[0].teacher, "教师卯,教师辰");
        assert_eq!(practice[0].weeks, (1..=16).collect::<Vec<u8>>());
        assert_eq!(practice[1].weeks, vec![17, 18]);
        // A count alone says nothing about which weeks.
        assert_eq!(practice[2].weeks, Vec::<u8>::new());
        assert_eq!(practice[3].weeks, vec![3, 4]);
    }

    #[test]
    fn meeting_fields_under_their_other_names() {
        let body = r#"{"kbList":[{"kcmc":"A","jsxm":"t","jxcdmc":"未排地点","xqjmc":"星期日",
            "jc":"3-4节","zcd":"1周","kch":"K1"}],"xsxx":{"XNM":"2025","XQM":"3"}}"#;
        let course = &parse(body).expect("parses").courses[0];
        assert_eq!(
            (
                course.teacher.as_str(),
                course.location.as_str(),
                course.day_of_week
            ),
            ("t", "", 7)
        );
        assert_eq!(
            (course.sections.clone(), course.course_code.as_str()),
            (vec![3, 4], "K1")
        );
    }
}
