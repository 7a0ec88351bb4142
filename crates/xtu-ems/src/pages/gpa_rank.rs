//! 成绩排名统计 (`cjpmtj/cjpmtj_cxPjxfjdpmtjIndex.html?doType=query`):
//! jqGrid JSON whose first item holds the GPA and ranks.

use serde::Deserialize;
use xtu_model::{GpaRank, GpaRankTexts};

use super::jqgrid::{Grid, Scalar};
use super::{Page, ParseError, json_answer};

const PAGE: Page = Page::GpaRank;

#[derive(Deserialize)]
struct Item<'a> {
    #[serde(default, borrow)]
    pjxfjd: Scalar<'a>,
    #[serde(default, borrow)]
    pjcj: Scalar<'a>,
    #[serde(default, borrow)]
    jdbjpm: Scalar<'a>,
    #[serde(default, borrow)]
    jdnjzypm: Scalar<'a>,
}

/// Parses the ranking answer; `None` when the site has no ranking for the
/// range asked (an empty list).
pub fn parse(body: &str) -> Result<Option<GpaRank>, ParseError> {
    let grid: Grid<'_, Item<'_>> = json_answer(PAGE, body)?;
    let page = grid.into_page(PAGE, |(_, item)| {
        Ok(GpaRank {
            gpa: item.pjxfjd.decimal(),
            average_score: item.pjcj.decimal(),
            class_rank: item.jdbjpm.non_blank(),
            major_rank: item.jdnjzypm.non_blank(),
            texts: GpaRankTexts {
                gpa: item.pjxfjd.text(),
                average_score: item.pjcj.text(),
                class_rank: item.jdbjpm.text(),
                major_rank: item.jdnjzypm.text(),
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
        assert_eq!(rank.texts.average_score, "85.2");
        assert_eq!(rank.texts.major_rank, "");
        assert_eq!(parse(r#"{"items":[]}"#), Ok(None));
        assert!(parse(r#"{"rows":[]}"#).is_err());
    }
}
