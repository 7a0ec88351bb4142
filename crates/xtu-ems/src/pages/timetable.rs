//! 个人课表 (`kbcx/xskbcx_cxXsgrkb.html`): JSON with `kbList` (weekly
//! meetings) and `sjkList` (practice courses without meetings).

use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;
use xtu_model::weeks::{parse_sections, parse_weeks};
use xtu_model::{Course, PracticeCourse, Timetable};

use super::jqgrid::Scalar;
use super::{Page, ParseError, json_answer};

const PAGE: Page = Page::Timetable;

#[derive(Deserialize)]
struct Answer<'a> {
    #[serde(rename = "kbList", borrow)]
    kb_list: Option<Vec<Meeting<'a>>>,
    #[serde(rename = "sjkList", default, borrow)]
    sjk_list: Option<Vec<Practice<'a>>>,
    #[serde(default, borrow)]
    xsxx: Option<StudentTerm<'a>>,
}

#[derive(Deserialize)]
struct Meeting<'a> {
    #[serde(default, borrow)]
    kcmc: Scalar<'a>,
    #[serde(default, borrow)]
    xm: Scalar<'a>,
    #[serde(default, borrow)]
    cdmc: Scalar<'a>,
    #[serde(default, borrow)]
    xqj: Scalar<'a>,
    #[serde(default, borrow)]
    jcs: Scalar<'a>,
    #[serde(default, borrow)]
    zcd: Scalar<'a>,
    #[serde(default, borrow)]
    xqmc: Scalar<'a>,
    #[serde(default, borrow)]
    kch_id: Scalar<'a>,
    #[serde(default, borrow)]
    jxbmc: Scalar<'a>,
}

#[derive(Deserialize)]
struct Practice<'a> {
    #[serde(default, borrow)]
    kcmc: Scalar<'a>,
    #[serde(default, borrow)]
    xm: Scalar<'a>,
    #[serde(default, borrow)]
    zcd: Scalar<'a>,
    #[serde(default, borrow)]
    sjkcgs: Scalar<'a>,
    #[serde(default, borrow)]
    qtkcgs: Scalar<'a>,
}

/// The term the answer is about, as the site labels it.
#[derive(Deserialize)]
struct StudentTerm<'a> {
    #[serde(rename = "XNMC", default, borrow)]
    year: Scalar<'a>,
    #[serde(rename = "XQMMC", default, borrow)]
    term: Scalar<'a>,
}

/// A week expression inside free text such as `生产实习 17-18周(单)`.
static WEEKS_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    let one = r"\d{1,2}(?:\s*-\s*\d{1,2})?\s*周(?:\s*[(（][单双][)）])?";
    Regex::new(&format!("{one}(?:\\s*[,，、]\\s*{one})*"))
        .unwrap_or_else(|e| panic!("static regex: {e}"))
});

fn invalid(field: String, value: &str) -> ParseError {
    ParseError::InvalidValue {
        page: PAGE.name(),
        field,
        value: super::excerpt(value, 80),
    }
}

/// Parses the timetable answer. `term` is the site's label for the term
/// (from `xsxx`), empty when absent; the client sets the term it asked for.
pub fn parse(body: &str) -> Result<Timetable, ParseError> {
    let answer: Answer<'_> = json_answer(PAGE, body)?;
    let Some(meetings) = answer.kb_list else {
        return Err(ParseError::UnexpectedPage {
            page: PAGE.name(),
            missing: "the \"kbList\" list".into(),
        });
    };
    let mut courses = meetings
        .iter()
        .enumerate()
        .map(|(index, meeting)| course(index, meeting))
        .collect::<Result<Vec<_>, _>>()?;
    // The site's order is arbitrary: present the week as it is lived.
    courses.sort_by(|a, b| {
        (a.day_of_week, a.sections.first(), &a.name).cmp(&(
            b.day_of_week,
            b.sections.first(),
            &b.name,
        ))
    });
    let practice = answer
        .sjk_list
        .unwrap_or_default()
        .iter()
        .filter_map(practice)
        .collect();
    let term = answer
        .xsxx
        .map(|t| (t.year.text(), t.term.text()))
        .filter(|(year, term)| !year.is_empty() && !term.is_empty())
        .map(|(year, term)| format!("{year}-{term}"))
        .unwrap_or_default();
    Ok(Timetable {
        term,
        courses,
        practice,
    })
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
    let day = meeting.xqj.text();
    let day_of_week = day
        .parse::<u8>()
        .ok()
        .filter(|d| (1..=7).contains(d))
        .ok_or_else(|| invalid(format!("day of week (xqj) of {label}"), &day))?;
    let sections_text = meeting.jcs.text();
    let sections = parse_sections(&sections_text)
        .map_err(|_| invalid(format!("sections (jcs) of {label}"), &sections_text))?;
    let weeks_text = meeting.zcd.text();
    let weeks = parse_weeks(&weeks_text)
        .map_err(|_| invalid(format!("weeks (zcd) of {label}"), &weeks_text))?;
    Ok(Course {
        name,
        teacher: meeting.xm.text(),
        location: meeting.cdmc.text(),
        day_of_week,
        sections,
        weeks,
        weeks_text,
        campus: meeting.xqmc.text(),
        course_code: meeting.kch_id.text(),
        class_name: meeting.jxbmc.text(),
    })
}

/// A practice course; one without a name carries nothing worth showing.
fn practice(item: &Practice<'_>) -> Option<PracticeCourse> {
    let name = item.kcmc.non_blank()?;
    let description = item
        .sjkcgs
        .non_blank()
        .or_else(|| item.qtkcgs.non_blank())
        .unwrap_or_default();
    // Weeks are not a field of their own here: read them from `zcd` when
    // present, else from the description; unreadable means unknown, not none.
    let weeks = item
        .zcd
        .non_blank()
        .and_then(|zcd| parse_weeks(&zcd).ok())
        .or_else(|| {
            WEEKS_IN_TEXT
                .find(&description)
                .and_then(|m| parse_weeks(m.as_str()).ok())
        })
        .unwrap_or_default();
    Some(PracticeCourse {
        name,
        teacher: item.xm.text(),
        weeks,
        description,
    })
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
    fn a_missing_list_is_an_error_an_empty_one_is_not() {
        assert!(parse(r#"{"sjkList":[]}"#).is_err());
        assert!(parse(r#"{"kbList":null}"#).is_err());
        let empty = parse(r#"{"kbList":[]}"#).expect("parses");
        assert!(empty.courses.is_empty() && empty.practice.is_empty());
    }
}
