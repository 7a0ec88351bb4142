//! 成绩排名统计 (`cjpmtj/cjpmtj_cxPjxfjdpmtjIndex.html?doType=query`):
//! jqGrid JSON whose first item holds the GPA and ranks.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;
use xtu_model::{GpaRank, GpaRankTexts};

use super::jqgrid::{Grid, Scalar};
use super::{Page, ParseError, json_answer};

const PAGE: Page = Page::GpaRank;

/// The four values kept as the site's JSON values: the upstream's shape
/// passes them through, numbers as numbers.
#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    pjxfjd: Value,
    #[serde(default)]
    pjcj: Value,
    #[serde(default)]
    jdbjpm: Value,
    #[serde(default)]
    jdnjzypm: Value,
}

/// A value read as a string or a number, as every other page reads them.
fn scalar(value: &Value) -> Scalar<'_> {
    Scalar(match value {
        Value::String(text) => Some(Cow::Borrowed(text.as_str())),
        Value::Number(number) => Some(Cow::Owned(number.to_string())),
        Value::Bool(flag) => Some(Cow::Owned(flag.to_string())),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    })
}

/// The site's value for the upstream's shape: a string trimmed, a number
/// unchanged, `""` for what is absent (the upstream's default).
fn site_value(value: &Value) -> Value {
    match value {
        Value::String(text) => Value::String(text.trim().to_owned()),
        Value::Number(_) => value.clone(),
        _ => Value::String(scalar(value).text()),
    }
}

/// Parses the ranking answer; `None` when the site has no ranking for the
/// range asked (an empty list).
pub fn parse(body: &str) -> Result<Option<GpaRank>, ParseError> {
    let grid: Grid<'_, Item> = json_answer(PAGE, body)?;
    let page = grid.into_page(PAGE, |(_, item)| {
        Ok(GpaRank {
            gpa: scalar(&item.pjxfjd).decimal(),
            average_score: scalar(&item.pjcj).decimal(),
            class_rank: scalar(&item.jdbjpm).non_blank(),
            major_rank: scalar(&item.jdnjzypm).non_blank(),
            texts: GpaRankTexts {
                gpa: site_value(&item.pjxfjd),
                average_score: site_value(&item.pjcj),
                class_rank: site_value(&item.jdbjpm),
                major_rank: site_value(&item.jdnjzypm),
            },
        })
    })?;
    Ok(page.items.into_iter().next())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_first_item() {
        let rank = parse(r#"{"items":[{"pjxfjd":"3.45","pjcj":85.2,"jdbjpm":"5","jdnjzypm":""}]}"#)
            .expect("parses")
            .expect("a ranking");
        assert_eq!(rank.gpa, Some(3.45));
        assert_eq!(rank.average_score, Some(85.2));
        assert_eq!(rank.class_rank.as_deref(), Some("5"));
        assert_eq!(rank.major_rank, None);
        assert_eq!(rank.texts.gpa, "3.45");
        // A number stays a number: the upstream passes the site's value on.
        assert_eq!(rank.texts.average_score, serde_json::json!(85.2));
        assert_eq!(rank.texts.major_rank, "");
        let numbers = parse(r#"{"items":[{"pjxfjd":3.21,"jdbjpm":12,"jdnjzypm":null}]}"#)
            .expect("parses")
            .expect("a ranking");
        assert_eq!(numbers.texts.gpa, serde_json::json!(3.21));
        assert_eq!(numbers.texts.class_rank, serde_json::json!(12));
        assert_eq!(numbers.texts.average_score, "");
        assert_eq!(numbers.texts.major_rank, "");
        assert_eq!(numbers.class_rank.as_deref(), Some("12"));
        assert_eq!(parse(r#"{"items":[]}"#), Ok(None));
        assert!(parse(r#"{"rows":[]}"#).is_err());
    }
}
