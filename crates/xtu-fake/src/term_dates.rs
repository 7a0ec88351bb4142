//! Moves the fixtures' term to the term of a given day, so that the sandbox
//! has a current term on any date: the teaching calendar, the exam dates and
//! the term codes of the term-bound pages are rewritten in the bytes served,
//! never in the fixtures.
//!
//! The fixtures belong to 2025-2026 term 1, from Monday 2025-09-01 for 20
//! weeks. Another day's term (by the rule the clients use, `Term::around`)
//! gets the same 20 weeks from a Monday near its usual start, moved so that
//! the day falls inside them; every date of the rewritten pages moves by the
//! same whole number of weeks, so weekdays stay right.

use std::sync::LazyLock;

use chrono::{Datelike as _, Days, NaiveDate, Weekday};
use regex::{Captures, Regex};
use serde_json::Value;
use xtu_model::Term;

/// The fixtures' term.
const FIXTURE_TERM: Term = Term {
    start_year: 2025,
    term: 1,
};
/// Its first day (a Monday) and its length.
const FIXTURE_START: (i32, u32, u32) = (2025, 9, 1);
const WEEKS: u64 = 20;

/// `2025-2026-1` (exam names) and `2025-2026学年1学期` (the calendar).
static TERM_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d{4})-(\d{4})(-|学年)([12])").expect("static regex is valid"));
static DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{4}-\d{2}-\d{2}").expect("static regex is valid"));
static TBODY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<tbody>.*</tbody>").expect("static regex is valid"));

/// How the served pages move from the fixtures' term to the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TermDates {
    term: Term,
    /// Whole weeks, in days.
    days: i64,
}

impl Default for TermDates {
    /// The fixtures as they are.
    fn default() -> Self {
        Self {
            term: FIXTURE_TERM,
            days: 0,
        }
    }
}

fn fixture_start() -> NaiveDate {
    let (y, m, d) = FIXTURE_START;
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The Monday of `date`'s week.
fn monday_of(date: NaiveDate) -> NaiveDate {
    date - Days::new(u64::from(date.weekday().num_days_from_monday()))
}

impl TermDates {
    /// The term `today` belongs to, with 20 teaching weeks around `today`.
    pub(crate) fn around(today: NaiveDate) -> Self {
        let term = Term::around(today);
        // The usual first Monday: early September, or late February.
        let year = i32::from(term.start_year);
        let usual = match term.term {
            1 => NaiveDate::from_ymd_opt(year, 9, 1),
            _ => NaiveDate::from_ymd_opt(year + 1, 2, 23),
        }
        .unwrap_or(today);
        let usual = usual
            .iter_days()
            .find(|d| d.weekday() == Weekday::Mon)
            .unwrap_or(usual);
        let this_week = monday_of(today);
        let last_start = this_week - Days::new((WEEKS - 1) * 7);
        let start = usual.clamp(last_start, this_week);
        Self {
            term,
            days: (start - fixture_start()).num_days(),
        }
    }

    /// The term's `xnm` and `xqm`, as the clients send them.
    /// The term served (the fixtures', or today's).
    pub(crate) fn term(&self) -> Term {
        self.term
    }

    pub(crate) fn term_codes(&self) -> (String, &'static str) {
        (self.term.start_year.to_string(), self.term.xqm())
    }

    fn is_identity(&self) -> bool {
        *self == Self::default()
    }

    /// The fixtures' term name moved, in the spelling found.
    fn term_name(&self, caps: &Captures<'_>) -> String {
        let (Ok(start), Ok(term)) = (caps[1].parse::<i32>(), caps[4].parse::<i32>()) else {
            return caps[0].to_owned();
        };
        // Terms count in halves of academic years.
        let shift = 2 * (i32::from(self.term.start_year) - i32::from(FIXTURE_TERM.start_year))
            + i32::from(self.term.term)
            - i32::from(FIXTURE_TERM.term);
        let index = 2 * start + term - 1 + shift;
        let (start_year, term) = (index.div_euclid(2), index.rem_euclid(2) + 1);
        format!("{start_year}-{}{}{term}", start_year + 1, &caps[3])
    }

    fn date(&self, text: &str) -> String {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|date| date.checked_add_signed(chrono::TimeDelta::days(self.days)))
            .map_or_else(|| text.to_owned(), |date| date.to_string())
    }

    /// Term names and dates in a text, moved.
    pub(crate) fn text(&self, text: &str) -> String {
        if self.is_identity() {
            return text.to_owned();
        }
        let named = TERM_NAME.replace_all(text, |caps: &Captures<'_>| self.term_name(caps));
        DATE.replace_all(&named, |caps: &Captures<'_>| self.date(&caps[0]))
            .into_owned()
    }

    /// The calendar fragment: its header moved and its week grid redrawn
    /// from the new first Monday.
    pub(crate) fn calendar(&self, html: &str) -> String {
        if self.is_identity() {
            return html.to_owned();
        }
        let moved = self.text(html);
        let start = fixture_start()
            .checked_add_signed(chrono::TimeDelta::days(self.days))
            .unwrap_or_else(fixture_start);
        TBODY
            .replace(&moved, regex::NoExpand(&week_grid(start)))
            .into_owned()
    }

    /// A JSON answer of a term-bound page: term codes and names of the
    /// fixtures' term, and every date, moved. Other terms' entries stay.
    pub(crate) fn json(&self, body: &str) -> String {
        if self.is_identity() {
            return body.to_owned();
        }
        let Ok(mut value) = serde_json::from_str::<Value>(body) else {
            return body.to_owned();
        };
        self.move_value(&mut value);
        value.to_string()
    }

    fn move_value(&self, value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, field) in map.iter_mut() {
                    match key.to_ascii_lowercase().as_str() {
                        "xnm" => self.replace_code(
                            field,
                            &FIXTURE_TERM.start_year.to_string(),
                            &self.term.start_year.to_string(),
                        ),
                        "xqm" => self.replace_code(field, FIXTURE_TERM.xqm(), self.term.xqm()),
                        "xqmmc" => self.replace_code(
                            field,
                            &FIXTURE_TERM.term.to_string(),
                            &self.term.term.to_string(),
                        ),
                        "xnmmc" | "xnmc" => self.replace_code(
                            field,
                            &format!(
                                "{}-{}",
                                FIXTURE_TERM.start_year,
                                FIXTURE_TERM.start_year + 1
                            ),
                            &format!("{}-{}", self.term.start_year, self.term.start_year + 1),
                        ),
                        _ => self.move_value(field),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.move_value(item)),
            Value::String(text) => *text = self.text(text),
            _ => {}
        }
    }

    /// `field` becomes `to` when it reads `from`, as a string or a number
    /// (keeping its kind).
    fn replace_code(&self, field: &mut Value, from: &str, to: &str) {
        match field {
            Value::String(text) if text == from => *text = to.to_owned(),
            Value::Number(n) if n.to_string() == from => {
                if let Ok(to) = to.parse::<u64>() {
                    *field = to.into();
                }
            }
            _ => {}
        }
    }
}

/// Rows of the calendar's week grid: month (when it changes), week number,
/// then the day of the month for Monday to Sunday.
fn week_grid(start: NaiveDate) -> String {
    let mut rows = String::from("<tbody>\n");
    let mut month = None;
    for week in 0..WEEKS {
        let monday = start + Days::new(week * 7);
        let label = if month == Some(monday.month()) {
            String::new()
        } else {
            month = Some(monday.month());
            format!("{}月", monday.month())
        };
        rows.push_str(&format!("      <tr><td>{label}</td><td>{}</td>", week + 1));
        for day in 0..7 {
            rows.push_str(&format!("<td>{}</td>", (monday + Days::new(day)).day()));
        }
        rows.push_str("</tr>\n");
    }
    rows.push_str("    </tbody>");
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    #[test]
    fn the_fixtures_term_is_left_alone() {
        let dates = TermDates::around(day("2025-10-15"));
        assert_eq!(dates, TermDates::default());
        assert_eq!(
            dates.text("2025-2026-1 2026-01-10"),
            "2025-2026-1 2026-01-10"
        );
    }

    #[test]
    fn every_day_falls_inside_its_term() {
        let mut date = day("2026-01-01");
        while date < day("2029-01-01") {
            let dates = TermDates::around(date);
            let header = dates.text("2025-2026学年1学期(2025-09-01至2026-01-18)");
            let term = Term::around(date);
            let name = format!(
                "{}-{}学年{}学期(",
                term.start_year,
                term.start_year + 1,
                term.term
            );
            assert!(header.starts_with(&name), "{date}: {header}");
            let start = day(&header[name.len()..name.len() + 10]);
            let end = day(&header[name.len() + 13..name.len() + 23]);
            assert!(start <= date && date <= end, "{date}: {header}");
            assert_eq!(start.weekday(), Weekday::Mon, "{date}");
            date = date + Days::new(1);
        }
    }

    #[test]
    fn term_bound_json_moves_codes_names_and_dates() {
        let dates = TermDates::around(day("2027-03-10"));
        assert_eq!(dates.term_codes(), ("2026".to_owned(), "12"));
        let moved = dates.json(
            r#"{"items":[{"ksmc":"2025-2026-1期末考试","kssj":"2026-01-10(10:30-12:30)","xnm":"2025","xqm":3}],
                "xsxx":{"XNM":"2025","XNMC":"2025-2026","XQM":"3","XQMMC":"1"}}"#,
        );
        let value: Value = serde_json::from_str(&moved).expect("json");
        let item = &value["items"][0];
        assert_eq!(item["ksmc"], "2026-2027-2期末考试");
        assert_eq!(item["xnm"], "2026");
        assert_eq!(item["xqm"], 12);
        let kssj = item["kssj"].as_str().expect("kssj");
        let exam_day = day(&kssj[..10]);
        assert_eq!(
            exam_day.weekday(),
            Weekday::Sat,
            "2026-01-10 was a Saturday"
        );
        assert!(exam_day > day("2027-03-10"), "{kssj}");
        assert_eq!(value["xsxx"]["XNMC"], "2026-2027");
        assert_eq!(value["xsxx"]["XQMMC"], "2");
    }

    #[test]
    fn the_calendar_grid_follows_the_new_start() {
        let dates = TermDates::around(day("2026-11-30"));
        let html = dates.calendar(
            "<table><thead><tr><th>周次</th><th>2025-2026学年1学期(2025-09-01至2026-01-18)</th></tr></thead>\
             <tbody><tr><td>9月</td></tr></tbody></table>",
        );
        assert!(
            html.contains("2026-2027学年1学期(2026-09-07至2027-01-24)"),
            "{html}"
        );
        assert!(
            html.contains("<tr><td>9月</td><td>1</td><td>7</td><td>8</td>"),
            "{html}"
        );
        assert_eq!(html.matches("<tr>").count(), 21, "{html}");
    }
}
