//! The building list of the free-classroom page (`cdjy/cdjy_cxXqjc.html`):
//! `{"lhList": [{"XQH_ID", "JXLDM", "JXLMC"}], "jcList": [...]}`.

use serde::Deserialize;
use xtu_model::Building;

use super::jqgrid::Scalar;
use super::{Page, ParseError, json_answer};

const PAGE: Page = Page::Buildings;

#[derive(Deserialize)]
struct Answer<'a> {
    #[serde(rename = "lhList", borrow)]
    list: Option<Vec<Entry<'a>>>,
}

#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(rename = "XQH_ID", default, borrow)]
    campus_code: Scalar<'a>,
    #[serde(rename = "JXLDM", default, borrow)]
    code: Scalar<'a>,
    #[serde(rename = "JXLMC", default, borrow)]
    name: Scalar<'a>,
}

/// Parses the building list.
pub fn parse(body: &str) -> Result<Vec<Building>, ParseError> {
    let answer: Answer<'_> = json_answer(PAGE, body)?;
    let Some(list) = answer.list else {
        return Err(ParseError::UnexpectedPage {
            page: PAGE.name(),
            missing: "the \"lhList\" list".into(),
        });
    };
    Ok(list
        .iter()
        .map(|entry| Building {
            campus_code: entry.campus_code.text(),
            code: entry.code.text(),
            name: entry.name.text(),
        })
        .filter(|b| !b.code.is_empty() || !b.name.is_empty())
        .collect())
}
