//! 查询空闲教室 (`cdjy/cdjy_cxKxcdlb.html?doType=query`): jqGrid JSON.
//! Numbers arrive as numbers or strings; noise keys are skipped unread.

use serde::Deserialize;
use xtu_model::{Classroom, ClassroomPage};

use super::jqgrid::Scalar;
use super::{Page, ParseError, json_answer};

const PAGE: Page = Page::ClassroomAvailability;

#[derive(Deserialize)]
struct Grid<'a> {
    #[serde(borrow)]
    items: Option<Vec<Room<'a>>>,
    #[serde(rename = "currentPage", default, borrow)]
    current_page: Scalar<'a>,
    #[serde(rename = "totalPage", default, borrow)]
    total_page: Scalar<'a>,
    #[serde(rename = "totalResult", default, borrow)]
    total_result: Scalar<'a>,
}

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
    let grid: Grid<'_> = json_answer(PAGE, body)?;
    let Some(items) = grid.items else {
        return Err(ParseError::UnexpectedPage {
            page: PAGE.name(),
            missing: "the \"items\" list".into(),
        });
    };
    let items: Vec<Classroom> = items
        .iter()
        .enumerate()
        .map(|(index, room)| {
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
        })
        .collect::<Result<_, _>>()?;
    Ok(ClassroomPage {
        current_page: grid.current_page.count().unwrap_or(1).max(1),
        total_page: grid.total_page.count().unwrap_or(1).max(1),
        total_result: grid.total_result.count().unwrap_or(items.len() as u32),
        items,
    })
}
