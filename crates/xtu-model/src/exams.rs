//! The exam schedule (考试信息).

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

/// One exam.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Exam {
    /// Course name (`kcmc`).
    pub course: String,
    /// Name of the exam session (`ksmc`), e.g. `2025-2026-1期末考试`.
    pub exam_name: String,
    /// Exam day, when the time text could be read.
    pub date: Option<NaiveDate>,
    /// Start time (Beijing time).
    pub start: Option<NaiveTime>,
    /// End time (Beijing time).
    pub end: Option<NaiveTime>,
    /// The site's time text (`kssj`), e.g. `2026-01-10(10:30-12:30)`.
    pub time_text: String,
    /// Room (`cdmc`); `None` while not yet assigned.
    pub location: Option<String>,
    /// Campus of the room (`cdxqmc`).
    pub campus: Option<String>,
    /// Seat number (`zwh`).
    pub seat: Option<String>,
    /// Assessment kind (`khfs`), e.g. 考试 / 考查.
    pub assessment: String,
    /// Exam form (`ksfs`), e.g. 闭卷 / 开卷.
    pub method: String,
    /// Course code (`kch`).
    pub course_code: String,
}

/// Reads XTU's exam time `2026-01-10(10:30-12:30)` (brackets ASCII or
/// full-width, spaces anywhere).
pub fn parse_exam_time(text: &str) -> Option<(NaiveDate, NaiveTime, NaiveTime)> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '：' => ':',
            '－' | '—' | '~' | '至' => '-',
            c => c,
        })
        .collect();
    let (date, times) = compact.split_once('(')?;
    let times = times.strip_suffix(')')?;
    let (start, end) = times.split_once('-')?;
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let start = NaiveTime::parse_from_str(start, "%H:%M").ok()?;
    let end = NaiveTime::parse_from_str(end, "%H:%M").ok()?;
    (start < end).then_some((date, start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_exam_times() {
        let expected = (
            NaiveDate::from_ymd_opt(2026, 1, 10).expect("date"),
            NaiveTime::from_hms_opt(10, 30, 0).expect("time"),
            NaiveTime::from_hms_opt(12, 30, 0).expect("time"),
        );
        for text in [
            "2026-01-10(10:30-12:30)",
            "2026-01-10 (10:30-12:30)",
            "2026-01-10（10：30－12：30）",
            " 2026-01-10(10:30~12:30) ",
        ] {
            assert_eq!(parse_exam_time(text), Some(expected), "{text}");
        }
        for text in [
            "",
            "待定",
            "2026-01-10",
            "2026-02-30(10:30-12:30)",
            "2026-01-10(12:30-10:30)",
            "2026-01-10(25:00-26:00)",
            "2026-01-10(10:30-12:30",
        ] {
            assert_eq!(parse_exam_time(text), None, "{text}");
        }
    }
}
