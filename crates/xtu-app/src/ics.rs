//! Classes and exams as an RFC 5545 calendar.
//!
//! One event per class meeting (not a recurrence rule): ZhengFang's week
//! sets (odd/even weeks, gaps) and the summer/winter switch of section times
//! would need exception lists that calendar apps handle unevenly, while
//! single events import the same everywhere.

use chrono::{Datelike as _, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use icalendar::{Alarm, Calendar, CalendarDateTime, Component as _, EventLike as _};
use xtu_ems::TermSpec;
use xtu_model::sections::{Season, section_end, section_start};
use xtu_model::{Exam, TeachingCalendar, Timetable};

use crate::error::Error;
use crate::session::Xtu;

/// XTU keeps Beijing time; China has had no daylight saving time since 1991,
/// so one fixed-offset definition describes every date we emit.
const TZID: &str = "Asia/Shanghai";
/// The time zone definition the events refer to. icalendar-rs writes no
/// VTIMEZONE of its own, so this fixed block goes in after the calendar's
/// properties.
const VTIMEZONE: &str = "BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai\r\nBEGIN:STANDARD\r\n\
DTSTART:19700101T000000\r\nTZOFFSETFROM:+0800\r\nTZOFFSETTO:+0800\r\nTZNAME:CST\r\n\
END:STANDARD\r\nEND:VTIMEZONE\r\n";
/// UIDs name this domain so they cannot collide with other producers'.
const UID_DOMAIN: &str = "xtu-cli.invalid";

/// What goes into the export.
pub struct Export<'a> {
    /// The current term's calendar, which dates the teaching weeks.
    pub calendar: &'a TeachingCalendar,
    /// Classes of that term.
    pub timetable: Option<&'a Timetable>,
    /// Exams.
    pub exams: Option<&'a [Exam]>,
    /// A reminder this long before each event.
    pub alarm: Option<Duration>,
    /// DTSTAMP of every event (the export time).
    pub stamp: chrono::DateTime<chrono::Utc>,
}

/// What to export.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IcsRequest {
    /// The current term's classes.
    pub timetable: bool,
    /// The exams of every term.
    pub exams: bool,
    /// A reminder this long before each event.
    pub alarm: Option<Duration>,
}

impl Xtu {
    /// The calendar first (it dates the weeks and names the current term),
    /// then the term's timetable; exams alongside. Neither `timetable` nor
    /// `exams` asked: both.
    pub async fn export_ics(
        &self,
        request: &IcsRequest,
        token: Option<&str>,
    ) -> Result<String, Error> {
        let both = !request.timetable && !request.exams;
        let (want_timetable, want_exams) = (both || request.timetable, both || request.exams);
        let (calendar, timetable, exams) = self
            .query(token, |ems| async move {
                let exams = async {
                    if want_exams {
                        ems.exams(None).await.map(Some)
                    } else {
                        Ok(None)
                    }
                };
                let (calendar, exams) = tokio::try_join!(ems.teaching_calendar(), exams)?;
                let term = calendar
                    .term()
                    .and_then(|t| TermSpec::new(t.start_year, t.term).ok());
                let timetable = match term {
                    Some(term) if want_timetable => Some(ems.timetable(term).await?),
                    _ => None,
                };
                Ok((calendar, timetable, exams))
            })
            .await?;
        if want_timetable && timetable.is_none() {
            return Err(Error::Usage(format!(
                "the current term {} is not an autumn or spring term: no timetable to export",
                calendar.term_id
            )));
        }
        render(&Export {
            calendar: &calendar,
            timetable: timetable.as_ref(),
            exams: exams.as_deref(),
            alarm: request.alarm,
            stamp: chrono::Utc::now(),
        })
        .map_err(|e| Error::Usage(e.into()))
    }
}

/// Parses an alarm: `25m`, `1h`, `1h30m`, `1d`; 1 minute to 7 days.
pub fn parse_alarm(text: &str) -> Result<Duration, String> {
    let invalid = || format!("invalid alarm {text:?}: expected e.g. 25m, 1h, 1h30m or 1d");
    let mut total = Duration::zero();
    let mut digits = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: i64 = digits.parse().map_err(|_| invalid())?;
        digits.clear();
        let part = match c {
            'm' => Duration::try_minutes(n),
            'h' => Duration::try_hours(n),
            'd' => Duration::try_days(n),
            _ => None,
        };
        total = part
            .and_then(|p| total.checked_add(&p))
            .ok_or_else(invalid)?;
    }
    if !digits.is_empty() || total < Duration::minutes(1) || total > Duration::days(7) {
        return Err(invalid());
    }
    Ok(total)
}

/// FNV-1a: a hash whose value never changes between builds or versions
/// (std's hasher makes no such promise), so UIDs stay stable.
fn stable_hash(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0x1f]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

fn at(date: NaiveDate, time: NaiveTime) -> CalendarDateTime {
    CalendarDateTime::WithTimezone {
        date_time: NaiveDateTime::new(date, time),
        tzid: TZID.to_owned(),
    }
}

/// The date of `day` (1 = Monday) in teaching week `week`: week 1 is the
/// Monday-to-Sunday week holding the term's first day.
pub fn date_of(calendar: &TeachingCalendar, week: u8, day: u8) -> Option<NaiveDate> {
    let start = calendar.start_date;
    let monday = start.checked_sub_days(chrono::Days::new(u64::from(
        start.weekday().num_days_from_monday(),
    )))?;
    let offset = (u64::from(week).checked_sub(1)?) * 7 + u64::from(day.checked_sub(1)?);
    monday.checked_add_days(chrono::Days::new(offset))
}

/// The calendar text (CRLF lines, folded at 75 octets).
pub fn render(export: &Export<'_>) -> Result<String, &'static str> {
    let mut calendar = Calendar::empty();
    for (key, value) in [
        ("VERSION", "2.0"),
        ("PRODID", "-//xtu-cli//xtu export ics//ZH"),
        ("CALSCALE", "GREGORIAN"),
        ("X-WR-CALNAME", "XTU"),
        ("X-WR-TIMEZONE", TZID),
    ] {
        calendar.append_property((key, value));
    }
    let alarm = |event: &mut icalendar::Event, what: &str| {
        if let Some(before) = export.alarm {
            event.alarm(Alarm::display(what, -before));
        }
    };
    if let Some(timetable) = export.timetable {
        for course in &timetable.courses {
            let (Some(&first), Some(&last)) = (course.sections.first(), course.sections.last())
            else {
                continue;
            };
            for &week in &course.weeks {
                let Some(date) = date_of(export.calendar, week, course.day_of_week) else {
                    continue;
                };
                if date < export.calendar.start_date || date > export.calendar.end_date {
                    continue;
                }
                let season = Season::of(date);
                let (Some(start), Some(end)) =
                    (section_start(first, season), section_end(last, season))
                else {
                    continue;
                };
                let uid = stable_hash(&[
                    &timetable.term,
                    &course.course_code,
                    &course.class_name,
                    &course.name,
                    &course.day_of_week.to_string(),
                    &first.to_string(),
                    &week.to_string(),
                ]);
                let mut event = icalendar::Event::new();
                event
                    .uid(&format!("class-{uid:016x}@{UID_DOMAIN}"))
                    .timestamp(export.stamp)
                    .summary(&course.name)
                    .starts(at(date, start))
                    .ends(at(date, end))
                    .description(&format!(
                        "教师: {}\n第{week}周 {}-{}节\n周次: {}\n教学班: {}",
                        course.teacher, first, last, course.weeks_text, course.class_name
                    ));
                if !course.location.is_empty() {
                    event.location(&course.location);
                }
                alarm(&mut event, &course.name);
                calendar.push(event.done());
            }
        }
    }
    for exam in export.exams.unwrap_or_default() {
        let (Some(date), Some(start), Some(end)) = (exam.date, exam.start, exam.end) else {
            continue;
        };
        let uid = stable_hash(&[&exam.course_code, &exam.course, &exam.exam_name]);
        let summary = format!("考试: {}", exam.course);
        let mut description = format!("{} {}", exam.exam_name, exam.assessment);
        if let Some(seat) = &exam.seat {
            description.push_str(&format!("\n座位号: {seat}"));
        }
        let mut event = icalendar::Event::new();
        event
            .uid(&format!("exam-{uid:016x}@{UID_DOMAIN}"))
            .timestamp(export.stamp)
            .summary(&summary)
            .starts(at(date, start))
            .ends(at(date, end))
            .description(description.trim());
        if let Some(location) = &exam.location {
            event.location(location);
        }
        alarm(&mut event, &summary);
        calendar.push(event.done());
    }
    let mut text = calendar.to_string();
    // Lines start after CRLF and values are escaped, so the first component
    // (or the end) is where the properties stop.
    let after_properties = ["\r\nBEGIN:VEVENT\r\n", "\r\nEND:VCALENDAR\r\n"]
        .iter()
        .filter_map(|marker| text.find(marker))
        .min()
        .ok_or("the calendar writer produced no END:VCALENDAR")?;
    text.insert_str(after_properties + 2, VTIMEZONE);
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alarms() {
        assert_eq!(parse_alarm("25m"), Ok(Duration::minutes(25)));
        assert_eq!(parse_alarm("1h30m"), Ok(Duration::minutes(90)));
        assert_eq!(parse_alarm("1d"), Ok(Duration::days(1)));
        for bad in [
            "",
            "0m",
            "25",
            "m",
            "8d",
            "1x",
            "-5m",
            "99999999999999999999m",
        ] {
            assert!(parse_alarm(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn teaching_weeks_start_on_the_monday_of_the_first_day() {
        let calendar = TeachingCalendar {
            term_id: "2025-2026-1".into(),
            // A Wednesday: week 1 still starts on Monday 2025-09-01.
            start_date: NaiveDate::from_ymd_opt(2025, 9, 3).expect("date"),
            end_date: NaiveDate::from_ymd_opt(2026, 1, 18).expect("date"),
        };
        let date = |w, d| date_of(&calendar, w, d).map(|d| d.to_string());
        assert_eq!(date(1, 1).as_deref(), Some("2025-09-01"));
        assert_eq!(date(2, 3).as_deref(), Some("2025-09-10"));
        assert_eq!(date(0, 1), None);
        assert_eq!(date(1, 0), None);
    }

    #[test]
    fn uids_are_stable() {
        // Pinned: changing the hash would duplicate every imported event.
        assert_eq!(stable_hash(&["a", "b"]), stable_hash(&["a", "b"]));
        assert_ne!(stable_hash(&["ab", ""]), stable_hash(&["a", "b"]));
        assert_eq!(stable_hash(&[]), 0xcbf2_9ce4_8422_2325);
    }
}
