//! 学生个人信息 (`xsxxxggl/xsgrxxwh_cxXsgrxx.html`, module N100801).
//!
//! Values are read by the `col_<code>` id of the `div` around each
//! `p.form-control-static`, never by label position: the page header repeats
//! some labels without ids, and the field order varies between versions.

use std::sync::LazyLock;

use scraper::{Html, Selector};
use xtu_model::StudentProfile;

use super::{Page, ParseError, normalize, recognize_error_page, sel};

static STATIC_VALUES: LazyLock<Selector> =
    LazyLock::new(|| sel("div[id^='col_'] p.form-control-static, div[id^='col_'] > p"));

const PAGE: &str = "student-info";

/// Parses the profile page.
pub fn parse(html: &str) -> Result<StudentProfile, ParseError> {
    if let Some(error) = recognize_error_page(html) {
        return Err(error);
    }
    let document = Html::parse_document(html);
    let mut fields = std::collections::HashMap::new();
    for p in document.select(&STATIC_VALUES) {
        let Some(id) = p
            .parent()
            .and_then(scraper::ElementRef::wrap)
            .and_then(|div| div.value().id())
        else {
            continue;
        };
        // The first occurrence wins: a later tab may repeat a field.
        fields
            .entry(id.trim_start_matches("col_").to_owned())
            .or_insert_with(|| normalize(&p.text().collect::<String>()));
    }
    let mut take = |code: &str, required: bool| match fields.remove(code) {
        Some(value) => Ok(value),
        None if required => Err(ParseError::UnexpectedPage {
            page: Page::StudentInfo.name(),
            missing: format!("field #col_{code}"),
        }),
        None => Ok(String::new()),
    };
    let profile = StudentProfile {
        student_id: take("xh", true)?,
        name: take("xm", true)?,
        gender: take("xbm", false)?,
        birthday: take("csrq", false)?,
        entrance_day: take("rxrq", false)?,
        major: take("zyh_id", false)?,
        class_name: take("bh_id", false)?,
        college: take("jg_id", false)?,
    };
    if profile.student_id.is_empty() {
        return Err(ParseError::InvalidValue {
            page: PAGE,
            field: "student id (#col_xh)".into(),
            value: String::new(),
        });
    }
    Ok(profile)
}
