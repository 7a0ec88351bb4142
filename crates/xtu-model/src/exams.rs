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

/// Reads XTU's exam time `2026-01-10(10:30-12:30)` and the spellings other
/// ZhengFang versions use: any brackets or none (`2026-01-10 10:30-12:30`),
/// `/` or 年月日 in the date, a weekday between date and times, one-digit
/// months, days and hours, full-width colons. Exactly a date and two
/// `H:MM` times, the first before the second; anything else is `None`.
pub fn parse_exam_time(text: &str) -> Option<(NaiveDate, NaiveTime, NaiveTime)> {
    // The numbers of the text, each with whether a colon follows it.
    let mut numbers: Vec<(u32, bool)> = Vec::with_capacity(7);
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        let after = &rest[start..];
        let len = after
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after.len());
        if len > 4 || numbers.len() == 7 {
            return None;
        }
        let colon = after[len..].starts_with([':', '：']);
        numbers.push((after[..len].parse().ok()?, colon));
        rest = &after[len..];
    }
    let [
        (year, false),
        (month, false),
        (day, false),
        (start_hour, true),
        (start_minute, false),
        (end_hour, true),
        (end_minute, false),
    ] = numbers[..]
    else {
        return None;
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let start = NaiveTime::from_hms_opt(start_hour, start_minute, 0)?;
    let end = NaiveTime::from_hms_opt(end_hour, end_minute, 0)?;
    (start < end).then_some((date, start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_digit_hours() {
        assert_eq!(
            parse_exam_time("2026-1-9(8:00-9:40)").map(|(d, s, _)| (d.to_string(), s.to_string())),
            Some(("2026-01-09".into(), "08:00:00".into()))
        );
    }

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
            "2026-01-10 10:30-12:30",
            "2026/1/10 (星期六) 10:30-12:30",
            "2026年01月10日(10:30至12:30)",
            "2026-01-10(10:30-12:30",
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
            "2026-01-10(10:30-12:30)第3周",
            "2026-01-10(10:30:00-12:30)",
            "20260-01-10(10:30-12:30)",
        ] {
            assert_eq!(parse_exam_time(text), None, "{text}");
        }
    }
}
