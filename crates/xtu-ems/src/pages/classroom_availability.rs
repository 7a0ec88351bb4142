//! 查询空闲教室 (`cdjy/cdjy_cxKxcdlb.html?doType=query`): jqGrid JSON.
//! Numbers arrive as numbers or strings; noise keys are ignored.

use serde_json::Value;
use xtu_model::{Classroom, ClassroomPage};

use super::{Page, ParseError, json_body};

const PAGE: Page = Page::ClassroomAvailability;

/// Parses one page of the free-classroom answer.
pub fn parse(body: &str) -> Result<ClassroomPage, ParseError> {
    let json = json_body(PAGE, body)?;
    let Some(items) = json.get("items").and_then(Value::as_array) else {
        return Err(ParseError::UnexpectedPage {
            page: PAGE.name(),
            missing: "the \"items\" list".into(),
        });
    };
    let items: Vec<Classroom> = items
        .iter()
        .enumerate()
        .map(|(i, item)| room(i, item))
        .collect::<Result<_, _>>()?;
    let number = |key: &str| json.get(key).and_then(as_u32);
    let total_result = number("totalResult").unwrap_or(items.len() as u32);
    Ok(ClassroomPage {
        current_page: number("currentPage").unwrap_or(1).max(1),
        total_page: number("totalPage").unwrap_or(1).max(1),
        total_result,
        items,
    })
}

fn room(index: usize, item: &Value) -> Result<Classroom, ParseError> {
    let text = |key: &str| match item.get(key) {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let name = text("cdmc");
    if name.is_empty() {
        return Err(ParseError::InvalidValue {
            page: PAGE.name(),
            field: format!("room #{index}"),
            value: "no name (cdmc)".into(),
        });
    }
    Ok(Classroom {
        id: text("cd_id"),
        code: text("cdbh"),
        name,
        category: text("cdlbmc"),
        building: text("jxlmc"),
        building_code: text("lh"),
        floor: text("lch"),
        campus_code: text("xqh_id"),
        campus: text("xqmc"),
        seats: item.get("zws").and_then(as_u32),
        exam_seats: item.get("kszws1").and_then(as_u32),
    })
}

/// A count given as a number or a string; blank, negative or fractional is `None`.
fn as_u32(value: &Value) -> Option<u32> {
    match value {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}
