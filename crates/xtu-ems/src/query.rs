//! Validated inputs of the free-classroom query.

use std::collections::BTreeSet;

use xtu_model::Term;

/// XTU teaches at most this many weeks in a term.
pub const MAX_WEEK: u8 = 25;
/// XTU has 11 sections a day (1-2, 3-4, 5-6, 7-8, 9-11).
pub const MAX_SECTION: u8 = 11;
const YEARS: std::ops::RangeInclusive<u16> = 2000..=2099;

/// A query input that makes no sense; the message names the flag's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// Term other than 1 or 2.
    #[error("invalid term {0}: expected 1 or 2")]
    Term(u8),
    /// Year out of range.
    #[error("invalid year {0}: expected the academic year's first calendar year, {min}..={max} (e.g. 2025 for 2025-2026)", min = YEARS.start(), max = YEARS.end())]
    Year(u16),
    /// Week outside 1..=25.
    #[error("invalid week {0}: expected 1..={MAX_WEEK}")]
    Week(u8),
    /// Day outside 1..=7.
    #[error("invalid day of week {0}: expected 1 (Monday) ..= 7 (Sunday)")]
    Day(u8),
    /// Section outside 1..=11.
    #[error("invalid section {0}: expected 1..={MAX_SECTION}")]
    Section(u8),
    /// An empty list.
    #[error("no {0} given: at least one is needed")]
    Empty(&'static str),
    /// A campus, building or room-type code that is not a plain code.
    #[error("invalid {what} {value:?}: expected letters and digits only")]
    Code {
        /// Which filter.
        what: &'static str,
        /// The value given.
        value: String,
    },
}

/// A term checked to be one the academic system can be asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermSpec(Term);

impl TermSpec {
    /// Validates a year and term.
    pub fn new(start_year: u16, term: u8) -> Result<Self, QueryError> {
        if !YEARS.contains(&start_year) {
            return Err(QueryError::Year(start_year));
        }
        if !matches!(term, 1 | 2) {
            return Err(QueryError::Term(term));
        }
        Ok(Self(Term { start_year, term }))
    }

    /// The academic year's first calendar year (`xnm`).
    pub fn start_year(self) -> u16 {
        self.0.start_year
    }

    /// 1 or 2.
    pub fn term(self) -> u8 {
        self.0.term
    }

    /// ZhengFang's term code (`xqm`).
    pub fn xqm(self) -> &'static str {
        self.0.xqm()
    }
}

impl From<TermSpec> for Term {
    fn from(spec: TermSpec) -> Self {
        spec.0
    }
}

/// The free-classroom query: which rooms are free in all these weeks, on these
/// days, in all these sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassroomQuery {
    term: TermSpec,
    weeks: BTreeSet<u8>,
    days: BTreeSet<u8>,
    sections: BTreeSet<u8>,
    /// Campus code (`xqh_id`): `02` 校本部 (default), `03` 兴湘学院.
    pub campus: String,
    /// Room type (`cdlb_id`): `01` 教室 (default); empty for all types.
    pub room_type: String,
    /// Building code (`lh`, e.g. `101` 第一教学楼); empty for any.
    pub building: String,
    /// Minimum number of seats.
    pub min_seats: Option<u32>,
}

fn checked(
    values: impl IntoIterator<Item = u8>,
    what: &'static str,
    range: std::ops::RangeInclusive<u8>,
    error: fn(u8) -> QueryError,
) -> Result<BTreeSet<u8>, QueryError> {
    let set = values
        .into_iter()
        .map(|v| {
            if range.contains(&v) {
                Ok(v)
            } else {
                Err(error(v))
            }
        })
        .collect::<Result<BTreeSet<u8>, _>>()?;
    if set.is_empty() {
        return Err(QueryError::Empty(what));
    }
    Ok(set)
}

impl ClassroomQuery {
    /// Validates the seed's inputs; duplicates are dropped.
    pub fn new(
        term: TermSpec,
        weeks: impl IntoIterator<Item = u8>,
        days: impl IntoIterator<Item = u8>,
        sections: impl IntoIterator<Item = u8>,
    ) -> Result<Self, QueryError> {
        Ok(Self {
            term,
            weeks: checked(weeks, "weeks", 1..=MAX_WEEK, QueryError::Week)?,
            days: checked(days, "days of week", 1..=7, QueryError::Day)?,
            sections: checked(sections, "sections", 1..=MAX_SECTION, QueryError::Section)?,
            campus: "02".to_owned(),
            room_type: "01".to_owned(),
            building: String::new(),
            min_seats: None,
        })
    }

    /// The term queried.
    pub fn term(&self) -> TermSpec {
        self.term
    }

    /// Checks the free-text codes before they go into a request.
    pub fn validate_codes(&self) -> Result<(), QueryError> {
        for (what, value) in [
            ("campus", &self.campus),
            ("room type", &self.room_type),
            ("building", &self.building),
        ] {
            if !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(QueryError::Code {
                    what,
                    value: value.clone(),
                });
            }
        }
        Ok(())
    }

    /// The POST form of one result page.
    pub(crate) fn form(&self, page: u32, now_ms: u128) -> Vec<(&'static str, String)> {
        let mask =
            |set: &BTreeSet<u8>| set.iter().map(|v| 1u64 << (v - 1)).sum::<u64>().to_string();
        let days = self
            .days
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(",");
        vec![
            ("fwzt", "cx".to_owned()),
            ("xqh_id", self.campus.clone()),
            ("xnm", self.term.start_year().to_string()),
            ("xqm", self.term.xqm().to_owned()),
            ("cdlb_id", self.room_type.clone()),
            ("cdejlb_id", String::new()),
            (
                "qszws",
                self.min_seats.map(|s| s.to_string()).unwrap_or_default(),
            ),
            ("jszws", String::new()),
            ("cdmc", String::new()),
            ("lh", self.building.clone()),
            ("jyfs", "0".to_owned()),
            ("cdjylx", String::new()),
            ("zcd", mask(&self.weeks)),
            ("xqj", days),
            ("jcd", mask(&self.sections)),
            ("_search", "false".to_owned()),
            ("nd", now_ms.to_string()),
            ("queryModel.showCount", PAGE_SIZE.to_string()),
            ("queryModel.currentPage", page.to_string()),
            ("queryModel.sortName", "cdbh".to_owned()),
            ("queryModel.sortOrder", "asc".to_owned()),
            ("time", "0".to_owned()),
        ]
    }
}

/// Rows asked for per page. jqGrid servers may cap it lower; the client then
/// fetches the remaining pages.
pub(crate) const PAGE_SIZE: u32 = 5000;

#[cfg(test)]
mod tests {
    use super::*;

    fn term() -> TermSpec {
        TermSpec::new(2025, 1).expect("valid")
    }

    #[test]
    fn validates_every_input() {
        assert_eq!(TermSpec::new(2025, 3), Err(QueryError::Term(3)));
        assert_eq!(TermSpec::new(1999, 1), Err(QueryError::Year(1999)));
        assert_eq!(
            ClassroomQuery::new(term(), [0], [1], [1]),
            Err(QueryError::Week(0))
        );
        assert_eq!(
            ClassroomQuery::new(term(), [26], [1], [1]),
            Err(QueryError::Week(26))
        );
        assert_eq!(
            ClassroomQuery::new(term(), [1], [8], [1]),
            Err(QueryError::Day(8))
        );
        assert_eq!(
            ClassroomQuery::new(term(), [1], [1], [12]),
            Err(QueryError::Section(12))
        );
        assert_eq!(
            ClassroomQuery::new(term(), [], [1], [1]),
            Err(QueryError::Empty("weeks"))
        );
    }

    #[test]
    fn encodes_bitmasks_and_term_code() {
        let q = ClassroomQuery::new(
            TermSpec::new(2025, 2).expect("valid"),
            [1, 2, 3, 3],
            [1],
            [1, 2, 11],
        )
        .expect("valid");
        let form = q.form(1, 0);
        let get = |k: &str| {
            form.iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("zcd"), Some("7"));
        assert_eq!(get("jcd"), Some(&*(1u64 + 2 + 1024).to_string()));
        assert_eq!(get("xqm"), Some("12"));
        assert_eq!(get("xnm"), Some("2025"));
        assert_eq!(get("xqj"), Some("1"));
    }
}
