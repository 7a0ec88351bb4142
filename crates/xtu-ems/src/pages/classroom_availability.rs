//! 查询空闲教室 (`cdjy/cdjy_cxKxcdlb.html?doType=query`): jqGrid JSON.
//! Numbers arrive as numbers or strings; noise keys are skipped unread.

use serde::Deserialize;
use xtu_model::{Classroom, ClassroomPage};

use super::jqgrid::{Grid, Scalar};
use super::{Page, ParseError, json_answer};

const PAGE: Page = Page::ClassroomAvailability;

#[derive(Deserialize)]
struct Room<'a> {
    #[serde(default, borrow)]
    cd_id: Scalar<'a>,
    #[serde(default, borrow)]
    cdbh: Scalar<'a>,
    #[serde(default, borrow)]
    cdmc: Scalar<'a>,
    #[serde(default, borrow)]
    cdlbmc: Scalar<'a>,
    #[serde(default, borrow)]
    jxlmc: Scalar<'a>,
    #[serde(default, borrow)]
    lh: Scalar<'a>,
    #[serde(default, borrow)]
    lch: Scalar<'a>,
    #[serde(default, borrow)]
    xqh_id: Scalar<'a>,
    #[serde(default, borrow)]
    xqmc: Scalar<'a>,
    #[serde(default, borrow)]
    zws: Scalar<'a>,
    #[serde(default, borrow)]
    kszws1: Scalar<'a>,
}

/// Parses one page of the free-classroom answer.
pub fn parse(body: &str) -> Result<ClassroomPage, ParseError> {
    let grid: Grid<'_, Room<'_>> = json_answer(PAGE, body)?;
    let total_result = grid.total_result();
    let page = grid.into_page(PAGE, |(index, room)| {
        let name = room.cdmc.text();
        if name.is_empty() {
            return Err(ParseError::InvalidValue {
                page: PAGE.name(),
                field: format!("room #{index}"),
                value: "no name (cdmc)".into(),
            });
        }
        Ok(Classroom {
            id: room.cd_id.text(),
            code: room.cdbh.text(),
            name,
            category: room.cdlbmc.text(),
            building: room.jxlmc.text(),
            building_code: room.lh.text(),
            floor: room.lch.text(),
            campus_code: room.xqh_id.text(),
            campus: room.xqmc.text(),
            seats: room.zws.count(),
            exam_seats: room.kszws1.count(),
        })
    })?;
    Ok(ClassroomPage {
        total_result: total_result
            .unwrap_or_else(|| u32::try_from(page.items.len()).unwrap_or(u32::MAX)),
        items: page.items,
        current_page: page.current_page,
        total_page: page.total_page,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_strings_read_alike_and_blank_seats_are_none() {
        let body = r#"{"items":[
            {"cdmc":"一教楼-102","zws":120,"kszws1":"60","lh":101,"row_id":1,"queryModel":{"x":[1]}},
            {"cdmc":" 一教楼-114 ","zws":"","kszws1":null}
        ],"currentPage":"1","totalPage":1,"totalResult":"2","showCount":15}"#;
        let page = parse(body).expect("parses");
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.items[0].seats, Some(120));
        assert_eq!(page.items[0].exam_seats, Some(60));
        assert_eq!(page.items[0].building_code, "101");
        assert_eq!(page.items[1].name, "一教楼-114");
        assert_eq!(
            (page.items[1].seats, page.items[1].exam_seats),
            (None, None)
        );
        assert_eq!(
            (page.current_page, page.total_page, page.total_result),
            (1, 1, 2)
        );
    }

    #[test]
    fn an_empty_list_is_a_valid_empty_answer() {
        let page =
            parse(r#"{"items":[],"currentPage":1,"totalPage":0,"totalResult":0}"#).expect("parses");
        assert!(page.items.is_empty());
        assert_eq!(page.total_result, 0);
    }

    #[test]
    fn failures_are_errors_never_empty_lists() {
        for body in [
            "",
            "   ",
            "null",
            "[]",
            "{}",
            r#"{"items":null}"#,
            r#"{"items":"x"}"#,
            r#"{"items":[{"cdmc":"一教楼-102"}"#,
            "<html><body>502 Bad Gateway</body></html>",
            "\u{0}\u{1}binary",
        ] {
            assert!(parse(body).is_err(), "{body:?}");
        }
        assert_eq!(
            parse(
                "<html><body><h5>用户登录</h5><form action=\"/jwglxt/xtgl/login_slogin.html\"></form></body></html>"
            ),
            Err(ParseError::SessionExpired)
        );
    }

    #[test]
    fn a_room_without_a_name_is_invalid() {
        assert!(matches!(
            parse(r#"{"items":[{"cdbh":"1011102"}],"totalResult":1}"#),
            Err(ParseError::InvalidValue { .. })
        ));
    }

    #[test]
    fn error_excerpts_are_bounded() {
        let body = format!("not json {}", "x".repeat(100_000));
        let error = parse(&body).expect_err("not json").to_string();
        assert!(error.len() < 400, "{error}");
    }
}
