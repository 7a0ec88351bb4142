//! 教学日历 (`xtgl/index_cxAreaFive.html`): the current term's calendar
//! fragment. Its second `th` reads `2025-2026学年1学期(2025-09-01至2026-01-18)`;
//! the week grid below it is not needed (the dates in the header define it).

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use scraper::{Html, Selector};
use xtu_model::TeachingCalendar;

use super::{Page, ParseError, excerpt, normalize, recognize_error_page, sel};

const PAGE: Page = Page::TeachingCalendar;

static HEADERS: LazyLock<Selector> = LazyLock::new(|| sel("th"));

/// The header, tolerating spaces anywhere, full-width parentheses, an
/// optional 第, a spelled-out term number (第一学期), and the separators other ZhengFang versions use between the
/// dates. Years are four digits: anything else is not a calendar header.
static TERM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(\d{4})\s*[-－]\s*(\d{4})\s*学年\s*第?\s*(\d|[一二三])\s*学期\s*",
        r"[(（]\s*(\d{4}\s*-\s*\d{1,2}\s*-\s*\d{1,2})\s*(?:至|到|~|～|—|--)\s*",
        r"(\d{4}\s*-\s*\d{1,2}\s*-\s*\d{1,2})\s*[)）]",
    ))
    .unwrap_or_else(|e| panic!("static regex: {e}"))
});

/// Longest header excerpt quoted in an error.
const MAX_EXCERPT: usize = 80;

/// Parses the calendar fragment (or a whole page holding it).
pub fn parse(html: &str) -> Result<TeachingCalendar, ParseError> {
    if let Some(error) = recognize_error_page(html) {
        return Err(error);
    }
    parse_header(&header(html)?)
}

/// The doc says "the second th"; look there first, then at any header
/// mentioning 学年, because the week grid's layout varies by version and may
/// add a header cell in front.
fn header(html: &str) -> Result<String, ParseError> {
    let document = Html::parse_fragment(html);
    let second = document
        .select(&HEADERS)
        .nth(1)
        .map(|th| normalize(&th.text().collect::<String>()));
    match second {
        Some(h) if h.contains("学年") => Ok(h),
        _ => document
            .select(&HEADERS)
            .map(|th| normalize(&th.text().collect::<String>()))
            .find(|h| h.contains("学年"))
            .ok_or_else(|| ParseError::UnexpectedPage {
                page: PAGE.name(),
                missing: "the term header (…学年…学期(…至…)) in the calendar table".into(),
            }),
    }
}

/// Reads `2025-2026学年1学期(2025-09-01至2026-01-18)`.
fn parse_header(header: &str) -> Result<TeachingCalendar, ParseError> {
    let invalid = || ParseError::InvalidValue {
        page: PAGE.name(),
        field: "term header".into(),
        value: excerpt(header, MAX_EXCERPT),
    };
    let caps = TERM.captures(header).ok_or_else(invalid)?;
    let year = |i: usize| caps[i].parse::<u32>().map_err(|_| invalid());
    let (start_year, end_year) = (year(1)?, year(2)?);
    // ZhengFang knows a third (summer) term (xqm 16); anything else is
    // noise. Some versions spell the number out (第一学期).
    let term = match &caps[3] {
        "1" | "一" => 1,
        "2" | "二" => 2,
        "3" | "三" => 3,
        _ => return Err(invalid()),
    };
    if end_year != start_year + 1 {
        return Err(invalid());
    }
    let date = |i: usize| {
        let text: String = caps[i].chars().filter(|c| !c.is_whitespace()).collect();
        NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| invalid())
    };
    let (start_date, end_date) = (date(4)?, date(5)?);
    if start_date > end_date {
        return Err(invalid());
    }
    Ok(TeachingCalendar {
        term_id: format!("{start_year}-{end_year}-{term}"),
        start_date,
        end_date,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(header: &str) -> String {
        format!(
            "<table><thead><tr><th>周次</th><th colspan=\"8\">{header}</th></tr></thead></table>"
        )
    }

    fn ok(header: &str) -> (String, String, String) {
        let calendar = parse(&table(header)).unwrap_or_else(|e| panic!("{header}: {e}"));
        (
            calendar.term_id,
            calendar.start_date.to_string(),
            calendar.end_date.to_string(),
        )
    }

    #[test]
    fn reads_the_documented_header_and_its_variants() {
        let autumn = (
            "2025-2026-1".to_owned(),
            "2025-09-01".to_owned(),
            "2026-01-18".to_owned(),
        );
        assert_eq!(ok("2025-2026学年1学期(2025-09-01至2026-01-18)"), autumn);
        assert_eq!(
            ok("\n  2025-2026 学年 第1学期 （2025-9-1 至 2026-1-18）\u{3000}"),
            autumn
        );
        assert_eq!(ok("2025-2026学年1学期(2025-09-01~2026-01-18)"), autumn);
        assert_eq!(ok("2025-2026学年第一学期(2025-09-01至2026-01-18)"), autumn);
    }

    #[test]
    fn finds_the_header_when_it_is_not_the_second_cell() {
        let html = "<table><tr><th>月</th><th>周次</th><th>2025-2026学年2学期(2026-02-23至2026-07-05)</th></tr></table>";
        let calendar = parse(html).expect("parses");
        assert_eq!(calendar.term_id, "2025-2026-2");
    }

    #[test]
    fn rejects_impossible_headers_naming_them() {
        for header in [
            "2025-2026学年1学期(2025-02-30至2026-01-18)",
            "2025-2026学年1学期(2026-01-18至2025-09-01)",
            "2025-2027学年1学期(2025-09-01至2026-01-18)",
            "2025-2026学年4学期(2025-09-01至2026-01-18)",
            "2025-2026学年1学期",
        ] {
            match parse(&table(header)) {
                Err(ParseError::InvalidValue { field, value, .. }) => {
                    assert_eq!(field, "term header");
                    assert_eq!(value, header);
                }
                other => panic!("{header}: {other:?}"),
            }
        }
    }

    #[test]
    fn no_header_is_a_changed_page() {
        for html in [
            "",
            "<table><th>周次</th><th>教学周历</th></table>",
            "\u{0}\u{1}<th",
        ] {
            assert!(
                matches!(parse(html), Err(ParseError::UnexpectedPage { .. })),
                "{html:?}"
            );
        }
    }

    #[test]
    fn long_headers_are_truncated_in_errors() {
        let header = format!("2025-2026学年1学期{}", "x".repeat(500));
        let Err(ParseError::InvalidValue { value, .. }) = parse(&table(&header)) else {
            panic!("expected an invalid value");
        };
        assert!(value.chars().count() <= MAX_EXCERPT + 1, "{value}");
    }
}
