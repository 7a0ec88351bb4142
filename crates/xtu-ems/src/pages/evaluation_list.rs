//! 学生评价's list (`xspjgl/xspj_cxXspjIndex.html?doType=query`): jqGrid
//! JSON, one item per course and teacher.

use serde::Deserialize;
use xtu_model::{Evaluation, EvaluationKeys, EvaluationState};

use super::jqgrid::{Grid, GridPage, Scalar};
use super::{Page, ParseError, json_answer};

const PAGE: Page = Page::EvaluationList;

#[derive(Deserialize)]
struct Item<'a> {
    #[serde(default, borrow)]
    kcmc: Scalar<'a>,
    /// Course code; `kch` in some versions.
    #[serde(default, borrow)]
    kch_id: Scalar<'a>,
    #[serde(default, borrow)]
    kch: Scalar<'a>,
    /// Teacher; `jsxm` in some versions.
    #[serde(default, borrow)]
    jzgmc: Scalar<'a>,
    #[serde(default, borrow)]
    jsxm: Scalar<'a>,
    #[serde(default, borrow)]
    jxb_id: Scalar<'a>,
    #[serde(default, borrow)]
    jgh_id: Scalar<'a>,
    #[serde(default, borrow)]
    xsdm: Scalar<'a>,
    #[serde(default, borrow)]
    xsmc: Scalar<'a>,
    #[serde(default, borrow)]
    tjzt: Scalar<'a>,
    #[serde(default, borrow)]
    tjztmc: Scalar<'a>,
    #[serde(default, borrow)]
    pjmbmcb_id: Scalar<'a>,
    #[serde(default, borrow)]
    sfcjlrjs: Scalar<'a>,
}

/// `tjzt` -1 (or blank: never touched) not started, 0 saved, 1 submitted;
/// any other code is kept as unknown (with the site's label), which
/// nothing writes to.
pub fn state(tjzt: &str) -> EvaluationState {
    match tjzt.trim() {
        "" | "-1" => EvaluationState::Pending,
        "0" => EvaluationState::Saved,
        "1" => EvaluationState::Submitted,
        _ => EvaluationState::Unknown,
    }
}

/// Parses one page of the list.
pub fn parse(body: &str) -> Result<GridPage<Evaluation>, ParseError> {
    let grid: Grid<'_, Item<'_>> = json_answer(PAGE, body)?;
    grid.into_page(PAGE, |(index, item)| {
        let course = item.kcmc.text();
        let jxb_id = item.jxb_id.text();
        // Without its teaching class a form can be neither opened nor saved.
        if course.is_empty() || jxb_id.is_empty() {
            return Err(ParseError::InvalidValue {
                page: PAGE.name(),
                field: format!("evaluation #{index}"),
                value: "no course name (kcmc) or teaching class (jxb_id)".into(),
            });
        }
        let tjzt = item.tjzt.text();
        let state = state(&tjzt);
        let course_code = item.kch_id.or(&item.kch).text();
        Ok(Evaluation {
            course,
            course_code: course_code.clone(),
            teacher: item.jzgmc.or(&item.jsxm).text(),
            kind: item.xsmc.text(),
            state,
            state_label: item.tjztmc.text(),
            keys: EvaluationKeys {
                jxb_id,
                kch_id: course_code,
                jgh_id: item.jgh_id.text(),
                xsdm: item.xsdm.text(),
                tjzt,
                pjmbmcb_id: item.pjmbmcb_id.text(),
                sfcjlrjs: item.sfcjlrjs.text(),
            },
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_from_numbers_strings_and_blanks() {
        let page = parse(
            r#"{"items":[{"kcmc":"A","jxb_id":"J1","tjzt":-1},{"kcmc":"B","jxb_id":"J2","tjzt":"0"},
                         {"kcmc":"C","jxb_id":"J3","tjzt":1},{"kcmc":"D","jxb_id":"J4"},
                         {"kcmc":"E","jxb_id":"J5","tjzt":"7"}]}"#,
        )
        .expect("parses");
        let states: Vec<EvaluationState> = page.items.iter().map(|e| e.state).collect();
        assert_eq!(
            states,
            [
                EvaluationState::Pending,
                EvaluationState::Saved,
                EvaluationState::Submitted,
                EvaluationState::Pending,
                EvaluationState::Unknown
            ]
        );
    }

    #[test]
    fn an_item_without_its_teaching_class_is_an_error() {
        assert!(parse(r#"{"items":[{"kcmc":"A"}]}"#).is_err());
        assert!(parse("{}").is_err());
    }
}
