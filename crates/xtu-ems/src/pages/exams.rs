//! 考试信息 (`kwgl/kscx_cxXsksxxIndex.html?doType=query`): jqGrid JSON.

use serde::Deserialize;
use xtu_model::{Exam, parse_exam_time};

use super::jqgrid::{Grid, GridPage, Scalar};
use super::{Page, ParseError, json_answer};

const PAGE: Page = Page::Exams;

#[derive(Deserialize)]
struct Item<'a> {
    #[serde(default, borrow)]
    kcmc: Scalar<'a>,
    #[serde(default, borrow)]
    ksmc: Scalar<'a>,
    #[serde(default, borrow)]
    kssj: Scalar<'a>,
    #[serde(default, borrow)]
    cdmc: Scalar<'a>,
    /// Campus of the room; `xqmc` in some versions.
    #[serde(default, borrow)]
    cdxqmc: Scalar<'a>,
    #[serde(default, borrow)]
    xqmc: Scalar<'a>,
    #[serde(default, borrow)]
    zwh: Scalar<'a>,
    /// Assessment kind; `khfsmc` in some versions.
    #[serde(default, borrow)]
    khfs: Scalar<'a>,
    #[serde(default, borrow)]
    khfsmc: Scalar<'a>,
    #[serde(default, borrow)]
    ksfs: Scalar<'a>,
    /// Course code; `kch_id` in some versions.
    #[serde(default, borrow)]
    kch: Scalar<'a>,
    #[serde(default, borrow)]
    kch_id: Scalar<'a>,
}

/// Parses one page of the exam answer. A time the site has not fixed yet
/// (`待定`) leaves date and times `None`, with the text kept.
pub fn parse(body: &str) -> Result<GridPage<Exam>, ParseError> {
    let grid: Grid<'_, Item<'_>> = json_answer(PAGE, body)?;
    grid.into_page(PAGE, |(index, item)| {
        let course = item.kcmc.text();
        if course.is_empty() {
            return Err(ParseError::InvalidValue {
                page: PAGE.name(),
                field: format!("exam #{index}"),
                value: "no course name (kcmc)".into(),
            });
        }
        let time_text = item.kssj.text();
        let when = parse_exam_time(&time_text);
        Ok(Exam {
            course,
            exam_name: item.ksmc.text(),
            date: when.map(|(date, _, _)| date),
            start: when.map(|(_, start, _)| start),
            end: when.map(|(_, _, end)| end),
            time_text,
            location: item.cdmc.non_blank(),
            campus: item.cdxqmc.or(&item.xqmc).non_blank(),
            seat: item.zwh.non_blank(),
            assessment: item.khfs.or(&item.khfsmc).text(),
            method: item.ksfs.text(),
            course_code: item.kch.or(&item.kch_id).text(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_times_and_missing_rooms() {
        let page = parse(
            r#"{"items":[{"kcmc":"A","kssj":"2026-01-10(10:30-12:30)","cdmc":"一教楼-102","zwh":17},
                         {"kcmc":"B","kssj":"待定","cdmc":""}],"totalPage":1}"#,
        )
        .expect("parses");
        assert_eq!(page.items[0].seat.as_deref(), Some("17"));
        assert_eq!(
            page.items[0].start.map(|t| t.to_string()).as_deref(),
            Some("10:30:00")
        );
        assert_eq!(page.items[1].date, None);
        assert_eq!(page.items[1].location, None);
        assert_eq!(page.items[1].time_text, "待定");
    }

    #[test]
    fn failures_are_errors_never_empty_lists() {
        for body in [
            "",
            "{}",
            r#"{"items":null}"#,
            r#"{"items":[{"kssj":"x"}]}"#,
            "[]",
        ] {
            assert!(parse(body).is_err(), "{body:?}");
        }
    }
}
