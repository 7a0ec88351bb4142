//! The building list of the free-classroom page (`cdjy/cdjy_cxXqjc.html`):
//! `{"lhList": [{"XQH_ID", "JXLDM", "JXLMC"}], "jcList": [...]}`.

use serde_json::Value;
use xtu_model::Building;

use super::{Page, ParseError, json_body};

const PAGE: Page = Page::Buildings;

/// Parses the building list.
pub fn parse(body: &str) -> Result<Vec<Building>, ParseError> {
    let json = json_body(PAGE, body)?;
    let Some(list) = json.get("lhList").and_then(Value::as_array) else {
        return Err(ParseError::UnexpectedPage {
            page: PAGE.name(),
            missing: "the \"lhList\" list".into(),
        });
    };
    Ok(list
        .iter()
        .map(|entry| {
            let text = |key: &str| match entry.get(key) {
                Some(Value::String(s)) => s.trim().to_owned(),
                Some(Value::Number(n)) => n.to_string(),
                _ => String::new(),
            };
            Building {
                campus_code: text("XQH_ID"),
                code: text("JXLDM"),
                name: text("JXLMC"),
            }
        })
        .filter(|b| !b.code.is_empty() || !b.name.is_empty())
        .collect())
}
