//! 学生个人信息 (`xsxxxggl/xsgrxxwh_cxXsgrxx.html`, module N100801).
//!
//! Values are read by the `col_<code>` id of the `div` around each
//! `p.form-control-static`, never by label position: the page header repeats
//! some labels without ids, and the field order varies between versions.

use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};
use xtu_model::StudentProfile;

use super::{Page, ParseError, excerpt, normalize, recognize_error_page, sel};

const PAGE: Page = Page::StudentInfo;

/// Every value cell; the parent's id says which field it is. One selector for
/// all fields keeps the document scan to a single pass.
static VALUES: LazyLock<Selector> =
    LazyLock::new(|| sel("div[id^='col_'] > p.form-control-static"));

/// The `col_` codes of the profile's fields, in [`StudentProfile`] order.
const CODES: [&str; 8] = [
    "xh", "xm", "xbm", "csrq", "rxrq", "zyh_id", "bh_id", "jg_id",
];
/// Fields without which the page is not a profile.
const REQUIRED: [&str; 2] = ["xh", "xm"];

/// Parses the profile page.
pub fn parse(html: &str) -> Result<StudentProfile, ParseError> {
    if let Some(error) = recognize_error_page(html) {
        return Err(error);
    }
    profile(values(html))
}

/// Each field's value: html5ever's tree and a selector.
fn values(html: &str) -> [Option<String>; CODES.len()] {
    let document = Html::parse_document(html);
    let mut values: [Option<String>; CODES.len()] = Default::default();
    for p in document.select(&VALUES) {
        let Some(code) = p
            .parent()
            .and_then(ElementRef::wrap)
            .and_then(|div| div.value().id())
            .and_then(|id| id.strip_prefix("col_"))
        else {
            continue;
        };
        let Some(slot) = CODES.iter().position(|c| *c == code) else {
            continue;
        };
        // The first occurrence wins: a later tab may repeat a field.
        if values[slot].is_none() {
            values[slot] = Some(normalize(&p.text().collect::<String>()));
        }
    }
    values
}

/// Checks the fields found and builds the profile.
fn profile(values: [Option<String>; CODES.len()]) -> Result<StudentProfile, ParseError> {
    for code in REQUIRED {
        if CODES
            .iter()
            .position(|c| *c == code)
            .is_some_and(|i| values[i].is_none())
        {
            return Err(ParseError::UnexpectedPage {
                page: PAGE.name(),
                missing: format!("field #col_{code}"),
            });
        }
    }
    let [
        student_id,
        name,
        gender,
        birthday,
        entrance_day,
        major,
        class_name,
        college,
    ] = values.map(Option::unwrap_or_default);
    // Present but blank: the page rendered without the student, which no
    // caller can use (the id keys everything else).
    if student_id.is_empty() {
        return Err(ParseError::InvalidValue {
            page: PAGE.name(),
            field: "student id (#col_xh)".into(),
            value: excerpt(&student_id, 40),
        });
    }
    Ok(StudentProfile {
        student_id,
        name,
        gender,
        birthday,
        entrance_day,
        major,
        class_name,
        college,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(code: &str, value: &str) -> String {
        format!(
            "<div class=\"form-group\"><label class=\"control-label\">x：</label>\
             <div class=\"col-sm-8\" id=\"col_{code}\"><p class=\"form-control-static\">{value}</p></div></div>"
        )
    }

    fn page(fields: &[(&str, &str)]) -> String {
        let body: String = fields.iter().map(|(c, v)| field(c, v)).collect();
        format!(
            "<!DOCTYPE html><html><body><div id=\"content_xsxxgl_xsjbxx\">{body}</div></body></html>"
        )
    }

    #[test]
    fn reads_by_id_decoding_entities_and_trimming_full_width_spaces() {
        let html = page(&[
            (
                "jg_id",
                "\u{3000} 计算机学院&#9679;网络空间安全学院&nbsp;\n",
            ),
            ("xm", "张三"),
            ("xh", " 202205561111 "),
        ]);
        let profile = parse(&html).expect("parses");
        assert_eq!(profile.student_id, "202205561111");
        assert_eq!(profile.name, "张三");
        assert_eq!(profile.college, "计算机学院●网络空间安全学院");
        assert_eq!(profile.gender, "");
    }

    #[test]
    fn the_header_without_ids_does_not_count() {
        let html = "<h5>学号：202205561111 姓名：张三</h5><p class=\"form-control-static\">x</p>";
        assert_eq!(
            parse(html),
            Err(ParseError::UnexpectedPage {
                page: "student-info",
                missing: "field #col_xh".into()
            })
        );
    }

    #[test]
    fn first_occurrence_wins() {
        let html = page(&[("xh", "202205561111"), ("xm", "张三"), ("xm", "李四")]);
        assert_eq!(parse(&html).map(|p| p.name), Ok("张三".to_owned()));
    }

    #[test]
    fn blank_student_id_is_invalid() {
        let html = page(&[("xh", " \u{3000} "), ("xm", "张三")]);
        assert!(matches!(parse(&html), Err(ParseError::InvalidValue { .. })));
    }

    #[test]
    fn truncated_and_binary_input_is_an_error_not_a_panic() {
        let full = page(&[("xh", "202205561111"), ("xm", "张三")]);
        for end in (0..full.len()).filter(|&i| full.is_char_boundary(i)) {
            let _ = parse(&full[..end]);
        }
        assert!(parse("\u{0}\u{fffd}\u{1}").is_err());
    }
}
