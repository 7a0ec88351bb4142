//! 教学日历 (`xtgl/index_cxAreaFive.html`): the current term's calendar
//! fragment. Its header cell reads `2025-2026学年1学期(2025-09-01至2026-01-18)`.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use scraper::{Html, Selector};
use xtu_model::TeachingCalendar;

use super::{ParseError, excerpt, normalize, recognize_error_page, sel};

const PAGE: &str = "teaching-calendar";

static HEADERS: LazyLock<Selector> = LazyLock::new(|| sel("table th"));
static TERM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d{4})\s*-\s*(\d{4})\s*学年\s*(\d)\s*学期\s*[(（]\s*(\d{4}-\d{1,2}-\d{1,2})\s*至\s*(\d{4}-\d{1,2}-\d{1,2})\s*[)）]")
        .unwrap_or_else(|e| panic!("static regex: {e}"))
});

/// Parses the calendar fragment.
pub fn parse(html: &str) -> Result<TeachingCalendar, ParseError> {
    if let Some(error) = recognize_error_page(html) {
        return Err(error);
    }
    let document = Html::parse_fragment(html);
    let headers: Vec<String> = document
        .select(&HEADERS)
        .map(|th| normalize(&th.text().collect::<String>()))
        .collect();
    // The doc says "the second th"; find the matching one wherever it is, as
    // the grid's layout varies between versions.
    let Some(header) = headers.iter().find(|h| h.contains("学年")) else {
        return Err(ParseError::UnexpectedPage {
            page: PAGE,
            missing: "the term header (…学年…学期(…至…)) in the calendar table".into(),
        });
    };
    let invalid = || ParseError::InvalidValue {
        page: PAGE,
        field: "term header".into(),
        value: excerpt(header, 80),
    };
    let caps = TERM.captures(header).ok_or_else(invalid)?;
    let (start_year, end_year): (u32, u32) = (
        caps[1].parse().map_err(|_| invalid())?,
        caps[2].parse().map_err(|_| invalid())?,
    );
    let term = &caps[3];
    if end_year != start_year + 1 || !matches!(term, "1" | "2" | "3") {
        return Err(invalid());
    }
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| invalid());
    let (start_date, end_date) = (date(&caps[4])?, date(&caps[5])?);
    if start_date > end_date {
        return Err(invalid());
    }
    Ok(TeachingCalendar {
        term_id: format!("{start_year}-{end_year}-{term}"),
        start_date,
        end_date,
    })
}
