//! Notices of the academic system's home page (消息: 调课提醒, 考试安排...).

use serde::{Deserialize, Serialize};

/// One notice (`xtgl/index_cxDbsy.html`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Notice {
    /// Title (`xxbt`).
    pub title: String,
    /// The kind the text starts with (`调课提醒` of `调课提醒:…`); `""` when
    /// the text names none.
    pub kind: String,
    /// The text (`xxnr`) after its kind.
    pub text: String,
    /// When the site created it (`cjsj`), as the site writes it
    /// (`2026-04-27 07:58:35`); `""` when absent.
    pub time: String,
    /// The site's id of the notice (`id`), when it sends one: not printed,
    /// but what tells two notices with the same title apart.
    #[serde(skip)]
    pub id: Option<String>,
}

/// The longest prefix before a colon that is still read as a kind (调课提醒,
/// 考试安排提醒, 成绩发布通知); longer, the colon is part of the sentence.
const MAX_KIND_CHARS: usize = 12;

/// Splits `类型:内容` (ASCII or full-width colon) into its kind and content;
/// `("", text)` when the text does not start with a short kind.
pub fn split_notice_kind(text: &str) -> (&str, &str) {
    let Some((at, colon)) = text.char_indices().find(|(_, c)| matches!(c, ':' | '：')) else {
        return ("", text);
    };
    let kind = text[..at].trim();
    if kind.is_empty() || kind.chars().count() > MAX_KIND_CHARS {
        return ("", text);
    }
    (kind, text[at + colon.len_utf8()..].trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_short_prefixes_before_a_colon() {
        assert_eq!(
            split_notice_kind("调课提醒:张老师于第12周调课"),
            ("调课提醒", "张老师于第12周调课")
        );
        assert_eq!(
            split_notice_kind("考试提醒： 明天考试"),
            ("考试提醒", "明天考试")
        );
        assert_eq!(split_notice_kind("没有类型的消息"), ("", "没有类型的消息"));
        let long = "这是一句很长很长很长很长的话，其中有冒号: 在后面";
        assert_eq!(split_notice_kind(long), ("", long));
        assert_eq!(split_notice_kind(":开头"), ("", ":开头"));
    }
}
