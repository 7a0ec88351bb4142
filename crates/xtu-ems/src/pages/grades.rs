//! 成绩查询 (`cjcx/cjcx_cxXsgrcj.html?doType=query`): jqGrid JSON.

use serde::Deserialize;
use xtu_model::Grade;

use super::jqgrid::{Grid, GridPage, Scalar};
use super::{Page, ParseError, json_answer};

const PAGE: Page = Page::Grades;

#[derive(Deserialize)]
struct Item<'a> {
    #[serde(default, borrow)]
    kcmc: Scalar<'a>,
    #[serde(default, borrow)]
    kch_id: Scalar<'a>,
    #[serde(default, borrow)]
    cj: Scalar<'a>,
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
    #[serde(default, borrow)]
    jsxm: Scalar<'a>,
}

/// `2024-2025-1` from the labels (`xnmmc`, `xqmmc`), else from the codes
/// (`xnm` 2024, `xqm` 3 → term 1, 12 → term 2, 16 → term 3).
fn term(item: &Item<'_>) -> String {
    let (label_year, label_term) = (item.xnmmc.text(), item.xqmmc.text());
    if !label_year.is_empty() && !label_term.is_empty() {
        return format!("{label_year}-{label_term}");
    }
    let year = item.xnm.count();
    let term = match item.xqm.text().as_str() {
        "3" => Some(1),
        "12" => Some(2),
        "16" => Some(3),
        _ => None,
    };
    match (year, term) {
        (Some(year), Some(term)) => format!("{year}-{}-{term}", year + 1),
        _ => String::new(),
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
            course_code: item.kch_id.text(),
            score: item.cj.text(),
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
    fn failures_are_errors_never_empty_lists() {
        for body in ["", "{}", r#"{"items":"x"}"#, r#"{"items":[{"cj":"90"}]}"#] {
            assert!(parse(body).is_err(), "{body:?}");
        }
    }
}
