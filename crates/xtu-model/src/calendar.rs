use std::fmt;
use std::str::FromStr;

use chrono::{Datelike as _, NaiveDate};
use serde::{Deserialize, Serialize};

/// An academic term: `start_year` 2025 and `term` 1 is 2025-2026-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Term {
    /// First calendar year of the academic year (ZhengFang's `xnm`).
    pub start_year: u16,
    /// 1 (autumn) or 2 (spring).
    pub term: u8,
}

impl Term {
    /// `2025-2026`.
    pub fn academic_year_label(self) -> String {
        format!("{}-{}", self.start_year, u32::from(self.start_year) + 1)
    }

    /// ZhengFang's term code (`xqm`): term 1 is `3`, term 2 is `12`.
    pub fn xqm(self) -> &'static str {
        if self.term == 1 { "3" } else { "12" }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.academic_year_label(), self.term)
    }
}

/// A term id that is neither `2025-2026-1` nor `2025-1`.
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
        let start_year: u16 = start.parse().map_err(|_| err())?;
        if let Some(end) = end {
            let end: u32 = end.parse().map_err(|_| err())?;
            if end != u32::from(start_year) + 1 {
                return Err(err());
            }
        }
        let term: u8 = term.parse().map_err(|_| err())?;
        if !matches!(term, 1 | 2) {
            return Err(err());
        }
        Ok(Self { start_year, term })
    }
}

/// The current term's teaching calendar (教学日历), as the seed prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeachingCalendar {
    /// `2025-2026-1`.
    pub term_id: String,
    /// First day of the term.
    pub start_date: NaiveDate,
    /// Last day of the term.
    pub end_date: NaiveDate,
}

impl TeachingCalendar {
    /// The term, when `term_id` is well formed (the parser guarantees it).
    pub fn term(&self) -> Option<Term> {
        self.term_id.parse().ok()
    }

    /// The teaching week of `date`: week 1 is the Monday-to-Sunday week that
    /// holds `start_date`. `None` outside the term.
    pub fn week_of(&self, date: NaiveDate) -> Option<u32> {
        if date < self.start_date || date > self.end_date {
            return None;
        }
        let first_monday = self.start_date
            - chrono::Duration::days(i64::from(self.start_date.weekday().num_days_from_monday()));
        u32::try_from((date - first_monday).num_days() / 7 + 1).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        for bad in ["2025-2027-1", "2025-2026-3", "x", "", "2025-2026-1-1"] {
            assert!(bad.parse::<Term>().is_err(), "{bad}");
        }
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
    }
}
