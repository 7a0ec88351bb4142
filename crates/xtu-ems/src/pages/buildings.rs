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

/// Upper-case keys (Oracle column names); some versions send them in lower
/// case.
#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(rename = "XQH_ID", default, borrow)]
    campus_code: Scalar<'a>,
    #[serde(rename = "JXLDM", default, borrow)]
    code: Scalar<'a>,
    #[serde(rename = "JXLMC", default, borrow)]
    name: Scalar<'a>,
    #[serde(default, borrow)]
    xqh_id: Scalar<'a>,
    #[serde(default, borrow)]
    jxldm: Scalar<'a>,
    #[serde(default, borrow)]
    jxlmc: Scalar<'a>,
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
            campus_code: entry.campus_code.or(&entry.xqh_id).text(),
            code: entry.code.or(&entry.jxldm).text(),
            name: entry.name.or(&entry.jxlmc).text(),
        })
        .filter(|b| !b.code.is_empty() || !b.name.is_empty())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_building_list_ignoring_sections() {
        let body = r#"{"lhList":[{"XQH_ID":"02","JXLDM":101,"JXLMC":" 第一教学楼 ","extra":1},
            {"XQH_ID":"02","JXLDM":"","JXLMC":""},
            {"xqh_id":"02","jxldm":"202","jxlmc":"逸夫楼"}],"jcList":[{"JC":"1"}]}"#;
        assert_eq!(
            parse(body),
            Ok(vec![
                Building {
                    campus_code: "02".into(),
                    code: "101".into(),
                    name: "第一教学楼".into(),
                },
                Building {
                    campus_code: "02".into(),
                    code: "202".into(),
                    name: "逸夫楼".into(),
                }
            ])
        );
    }

    #[test]
    fn a_missing_list_or_a_non_json_body_is_an_error() {
        for body in ["", "{}", r#"{"jcList":[]}"#, "<html></html>", "[1,2]"] {
            assert!(parse(body).is_err(), "{body:?}");
        }
    }
}
