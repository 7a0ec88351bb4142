//! 培养方案, the programme plan (module N153540): the plan page
//! (`jxzxjhgl/jxzxjhck_cxJxzxjhckIndex.html`, HTML, whose selects hold the
//! student's own college, grade and major pre-selected), its query (the same
//! path with `doType=query`: the plan's id, jqGrid JSON), the plan's courses
//! (`jxzxjhgl/jxzxjhkcxx_cxJxzxjhkcxxIndex.html?doType=query`, jqGrid JSON
//! with lower-case keys) and the majors of a college
//! (`xtgl/comm_cxZydmList.html`, a bare array).

use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};
use serde::Serialize;
use xtu_model::{Major, PlanChoice, PlanCourse, PlanSelection};

use super::jqgrid::{Grid, GridPage};
use super::rows::{Row, RowList, suggested_term};
use super::{Page, ParseError, json_answer, normalize, recognize_error_page, sel};

static SELECTS: LazyLock<Selector> = LazyLock::new(|| sel("select"));
static SELECTED: LazyLock<Selector> = LazyLock::new(|| sel("option[selected]"));

/// Which select a name or id is: `jg_id`, `jg_id_cx`, `njdm_id`...
fn select_kind(element: &ElementRef<'_>) -> Option<&'static str> {
    let value = element.value();
    [value.id(), value.attr("name")]
        .into_iter()
        .flatten()
        .find_map(|name| {
            ["jg_id", "njdm_id", "zyh_id"]
                .into_iter()
                .find(|kind| name == *kind || name.starts_with(&format!("{kind}_")))
        })
}

/// Parses the plan page (`xtu parse plan-page`): the pre-selected college,
/// grade and major.
pub fn parse_page(html: &str) -> Result<PlanSelection, ParseError> {
    if let Some(error) = recognize_error_page(html) {
        return Err(error);
    }
    let document = Html::parse_document(html);
    let mut selection = PlanSelection {
        college: None,
        grade: None,
        major: None,
    };
    let mut found = false;
    for select in document.select(&SELECTS) {
        let Some(kind) = select_kind(&select) else {
            continue;
        };
        found = true;
        let chosen = select.select(&SELECTED).next().and_then(|option| {
            let code = option.value().attr("value")?.trim().to_owned();
            let name = normalize(&option.text().collect::<String>());
            (!code.is_empty()).then_some(PlanChoice {
                code,
                name: (!name.is_empty()).then_some(name),
            })
        });
        match kind {
            "jg_id" => selection.college = selection.college.take().or(chosen),
            "zyh_id" => selection.major = selection.major.take().or(chosen),
            _ => {
                selection.grade = selection
                    .grade
                    .take()
                    .or_else(|| chosen.map(|choice| choice.code))
            }
        }
    }
    if !found {
        return Err(ParseError::UnexpectedPage {
            page: Page::PlanPage.name(),
            missing: "the college, grade and major selects (jg_id, njdm_id, zyh_id)".into(),
        });
    }
    Ok(selection)
}

/// A plan found by the plan query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanListing {
    /// The plan's id (`jxzxjhxx_id`), for its courses.
    pub id: String,
    /// College (`jg_id`, `jgmc`).
    pub college: Option<PlanChoice>,
    /// Major (`zyh_id`, `zymc`).
    pub major: Option<PlanChoice>,
    /// Grade (`njdm_id`, `njmc`).
    pub grade: Option<String>,
}

fn choice(row: &Row<'_>, code: &[&str], name: &[&str]) -> Option<PlanChoice> {
    let name = row.text(name);
    match row.text(code) {
        Some(code) => Some(PlanChoice { code, name }),
        None => name.map(|name| PlanChoice {
            code: String::new(),
            name: Some(name),
        }),
    }
}

/// Parses the plan query's answer (`xtu parse plan-query`): the plans found.
pub fn parse_query(body: &str) -> Result<Vec<PlanListing>, ParseError> {
    let page = Page::PlanQuery;
    let list: RowList<'_> = json_answer(page, body)?;
    let mut plans = Vec::new();
    for (index, row) in list.into_rows().into_iter().enumerate() {
        let Some(id) = row.text(&["jxzxjhxx_id"]) else {
            return Err(ParseError::InvalidValue {
                page: page.name(),
                field: format!("plan #{index}"),
                value: "no plan id (jxzxjhxx_id)".into(),
            });
        };
        plans.push(PlanListing {
            id,
            college: choice(&row, &["jg_id"], &["jgmc"]),
            major: choice(&row, &["zyh_id"], &["zymc"]),
            grade: row.text(&["njdm_id", "njdm", "njmc"]),
        });
    }
    Ok(plans)
}

/// Parses one page of the plan's courses (`xtu parse plan`).
pub fn parse(body: &str) -> Result<GridPage<PlanCourse>, ParseError> {
    let page = Page::Plan;
    let grid: Grid<'_, Row<'_>> = json_answer(page, body)?;
    grid.into_page(page, |(index, row)| {
        let Some(name) = row.text(&["kcmc"]) else {
            return Err(ParseError::InvalidValue {
                page: page.name(),
                field: format!("course #{index}"),
                value: "no course name (kcmc)".into(),
            });
        };
        Ok(PlanCourse {
            code: row.text(&["kch", "kch_id"]).unwrap_or_default(),
            name,
            credits: row.decimal(&["xf"]),
            nature: row.text(&["kcxzmc"]),
            category: row.text(&["xfyqjdmc", "kclbmc"]),
            term: suggested_term(&row),
            assessment: row.text(&["khfsmc", "khfsdm"]),
        })
    })
}

/// Parses the majors of a college (`xtu parse majors`).
pub fn parse_majors(body: &str) -> Result<Vec<Major>, ParseError> {
    let page = Page::Majors;
    let list: RowList<'_> = json_answer(page, body)?;
    Ok(list
        .into_rows()
        .into_iter()
        .filter_map(|row| {
            Some(Major {
                code: row.text(&["zyh_id", "zyh"])?,
                name: row.text(&["zymc"])?,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pre_selected_options() {
        let selection = parse_page(
            r#"<form><select id="jg_id_cx" name="jg_id"><option value="">全部</option>
               <option value="05" selected="selected">信息工程学院</option></select>
               <select name="njdm_id"><option value="2022" selected>2022</option></select>
               <select id="zyh_id"><option value="0501">计算机</option></select></form>"#,
        )
        .expect("parses");
        assert_eq!(
            selection.college,
            Some(PlanChoice {
                code: "05".into(),
                name: Some("信息工程学院".into())
            })
        );
        assert_eq!(selection.grade.as_deref(), Some("2022"));
        assert_eq!(selection.major, None);
        assert!(parse_page("<html><body>nothing</body></html>").is_err());
    }

    #[test]
    fn plan_courses_with_strings_numbers_and_nulls() {
        let page = parse(
            r#"{"items":[{"kch":"2521100a","kcmc":"甲","xf":"3.0","kcxzmc":"必修","xfyqjdmc":"专业核心",
                          "jyxdxnm":"2023-2024","jyxdxqm":"2","khfsdm":"null","zxs":48},
                         {"kch":"K2","kcmc":"乙","xf":1.5,"jyxdxnm":"2024","jyxdxqm":"3","khfsmc":"考查"}],
                "totalPage":1}"#,
        )
        .expect("parses");
        let [a, b] = &page.items[..] else {
            panic!("two courses");
        };
        assert_eq!((a.code.as_str(), a.credits), ("2521100a", Some(3.0)));
        assert_eq!(a.term.as_deref(), Some("2023-2024-2"));
        assert_eq!(a.assessment, None);
        assert_eq!(b.term.as_deref(), Some("2024-2025-1"));
        assert_eq!(b.assessment.as_deref(), Some("考查"));
    }

    #[test]
    fn plan_query_and_majors() {
        let plans = parse_query(
            r#"{"items":[{"jxzxjhxx_id":"ABC","jg_id":"05","jgmc":"信息工程学院","zyh_id":"0501","zymc":"计算机","njdm_id":"2022"}]}"#,
        )
        .expect("parses");
        assert_eq!(plans[0].id, "ABC");
        assert_eq!(plans[0].grade.as_deref(), Some("2022"));
        assert!(parse_query(r#"{"items":[{"zymc":"x"}]}"#).is_err());
        let majors = parse_majors(r#"[{"ZYH_ID":"0501","ZYMC":"计算机"},{"zyh_id":"0502"}]"#)
            .expect("parses");
        assert_eq!(
            majors,
            [Major {
                code: "0501".into(),
                name: "计算机".into()
            }]
        );
    }
}
