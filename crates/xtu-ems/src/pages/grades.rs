//! 成绩查询 (`cjcx/cjcx_cxXsgrcj.html?doType=query`): jqGrid JSON.

use serde::Deserialize;
use xtu_model::{Grade, Term};

use super::jqgrid::{Grid, GridPage, Scalar};
use super::{Page, ParseError, json_answer};

const PAGE: Page = Page::Grades;

#[derive(Deserialize)]
struct Item<'a> {
    #[serde(default, borrow)]
    kcmc: Scalar<'a>,
    /// Course code; `kch` in some versions.
    #[serde(default, borrow)]
    kch_id: Scalar<'a>,
    #[serde(default, borrow)]
    kch: Scalar<'a>,
    /// The score as shown (`92`, `优秀`); `bfzcj` is the percentage score,
    /// the only one in some answers.
    #[serde(default, borrow)]
    cj: Scalar<'a>,
    #[serde(default, borrow)]
    bfzcj: Scalar<'a>,
    #[serde(default, borrow)]
    jd: Scalar<'a>,
    #[serde(default, borrow)]
    xf: Scalar<'a>,
    #[serde(default, borrow)]
    kcxzmc: Scalar<'a>,
    #[serde(default, borrow)]
    xnmmc: Scalar<'a>,
    #[serde(default, borrow)]
    xqmmc: Scalar<'a>,
    #[serde(default, borrow)]
    xnm: Scalar<'a>,
    #[serde(default, borrow)]
    xqm: Scalar<'a>,
    /// The teacher. (`xm` in a grade item is the student's own name.)
    #[serde(default, borrow)]
    jsxm: Scalar<'a>,
}

/// `2024-2025-1` from the labels (`xnmmc`, `xqmmc`) or the codes (`xnm`
/// 2024, `xqm` 3 → term 1, 12 → term 2, 16 → term 3); labels that are not
/// a term as such are kept as the site wrote them.
fn term(item: &Item<'_>) -> String {
    let (label_year, label_term) = (item.xnmmc.text(), item.xqmmc.text());
    match Term::from_site(&item.xnm.text(), &label_year, &item.xqm.text(), &label_term) {
        Some(term) => term.to_string(),
        None if !label_year.is_empty() && !label_term.is_empty() => {
            format!("{label_year}-{label_term}")
        }
        None => String::new(),
    }
}

/// Parses one page of the grades answer.
pub fn parse(body: &str) -> Result<GridPage<Grade>, ParseError> {
    let grid: Grid<'_, Item<'_>> = json_answer(PAGE, body)?;
    grid.into_page(PAGE, |(index, item)| {
        let course = item.kcmc.text();
        if course.is_empty() {
            return Err(ParseError::InvalidValue {
                page: PAGE.name(),
                field: format!("grade #{index}"),
                value: "no course name (kcmc)".into(),
            });
        }
        Ok(Grade {
            term: term(&item),
            course,
            course_code: item.kch_id.or(&item.kch).text(),
            score: item.cj.or(&item.bfzcj).text(),
            grade_point: item.jd.decimal(),
            credits: item.xf.decimal(),
            course_type: item.kcxzmc.text(),
            teacher: item.jsxm.text(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_numbers_or_strings_and_terms_from_codes() {
        let page = parse(
            r#"{"items":[{"kcmc":"A","cj":"优秀","jd":4.5,"xf":"1.0","xnmmc":"2024-2025","xqmmc":"2"},
                         {"kcmc":"B","cj":88,"jd":"","xf":"x","xnm":"2023","xqm":"3"}],"totalPage":"1"}"#,
        )
        .expect("parses");
        assert_eq!(page.items[0].term, "2024-2025-2");
        assert_eq!(
            (page.items[0].grade_point, page.items[0].credits),
            (Some(4.5), Some(1.0))
        );
        assert_eq!(page.items[1].term, "2023-2024-1");
        assert_eq!(page.items[1].score, "88");
        assert_eq!(
            (page.items[1].grade_point, page.items[1].credits),
            (None, None)
        );
    }

    #[test]
    fn fields_under_their_other_names() {
        let page = parse(
            r#"{"items":[{"kcmc":"A","kch":"K1","bfzcj":"91","xm":"张三","jsxm":"教师甲",
                          "xnm":2024,"xqm":16,"xnmmc":"2024-2025","xqmmc":"3"}]}"#,
        )
        .expect("parses");
        let grade = &page.items[0];
        assert_eq!(
            (
                grade.course_code.as_str(),
                grade.score.as_str(),
                grade.teacher.as_str()
            ),
            ("K1", "91", "教师甲")
        );
        assert_eq!(grade.term, "2024-2025-3");
    }

    #[test]
    fn failures_are_errors_never_empty_lists() {
        for body in ["", "{}", r#"{"items":"x"}"#, r#"{"items":[{"cj":"90"}]}"#] {
            assert!(parse(body).is_err(), "{body:?}");
        }
    }
}
