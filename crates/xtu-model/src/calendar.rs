use std::fmt;
use std::str::FromStr;

use chrono::{Datelike as _, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

/// The current date and time in Beijing (UTC+8), the zone XTU keeps whatever
/// the machine's own zone: "today" and "the current term" are XTU's.
pub fn beijing_now() -> NaiveDateTime {
    // China has had no daylight saving time since 1991: a fixed offset is exact.
    let offset =
        FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("+08:00 is a valid offset"));
    Utc::now().with_timezone(&offset).naive_local()
}

/// Today's date in Beijing (see [`beijing_now`]); with [`Term::around`] it
/// gives the current term.
pub fn beijing_today() -> NaiveDate {
    beijing_now().date()
}

/// An academic term: `start_year` 2025 and `term` 1 is 2025-2026-1.
///
/// ZhengFang knows three terms a year: autumn (1), spring (2) and a short
/// summer term (3, 小学期/夏季学期), which follows the spring term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Term {
    /// First calendar year of the academic year (ZhengFang's `xnm`).
    pub start_year: u16,
    /// 1 (autumn), 2 (spring) or 3 (summer).
    pub term: u8,
}

/// The summer term's number.
pub const SUMMER_TERM: u8 = 3;

impl Term {
    /// A term, when `term` is 1, 2 or 3 (summer).
    pub fn new(start_year: u16, term: u8) -> Option<Self> {
        matches!(term, 1..=SUMMER_TERM).then_some(Self { start_year, term })
    }

    /// The term as ZhengFang labels and codes it, under the names its
    /// answers use: the year as a code (`xnm`/`XNM`, `2025`) or a label
    /// (`xnmc`/`XNMC`/`xnmmc`, `2025-2026`); the term by its label
    /// (`xqmmc`/`XQMMC`: `1`, `第二学期`, `夏`...) when it reads as one, else
    /// by its code (`xqm`/`XQM`: `3` autumn, `12` spring, `16` summer; the
    /// codes are not term numbers: `xqm` 3 is the first term, never the
    /// third). Blank parts are skipped.
    pub fn from_site(xnm: &str, year_label: &str, xqm: &str, term_label: &str) -> Option<Self> {
        let start_year = plain_number::<u16>(xnm).or_else(|| year_of_label(year_label))?;
        let term = term_of_label(term_label).or_else(|| term_of_code(xqm))?;
        Self::new(start_year, term)
    }

    /// Whether this is the short summer term.
    pub fn is_summer(self) -> bool {
        self.term == SUMMER_TERM
    }

    /// `2025-2026`.
    pub fn academic_year_label(self) -> String {
        format!("{}-{}", self.start_year, u32::from(self.start_year) + 1)
    }

    /// The term a date belongs to by the upstream toolkit's rule (no request
    /// needed): February-July is term 2 of the academic year that began the
    /// previous calendar year; August-December term 1 of this year's;
    /// January still term 1 of the previous year's.
    pub fn around(date: NaiveDate) -> Self {
        let year = u16::try_from(date.year()).unwrap_or(0);
        match date.month() {
            1 => Self {
                start_year: year.saturating_sub(1),
                term: 1,
            },
            2..=7 => Self {
                start_year: year.saturating_sub(1),
                term: 2,
            },
            _ => Self {
                start_year: year,
                term: 1,
            },
        }
    }

    /// ZhengFang's term code (`xqm`): term 1 is `3`, term 2 is `12`, the
    /// summer term `16`.
    pub fn xqm(self) -> &'static str {
        match self.term {
            1 => "3",
            2 => "12",
            _ => "16",
        }
    }
}

/// The first year of `2025-2026` (the two years must follow each other) or
/// of a lone `2025`.
fn year_of_label(label: &str) -> Option<u16> {
    let label = label.trim();
    match label.split_once(['-', '－']) {
        Some((start, end)) => {
            let start = plain_number::<u16>(start)?;
            let end = plain_number::<u32>(end)?;
            (end == u32::from(start) + 1).then_some(start)
        }
        None => plain_number(label),
    }
}

/// The term number of a term code (`xqm`).
fn term_of_code(xqm: &str) -> Option<u8> {
    match xqm.trim() {
        "3" => Some(1),
        "12" => Some(2),
        "16" => Some(SUMMER_TERM),
        _ => None,
    }
}

/// The term number of a label: `1`/`一`, `2`/`二`, `3`/`三`, with or
/// without `第…学期`; a summer label (`夏`, `暑`, `小学期`) is term 3.
fn term_of_label(label: &str) -> Option<u8> {
    let bare = label.trim();
    if bare.contains(['夏', '暑']) || bare.contains("小学期") {
        return Some(SUMMER_TERM);
    }
    let bare = bare
        .trim_start_matches('第')
        .trim_end_matches("学期")
        .trim();
    match bare {
        "1" | "一" => Some(1),
        "2" | "二" => Some(2),
        "3" | "三" => Some(SUMMER_TERM),
        _ => None,
    }
}

/// Plain ASCII digits only (`str::parse` would also take `+2025`), trimmed.
fn plain_number<T: FromStr>(text: &str) -> Option<T> {
    let text = text.trim();
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.academic_year_label(), self.term)
    }
}

/// A term id that is neither `2025-2026-1` nor `2025-1` (term 1, 2 or 3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid term {0:?}: expected e.g. 2025-2026-1 or 2025-1")]
pub struct TermParseError(String);

impl FromStr for Term {
    type Err = TermParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || TermParseError(s.to_owned());
        let parts: Vec<&str> = s.trim().split('-').collect();
        let (start, end, term) = match parts.as_slice() {
            [start, end, term] => (*start, Some(*end), *term),
            [start, term] => (*start, None, *term),
            _ => return Err(err()),
        };
        // No spaces inside the id: `2025- 1` is not a term.
        fn number<T: FromStr>(part: &str) -> Option<T> {
            (part.trim() == part).then(|| plain_number(part)).flatten()
        }
        let start_year: u16 = number(start).ok_or_else(err)?;
        if let Some(end) = end {
            let end: u32 = number(end).ok_or_else(err)?;
            if end != u32::from(start_year) + 1 {
                return Err(err());
            }
        }
        let term: u8 = number(term).ok_or_else(err)?;
        Self::new(start_year, term).ok_or_else(err)
    }
}

/// The current term's teaching calendar (教学日历), as the seed prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TeachingCalendar {
    /// `2025-2026-1`.
    pub term_id: String,
    /// First day of the term.
    pub start_date: NaiveDate,
    /// Last day of the term.
    pub end_date: NaiveDate,
}

impl TeachingCalendar {
    /// The term (the summer term is term 3). `None` only for a `term_id`
    /// that is not `YYYY-YYYY-N`, e.g. a value built by hand.
    pub fn term(&self) -> Option<Term> {
        self.term_id.parse().ok()
    }

    /// The teaching week of `date`: week 1 is the Monday-to-Sunday week that
    /// holds `start_date`. `None` outside the term.
    pub fn week_of(&self, date: NaiveDate) -> Option<u32> {
        if date < self.start_date || date > self.end_date {
            return None;
        }
        // Checked: a deserialized calendar may hold any date, even the first
        // one chrono can represent.
        let first_monday = self
            .start_date
            .checked_sub_days(chrono::Days::new(u64::from(
                self.start_date.weekday().num_days_from_monday(),
            )))?;
        u32::try_from((date - first_monday).num_days() / 7 + 1).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_term_around_a_date() {
        let term =
            |y, m, d| Term::around(NaiveDate::from_ymd_opt(y, m, d).expect("date")).to_string();
        assert_eq!(term(2026, 1, 15), "2025-2026-1");
        assert_eq!(term(2026, 2, 1), "2025-2026-2");
        assert_eq!(term(2026, 7, 31), "2025-2026-2");
        assert_eq!(term(2026, 8, 1), "2026-2027-1");
        assert_eq!(term(2025, 12, 31), "2025-2026-1");
    }

    #[test]
    fn parses_and_prints_terms() {
        let term: Term = "2025-2026-1".parse().expect("valid");
        assert_eq!(
            term,
            Term {
                start_year: 2025,
                term: 1
            }
        );
        assert_eq!(term.to_string(), "2025-2026-1");
        assert_eq!("2025-2".parse::<Term>().map(Term::xqm), Ok("12"));
        assert_eq!("2025-1".parse::<Term>().map(Term::xqm), Ok("3"));
        assert_eq!(
            " 2025-2026-2 "
                .parse::<Term>()
                .map(|t| t.academic_year_label()),
            Ok("2025-2026".to_owned())
        );
        assert_eq!(Term::new(2025, 4), None);
        assert_eq!(
            "2024-2025-3"
                .parse::<Term>()
                .map(|t| (t.is_summer(), t.xqm())),
            Ok((true, "16"))
        );
        for bad in [
            "2025-2027-1",
            "2025-2026-4",
            "2025-2026- 1",
            "2025-0",
            "x",
            "",
            "-",
            "2025-2026-1-1",
            "+2025-1",
            "2025-+1",
            "99999-1",
            "２０２５-1",
        ] {
            assert!(bad.parse::<Term>().is_err(), "{bad}");
        }
    }

    #[test]
    fn terms_from_zhengfang_codes() {
        let term = |xnm, xqm| Term::from_site(xnm, "", xqm, "").map(|t| t.to_string());
        assert_eq!(term("2025", "3"), Some("2025-2026-1".into()));
        assert_eq!(term(" 2025 ", "12"), Some("2025-2026-2".into()));
        assert_eq!(term("2024", "16"), Some("2024-2025-3".into()));
        for (xnm, xqm) in [
            ("2025", "1"),
            ("2025", "2"),
            ("", "3"),
            ("+2025", "3"),
            ("2025", ""),
        ] {
            assert_eq!(term(xnm, xqm), None, "{xnm}/{xqm}");
        }
        let site =
            |xnm, xnmc, xqm, xqmmc| Term::from_site(xnm, xnmc, xqm, xqmmc).map(|t| t.to_string());
        // The label wins; the code is the fallback; the year from either.
        assert_eq!(
            site("2025", "2025-2026", "3", "1"),
            Some("2025-2026-1".into())
        );
        assert_eq!(site("", "2025-2026", "12", ""), Some("2025-2026-2".into()));
        assert_eq!(site("2025", "", "16", ""), Some("2025-2026-3".into()));
        assert_eq!(
            site("2025", "", "3", "第二学期"),
            Some("2025-2026-2".into())
        );
        assert_eq!(site("2024", "", "", "夏"), Some("2024-2025-3".into()));
        assert_eq!(site("2024", "", "12", "x"), Some("2024-2025-2".into()));
        for (xnm, xnmc, xqm, xqmmc) in [
            ("", "", "3", "1"),
            ("", "2025-2027", "3", ""),
            ("2025", "", "", ""),
            ("2025", "", "1", ""),
        ] {
            assert_eq!(
                site(xnm, xnmc, xqm, xqmmc),
                None,
                "{xnm}/{xnmc}/{xqm}/{xqmmc}"
            );
        }
        // Summer follows spring.
        assert!(Term::new(2024, 2) < Term::new(2024, 3));
        assert!(Term::new(2024, 3) < Term::new(2025, 1));
    }

    #[test]
    fn counts_weeks_from_the_monday_of_the_first_week() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        let calendar = TeachingCalendar {
            term_id: "2025-2026-1".into(),
            start_date: d("2025-09-01"),
            end_date: d("2026-01-18"),
        };
        assert_eq!(calendar.week_of(d("2025-09-01")), Some(1));
        assert_eq!(calendar.week_of(d("2025-09-07")), Some(1));
        assert_eq!(calendar.week_of(d("2025-09-08")), Some(2));
        assert_eq!(calendar.week_of(d("2026-01-18")), Some(20));
        assert_eq!(calendar.week_of(d("2025-08-31")), None);
        assert_eq!(calendar.week_of(d("2026-01-19")), None);
        assert_eq!(
            calendar.term().map(|t| t.to_string()),
            Some("2025-2026-1".into())
        );
    }

    #[test]
    fn week_one_is_the_week_holding_a_midweek_start() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        let calendar = TeachingCalendar {
            term_id: "2025-2026-2".into(),
            start_date: d("2026-02-25"), // a Wednesday
            end_date: d("2026-07-05"),
        };
        assert_eq!(calendar.week_of(d("2026-02-25")), Some(1));
        assert_eq!(calendar.week_of(d("2026-03-01")), Some(1));
        assert_eq!(calendar.week_of(d("2026-03-02")), Some(2));
        assert_eq!(calendar.week_of(d("2026-02-23")), None);
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        let calendar = TeachingCalendar {
            term_id: "x".into(),
            start_date: NaiveDate::MIN,
            end_date: NaiveDate::MAX,
        };
        let _ = calendar.week_of(NaiveDate::MAX);
        let _ = calendar.week_of(NaiveDate::MIN);
        assert_eq!(calendar.term(), None);
    }

    #[test]
    fn serializes_to_the_seed_json() {
        let calendar = TeachingCalendar {
            term_id: "2025-2026-1".into(),
            start_date: NaiveDate::from_ymd_opt(2025, 9, 1).expect("date"),
            end_date: NaiveDate::from_ymd_opt(2026, 1, 18).expect("date"),
        };
        let json = serde_json::to_string(&calendar).expect("serializes");
        assert_eq!(
            json,
            r#"{"term_id":"2025-2026-1","start_date":"2025-09-01","end_date":"2026-01-18"}"#
        );
        assert_eq!(
            serde_json::from_str::<TeachingCalendar>(&json).ok(),
            Some(calendar)
        );
    }
}
