//! 消息 (`xtgl/index_cxDbsy.html?doType=query`): the home page's notices, a
//! jqGrid JSON answer. Public V9 clients show `xxbt` (title), `xxnr` (text,
//! often `类型:内容`), `cjsj` (created) and `id`; field names are read in
//! lower and upper case, and the news list's `xwbt`/`fbsj` are accepted for
//! a deployment that answers with those.

use serde::Deserialize;
use xtu_model::{Notice, split_notice_kind};

use super::jqgrid::{Grid, GridPage, Scalar};
use super::{Page, ParseError, json_answer};

const PAGE: Page = Page::Notices;

#[derive(Deserialize)]
struct Item<'a> {
    #[serde(default, borrow)]
    xxbt: Scalar<'a>,
    #[serde(default, borrow, rename = "XXBT")]
    xxbt_upper: Scalar<'a>,
    /// The news list's title, for deployments that answer with it.
    #[serde(default, borrow)]
    xwbt: Scalar<'a>,
    #[serde(default, borrow)]
    xxnr: Scalar<'a>,
    #[serde(default, borrow, rename = "XXNR")]
    xxnr_upper: Scalar<'a>,
    #[serde(default, borrow)]
    cjsj: Scalar<'a>,
    #[serde(default, borrow, rename = "CJSJ")]
    cjsj_upper: Scalar<'a>,
    /// The news list's publication date.
    #[serde(default, borrow)]
    fbsj: Scalar<'a>,
    #[serde(default, borrow)]
    id: Scalar<'a>,
    #[serde(default, borrow, rename = "ID")]
    id_upper: Scalar<'a>,
}

/// Parses one page of the notices answer. A notice with neither a title
/// nor a text is an error naming it: that is not a notice any more.
pub fn parse(body: &str) -> Result<GridPage<Notice>, ParseError> {
    let grid: Grid<'_, Item<'_>> = json_answer(PAGE, body)?;
    grid.into_page(PAGE, |(index, item)| {
        let title = item.xxbt.or(&item.xxbt_upper).or(&item.xwbt).text();
        let content = item.xxnr.or(&item.xxnr_upper).text();
        if title.is_empty() && content.is_empty() {
            return Err(ParseError::InvalidValue {
                page: PAGE.name(),
                field: format!("notice #{index}"),
                value: "neither a title (xxbt) nor a text (xxnr)".into(),
            });
        }
        // The kind is the text's prefix, else the title's (a title-only
        // notice is `调课提醒:…` too).
        let (mut kind, text) = split_notice_kind(&content);
        if kind.is_empty() {
            kind = split_notice_kind(&title).0;
        }
        Ok(Notice {
            kind: kind.to_owned(),
            text: text.to_owned(),
            time: item.cjsj.or(&item.cjsj_upper).or(&item.fbsj).text(),
            id: item.id.or(&item.id_upper).non_blank(),
            title,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_case_names_numbers_and_kinds_from_the_title() {
        let page = parse(
            r#"{"items":[{"XXBT":"调课提醒:高数","XXNR":"第12周停课","CJSJ":"2026-04-27 07:58:35","ID":42}],
                "totalPage":1}"#,
        )
        .expect("parses");
        let notice = &page.items[0];
        assert_eq!(notice.kind, "调课提醒");
        assert_eq!(notice.text, "第12周停课");
        assert_eq!(notice.id.as_deref(), Some("42"));
    }

    #[test]
    fn an_empty_notice_is_named() {
        let error = parse(r#"{"items":[{"cjsj":"2026-04-27"}]}"#).expect_err("no notice");
        assert!(error.to_string().contains("notice #0"), "{error}");
    }
}
